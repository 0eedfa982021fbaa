//! The tools of the responsibility network on both databases: bulk assignment one level down
//! inside one's own federation, hand-over to a successor, balancing a group's households.

use crate::storage::{far_group, first_group};
use crate::support::{self, both_backends, with_small_demo};
use jinguo_services::{ServiceError, Services};
use jinguo_storage::Backend;

fn codes(e: ServiceError) -> Vec<&'static str> {
    match e {
        ServiceError::Invalid(v) => v.0.iter().map(|f| f.code).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn loads(s: &Services, group: &str) -> Vec<i64> {
    s.coverage_members(&support::county_staff(), group)
        .await
        .unwrap()
        .iter()
        .map(|m| m.units)
        .collect()
}

async fn tools_of_the_network(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = first_group(&s).await;
    let village = group[..12].to_string();
    let town = group[..9].to_string();
    let (far, far_town) = far_group(&s).await;
    let members = s.coverage_members(&staff, &village).await.unwrap();
    let village_exec = members
        .iter()
        .find(|m| m.role == "executive" && m.place_path.ends_with(&format!("{village}/")))
        .unwrap();
    let county_exec = s
        .coverage_members(&staff, "530181")
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.role == "executive" && m.place_path.ends_with("530181/"))
        .unwrap();

    // One level down, inside her own federation, codes that exist.
    assert_eq!(
        codes(
            s.assign_units(&staff, village_exec.id, std::slice::from_ref(&far))
                .await
                .unwrap_err()
        ),
        vec!["assignment.outside_federation"]
    );
    assert_eq!(
        codes(
            s.assign_units(&staff, county_exec.id, std::slice::from_ref(&village))
                .await
                .unwrap_err()
        ),
        vec!["assignment.skips_level"]
    );
    assert_eq!(
        codes(
            s.assign_units(&staff, county_exec.id, &["530181999".into()])
                .await
                .unwrap_err()
        ),
        vec!["assignment.unknown_unit"]
    );
    let r = s
        .assign_units(&staff, county_exec.id, &[town.clone(), far_town.clone()])
        .await
        .unwrap();
    assert_eq!(r.added + r.already, 2);
    let again = s
        .assign_units(&staff, county_exec.id, &[town.clone(), far_town.clone()])
        .await
        .unwrap();
    assert_eq!((again.added, again.already), (0, 2));

    // Representatives answer for households of their own group.
    let reps = s.coverage_members(&staff, &group).await.unwrap();
    assert_eq!(reps.len(), 3);
    let far_household = s.group_households(&staff, &far, 1).await.unwrap().lines[0]
        .code
        .clone();
    assert_eq!(
        codes(
            s.assign_units(&staff, reps[0].id, &[far_household])
                .await
                .unwrap_err()
        ),
        vec!["assignment.outside_federation"]
    );
    // A subdistrict's staff manages her members only.
    let other_town = support::caller(
        jinguo_domain::account::Role::Staff,
        &s.place_view(&staff, &far_town).await.unwrap().place.path,
    );
    assert!(matches!(
        s.assign_units(&other_town, reps[0].id, std::slice::from_ref(&group))
            .await,
        Err(ServiceError::NotFound)
    ));

    // Hand-over: everything she answered for passes to her successor, coverage stays complete.
    let (a, b_, c) = (reps[0].id, reps[1].id, reps[2].id);
    let far_rep = s.coverage_members(&staff, &far).await.unwrap()[0].id;
    assert_eq!(
        codes(s.hand_over(&staff, a, far_rep).await.unwrap_err()),
        vec!["handover.same_post"]
    );
    let moved = s.hand_over(&staff, a, b_).await.unwrap();
    assert_eq!(moved as i64, reps[0].units);
    let cov = s.coverage(&staff, &group).await.unwrap();
    assert_eq!(cov.households_without_representative(), 0);
    assert!(matches!(
        s.hand_over(&staff, a, c).await,
        Err(ServiceError::Conflict)
    ));
    let mut l = loads(&s, &group).await;
    l.sort();
    assert_eq!(l, vec![reps[2].units, reps[0].units + reps[1].units]);

    // Balance: the two who remain share the group's households evenly; again, nothing moves.
    let total: i64 = l.iter().sum();
    let moved = s.balance_group(&staff, &group).await.unwrap();
    assert!(moved > 0);
    let mut l = loads(&s, &group).await;
    l.sort();
    assert_eq!(l, vec![total / 2, total - total / 2]);
    assert_eq!(s.balance_group(&staff, &group).await.unwrap(), 0);
    // A leaver's households are gaps until balanced.
    s.member_leave(&staff, b_, "调任").await.unwrap();
    assert!(
        s.coverage(&staff, &group)
            .await
            .unwrap()
            .households_without_representative()
            > 0
    );
    s.balance_group(&staff, &group).await.unwrap();
    assert_eq!(loads(&s, &group).await, vec![total]);
    assert_eq!(
        s.coverage(&staff, &group)
            .await
            .unwrap()
            .households_without_representative(),
        0
    );
    assert_eq!(
        codes(s.balance_group(&staff, &village).await.unwrap_err()),
        vec!["balance.group_only"]
    );
}
both_backends!(tools, super::tools_of_the_network);

async fn federations_and_members(b: Backend) {
    use jinguo_domain::member::MemberInput;
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let v = s.federation_view(&staff, "530181").await.unwrap();
    assert_eq!(v.federation.unwrap().name, "安宁市妇联");
    assert_eq!(
        v.members.len() as u32,
        crate::support::SMALL.city_executives
    );
    assert!(
        v.members
            .iter()
            .all(|m| m.phone.as_deref().is_some_and(|p| p.contains('*')))
    );
    // A federation is recorded once, at the levels that have one.
    assert_eq!(
        codes(
            s.create_federation(&staff, "530181", "又一个", "")
                .await
                .unwrap_err()
        ),
        vec!["federation.exists"]
    );
    let lianran = support::caller(
        jinguo_domain::account::Role::Staff,
        "53/5301/530181/530181001/",
    );
    assert_eq!(
        codes(
            s.create_federation(&lianran, "530181001", "连然街道妇联", "")
                .await
                .unwrap_err()
        ),
        vec!["federation.exists"]
    );
    let group = first_group(&s).await;
    assert_eq!(
        codes(
            s.create_federation(&staff, &group, "小组妇联", "")
                .await
                .unwrap_err()
        ),
        vec!["federation.wrong_level"]
    );
    // A new representative: refused at a village, with every bad field named; then added at the
    // group, her phone sealed, and she can be given households.
    let village = &group[..12];
    let rep = MemberInput {
        name: "李梅".into(),
        role: "representative".into(),
        phone: "13812345678".into(),
        started_on: "2026-01-01".into(),
        term_ends_on: "2030-12-31".into(),
    };
    assert_eq!(
        codes(s.add_member(&staff, village, &rep).await.unwrap_err()),
        vec!["member.wrong_level"]
    );
    // Starting next year, her term ending today: in the future, and ending before it starts.
    let today = jinguo_services::clock::today();
    let bad = MemberInput {
        phone: "12".into(),
        started_on: (today + chrono::Days::new(366)).to_string(),
        term_ends_on: today.to_string(),
        ..rep.clone()
    };
    assert_eq!(
        codes(s.add_member(&staff, &group, &bad).await.unwrap_err()),
        vec!["phone.format", "date.future", "ends_on.before_start"]
    );
    let id = s.add_member(&staff, &group, &rep).await.unwrap();
    let here = s.federation_view(&staff, &group).await.unwrap();
    let m = here.members.iter().find(|m| m.id == id).unwrap();
    assert_eq!(
        (m.name.as_str(), m.phone.as_deref()),
        ("李*", Some("138****5678"))
    );
    let raw: Vec<(Option<String>,)> = match &s.db {
        jinguo_storage::Db::Sqlite(x) => sqlx::query_as("SELECT phone FROM member")
            .fetch_all(&x.read)
            .await
            .unwrap(),
        jinguo_storage::Db::Postgres(x) => sqlx::query_as("SELECT phone FROM member")
            .fetch_all(x)
            .await
            .unwrap(),
    };
    assert!(
        raw.iter()
            .all(|(p,)| p.as_deref().is_none_or(|p| p.starts_with("v1.")))
    );
    // Another representative's household is not shared; a balance gives her a share.
    let theirs = s.group_households(&staff, &group, 1).await.unwrap().lines[0]
        .code
        .clone();
    assert_eq!(
        codes(s.assign_units(&staff, id, &[theirs]).await.unwrap_err()),
        vec!["assignment.taken"]
    );
    s.balance_group(&staff, &group).await.unwrap();
    let mut l = loads(&s, &group).await;
    l.sort();
    assert!(l[l.len() - 1] - l[0] <= 1, "{l:?}");
    // A subdistrict's staff adds no member elsewhere.
    let (far, _) = far_group(&s).await;
    assert!(matches!(
        s.add_member(&lianran, &far, &rep).await,
        Err(ServiceError::NotFound)
    ));
}
both_backends!(federations, super::federations_and_members);
