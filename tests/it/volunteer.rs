//! Women volunteers and training on both databases: a volunteer registered with her skills (her
//! name and phone sealed, shown masked), each service she gives recorded on a record of the
//! recorder's reach in her county with its hours; sessions of training and legal education with
//! their members, a count of the public, the typical cases used and their materials (the upload
//! rules of evidence); a member's training record. Bad input refused with the field named.

use crate::support::{self, both_backends, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_domain::family::EventInput;
use jinguo_domain::training::TrainingInput;
use jinguo_domain::volunteer::{ServiceInput, VolunteerInput};
use jinguo_services::{ServiceError, clock};
use jinguo_storage::Backend;
use uuid::Uuid;

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

fn volunteer(place: &str) -> VolunteerInput {
    VolunteerInput {
        place: place.into(),
        name: "王秀英".into(),
        phone: "13912345678".into(),
        skills: vec!["legal".into(), "心理疏导".into()],
    }
}

fn session(place: &str, members: Vec<Uuid>) -> TrainingInput {
    TrainingInput {
        place: place.into(),
        kind: "legal_education".into(),
        mode: "in_person".into(),
        held_on: clock::today().to_string(),
        venue: "街道妇女之家".into(),
        topic: "反家庭暴力法宣讲".into(),
        trainer: "李律师".into(),
        hours: "2.5".into(),
        members,
        counted: "30".into(),
        cases: Vec::new(),
    }
}

fn event(place: &str) -> EventInput {
    EventInput {
        place: place.into(),
        held_on: clock::today().to_string(),
        kind: "lecture".into(),
        title: "家庭教育讲座".into(),
        participants: "40".into(),
        families: Vec::new(),
    }
}

async fn volunteers_and_trainings(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let (far_group, far_town) = crate::storage::far_group(&s).await;
    support::account(&s, "v-town", Role::Staff, "530181001").await;
    support::account(&s, "v-other", Role::Staff, &far_town).await;
    support::account(&s, "v-rep", Role::Representative, "530181001001001").await;
    let town = support::caller_of(&s, "v-town", support::PASSWORD).await;
    let other = support::caller_of(&s, "v-other", support::PASSWORD).await;
    let rep = support::caller_of(&s, "v-rep", support::PASSWORD).await;
    let today = clock::today();

    // A volunteer: bad input named field by field, nothing written.
    let e = s
        .add_volunteer(
            &town,
            &VolunteerInput {
                place: "530181001".into(),
                name: String::new(),
                phone: "12345".into(),
                skills: vec!["juggling".into()],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("name".into(), "required".into()),
            ("phone".into(), "invalid".into()),
            ("skills".into(), "invalid".into())
        ]
    );
    let e = s
        .add_volunteer(&town, &volunteer(&far_town))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("place".into(), "not_found".into())]);
    assert!(matches!(
        s.add_volunteer(&rep, &volunteer("530181001")).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(s.volunteers(&town).await.unwrap().is_empty());
    let v = s
        .add_volunteer(&town, &volunteer("530181001"))
        .await
        .unwrap();
    let list = s.volunteers(&town).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].name.as_str(), list[0].phone.as_str()),
        ("王*英", "139****5678")
    );
    assert_eq!(list[0].skills.len(), 2);
    assert!(s.volunteers(&other).await.unwrap().is_empty());
    assert!(matches!(
        s.volunteer(&other, v).await,
        Err(ServiceError::NotFound)
    ));

    // Her services: on a record of the recorder's reach, with the day and the hours.
    let ev = s
        .record_family_event(&town, &event("530181001"))
        .await
        .unwrap();
    let far = s
        .record_family_event(&other, &event(&far_town))
        .await
        .unwrap();
    let service = |subject: Uuid, on: chrono::NaiveDate, hours: &str| ServiceInput {
        service_for: "family_event".into(),
        subject: Some(subject),
        served_on: on.to_string(),
        hours: hours.into(),
    };
    let e = s
        .record_volunteer_service(
            &town,
            v,
            &service(ev, today + chrono::Duration::days(1), "0"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("served_on".into(), "date.future".into()),
            ("hours".into(), "invalid".into())
        ]
    );
    for subject in [far, Uuid::now_v7()] {
        let e = s
            .record_volunteer_service(&town, v, &service(subject, today, "2"))
            .await
            .unwrap_err();
        assert_eq!(fields(&e), vec![("subject".into(), "not_found".into())]);
    }
    assert!(matches!(
        s.record_volunteer_service(&other, v, &service(far, today, "2"))
            .await,
        Err(ServiceError::NotFound)
    ));
    s.record_volunteer_service(&town, v, &service(ev, today, "2.5"))
        .await
        .unwrap();

    // A session: bad input named, members and cases of the recorder's reach only.
    let mut bad = session("530181001", Vec::new());
    bad.kind = "party".into();
    bad.topic = String::new();
    bad.hours = "30".into();
    bad.counted = String::new();
    let e = s.record_training(&town, &bad).await.unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("kind".into(), "invalid".into()),
            ("topic".into(), "required".into()),
            ("hours".into(), "invalid".into()),
            ("counted".into(), "required".into())
        ]
    );
    let (group, _) = support::first_household(&s).await;
    let member = s.coverage_members(&town, &group).await.unwrap()[0].id;
    let far_member = s.coverage_members(&other, &far_group).await.unwrap()[0].id;
    let e = s
        .record_training(&town, &session("530181001", vec![far_member]))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("members".into(), "not_found".into())]);
    let mut with_case = session("530181001", vec![member]);
    with_case.cases = vec![Uuid::now_v7()];
    let e = s.record_training(&town, &with_case).await.unwrap_err();
    assert_eq!(fields(&e), vec![("cases".into(), "not_found".into())]);
    let t = s
        .record_training(&town, &session("530181001", vec![member]))
        .await
        .unwrap();
    let (_, list) = s.trainings(&town, None).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].members, list[0].counted, list[0].hours_tenths),
        (1, 30, 25)
    );
    assert!(s.trainings(&other, None).await.unwrap().1.is_empty());
    assert!(matches!(
        s.training(&other, t).await,
        Err(ServiceError::NotFound)
    ));

    // Materials: what the name says, within the upload limit.
    let pdf = b"%PDF-1.4\n% handout\n".to_vec();
    let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0].to_vec();
    let e = s
        .add_training_material(&town, t, "讲义.pdf", &png)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("file".into(), "evidence.disguised".into())]
    );
    let m = s
        .add_training_material(&town, t, "讲义.pdf", &pdf)
        .await
        .unwrap();
    let (name, media, content) = s.training_material(&town, t, m).await.unwrap();
    assert_eq!(
        (name.as_str(), media.as_str(), content),
        ("讲义.pdf", "application/pdf", pdf)
    );
    assert!(matches!(
        s.training_material(&other, t, m).await,
        Err(ServiceError::NotFound)
    ));
    let d = s.training(&town, t).await.unwrap();
    assert_eq!((d.attendees.len(), d.materials.len()), (1, 1));
    assert!(d.attendees[0].1.contains('*'), "{:?}", d.attendees);

    // The volunteer served at the session too; her hours add up.
    let at_session = ServiceInput {
        service_for: "training".into(),
        ..service(t, today, "1")
    };
    s.record_volunteer_service(&town, v, &at_session)
        .await
        .unwrap();
    let (view, services) = s.volunteer(&town, v).await.unwrap();
    assert_eq!((view.hours_tenths, services.len()), (35, 2));

    // The member's training record.
    let r = s.member_trainings(&town, member).await.unwrap();
    assert_eq!((r.sessions.len(), r.hours_tenths), (1, 25));
    assert!(matches!(
        s.member_trainings(&other, member).await,
        Err(ServiceError::NotFound)
    ));
}

both_backends!(
    volunteers_serve_and_sessions_are_recorded,
    super::volunteers_and_trainings
);

async fn pages_and_api(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    support::account(&s, "v-town", Role::Staff, "530181001").await;
    let sess = support::session(&s, "v-town", false).await;
    let srv = support::serve(s.clone()).await;
    let api = support::Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let (status, body) = api
        .send(
            &sess,
            "POST",
            "/api/v1/places/530181001/volunteers",
            Some(serde_json::json!({"name": "王秀英", "skills": ["legal"]})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, p) = api
        .send_in(
            "zh-CN",
            &sess,
            "POST",
            "/api/v1/places/530181001/trainings",
            Some(
                serde_json::json!({"kind": "training", "mode": "online", "held_on": "2021-02-30",
                "venue": "线上", "topic": "家事调解实务", "trainer": "王法官", "hours": "2",
                "counted": "20"}),
            ),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        support::fields(&p),
        vec![("held_on".to_string(), "date.format".to_string())]
    );
    let (status, body) = api
        .send(
            &sess,
            "POST",
            "/api/v1/places/530181001/trainings",
            Some(serde_json::json!({"kind": "training", "mode": "online",
                "held_on": clock::today().to_string(), "venue": "线上", "topic": "家事调解实务",
                "trainer": "王法官", "hours": "2", "counted": "20"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let r = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/trainings/{id}/materials?name=slides.pdf",
            srv.base
        ))
        .header("cookie", &sess.cookie)
        .header("x-csrf-token", &sess.csrf)
        .body(b"%PDF-1.4\n".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (_, d) = api
        .send(&sess, "GET", &format!("/api/v1/trainings/{id}"), None)
        .await;
    assert_eq!(d["materials"].as_array().unwrap().len(), 1);
    assert_eq!(d["training"]["hours"], "2.0");
    // The pages, in both languages.
    for (lang, word) in [
        ("zh-CN", "培训和普法"),
        ("en", "Training and legal education"),
    ] {
        let html = reqwest::Client::new()
            .get(format!("{}/trainings?lang={lang}", srv.base))
            .header("cookie", &sess.cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(word) && html.contains("家事调解实务"),
            "{html}"
        );
    }
    let html = reqwest::Client::new()
        .get(format!("{}/volunteers", srv.base))
        .header("cookie", &sess.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("王*英") && !html.contains("王秀英"), "{html}");
}

both_backends!(api_and_pages, super::pages_and_api);
