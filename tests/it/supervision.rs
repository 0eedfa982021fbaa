//! Supervision tasks (督办) on both databases: issued to a department with a federation below as
//! co-unit, signed for, reported on, extended before the deadline, reported done, returned and
//! closed by someone other than their owner, visited again and rated; the lights, the reminder
//! the day after the deadline copied to the unit's head and the written notice after the
//! configured working days, through the escalation worker; the figures per unit; who sees what;
//! the pages and the API in both languages.

use crate::support::{self, all_backends, both_backends, with_small_demo};
use chrono::Duration;
use jinguo_domain::account::Role;
use jinguo_domain::supervision::{Light, Status, Step, TaskInput};
use jinguo_services::supervision::StepInput;
use jinguo_services::{Caller, ServiceError, Services, clock};
use jinguo_storage::Backend;
use serde_json::{Value, json};
use uuid::Uuid;

fn refused_field(e: &ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::Invalid(v) => {
            v.0.iter()
                .map(|f| (f.field.clone(), f.code.to_string()))
                .collect()
        }
        e => panic!("not a refusal: {e:?}"),
    }
}

async fn inbox_kinds(s: &Services, name: &str) -> Vec<String> {
    let id = jinguo_storage::account::by_username(&s.db, name)
        .await
        .unwrap()
        .unwrap()
        .id;
    jinguo_storage::linkage::inbox(&s.db, id, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect()
}

/// Whether an account was told of this kind of thing.
async fn told(s: &Services, name: &str, kind: &str) -> bool {
    inbox_kinds(s, name).await.iter().any(|k| k == kind)
}

/// A page's text as an account sees it.
async fn page_text(client: &reqwest::Client, url: String, cookie: &str) -> String {
    client
        .get(url)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

struct People {
    issuer: Caller,
    reviewer: Caller,
    police: Caller,
    town: Caller,
    other_town: Caller,
    town_code: String,
}

/// The county's departments, two staff of the county, the police's liaison and head, staff of
/// two townships.
async fn people(s: &Services) -> People {
    let operator = Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    let towns = jinguo_storage::place::children(&s.db, "530181")
        .await
        .unwrap();
    let (town, other) = (towns[0].code.clone(), towns[1].code.clone());
    support::account(s, "v-issuer", Role::Staff, "530181").await;
    support::account(s, "v-reviewer", Role::Staff, "530181").await;
    support::account(s, "v-police", Role::Liaison, "530181").await;
    support::account(s, "v-chief", Role::Liaison, "530181").await;
    support::account(s, "v-town", Role::Staff, &town).await;
    support::account(s, "v-other", Role::Staff, &other).await;
    s.set_liaison(&operator, "530181", "police", "v-police", "liaison")
        .await
        .unwrap();
    s.set_liaison(&operator, "530181", "police", "v-chief", "head")
        .await
        .unwrap();
    let c = |n: &'static str| support::caller_of(s, n, support::PASSWORD);
    People {
        issuer: c("v-issuer").await,
        reviewer: c("v-reviewer").await,
        police: c("v-police").await,
        town: c("v-town").await,
        other_town: c("v-other").await,
        town_code: town,
    }
}

fn task(town: &str, issued: chrono::NaiveDate, due: chrono::NaiveDate) -> TaskInput {
    TaskInput {
        title: "督办某村家暴个案后续处置".into(),
        matter: "请公安机关跟进告诫书执行情况。".into(),
        source: "meeting".into(),
        lead_department: "police".into(),
        co_places: vec![town.to_string()],
        owner_name: "李警官".into(),
        cadence: "weekly".into(),
        issued_on: issued.to_string(),
        deadline: due.to_string(),
        ..TaskInput::default()
    }
}

async fn step(s: &Services, who: &Caller, id: Uuid, step: &str) -> Result<(), ServiceError> {
    step_with(s, who, id, step, "办理情况说明", "", "").await
}

async fn step_with(
    s: &Services,
    who: &Caller,
    id: Uuid,
    step: &str,
    note: &str,
    new_due_on: &str,
    rating: &str,
) -> Result<(), ServiceError> {
    let v = s.supervision_task(who, id).await?;
    s.supervision_step(
        who,
        id,
        &StepInput {
            step: step.into(),
            expected_version: v.version,
            note: note.into(),
            new_due_on: new_due_on.into(),
            rating: rating.into(),
        },
    )
    .await
}

async fn lifecycle(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let p = people(&s).await;
    let today = clock::today();

    // Bad input: dates out of order, two lead units, a case not named.
    let mut bad = task(&p.town_code, today, today - Duration::days(1));
    let e = s.issue_task(&p.issuer, "530181", &bad).await.unwrap_err();
    assert!(
        refused_field(&e).contains(&("deadline".into(), "supervision.due_before_issue".into()))
    );
    bad = task(&p.town_code, today, today + Duration::days(10));
    bad.lead_place = p.town_code.clone();
    bad.co_places.clear();
    let e = s.issue_task(&p.issuer, "530181", &bad).await.unwrap_err();
    assert_eq!(refused_field(&e)[0].0, "lead_unit");
    bad = task(&p.town_code, today, today + Duration::days(10));
    bad.source = "case".into();
    bad.source_id = Some(Uuid::now_v7());
    let e = s.issue_task(&p.issuer, "530181", &bad).await.unwrap_err();
    assert_eq!(
        refused_field(&e),
        vec![("source_id".into(), "not_found".into())]
    );
    // A township's staff cannot issue from the county.
    let e = s
        .issue_task(
            &p.town,
            "530181",
            &task(&p.town_code, today, today + Duration::days(9)),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::NotFound), "{e:?}");

    let id = s
        .issue_task(
            &p.issuer,
            "530181",
            &task(&p.town_code, today, today + Duration::days(10)),
        )
        .await
        .unwrap();
    assert!(told(&s, "v-police", "supervision.issued").await);
    assert!(told(&s, "v-chief", "supervision.issued").await);

    // Who sees it: the issuer's county, the police, the co-unit's township; not another one.
    let v = s.supervision_task(&p.police, id).await.unwrap();
    assert_eq!(v.line.light, Light::Green);
    assert_eq!(v.may, vec![Step::Sign]);
    assert_eq!(v.owner_name, "李警官");
    assert!(s.supervision_task(&p.town, id).await.is_ok());
    assert!(matches!(
        s.supervision_task(&p.other_town, id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(
        s.supervision_board(&p.other_town, None, None)
            .await
            .unwrap()
            .lines
            .is_empty()
    );
    // The issuer cannot take the unit's steps, nor the unit the issuer's.
    let e = step(&s, &p.issuer, id, "sign").await.unwrap_err();
    assert_eq!(refused_field(&e)[0].1, "supervision.not_unit");

    step(&s, &p.police, id, "sign").await.unwrap();
    step(&s, &p.town, id, "progress").await.unwrap();
    let v = s.supervision_task(&p.police, id).await.unwrap();
    assert_eq!(v.line.status, Status::Signed);
    assert_eq!(v.line.report_due_on, Some(today + Duration::days(7)));

    // An extension: a date not later than the deadline is refused; then asked and approved.
    let e = step_with(
        &s,
        &p.police,
        id,
        "extend_request",
        "人手不足",
        &today.to_string(),
        "",
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused_field(&e),
        vec![("new_due_on".into(), "supervision.not_later".into())]
    );
    let later = today + Duration::days(15);
    step_with(
        &s,
        &p.police,
        id,
        "extend_request",
        "人手不足",
        &later.to_string(),
        "",
    )
    .await
    .unwrap();
    let e = step(&s, &p.police, id, "extend_approve").await.unwrap_err();
    assert_eq!(refused_field(&e)[0].1, "supervision.not_issuer");
    step(&s, &p.issuer, id, "extend_approve").await.unwrap();
    let v = s.supervision_task(&p.issuer, id).await.unwrap();
    assert_eq!(v.line.due_on, later);
    let clocks = jinguo_storage::linkage::deadlines_of_subject(&s.db, id)
        .await
        .unwrap();
    assert_eq!(clocks.iter().filter(|d| d.done_ms.is_none()).count(), 1);

    // Reported done; the owner (who issued it) cannot review it, another staff member returns it.
    step(&s, &p.police, id, "submit").await.unwrap();
    let e = step(&s, &p.issuer, id, "close").await.unwrap_err();
    assert_eq!(
        refused_field(&e),
        vec![("step".into(), "supervision.own_review".into())]
    );
    let v = s.supervision_task(&p.issuer, id).await.unwrap();
    assert!(!v.may.contains(&Step::Close));
    let e = step_with(&s, &p.reviewer, id, "return", "", "", "")
        .await
        .unwrap_err();
    assert_eq!(refused_field(&e), vec![("note".into(), "required".into())]);
    step(&s, &p.reviewer, id, "return").await.unwrap();
    step(&s, &p.police, id, "submit").await.unwrap();
    step(&s, &p.reviewer, id, "close").await.unwrap();
    let e = step_with(&s, &p.issuer, id, "revisit", "", "", "")
        .await
        .unwrap_err();
    assert_eq!(
        refused_field(&e),
        vec![("rating".into(), "required".into())]
    );
    step_with(&s, &p.issuer, id, "revisit", "回访满意", "", "satisfied")
        .await
        .unwrap();
    let v = s.supervision_task(&p.issuer, id).await.unwrap();
    assert_eq!(v.line.status, Status::Closed);
    assert_eq!(v.line.light, Light::Done);
    assert_eq!(v.line.returns, 1);
    let kinds: Vec<Step> = v.steps.iter().map(|st| st.kind).collect();
    assert_eq!(
        kinds,
        vec![
            Step::Issue,
            Step::Sign,
            Step::Progress,
            Step::ExtendRequest,
            Step::ExtendApprove,
            Step::Submit,
            Step::Return,
            Step::Submit,
            Step::Close,
            Step::Revisit
        ]
    );
    // A stale version writes nothing.
    let e = s
        .supervision_step(
            &p.issuer,
            id,
            &StepInput {
                step: "revisit".into(),
                expected_version: 1,
                rating: "basic".into(),
                ..StepInput::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, ServiceError::Invalid(_) | ServiceError::Conflict),
        "{e:?}"
    );

    // The figures per unit: one task, on time, returned once.
    let board = s.supervision_board(&p.issuer, None, None).await.unwrap();
    let police = board
        .units
        .iter()
        .find(|u| u.unit_name.contains("公安"))
        .unwrap();
    assert_eq!(
        (
            police.total,
            police.open,
            police.on_time,
            police.late,
            police.returned
        ),
        (1, 0, 1, 0, 1)
    );
}
all_backends!(a_task_from_issue_to_rating, super::lifecycle);

async fn clocks(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let p = people(&s).await;
    let today = clock::today();
    // A task issued three weeks ago, due two days ago: red.
    let overdue = s
        .issue_task(
            &p.issuer,
            "530181",
            &task(
                &p.town_code,
                today - Duration::days(21),
                today - Duration::days(2),
            ),
        )
        .await
        .unwrap();
    // More time is asked for before the deadline, never after.
    step(&s, &p.police, overdue, "sign").await.unwrap();
    let e = step_with(
        &s,
        &p.police,
        overdue,
        "extend_request",
        "来不及",
        &(today + Duration::days(5)).to_string(),
        "",
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused_field(&e),
        vec![("new_due_on".into(), "supervision.after_deadline".into())]
    );

    // The worker: the reminder to the unit (copied to its head) and the owner, then, after the
    // working days configured, the written notice to the heads, the owner and the county chair.
    let now = clock::now();
    let r = s.escalate(now).await.unwrap();
    assert_eq!(r.escalated, 1);
    assert!(told(&s, "v-police", "supervision.remind").await);
    assert!(told(&s, "v-chief", "supervision.remind").await);
    assert!(told(&s, "v-issuer", "supervision.remind").await);
    assert_eq!(s.escalate(now).await.unwrap().escalated, 0);
    let r = s.escalate(now + Duration::days(10)).await.unwrap();
    assert_eq!(r.escalated, 1);
    assert!(told(&s, "v-chief", "supervision.notice").await);
    assert!(told(&s, "v-reviewer", "supervision.notice").await);
    assert!(!told(&s, "v-police", "supervision.notice").await);
    let v = s.supervision_task(&p.issuer, overdue).await.unwrap();
    let kinds: Vec<Step> = v.steps.iter().map(|st| st.kind).collect();
    assert!(
        kinds.contains(&Step::Remind) && kinds.contains(&Step::Notice),
        "{kinds:?}"
    );
    assert_eq!(
        s.escalate(now + Duration::days(30))
            .await
            .unwrap()
            .escalated,
        0
    );
    // One due in two days: yellow; one in a month: green.
    for days in [2, 30] {
        s.issue_task(
            &p.issuer,
            "530181",
            &task(&p.town_code, today, today + Duration::days(days)),
        )
        .await
        .unwrap();
    }
    let board = s.supervision_board(&p.issuer, None, None).await.unwrap();
    assert_eq!((board.green, board.yellow, board.red), (1, 1, 1));
    assert_eq!(board.lines[0].id, overdue);
    assert_eq!(board.lines[0].light, Light::Red);
    let red = s
        .supervision_board(&p.police, None, Some("red"))
        .await
        .unwrap();
    assert_eq!(red.lines.len(), 1);
    let e = s
        .supervision_board(&p.police, None, Some("blue"))
        .await
        .unwrap_err();
    assert_eq!(refused_field(&e)[0].0, "light");
}
both_backends!(lights_reminder_and_notice, super::clocks);

#[test]
fn the_notice_follows_five_working_days_after_the_reminder() {
    use jinguo_services::supervision::{due_ms, notice_ms};
    // Due Wednesday 2026-04-01: the reminder on Thursday the 2nd, the notice five working days
    // later, on Thursday the 9th at 09:00 in China.
    let due = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    let p = jinguo_domain::supervision::Policy::default();
    let notice = chrono::DateTime::from_timestamp_millis(notice_ms(due, &p)).unwrap();
    assert_eq!(clock::local(notice), "2026-04-09 09:00");
    let at = chrono::DateTime::from_timestamp_millis(due_ms(due)).unwrap();
    assert_eq!(clock::local(at), "2026-04-02 00:00");
}

async fn pages_and_api(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let p = people(&s).await;
    let today = clock::today();
    let id = s
        .issue_task(
            &p.issuer,
            "530181",
            &task(&p.town_code, today, today + Duration::days(10)),
        )
        .await
        .unwrap();
    let srv = support::serve(s.clone()).await;
    let issuer = support::session(&s, "v-issuer", false).await;
    let police = support::session(&s, "v-police", false).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (lang, word) in [("zh", "督办事项"), ("en", "Supervision tasks")] {
        for path in ["/supervision".to_string(), format!("/supervision/{id}")] {
            let r = client
                .get(format!("{}{path}?lang={lang}", srv.base))
                .header("cookie", &police.cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path}");
            let html = r.text().await.unwrap();
            assert!(html.contains(word), "{path} {lang}");
        }
    }
    let html = page_text(
        &client,
        format!("{}/supervision/{id}", srv.base),
        &police.cookie,
    )
    .await;
    assert!(html.contains("id=\"step-sign\""));
    let html = page_text(
        &client,
        format!("{}/supervision/new", srv.base),
        &issuer.cookie,
    )
    .await;
    let key = support::form_value(&html, "request_key");
    assert!(!key.is_empty());

    // The form: one submission records once.
    let form = vec![
        ("csrf", issuer.csrf.clone()),
        ("request_key", key.clone()),
        ("place", "530181".into()),
        ("title", "会议部署督办".into()),
        ("source", "meeting".into()),
        ("lead_place", p.town_code.clone()),
        ("co.d.court", "1".into()),
        ("owner_name", "王主任".into()),
        ("cadence", "monthly".into()),
        ("issued_on", today.to_string()),
        ("deadline", (today + Duration::days(20)).to_string()),
    ];
    let mut seen = Vec::new();
    for _ in 0..2 {
        let r = client
            .post(format!("{}/supervision", srv.base))
            .header("cookie", &issuer.cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        seen.push(r.headers()["location"].to_str().unwrap().to_string());
    }
    assert_eq!(seen[0], seen[1]);
    let board = s.supervision_board(&p.issuer, None, None).await.unwrap();
    assert_eq!(board.lines.len(), 2);
    // The township staff now sees the task sent to her federation and signs it on the page.
    let town = support::session(&s, "v-town", false).await;
    let new_id = seen[0]
        .trim_start_matches("/supervision/")
        .trim_end_matches("?saved=1")
        .to_string();
    let page = page_text(
        &client,
        format!("{}/supervision/{new_id}", srv.base),
        &town.cookie,
    )
    .await;
    let version = support::form_value(&page, "expected_version");
    let r = client
        .post(format!("{}/supervision/{new_id}/steps", srv.base))
        .header("cookie", &town.cookie)
        .form(&[
            ("csrf", town.csrf.as_str()),
            ("step", "sign"),
            ("expected_version", version.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    // The API: dates out of order refused, naming the field, in both languages.
    for (lang, word) in [("zh-CN", "办结期限"), ("en", "Deadline")] {
        let r = client
            .post(format!("{}/api/v1/supervision", srv.base))
            .header("cookie", &issuer.cookie)
            .header("x-csrf-token", &issuer.csrf)
            .header("accept-language", lang)
            .json(&json!({
                "place": "530181", "title": "督办", "source": "instruction",
                "lead_department": "police", "owner_name": "李警官",
                "issued_on": today.to_string(), "deadline": today.to_string()
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let problem: Value = r.json().await.unwrap();
        assert_eq!(
            support::fields(&problem),
            vec![(
                "deadline".to_string(),
                "supervision.due_before_issue".to_string()
            )]
        );
        assert!(problem.to_string().contains(word), "{problem}");
    }
    let r = client
        .get(format!("{}/api/v1/supervision/{id}", srv.base))
        .header("cookie", &police.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["task"]["light"], "green");
    assert_eq!(t["may"], json!(["sign"]));
    let r = client
        .post(format!("{}/api/v1/supervision/{id}/steps", srv.base))
        .header("cookie", &police.cookie)
        .header("x-csrf-token", &police.csrf)
        .json(&json!({"step": "sign", "expected_version": t["version"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let b: Value = client
        .get(format!("{}/api/v1/supervision?light=green", srv.base))
        .header("cookie", &issuer.cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(b["tasks"].as_array().unwrap().len(), 2, "{b}");
}
both_backends!(pages_and_api_in_both_languages, super::pages_and_api);

/// The place overview's counts of the work around supervision: each changes when a record is
/// added, and each stays within the reader's reach (a village's staff does not count another
/// village's tasks or calls; the county's counts both).
async fn overview_counts(b: Backend) {
    let (_t, mut s) = with_small_demo(b).await;
    // Counted afresh at every read, to see each record arrive.
    s.caches = std::sync::Arc::new(jinguo_services::caches::Caches::new(
        std::time::Duration::ZERO,
    ));
    s.ensure_departments(&Caller::operator(), "530181")
        .await
        .unwrap();
    let towns = jinguo_storage::place::children(&s.db, "530181")
        .await
        .unwrap();
    let villages = jinguo_storage::place::children(&s.db, &towns[0].code)
        .await
        .unwrap();
    let (v1, v2) = (villages[0].clone(), villages[1].clone());
    support::account(&s, "w-county", Role::Staff, "530181").await;
    support::account(&s, "w-town", Role::Staff, &towns[0].code).await;
    support::account(&s, "w-v1", Role::Staff, &v1.code).await;
    support::account(&s, "w-v2", Role::Staff, &v2.code).await;
    support::account(&s, "w-rep", Role::Representative, &v1.code).await;
    let c = |n: &'static str| support::caller_of(&s, n, support::PASSWORD);
    let (county, town, one, two, rep) = (
        c("w-county").await,
        c("w-town").await,
        c("w-v1").await,
        c("w-v2").await,
        c("w-rep").await,
    );
    let place = |code: String| {
        let s = s.clone();
        async move {
            jinguo_storage::place::get(&s.db, &code)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let county_place = place("530181".into()).await;
    let town_place = place(towns[0].code.clone()).await;
    let counts = |who: &Caller, p: &jinguo_storage::place::Place| {
        let (s, who, p) = (s.clone(), who.clone(), p.clone());
        async move { s.work_counts(&who, &p).await.unwrap() }
    };
    let before_county = counts(&county, &county_place).await.unwrap();
    let before_town = counts(&town, &town_place).await.unwrap();
    assert_eq!(counts(&one, &v1).await.unwrap().tasks, 0);
    // Only staff managing the place have the counts.
    assert!(counts(&rep, &v1).await.is_none());
    assert!(counts(&two, &v1).await.is_none());
    assert!(counts(&one, &town_place).await.is_none());

    // A task issued by the first village to the police.
    let today = clock::today();
    let mut t = task(&towns[0].code, today, today + Duration::days(10));
    t.co_places.clear();
    let r = s.issue_task(&one, &v1.code, &t).await;
    if let Err(e) = &r {
        panic!("a village's federation issues a task: {e:?}");
    }
    let mine = counts(&one, &v1).await.unwrap();
    assert_eq!(mine.tasks, 1);
    assert_eq!(counts(&two, &v2).await.unwrap().tasks, 0);
    assert_eq!(
        counts(&town, &town_place).await.unwrap().tasks,
        before_town.tasks + 1
    );
    assert_eq!(
        counts(&county, &county_place).await.unwrap().tasks,
        before_county.tasks + 1
    );

    // A call about the first village, at midnight: any later hour of today may still be to
    // come where the county is.
    s.record_call(
        &one,
        &jinguo_domain::hotline::CallInput {
            called_at: format!("{today}T00:00"),
            place: v1.code.clone(),
            kind: "consultation".into(),
            summary: "咨询".into(),
            action: "advice".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(counts(&one, &v1).await.unwrap().calls, mine.calls + 1);
    assert_eq!(counts(&two, &v2).await.unwrap().calls, 0);
    let county_now = counts(&county, &county_place).await.unwrap();
    assert_eq!(county_now.calls, before_county.calls + 1);

    // A volunteer of the second village: hers, not the first's.
    s.add_volunteer(
        &two,
        &jinguo_domain::volunteer::VolunteerInput {
            place: v2.code.clone(),
            name: "王秀英".into(),
            skills: vec!["legal".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(counts(&two, &v2).await.unwrap().volunteers, 1);
    assert_eq!(counts(&one, &v1).await.unwrap().volunteers, 0);
    assert_eq!(
        counts(&county, &county_place).await.unwrap().volunteers,
        county_now.volunteers + 1
    );

    // A dispute of the first village put on the county's chain: the county counts it, open.
    let chain = s
        .define_chain(
            &county,
            &jinguo_domain::chain::ChainInput {
                place: "530181".into(),
                name: "“1+N+1+1”".into(),
                steps: vec![jinguo_domain::chain::StepInput {
                    role: "lead".into(),
                    name: "街道妇联牵头受理".into(),
                    unit: towns[0].code.clone(),
                    days: "5".into(),
                }],
            },
        )
        .await
        .unwrap();
    let intake: jinguo_domain::mediation::IntakeInput = serde_json::from_value(json!({
        "kind": "marriage", "source": "walk_in", "risk": "low",
        "received_on": today.to_string(),
        "parties": [{"name": "甲", "relationship": "妻子"}, {"name": "乙", "relationship": "丈夫"}],
        "narrative": "夫妻因家务分担争吵", "consent": true}))
    .unwrap();
    let d = s
        .register_dispute(&county, &v1.code, &intake, false)
        .await
        .unwrap()
        .id;
    s.attach_to_chain(&county, chain, "dispute", Some(d))
        .await
        .unwrap();
    let now = counts(&county, &county_place).await.unwrap();
    assert_eq!(
        (now.chain_runs, now.chain_runs_open),
        (county_now.chain_runs + 1, county_now.chain_runs_open + 1)
    );
    assert_eq!(counts(&two, &v2).await.unwrap().chain_runs, 0);

    // The overview page shows them.
    let srv = support::serve(s.clone()).await;
    let who = support::session(&s, "w-v1", false).await;
    let html = page_text(
        &reqwest::Client::new(),
        format!("{}/places/{}?lang=en", srv.base, v1.code),
        &who.cookie,
    )
    .await;
    assert!(html.contains("id=\"work-calls\">1<"), "{html}");
    assert!(html.contains("id=\"supervision-counts\""));
}
both_backends!(overview_work_counts, super::overview_counts);
