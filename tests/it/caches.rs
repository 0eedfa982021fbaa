//! What the caches hold follows every change, and reads recorded together are each on the log.

use crate::support::{self, both_backends, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_services::audit::{AuditQuery, Verification};
use jinguo_services::caches::Caches;
use jinguo_services::{ServiceError, Services};
use jinguo_storage::{Backend, Db};
use std::sync::Arc;
use std::time::Duration;

async fn exec(db: &Db, sql: &'static str) {
    crate::support::exec(db, sql).await.unwrap();
}

pub(crate) async fn reads_of(s: &Services, action: &str) -> usize {
    let q = AuditQuery {
        action: Some(action.into()),
        limit: 10_000,
        ..Default::default()
    };
    jinguo_storage::audit::search(&s.db, &jinguo_storage::Scope::operator(), &q)
        .await
        .unwrap()
        .len()
}

/// 64 household pages read at once: every read is on the log once, the chain holds, and each
/// answer is the household asked for.
async fn concurrent_reads_are_each_recorded(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let ids: Vec<_> = s
        .group_households(&staff, &group, 1)
        .await
        .unwrap()
        .lines
        .iter()
        .map(|l| l.id)
        .collect();
    assert!(ids.len() >= 8, "{}", ids.len());
    let before = reads_of(&s, "household.read").await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let (s, staff, id) = (s.clone(), staff.clone(), ids[i % ids.len()]);
        tasks.push(tokio::spawn(async move {
            (id, s.household_view(&staff, id).await)
        }));
    }
    for t in tasks {
        let (id, v) = t.await.unwrap();
        assert_eq!(v.unwrap().household.id, id);
    }
    assert_eq!(reads_of(&s, "household.read").await, before + 64);
    assert!(matches!(
        s.verify_audit().await.unwrap(),
        Verification::Intact { .. }
    ));
}
both_backends!(concurrent_reads, super::concurrent_reads_are_each_recorded);

/// A change made through the services is seen by the next read at once; one made behind the
/// server's back (another process) within the caches' time to live.
async fn changes_are_seen(b: Backend) {
    let (t, mut s) = with_small_demo(b).await;
    s.caches = Arc::new(Caches::new(Duration::from_millis(300)));
    let staff = support::county_staff();
    let (group, hid) = support::first_household(&s).await;
    let line = |p: jinguo_services::households::HouseholdPage| {
        p.lines.iter().find(|l| l.id == hid).unwrap().persons
    };

    // A person added: the household page and the group's list show her at once.
    let view = s.household_view(&staff, hid).await.unwrap();
    let listed = line(s.group_households(&staff, &group, 1).await.unwrap());
    let birth = chrono::NaiveDate::from_ymd_opt(1990, 3, 8).unwrap();
    let p = jinguo_domain::person::PersonInput {
        name: "王芳".into(),
        sex: "female".into(),
        birth_date: "1990-03-08".into(),
        id_number: jinguo_domain::resident_id::ResidentId::compose(110101, birth, 2)
            .as_str()
            .into(),
        relationship: "other".into(),
        ..Default::default()
    };
    s.add_person(&staff, hid, view.household.version, &p)
        .await
        .unwrap();
    let after = s.household_view(&staff, hid).await.unwrap();
    assert_eq!(after.persons.len(), view.persons.len() + 1);
    assert_eq!(after.household.version, view.household.version + 1);
    assert_eq!(
        line(s.group_households(&staff, &group, 1).await.unwrap()),
        listed + 1
    );

    // A session ended through the services: refused at once.
    support::account(&s, "cached", Role::Staff, "530181").await;
    let first = s
        .login("cached", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let c = s
        .caller_from_session(&first.token, "127.0.0.1")
        .await
        .unwrap();
    s.logout(&c, &first.token).await.unwrap();
    assert!(matches!(
        s.caller_from_session(&first.token, "127.0.0.1").await,
        Err(ServiceError::Unauthenticated)
    ));

    // An account disabled by another process (here: directly in the database): refused once
    // the time to live has passed, without any write of this process.
    let second = s
        .login("cached", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    s.caller_from_session(&second.token, "127.0.0.1")
        .await
        .unwrap();
    exec(
        &t.db,
        "UPDATE account SET disabled = TRUE WHERE username = 'cached'",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(matches!(
        s.caller_from_session(&second.token, "127.0.0.1").await,
        Err(ServiceError::Unauthenticated)
    ));
}
both_backends!(changes, super::changes_are_seen);
