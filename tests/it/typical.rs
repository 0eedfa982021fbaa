//! Typical cases on both databases: proposed from a case the proposer can read, the text
//! de-identified at once (names, ID and mobile numbers, addresses below the county, dates),
//! reviewed by someone other than the proposer (a text still holding a number refused with the
//! field named, nothing written), published by the county federation — when a person could still
//! be recognised, only with her recorded consent —, searched by kind and year, the public page
//! open to anyone, and withdrawn from it.

use crate::support::{self, all_backends, both_backends, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_domain::typical::{ProposalInput, ReviewInput, TypicalStatus};
use jinguo_services::typical::TypicalQuery;
use jinguo_services::{Caller, ServiceError, Services};
use jinguo_storage::Backend;
use uuid::Uuid;

const TEXT: &str = "2021年3月15日，张小芳（身份证号53018119850601123X，电话13812345678）来到妇联，\
    称丈夫王强多次殴打她。她家住云南省昆明市安宁市连然街道金方社区3组12号。2021-04-02调解时，\
    邻居李红梅到场。";

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

fn proposal(source: &str, id: Uuid) -> ProposalInput {
    ProposalInput {
        kind: "violence".into(),
        year: "2021".into(),
        title: "丈夫多次殴打妻子，妇联介入化解".into(),
        source: source.into(),
        source_id: Some(id),
        text: TEXT.into(),
    }
}

async fn case_at(s: &Services, staff: &Caller, place: &str, victim: Option<Uuid>) -> Uuid {
    let mut input: jinguo_domain::linkage::CaseInput = serde_json::from_value(serde_json::json!({
            "victim_name": "张小芳", "abuser_name": "王强", "relationship": "丈夫",
            "violence": ["physical"], "severity": "minor", "source": "walk_in",
            "consent_to_share": true,
            "received_on": jinguo_services::clock::today().to_string(),
            "narrative": "推搡致伤"}))
    .unwrap();
    input.victim_person_id = victim;
    s.register_case(staff, place, &input).await.unwrap()
}

async fn version(s: &Services, who: &Caller, id: Uuid) -> i64 {
    s.typical_case(who, id).await.unwrap().version
}

async fn the_library(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    s.ensure_departments(&Caller::operator(), "530181")
        .await
        .unwrap();
    let towns = jinguo_storage::place::children(&s.db, "530181")
        .await
        .unwrap();
    support::account(&s, "y-town", Role::Staff, "530181001").await;
    support::account(&s, "y-town2", Role::Staff, "530181001").await;
    support::account(&s, "y-county", Role::Staff, "530181").await;
    support::account(&s, "y-county2", Role::Staff, "530181").await;
    support::account(&s, "y-other", Role::Staff, &towns[1].code).await;
    support::account(&s, "y-rep", Role::Representative, "530181001").await;
    let town = support::caller_of(&s, "y-town", support::PASSWORD).await;
    let town2 = support::caller_of(&s, "y-town2", support::PASSWORD).await;
    let county = support::caller_of(&s, "y-county", support::PASSWORD).await;
    let county2 = support::caller_of(&s, "y-county2", support::PASSWORD).await;
    let other = support::caller_of(&s, "y-other", support::PASSWORD).await;
    let rep = support::caller_of(&s, "y-rep", support::PASSWORD).await;
    let case = case_at(&s, &town, "530181001", None).await;

    // Bad input, each field named; nothing written.
    let mut bad = proposal("case", case);
    bad.year = "2999".into();
    bad.kind = "gossip".into();
    bad.title = String::new();
    let e = s
        .propose_typical(&town, "530181001", &bad)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("kind".into(), "invalid".into()),
            ("year".into(), "date.future".into()),
            ("title".into(), "required".into())
        ]
    );
    let e = s
        .propose_typical(&town, "530181001", &proposal("case", Uuid::now_v7()))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("source_id".into(), "not_found".into())]);
    // A case she cannot read is no source for her, whatever place she names.
    let e = s
        .propose_typical(&other, &towns[1].code, &proposal("case", case))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("source_id".into(), "not_found".into())]);
    assert!(matches!(
        s.propose_typical(&rep, "530181001", &proposal("case", case))
            .await,
        Err(ServiceError::Forbidden)
    ));
    assert!(
        s.typical_library(&town, &TypicalQuery::default())
            .await
            .unwrap()
            .is_empty()
    );

    // Proposed: the text de-identified at once.
    let id = s
        .propose_typical(&town, "530181001", &proposal("case", case))
        .await
        .unwrap();
    let v = s.typical_case(&town, id).await.unwrap();
    assert_eq!(v.status, TypicalStatus::Proposed);
    for gone in [
        "张小芳",
        "王强",
        "李红梅",
        "53018119850601123X",
        "13812345678",
        "连然街道",
        "金方社区",
        "3组12号",
        "15日",
        "04-02",
    ] {
        assert!(!v.text.contains(gone), "{gone} left in {}", v.text);
    }
    for kept in ["张某", "王某", "李某", "安宁市", "2021年3月", "2021年4月"] {
        assert!(v.text.contains(kept), "{kept} missing from {}", v.text);
    }
    assert_eq!(v.text, v.text_auto);
    assert!(!v.recognisable);
    assert!(!v.can_review, "the proposer does not review her own case");

    // Review: never by the proposer; a number left in the text is refused, nothing written.
    let review = |text: &str, recognisable: bool| ReviewInput {
        title: "丈夫多次殴打妻子，妇联介入化解".into(),
        text: text.into(),
        recognisable,
    };
    let e = s
        .review_typical(&town, id, 1, &review(&v.text, false))
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("step".into(), "typical.own_review".into())]
    );
    let e = s
        .review_typical(
            &town2,
            id,
            1,
            &review(&format!("{}请拨打138 1234 5678。", v.text), false),
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("case_text".into(), "typical.personal_numbers".into())]
    );
    assert_eq!(version(&s, &town, id).await, 1);
    // Her name typed back in by the reviewer makes her recognisable.
    s.review_typical(
        &town2,
        id,
        1,
        &review(&format!("{}张小芳后来离婚。", v.text), false),
    )
    .await
    .unwrap();
    let v = s.typical_case(&town2, id).await.unwrap();
    assert!(v.recognisable && v.status == TypicalStatus::Reviewed);
    let stale = s
        .review_typical(&town2, id, 1, &review("重复提交", false))
        .await;
    assert!(matches!(stale, Err(ServiceError::Conflict)), "{stale:?}");

    // Publication: the county's, never the town's; not without her consent while she could be
    // recognised — and a victim not registered cannot have consented.
    let e = s.publish_typical(&town2, id, 2, true).await.unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("step".into(), "typical.not_county".into())]
    );
    let e = s.publish_typical(&county, id, 2, true).await.unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("publish_consent".into(), "typical.consent_required".into())]
    );
    let clean = v.text.replace("张小芳后来离婚。", "");
    s.review_typical(&town2, id, 2, &review(&clean, false))
        .await
        .unwrap();
    s.publish_typical(&county, id, 3, true).await.unwrap();
    let v = s.typical_case(&county, id).await.unwrap();
    assert_eq!(v.status, TypicalStatus::Published);
    assert!(v.is_public);

    // The library by kind and year; staff elsewhere see it once published for everyone.
    let q = |kind: &str, year: &str| TypicalQuery {
        kind: Some(kind.into()),
        year: Some(year.into()),
    };
    assert_eq!(
        s.typical_library(&town, &q("violence", "2021"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        s.typical_library(&town, &q("violence", "2020"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.typical_library(&town, &q("children", "2021"))
            .await
            .unwrap()
            .is_empty()
    );
    let seen = s.typical_case(&other, id).await.unwrap();
    assert!(seen.source_id.is_none() && seen.text_auto.is_empty());
    let e = s
        .typical_library(&town, &q("violence", "二〇二一"))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("year".into(), "invalid".into())]);

    // Anyone sees it on the public page, without the record it came from.
    let public = s
        .public_typical_cases(&TypicalQuery::default(), false)
        .await
        .unwrap();
    assert_eq!(public.len(), 1);
    assert!(public[0].source_id.is_none());
    let one = s.public_typical_case(id).await.unwrap();
    assert!(!one.text.contains("张小芳") && one.text.contains("张某"));

    // A second proposal stays out of reach of other towns until published.
    let draft = s
        .propose_typical(&town, "530181001", &proposal("case", case))
        .await
        .unwrap();
    assert!(matches!(
        s.typical_case(&other, draft).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        s.public_typical_case(draft).await,
        Err(ServiceError::NotFound)
    ));

    // Withdrawn: gone from the public page.
    s.withdraw_typical(&county2, id, 4).await.unwrap();
    assert!(
        s.public_typical_cases(&TypicalQuery::default(), false)
            .await
            .unwrap()
            .is_empty()
    );

    // A registered victim: publication waits for her recorded consent to publication.
    let (group, _) = support::first_household(&s).await;
    let mut adult = None;
    for line in s.group_households(&county, &group, 1).await.unwrap().lines {
        for p in s.household_view(&county, line.id).await.unwrap().persons {
            if p.age >= 18 && adult.is_none() {
                adult = Some(p.id);
            }
        }
    }
    let adult = adult.unwrap();
    let registered = case_at(&s, &county, "530181", Some(adult)).await;
    let id2 = s
        .propose_typical(&county, "530181", &proposal("case", registered))
        .await
        .unwrap();
    let text = s.typical_case(&county2, id2).await.unwrap().text;
    s.review_typical(&county2, id2, 1, &review(&text, true))
        .await
        .unwrap();
    let e = s.publish_typical(&county, id2, 2, false).await.unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("step".into(), "typical.own_review".into())]
    );
    let e = s
        .publish_typical(&county2, id2, 2, false)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("publish_consent".into(), "typical.consent_required".into())]
    );
    s.record_consent(
        &county,
        adult,
        &jinguo_services::consent::NewConsent {
            purpose: "publish".into(),
            basis: "consent".into(),
            guardian_name: None,
            guardian_relationship: None,
        },
    )
    .await
    .unwrap();
    s.publish_typical(&county2, id2, 2, false).await.unwrap();
    let v = s.typical_case(&county2, id2).await.unwrap();
    assert_eq!(v.status, TypicalStatus::Published);
    assert!(!v.is_public);
    // Published for staff only: not on the public page.
    assert!(matches!(
        s.public_typical_case(id2).await,
        Err(ServiceError::NotFound)
    ));
}

all_backends!(proposed_reviewed_published_and_public, super::the_library);

async fn pages_and_api(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    s.ensure_departments(&Caller::operator(), "530181")
        .await
        .unwrap();
    support::account(&s, "y-town", Role::Staff, "530181001").await;
    support::account(&s, "y-town2", Role::Staff, "530181001").await;
    support::account(&s, "y-county", Role::Staff, "530181").await;
    let town = support::caller_of(&s, "y-town", support::PASSWORD).await;
    let case = case_at(&s, &town, "530181001", None).await;
    let sess = support::session(&s, "y-town", false).await;
    let sess2 = support::session(&s, "y-town2", false).await;
    let sess3 = support::session(&s, "y-county", false).await;
    let srv = support::serve(s.clone()).await;
    let api = support::Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };

    // Proposed through the API; a text with a number in it refused at review, the field named.
    let (status, body) = api
        .send(
            &sess,
            "POST",
            "/api/v1/places/530181001/typical-cases",
            Some(
                serde_json::json!({"kind": "violence", "year": "2021", "title": "案例",
                "source": "case", "source_id": case, "case_text": TEXT}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id: Uuid = body["id"].as_str().unwrap().parse().unwrap();
    for (lang, word) in [("zh-CN", "身份证号或手机号"), ("en", "mobile number")] {
        let (status, p) = api
            .send_in(
                lang,
                &sess2,
                "POST",
                &format!("/api/v1/typical-cases/{id}/review"),
                Some(serde_json::json!({"expected_version": 1, "title": "案例",
                    "case_text": "电话13812345678"})),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(
            support::fields(&p),
            vec![(
                "case_text".to_string(),
                "typical.personal_numbers".to_string()
            )]
        );
        assert!(p.to_string().contains(word), "{p}");
    }
    let (_, v) = api
        .send(&sess2, "GET", &format!("/api/v1/typical-cases/{id}"), None)
        .await;
    assert_eq!(v["version"], 1);
    let text = v["case_text"].as_str().unwrap().to_string();
    assert!(!text.contains("张小芳") && text.contains("张某"), "{text}");
    let (status, _) = api
        .send(
            &sess2,
            "POST",
            &format!("/api/v1/typical-cases/{id}/review"),
            Some(
                serde_json::json!({"expected_version": 1, "title": "丈夫殴打妻子案",
                "case_text": text}),
            ),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = api
        .send(
            &sess3,
            "POST",
            &format!("/api/v1/typical-cases/{id}/publish"),
            Some(serde_json::json!({"expected_version": 2, "public": true})),
        )
        .await;
    assert_eq!(status, 204);

    // The public page and API, without logging in, in both languages.
    let http = reqwest::Client::new();
    let r = http
        .get(format!(
            "{}/api/v1/public/typical-cases?kind=violence&year=2021",
            srv.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let list: serde_json::Value = r.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["source_id"], serde_json::Value::Null);
    let html = http
        .get(format!("{}/typical", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("典型案例") && html.contains("丈夫殴打妻子案"),
        "{html}"
    );
    let html = http
        .get(format!("{}/typical/{id}", srv.base))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("张某") && !html.contains("张小芳"), "{html}");
    assert!(html.contains("domestic violence"), "{html}");
}

both_backends!(api_and_public_pages, super::pages_and_api);
