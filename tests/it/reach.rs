//! Scope in storage: each reader of disputes, cases, referrals, registry entries, wishes, members
//! and the audit log returns only what the reader reaches, whatever the service asks for; an empty
//! reader reaches nothing. On both databases.

use crate::support::{self, both_backends, with_small_demo};
use jinguo_services::Caller;
use jinguo_storage::{Backend, Reader, Scope, Subtree, linkage, mediation, member};
use serde_json::json;

async fn readers_return_only_their_reach(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let county = "53/5301/530181/";
    let staff = support::county_staff();
    let operator = Caller::operator();
    let db = &s.db;
    // A dispute of the demo, and a case referred to the court.
    let disputes = s.disputes(&staff, Some("530181"), false).await.unwrap();
    let dispute = disputes[0].id;
    s.ensure_departments(&operator, "530181").await.unwrap();
    let departments = linkage::departments(db, "530181").await.unwrap();
    let court = departments.iter().find(|d| d.key == "court").unwrap().id;
    let police = departments.iter().find(|d| d.key == "police").unwrap().id;
    let village = &crate::storage::first_group(&s).await[..12];
    let input: jinguo_domain::linkage::CaseInput = serde_json::from_value(json!({
        "victim_name": "某女", "relationship": "丈夫", "violence": ["physical"],
        "severity": "minor", "source": "walk_in", "consent_to_share": true,
        "received_on": jinguo_services::clock::today().to_string(), "narrative": "推搡致伤"}))
    .unwrap();
    let case = s.register_case(&staff, village, &input).await.unwrap();
    let referral = s
        .refer(
            &staff,
            case,
            &jinguo_domain::linkage::ReferralInput {
                department: "court".into(),
                requests: vec!["protection".into()],
                shared: vec!["victim".into()],
                basis: "consent".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;

    let whole = Subtree::of_path(county);
    let manages = Reader::new(Scope::of_paths([county]), Scope::of_paths([county]));
    let elsewhere = Reader::new(
        Scope::of_paths(["53/5301/530102/"]),
        Scope::of_paths(["53/5301/530102/"]),
    );
    let court_officer = Reader::none().with_departments([court]);
    let police_officer = Reader::none().with_departments([police]);
    let opened = Reader::none().with_cases([case]);

    // Disputes: managed, or assigned to a mediator she is.
    let d = mediation::dispute(db, &manages, dispute).await.unwrap();
    assert!(d.is_some());
    let mediator = d.unwrap().mediator_id;
    for r in [&Reader::none(), &elsewhere, &court_officer, &opened] {
        assert!(mediation::dispute(db, r, dispute).await.unwrap().is_none());
        assert!(
            mediation::list(db, r, &whole, false, 500)
                .await
                .unwrap()
                .is_empty()
        );
    }
    if let Some(m) = mediator {
        let hers = Reader::none().with_mediators([m]);
        assert!(
            mediation::dispute(db, &hers, dispute)
                .await
                .unwrap()
                .is_some()
        );
        let other = Reader::none().with_mediators([uuid::Uuid::now_v7()]);
        assert!(
            mediation::dispute(db, &other, dispute)
                .await
                .unwrap()
                .is_none()
        );
    }

    // Cases: managed, referred to her department, or opened to her.
    for r in [&manages, &court_officer, &opened] {
        assert!(linkage::case(db, r, case).await.unwrap().is_some());
    }
    for r in [&Reader::none(), &elsewhere, &police_officer] {
        assert!(linkage::case(db, r, case).await.unwrap().is_none());
        assert!(
            linkage::cases(db, r, &whole, false, 500)
                .await
                .unwrap()
                .is_empty()
        );
    }
    // … and a case opened to her is read, never listed by another's place.
    assert_eq!(
        linkage::cases(db, &opened, &whole, false, 500)
            .await
            .unwrap()
            .len(),
        1
    );

    // Referrals: of a managed case, or to her department.
    for r in [&manages, &court_officer] {
        assert!(linkage::referral(db, r, referral).await.unwrap().is_some());
    }
    for r in [&Reader::none(), &elsewhere, &police_officer, &opened] {
        assert!(linkage::referral(db, r, referral).await.unwrap().is_none());
        assert!(
            linkage::referrals_of_department(db, r, "530181", court, 100)
                .await
                .unwrap()
                .is_empty()
        );
    }

    // Members: within whole subtrees only.
    let one: uuid::Uuid = jinguo_storage::db_run!(db, p => sqlx::query_scalar(
        "SELECT id FROM member WHERE path >= $1 AND path < $2 ORDER BY id LIMIT 1")
        .bind(&whole.lo).bind(&whole.hi).fetch_one(p).await)
    .unwrap();
    assert!(
        member::get(db, &Scope::of_paths([county]), one)
            .await
            .unwrap()
            .is_some()
    );
    for scope in [Scope::none(), Scope::of_paths(["53/5301/530102/"])] {
        assert!(member::get(db, &scope, one).await.unwrap().is_none());
    }

    // The audit log: entries of her places and of none, never another county's.
    let q = jinguo_storage::audit::AuditQuery {
        action: Some("case.register".into()),
        limit: 10,
        ..Default::default()
    };
    let audit = |scope: Scope| {
        let q = q.clone();
        async move { jinguo_storage::audit::search(db, &scope, &q).await.unwrap() }
    };
    assert_eq!(audit(Scope::of_paths([county])).await.len(), 1);
    assert!(audit(Scope::of_paths(["53/5301/530102/"])).await.is_empty());
    assert!(audit(Scope::none()).await.is_empty());
}
both_backends!(readers, super::readers_return_only_their_reach);
