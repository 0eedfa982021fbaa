//! Most-beautiful families on both databases: a nomination at a village, reviewed by someone
//! other than who entered it, put on public notice for at least three days (a shorter notice or
//! one out of order refused with the field named, nothing written), objections sent from the
//! public page without an account (rate-limited) and answered, the subdistrict's review only
//! after the notice and the answers, the county's naming, the story published only with the
//! family's recorded consent, the public page showing only what the family consented to, online
//! votes off by default and one a day per person when on, and family events.

use crate::support::{self, both_backends, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_domain::family::{
    ConsentInput, EventInput, FamilyStatus, NominationInput, ObjectionInput,
};
use jinguo_services::family::{FamilyQuery, StepInput};
use jinguo_services::{ServiceError, Services, clock};
use jinguo_storage::Backend;
use uuid::Uuid;

const VILLAGE: &str = "530181001001";

fn fields(e: &ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::Invalid(v) => {
            v.0.iter()
                .map(|f| (f.field.clone(), f.code.to_string()))
                .collect()
        }
        e => panic!("not a refusal: {e:?}"),
    }
}

fn nomination(name: &str) -> NominationInput {
    NominationInput {
        place: VILLAGE.into(),
        family_name: name.into(),
        nominated_by: "others".into(),
        nominator: "邻居李红".into(),
        deeds: "孝老爱亲，照顾瘫痪婆婆十余年".into(),
        year: chrono::Datelike::year(&clock::today()).to_string(),
    }
}

fn step(name: &str) -> StepInput {
    StepInput {
        step: name.into(),
        ..StepInput::default()
    }
}

fn notice(from: chrono::NaiveDate, until: chrono::NaiveDate) -> StepInput {
    StepInput {
        notice_from: from.to_string(),
        notice_until: until.to_string(),
        ..step("notice")
    }
}

async fn version(s: &Services, who: &jinguo_services::Caller, id: Uuid) -> i64 {
    s.family_award(who, id).await.unwrap().version
}

async fn the_selection(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    support::account(&s, "f-vil", Role::Staff, VILLAGE).await;
    support::account(&s, "f-vil2", Role::Staff, VILLAGE).await;
    support::account(&s, "f-town", Role::Staff, "530181001").await;
    support::account(&s, "f-county", Role::Staff, "530181").await;
    support::account(&s, "f-other", Role::Staff, "530181002").await;
    support::account(&s, "f-rep", Role::Representative, "530181001001001").await;
    let who = |n: &'static str| {
        let s = s.clone();
        async move { support::caller_of(&s, n, support::PASSWORD).await }
    };
    let (vil, vil2, town, county, other, rep) = (
        who("f-vil").await,
        who("f-vil2").await,
        who("f-town").await,
        who("f-county").await,
        who("f-other").await,
        who("f-rep").await,
    );
    let today = clock::today();
    let day = chrono::Duration::days;

    // Bad input, every field named; nothing written.
    let mut bad = nomination("");
    bad.nominated_by = "organisation".into();
    bad.nominator = String::new();
    bad.year = "2999".into();
    let e = s.nominate_family(&vil, &bad).await.unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("family_name".into(), "required".into()),
            ("nominator".into(), "required".into()),
            ("year".into(), "date.future".into())
        ]
    );
    let mut town_level = nomination("王家");
    town_level.place = "530181001".into();
    let e = s.nominate_family(&vil, &town_level).await.unwrap_err();
    assert_eq!(fields(&e), vec![("place".into(), "not_found".into())]);
    let e = s.nominate_family(&town, &town_level).await.unwrap_err();
    assert_eq!(fields(&e), vec![("place".into(), "family.village".into())]);
    assert!(matches!(
        s.nominate_family(&rep, &nomination("张建国家庭")).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(
        s.family_awards(&county, &FamilyQuery::default())
            .await
            .unwrap()
            .is_empty()
    );

    // Nominated; the village's review never by whoever entered it.
    let id = s
        .nominate_family(&vil, &nomination("张建国家庭"))
        .await
        .unwrap();
    let v = s.family_award(&vil, id).await.unwrap();
    assert_eq!(v.status, FamilyStatus::Nominated);
    assert_eq!(v.family_name, "张建国家庭");
    assert!(
        v.steps
            .iter()
            .all(|s| s.key() != "village_pass" && s.key() != "reject")
    );
    let e = s
        .family_step(&vil, id, 1, &step("village_pass"))
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("step".into(), "family.own_review".into())]
    );
    assert!(matches!(
        s.family_award(&other, id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        s.family_step(&other, id, 1, &step("village_pass")).await,
        Err(ServiceError::NotFound)
    ));
    // Steps out of order are refused.
    let e = s
        .family_step(&vil2, id, 1, &notice(today, today + day(2)))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("step".into(), "family.status".into())]);
    s.family_step(&vil2, id, 1, &step("village_pass"))
        .await
        .unwrap();

    // The public notice: at least three days, in order; nothing written otherwise.
    let e = s
        .family_step(&vil, id, 2, &notice(today, today + day(1)))
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("notice_until".into(), "family.notice_short".into())]
    );
    let e = s
        .family_step(&vil, id, 2, &notice(today, today - day(3)))
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("notice_until".into(), "family.notice_order".into())]
    );
    assert_eq!(version(&s, &vil, id).await, 2);
    s.family_step(&vil, id, 2, &notice(today, today + day(2)))
        .await
        .unwrap();

    // On the public page, masked without consent, deeds not shown.
    let (_, list) = s.public_families(None).await.unwrap();
    let on = list.iter().find(|p| p.id == id).unwrap();
    assert_eq!(on.name, "张*国家庭");
    let one = s.public_family(id).await.unwrap();
    assert!(one.deeds.is_none() && one.story.is_none());

    // Objections from anyone, each field checked, a few an hour from one address.
    let e = s
        .object_to_family(
            id,
            &ObjectionInput {
                text: String::new(),
                contact: "123".into(),
            },
            "203.0.113.9",
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("text".into(), "required".into()),
            ("contact".into(), "invalid".into())
        ]
    );
    let objection = ObjectionInput {
        text: "该家庭存在虐待老人情况".into(),
        contact: "13812345678".into(),
    };
    for _ in 0..5 {
        s.object_to_family(id, &objection, "203.0.113.9")
            .await
            .unwrap();
    }
    assert!(matches!(
        s.object_to_family(id, &objection, "203.0.113.9").await,
        Err(ServiceError::RateLimited)
    ));
    s.object_to_family(id, &objection, "203.0.113.10")
        .await
        .unwrap();
    let v = s.family_award(&town, id).await.unwrap();
    assert_eq!(v.objections.len(), 6);
    assert_eq!(v.objections[0].contact, "138****5678");

    // Votes: off by default; when the county turns them on, one a day per person, ≤ 30%.
    let e = s.vote_family(&other, id).await.unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("family".into(), "family.voting_off".into())]
    );
    let e = s
        .set_family_voting(&county, "530181", true, "40")
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("vote_weight".into(), "family.vote_weight".into())]
    );
    assert!(
        s.set_family_voting(&town, "530181", true, "30")
            .await
            .is_err()
    );
    s.set_family_voting(&county, "530181", true, "30")
        .await
        .unwrap();
    s.vote_family(&other, id).await.unwrap();
    let e = s.vote_family(&other, id).await.unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("family".into(), "family.voted_today".into())]
    );
    s.vote_family(&rep, id).await.unwrap();

    // The subdistrict's review waits for the end of the notice and for every answer.
    let e = s
        .family_step(&town, id, 3, &step("subdistrict_pass"))
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("step".into(), "family.notice_running".into())]
    );
    support::exec(
        &t.db,
        &format!(
            "UPDATE family_award SET notice_from = '{}', notice_until = '{}'",
            today - day(5),
            today - day(1)
        ),
    )
    .await
    .unwrap();
    assert!(matches!(
        s.object_to_family(id, &objection, "203.0.113.11").await,
        Err(ServiceError::NotFound)
    ));
    let e = s
        .family_step(&town, id, 3, &step("subdistrict_pass"))
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("step".into(), "family.objections_open".into())]
    );
    // The village cannot take the subdistrict's step.
    let e = s
        .family_step(&vil2, id, 3, &step("subdistrict_pass"))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("step".into(), "family.level".into())]);
    let v = s.family_award(&town, id).await.unwrap();
    for o in &v.objections {
        let answer = StepInput {
            objection: Some(o.id),
            answer: "经核实，反映情况不属实".into(),
            ..step("answer")
        };
        s.family_step(&town, id, v.version, &answer).await.unwrap();
    }
    s.family_step(&town, id, 3, &step("subdistrict_pass"))
        .await
        .unwrap();

    // The county names it (with votes on, the reviewers' score is needed).
    let award = |level: &str, score: &str| StepInput {
        level: level.into(),
        score: score.into(),
        ..step("award")
    };
    let e = s
        .family_step(&county, id, 4, &award("galaxy", ""))
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("level".into(), "invalid".into()),
            ("score".into(), "required".into())
        ]
    );
    s.family_step(&county, id, 4, &award("county", "80"))
        .await
        .unwrap();
    let v = s.family_award(&county, id).await.unwrap();
    assert_eq!(v.status, FamilyStatus::Awarded);
    assert_eq!(v.votes, 2);
    // 80 × 70% + (2 of the most, 2) × 100 × 30%.
    assert!((v.score.unwrap() - 86.0).abs() < 1e-9, "{:?}", v.score);

    // Its story: not without the family's recorded consent; nothing written.
    let publish = StepInput {
        story: "张建国一家孝老爱亲的故事".into(),
        ..step("publish")
    };
    let e = s.family_step(&county, id, 5, &publish).await.unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("consent".into(), "family.consent_required".into())]
    );
    assert_eq!(version(&s, &county, id).await, 5);
    let consent = |on: chrono::NaiveDate| StepInput {
        consent: ConsentInput {
            consent_on: on.to_string(),
            given_by: "张建国".into(),
            names: true,
            story: true,
        },
        ..step("consent")
    };
    let e = s
        .family_step(&vil, id, 5, &consent(today + day(1)))
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("consent_on".into(), "date.future".into())]
    );
    s.family_step(&vil, id, 5, &consent(today)).await.unwrap();
    s.family_step(&county, id, 6, &publish).await.unwrap();
    let (year, list) = s.public_families(None).await.unwrap();
    assert_eq!(year, Some(i64::from(chrono::Datelike::year(&today))));
    let named = list.iter().find(|p| p.id == id).unwrap();
    assert_eq!(named.name, "张建国家庭");
    let one = s.public_family(id).await.unwrap();
    assert_eq!(one.story.as_deref(), Some("张建国一家孝老爱亲的故事"));

    // A refusal needs a reason and ends the selection.
    let id2 = s
        .nominate_family(&vil, &nomination("李四家庭"))
        .await
        .unwrap();
    let e = s
        .family_step(&vil2, id2, 1, &step("reject"))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("note".into(), "required".into())]);
    let reject = StepInput {
        note: "事迹不够突出".into(),
        ..step("reject")
    };
    s.family_step(&vil2, id2, 1, &reject).await.unwrap();
    assert!(matches!(
        s.public_family(id2).await,
        Err(ServiceError::NotFound)
    ));
    let stale = s.family_step(&vil2, id2, 1, &step("village_pass")).await;
    assert!(stale.is_err());

    // Family events: the families named must be the caller's; the participants no fewer.
    let event = |families: Vec<Uuid>, participants: &str| EventInput {
        place: "530181001".into(),
        held_on: today.to_string(),
        kind: "showcase".into(),
        title: "最美家庭事迹分享会".into(),
        participants: participants.into(),
        families,
    };
    let e = s
        .record_family_event(
            &other,
            &EventInput {
                place: "530181002".into(),
                ..event(vec![id], "30")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("families".into(), "not_found".into())]);
    let e = s
        .record_family_event(&town, &event(vec![id, id2], "1"))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("participants".into(), "invalid".into())]);
    s.record_family_event(&town, &event(vec![id], "30"))
        .await
        .unwrap();
    let (_, events) = s.family_events(&town, None).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].participants, events[0].families), (30, 1));
    assert!(s.family_events(&other, None).await.unwrap().1.is_empty());
    let figures = s
        .family_figures(
            &county,
            &jinguo_storage::Subtree::of_path("53/5301/530181/"),
            i64::from(chrono::Datelike::year(&today)),
        )
        .await
        .unwrap();
    assert_eq!(figures, [2, 0, 1, 1, 30]);
}

both_backends!(
    nominated_noticed_objected_named_and_published,
    super::the_selection
);

async fn pages_and_api(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    support::account(&s, "f-vil", Role::Staff, VILLAGE).await;
    support::account(&s, "f-vil2", Role::Staff, VILLAGE).await;
    let sess = support::session(&s, "f-vil", false).await;
    let sess2 = support::session(&s, "f-vil2", false).await;
    let srv = support::serve(s.clone()).await;
    let api = support::Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let today = clock::today();
    let year = chrono::Datelike::year(&today).to_string();
    let (status, body) = api
        .send(
            &sess,
            "POST",
            &format!("/api/v1/places/{VILLAGE}/family-awards"),
            Some(
                serde_json::json!({"family_name": "张建国家庭", "nominated_by": "family",
                "deeds": "孝老爱亲", "year": year}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id: Uuid = body["id"].as_str().unwrap().parse().unwrap();
    // A review by whoever entered it refused, in both languages, the field named.
    for (lang, word) in [("zh-CN", "录入推荐的人"), ("en", "entered the nomination")] {
        let (status, p) = api
            .send_in(
                lang,
                &sess,
                "POST",
                &format!("/api/v1/family-awards/{id}/steps"),
                Some(serde_json::json!({"step": "village_pass", "expected_version": 1})),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(
            support::fields(&p),
            vec![("step".to_string(), "family.own_review".to_string())]
        );
        assert!(p.to_string().contains(word), "{p}");
    }
    let (status, _) = api
        .send(
            &sess2,
            "POST",
            &format!("/api/v1/family-awards/{id}/steps"),
            Some(serde_json::json!({"step": "village_pass", "expected_version": 1})),
        )
        .await;
    assert_eq!(status, 204);
    let (status, p) = api
        .send(
            &sess,
            "POST",
            &format!("/api/v1/family-awards/{id}/steps"),
            Some(serde_json::json!({"step": "notice", "expected_version": 2,
                "notice_from": today.to_string(),
                "notice_until": (today + chrono::Duration::days(1)).to_string()})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        support::fields(&p),
        vec![(
            "notice_until".to_string(),
            "family.notice_short".to_string()
        )]
    );
    let (status, _) = api
        .send(
            &sess,
            "POST",
            &format!("/api/v1/family-awards/{id}/steps"),
            Some(serde_json::json!({"step": "notice", "expected_version": 2,
                "notice_from": today.to_string(),
                "notice_until": (today + chrono::Duration::days(4)).to_string()})),
        )
        .await;
    assert_eq!(status, 204);

    // The public page and its objection form, without logging in.
    let http = reqwest::Client::new();
    let html = http
        .get(format!("{}/families", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("张*国家庭") && !html.contains("张建国"),
        "{html}"
    );
    let r = http
        .post(format!("{}/families/{id}/objections", srv.base))
        .form(&[("text", "情况不实"), ("contact", "")])
        .send()
        .await
        .unwrap();
    // Sent, and shown back on the family's page (the redirect followed).
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("已收到"));
    let r = http
        .post(format!(
            "{}/api/v1/public/families/{id}/objections",
            srv.base
        ))
        .header("accept-language", "en")
        .json(&serde_json::json!({"text": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let list: serde_json::Value = http
        .get(format!("{}/api/v1/public/families", srv.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["name"], "张*国家庭");
    assert_eq!(list[0]["deeds"], serde_json::Value::Null);
    let (_, v) = api
        .send(&sess2, "GET", &format!("/api/v1/family-awards/{id}"), None)
        .await;
    assert_eq!(v["objections"].as_array().unwrap().len(), 1);
    assert_eq!(v["status"], "notice");
}

both_backends!(api_and_public_page, super::pages_and_api);

/// What an outsider tries: on the public page without an account, script in an objection, a
/// 1 MB body, a flood from one address (a forged forwarding header does not help), an objection
/// to a family not on notice; on the staff pages and the API, another county's staff and a
/// village's staff asking for the families, volunteers and training of a township.
async fn attacks(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let far = jinguo_services::places::new_place(
        &jinguo_domain::place::PlaceCode::parse("530102").unwrap(),
        "五华区",
    );
    let added: Result<u64, jinguo_storage::StorageError> = async {
        jinguo_storage::db_tx!(&s.db, tx => jinguo_storage::place::upsert(tx, std::slice::from_ref(&far)).await)
    }
    .await;
    added.unwrap();
    let villages = jinguo_storage::place::children(&s.db, "530181001")
        .await
        .unwrap();
    let other_village = villages
        .iter()
        .find(|v| v.code != VILLAGE)
        .unwrap()
        .code
        .clone();
    support::account(&s, "x-vil", Role::Staff, VILLAGE).await;
    support::account(&s, "x-vil2", Role::Staff, VILLAGE).await;
    support::account(&s, "x-town", Role::Staff, "530181001").await;
    support::account(&s, "x-far", Role::Staff, "530102").await;
    support::account(&s, "x-village", Role::Staff, &other_village).await;
    let who = |n: &'static str| {
        let s = s.clone();
        async move { support::caller_of(&s, n, support::PASSWORD).await }
    };
    let (vil, vil2, town, far_staff, village) = (
        who("x-vil").await,
        who("x-vil2").await,
        who("x-town").await,
        who("x-far").await,
        who("x-village").await,
    );
    let today = clock::today();
    let id = s
        .nominate_family(&vil, &nomination("赵德明家庭"))
        .await
        .unwrap();
    s.family_step(&vil2, id, 1, &step("village_pass"))
        .await
        .unwrap();
    s.family_step(
        &vil,
        id,
        2,
        &notice(today, today + chrono::Duration::days(3)),
    )
    .await
    .unwrap();
    let waiting = s
        .nominate_family(&vil, &nomination("李建华家庭"))
        .await
        .unwrap();
    let volunteer = s
        .add_volunteer(
            &town,
            &jinguo_domain::volunteer::VolunteerInput {
                place: "530181001".into(),
                name: "王秀英".into(),
                phone: "13912345678".into(),
                skills: vec!["legal".into()],
            },
        )
        .await
        .unwrap();
    let training = s
        .record_training(
            &town,
            &jinguo_domain::training::TrainingInput {
                place: "530181001".into(),
                kind: "legal_education".into(),
                mode: "in_person".into(),
                held_on: today.to_string(),
                venue: "街道妇女之家".into(),
                topic: "反家庭暴力法宣讲".into(),
                trainer: "李律师".into(),
                hours: "2".into(),
                counted: "30".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let srv = support::serve(s.clone()).await;
    let http = reqwest::Client::new();
    let object = |text: String, forwarded: Option<&'static str>| {
        let (http, base) = (http.clone(), srv.base.clone());
        async move {
            let mut r = http
                .post(format!("{base}/families/{id}/objections"))
                .form(&[("text", text.as_str()), ("contact", "")]);
            if let Some(f) = forwarded {
                r = r.header("x-forwarded-for", f);
            }
            r.send().await.unwrap().status().as_u16()
        }
    };

    // Script in the text: kept as typed, shown to the staff as text, never on the public page.
    let script = "<script>alert('x')</script>情况不实";
    assert_eq!(object(script.into(), None).await, 200);
    let v = s.family_award(&vil, id).await.unwrap();
    assert_eq!(v.objections.len(), 1);
    let sess = support::session(&s, "x-vil", false).await;
    let staff_page = http
        .get(format!("{}/family-awards/{id}", srv.base))
        .header("cookie", &sess.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        staff_page.contains("情况不实") && !staff_page.contains("<script>alert"),
        "{staff_page}"
    );
    let public = http
        .get(format!("{}/families/{id}", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!public.contains("alert") && !public.contains("情况不实"));

    // A 1 MB body: refused before it is read, nothing written.
    let big = "a".repeat(1 << 20);
    assert_eq!(object(big.clone(), None).await, 413);
    let r = http
        .post(format!(
            "{}/api/v1/public/families/{id}/objections",
            srv.base
        ))
        .json(&serde_json::json!({ "text": big }))
        .send()
        .await
        .unwrap();
    // The API answers the body's refusal as a problem of the body.
    assert_eq!(r.status(), 422);
    assert_eq!(s.family_award(&vil, id).await.unwrap().objections.len(), 1);

    // A family not on notice: not found, on the page and the API.
    let r = http
        .post(format!("{}/families/{waiting}/objections", srv.base))
        .form(&[("text", "情况不实"), ("contact", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http
        .post(format!(
            "{}/api/v1/public/families/{waiting}/objections",
            srv.base
        ))
        .json(&serde_json::json!({"text": "情况不实"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(
        s.family_award(&vil, waiting)
            .await
            .unwrap()
            .objections
            .is_empty()
    );

    // A flood from one address: refused once the hour's allowance is spent, whatever the
    // forwarding header claims.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let forwarded = ["198.51.100.7", "203.0.113.50"].get(i % 3).copied();
        statuses.push(object(format!("第{i}条异议"), forwarded).await);
    }
    assert_eq!(statuses, vec![200, 200, 200, 200, 429, 429]);
    assert_eq!(s.family_award(&vil, id).await.unwrap().objections.len(), 5);

    // Another county's staff and a village's staff: nothing of the township's families,
    // volunteers and training, by the services, the pages or the API.
    for (who, name) in [(&far_staff, "x-far"), (&village, "x-village")] {
        assert!(matches!(
            s.family_award(who, id).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            s.volunteer(who, volunteer).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            s.training(who, training).await,
            Err(ServiceError::NotFound)
        ));
        assert!(s.volunteers(who).await.unwrap().is_empty());
        assert!(
            s.family_awards(who, &FamilyQuery::default())
                .await
                .unwrap()
                .is_empty()
        );
        let sess = support::session(&s, name, false).await;
        for url in [
            format!("/family-awards/{id}"),
            format!("/volunteers/{volunteer}"),
            format!("/trainings/{training}"),
            format!("/api/v1/family-awards/{id}"),
            format!("/api/v1/volunteers/{volunteer}"),
            format!("/api/v1/trainings/{training}"),
        ] {
            let r = http
                .get(format!("{}{url}", srv.base))
                .header("cookie", &sess.cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 404, "{name} {url}");
        }
        for url in [
            "/volunteers",
            "/trainings",
            "/family-awards",
            "/family-events",
        ] {
            let r = http
                .get(format!("{}{url}", srv.base))
                .header("cookie", &sess.cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{name} {url}");
            let html = r.text().await.unwrap();
            for secret in [
                "王*英",
                "139****5678",
                "反家庭暴力法宣讲",
                "赵*明",
                "赵德明",
            ] {
                assert!(!html.contains(secret), "{name} {url} shows {secret}");
            }
        }
    }
}

both_backends!(attacks_on_families_volunteers_training, super::attacks);
