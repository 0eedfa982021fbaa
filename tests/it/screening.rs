//! Screening campaigns on both databases: progress (read from the tallies) against a count of
//! the visits, a representative's scope, the rules a visit obeys, idempotent retries and the
//! disputes medium risk opens.

use crate::storage::{far_group, first_group};
use crate::support::{self, SMALL, all_backends, both_backends, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_domain::screening::{CampaignInput, VisitInput};
use jinguo_services::{Caller, ServiceError, Services};
use jinguo_storage::Backend;
use jinguo_storage::Db;

fn codes(e: ServiceError) -> Vec<&'static str> {
    match e {
        ServiceError::Invalid(v) => v.0.iter().map(|f| f.code).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// The same figures counted by hand in SQL, to check the service against.
async fn hand_count(db: &Db, campaign: uuid::Uuid) -> (i64, i64, i64) {
    let q = "SELECT (SELECT count(*) FROM visit WHERE campaign_id = $1), \
             (SELECT count(*) FROM visit WHERE campaign_id = $1 AND risk = 'medium'), \
             (SELECT count(*) FROM dispute d JOIN visit v ON v.county_code = d.county_code AND v.id = d.visit_id WHERE v.campaign_id = $1)";
    match db {
        Db::Sqlite(s) => sqlx::query_as(q)
            .bind(campaign)
            .fetch_one(&s.read)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_as(q).bind(campaign).fetch_one(p).await.unwrap(),
    }
}

pub async fn campaign_2021(s: &Services, who: &Caller) -> jinguo_services::screening::CampaignView {
    s.campaigns(who)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == jinguo_services::demo::CAMPAIGN_2021)
        .unwrap()
}

async fn progress_is_counted_from_visits(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let c = campaign_2021(&s, &staff).await;
    assert!(!c.open);
    let p = s.campaign_progress(&staff, c.id, None).await.unwrap();
    assert_eq!(p.tally.households, i64::from(SMALL.households));
    assert_eq!(p.tally.screened, i64::from(SMALL.screened));
    assert_eq!(p.tally.risks[2], i64::from(SMALL.medium_risks));
    assert_eq!(p.disputes[0], i64::from(SMALL.medium_risks));
    // The period is over: every household not visited is overdue.
    assert_eq!(p.tally.overdue, p.tally.households - p.tally.screened);
    let (visits, medium, disputes) = hand_count(&t.db, c.id).await;
    assert_eq!(
        (p.tally.screened, p.tally.risks[2], p.disputes[0]),
        (visits, medium, disputes)
    );
    // The units below add up to the whole.
    let sum: i64 = p.units.iter().map(|u| u.tally.screened).sum();
    assert_eq!(sum, p.tally.screened);
    let town = p.units.iter().find(|u| u.tally.households > 0).unwrap();
    let down = s
        .campaign_progress(&staff, c.id, Some(&town.place.code))
        .await
        .unwrap();
    assert_eq!(down.tally, town.tally);
    // A subdistrict's staff sees her part only; a place elsewhere is not found.
    let (far, far_town) = far_group(&s).await;
    let lianran = support::caller(Role::Staff, "53/5301/530181/530181001/");
    let mine = s.campaign_progress(&lianran, c.id, None).await.unwrap();
    assert_eq!(mine.place.code, "530181001");
    assert!(matches!(
        s.campaign_progress(&lianran, c.id, Some(&far)).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        s.campaign_progress(&lianran, c.id, Some(&far_town)).await,
        Err(ServiceError::NotFound)
    ));
}
all_backends!(progress, super::progress_is_counted_from_visits);

fn visit(date: &str, risk: &str, key: &str) -> VisitInput {
    VisitInput {
        visited_on: date.into(),
        findings: vec!["marital_conflict".into()],
        risk: risk.into(),
        note: "夫妻因赡养问题争吵".into(),
        followup: true,
        request_key: key.into(),
    }
}

async fn representatives_visit_their_households(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = first_group(&s).await;
    let today = jinguo_services::clock::today();
    let input = CampaignInput {
        name: "本月排查".into(),
        place: "530181".into(),
        starts_on: (today - chrono::Duration::days(10)).to_string(),
        ends_on: (today + chrono::Duration::days(20)).to_string(),
        checklist: vec!["marital_conflict".into(), "violence_signs".into()],
    };
    // A representative may not open a campaign; bad input names its fields.
    let group_path = s.place_view(&staff, &group).await.unwrap().place.path;
    let rep_unlinked = support::caller(Role::Representative, &group_path);
    assert!(matches!(
        s.create_campaign(&rep_unlinked, &input).await,
        Err(ServiceError::Forbidden)
    ));
    let bad = CampaignInput {
        ends_on: (today - chrono::Duration::days(30)).to_string(),
        checklist: vec!["gossip".into()],
        ..input.clone()
    };
    assert_eq!(
        codes(s.create_campaign(&staff, &bad).await.unwrap_err()),
        vec!["ends_on.before_start", "checklist.unknown"]
    );
    let c = s.create_campaign(&staff, &input).await.unwrap();
    assert!(c.open);

    // An account linked to the group's first representative sees her households only.
    support::account(&s, "rep1", Role::Representative, &group).await;
    let reps = s.coverage_members(&staff, &group).await.unwrap();
    let (mine, other) = (&reps[0], &reps[1]);
    assert!(matches!(
        s.link_member(&Caller::operator(), "rep1", uuid::Uuid::now_v7())
            .await,
        Err(ServiceError::Invalid(_))
    ));
    s.link_member(&Caller::operator(), "rep1", mine.id)
        .await
        .unwrap();
    let new = s
        .login("rep1", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let rep = s
        .caller_from_session(&new.token, "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(rep.members, vec![mine.id]);
    let list = s
        .campaign_households(&rep, c.id, None, true, 1)
        .await
        .unwrap();
    assert_eq!(list.total, mine.units);
    assert_eq!(list.households.len() as i64, mine.units);
    let all = s
        .campaign_households(&staff, c.id, Some(&group), true, 1)
        .await
        .unwrap();
    assert!(all.total > list.total);
    let theirs = all
        .households
        .iter()
        .find(|h| !list.households.iter().any(|m| m.id == h.id))
        .unwrap();
    assert!(matches!(
        s.household_view(&rep, theirs.id).await,
        Err(ServiceError::NotFound)
    ));
    let key = "k-0000000000000001";
    assert_eq!(
        codes(
            s.record_visit(
                &rep,
                c.id,
                theirs.id,
                &visit(&today.to_string(), "none", key)
            )
            .await
            .unwrap_err()
        ),
        vec!["visit.not_assigned"]
    );
    // An unlinked representative sees nothing at all.
    assert!(matches!(
        s.campaign_households(&rep_unlinked, c.id, None, false, 1)
            .await,
        Err(ServiceError::NotFound)
    ));
    let _ = other;

    // The rules of a visit: nothing written when refused.
    let h = list.households[0].id;
    let tomorrow = (today + chrono::Duration::days(1)).to_string();
    assert_eq!(
        codes(
            s.record_visit(&rep, c.id, h, &visit(&tomorrow, "medium", key))
                .await
                .unwrap_err()
        ),
        vec!["date.future"]
    );
    let early = (today - chrono::Duration::days(11)).to_string();
    let mut wrong = visit(&early, "purple", key);
    wrong.findings = vec!["property".into()];
    assert_eq!(
        codes(s.record_visit(&rep, c.id, h, &wrong).await.unwrap_err()),
        vec![
            "visited_on.outside_campaign",
            "checklist.unknown",
            "risk.unknown"
        ]
    );
    // (The household may have a visit of the 2021 campaign in its history already.)
    let before = s.household_screening(&rep, h).await.unwrap().history.len();
    assert!(
        s.household_screening(&rep, h)
            .await
            .unwrap()
            .history
            .iter()
            .all(|v| v.campaign_id != c.id)
    );

    // Medium risk: the visit and a dispute, once — a retried submission returns the same visit.
    let first = s
        .record_visit(&rep, c.id, h, &visit(&today.to_string(), "medium", key))
        .await
        .unwrap();
    assert!(first.created && first.dispute_id.is_some());
    let again = s
        .record_visit(&rep, c.id, h, &visit(&today.to_string(), "medium", key))
        .await
        .unwrap();
    assert_eq!(
        (again.visit_id, again.created, again.dispute_id),
        (first.visit_id, false, first.dispute_id)
    );
    assert_eq!(
        codes(
            s.record_visit(
                &rep,
                c.id,
                h,
                &visit(&today.to_string(), "low", "k-0000000000000002")
            )
            .await
            .unwrap_err()
        ),
        vec!["visit.already_screened"]
    );
    let p = s.campaign_progress(&staff, c.id, None).await.unwrap();
    assert_eq!(
        (p.tally.screened, p.tally.risks[2], p.disputes[0]),
        (1, 1, 1)
    );
    // The household keeps its history, findings and note opened for those who may read it.
    let hist = s.household_screening(&rep, h).await.unwrap();
    assert_eq!(hist.history.len(), before + 1);
    assert_eq!(hist.history[0].campaign_id, c.id);
    assert_eq!(hist.history[0].note.as_deref(), Some("夫妻因赡养问题争吵"));
    assert!(hist.open_campaigns.is_empty());
    let open = s
        .campaign_households(&rep, c.id, None, true, 1)
        .await
        .unwrap();
    assert_eq!(open.total - open.screened, mine.units - 1);
    // Findings and notes are sealed at rest.
    let raw: Vec<(String, Option<String>)> = match &s.db {
        Db::Sqlite(x) => sqlx::query_as("SELECT findings, note FROM visit")
            .fetch_all(&x.read)
            .await
            .unwrap(),
        Db::Postgres(x) => sqlx::query_as("SELECT findings, note FROM visit")
            .fetch_all(x)
            .await
            .unwrap(),
    };
    assert!(raw.iter().all(|(f, n)| f.starts_with("v1.")
        && n.as_deref().is_none_or(|n| n.starts_with("v1."))));
    // Every change audited.
    let log = s
        .search_audit(
            &Caller::operator(),
            &jinguo_services::audit::AuditQuery {
                action: Some("visit.create".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
}
all_backends!(visits, super::representatives_visit_their_households);

/// A household's page reads the household once, with its screening started from it: the same
/// visits and open campaigns as the screening read alone, and for one outside the household's
/// place neither.
async fn a_household_page_reads_it_once_for_its_reader_only(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let (_, hid) = support::first_household(&s).await;
    let visits = |h: &jinguo_services::screening::HouseholdScreening| {
        h.history.iter().map(|l| l.id).collect::<Vec<_>>()
    };
    let (view, once) = s.household_page(&staff, hid, None).await.unwrap();
    assert_eq!(view.household.id, hid);
    let read = s.household_screening(&staff, hid).await.unwrap();
    assert_eq!(visits(&once), visits(&read));
    assert_eq!(once.open_campaigns.len(), read.open_campaigns.len());
    let elsewhere = support::caller(Role::Staff, "53/5301/530102/");
    assert!(matches!(
        s.household_page(&elsewhere, hid, None).await,
        Err(ServiceError::NotFound)
    ));
}
both_backends!(
    page_reads_once,
    super::a_household_page_reads_it_once_for_its_reader_only
);

/// The progress workbook holds the same figures as the page, in the reader's language.
async fn progress_workbook_matches(b: Backend) {
    use calamine::Reader;
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let c = campaign_2021(&s, &staff).await;
    let bytes = s
        .progress_workbook(&staff, c.id, None, None, jinguo_domain::Lang::En)
        .await
        .unwrap();
    let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Progress").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    assert_eq!(rows[0][3].to_string(), "Screened");
    let total = rows.last().unwrap();
    assert!(total[1].to_string().ends_with("(total)"));
    assert_eq!(total[2].to_string(), SMALL.households.to_string());
    assert_eq!(total[3].to_string(), SMALL.screened.to_string());
    assert_eq!(total[6].to_string(), SMALL.medium_risks.to_string());
    let cov = s
        .coverage_workbook(&staff, "530181", jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(cov)).unwrap();
    let members = book.worksheet_range("成员包保").unwrap();
    assert_eq!(
        members.rows().count() as u32,
        1 + SMALL.city_executives
            + SMALL.subdistrict_executives
            + SMALL.village_executives
            + SMALL.representatives
    );
}
both_backends!(workbook, super::progress_workbook_matches);

/// The overview shows the campaign's progress, counted from the visits, and the campaign page
/// drills down in both languages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_and_campaign_pages() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    support::account(&s, "anning", Role::Staff, "530181").await;
    let c = campaign_2021(&s, &support::county_staff()).await;
    let srv = support::serve(s.clone()).await;
    let (cookie, _) = support::login(&srv.base, "anning", support::PASSWORD).await;
    let client = reqwest::Client::new();
    let get = |path: String, lang: &'static str| {
        let r = client
            .get(format!("{}{path}", srv.base))
            .header("cookie", &cookie)
            .header("accept-language", lang)
            .send();
        async move { r.await.unwrap().text().await.unwrap() }
    };
    let overview = get("/places/530181".into(), "zh-CN").await;
    assert!(
        overview.contains(jinguo_services::demo::CAMPAIGN_2021),
        "{overview}"
    );
    let expect = format!(
        "<dd class=\"dash-screened\">{} / {} (40.0%)</dd>",
        SMALL.screened, SMALL.households
    );
    assert!(overview.contains(&expect), "{overview}");
    let page = get(format!("/campaigns/{}", c.id), "en").await;
    assert!(page.contains("<span id=\"screened\">240</span>"), "{page}");
    assert!(page.contains("Households screened"), "{page}");
    assert!(page.contains("class=\"unit\""));
    let zh = get(format!("/campaigns/{}", c.id), "zh-CN").await;
    assert!(zh.contains("已排查户数") && zh.contains("逾期未走访"));
    let list = get("/campaigns".into(), "zh-CN").await;
    assert!(
        list.contains("id=\"campaign-form\""),
        "staff may open a campaign"
    );
}

/// Under serializable isolation (the default of some distributed engines) concurrent writes
/// conflict — every write transaction appends to the audit chain — and PostgreSQL refuses all but
/// one with a serialization failure; those transactions are run again, and every visit is
/// recorded, none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serialization_failures_are_run_again() {
    let (t, s) = with_small_demo(Backend::Postgres).await;
    let s = support::serializable(&t, s).await;
    let staff = support::county_staff();
    let today = jinguo_services::clock::today();
    let campaign = support::campaign_today(&s, &staff, "并发排查").await;
    let mut households = crate::storage::first_group_households(&s).await;
    households.truncate(16);
    assert_eq!(households.len(), 16);
    let before = jinguo_storage::db::TX_RETRIES.load(std::sync::atomic::Ordering::Relaxed);
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(households.len()));
    let mut tasks = Vec::new();
    for (i, h) in households.iter().copied().enumerate() {
        let (s, staff, start) = (s.clone(), staff.clone(), start.clone());
        let key = format!("serializable-{i:08}");
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            s.record_visit(&staff, campaign, h, &visit(&today.to_string(), "low", &key))
                .await
        }));
    }
    for task in tasks {
        let outcome = task.await.unwrap().expect("a visit refused");
        assert!(outcome.created);
    }
    let retries =
        jinguo_storage::db::TX_RETRIES.load(std::sync::atomic::Ordering::Relaxed) - before;
    eprintln!("{retries} transactions run again");
    assert!(retries > 0, "no conflict arose: the test proved nothing");
    let (visits, _, _) = hand_count(&s.db, campaign).await;
    assert_eq!(visits, 16);
    // The campaign's tallies, written by the same transactions, counted each visit once.
    let p = s.campaign_progress(&staff, campaign, None).await.unwrap();
    assert_eq!((p.tally.screened, p.tally.risks[1]), (16, 16));
    assert!(matches!(
        s.verify_audit().await.unwrap(),
        jinguo_services::audit::Verification::Intact { .. }
    ));
}
