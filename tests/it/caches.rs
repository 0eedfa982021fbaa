//! What the caches hold follows every change, and reads recorded together are each on the log.

use crate::support::{self, both_backends, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_services::audit::{AuditQuery, Verification};
use jinguo_services::caches::Caches;
use jinguo_services::{Caller, ServiceError, Services};
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
    let ids = crate::storage::first_group_households(&s).await;
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

/// A household's page records its two reads (the household, its visits) together: 32 pages read
/// at once put one `household.read` each and one `visit.read` for each household with visits on
/// the log, and the chain holds. A caller whose place does not hold the household, and a reveal
/// without a reason, see nothing and record nothing; a reveal with one is recorded as such.
async fn a_household_page_records_its_reads_together(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let ids = crate::storage::first_group_households(&s).await;
    assert!(ids.len() >= 4, "{}", ids.len());
    // One household surely visited.
    let campaign = support::campaign_today(&s, &Caller::operator(), "本月入户走访").await;
    let visit = jinguo_domain::screening::VisitInput {
        visited_on: jinguo_services::clock::today().to_string(),
        risk: "low".into(),
        request_key: "page-reads-visit-01".into(),
        ..Default::default()
    };
    s.record_visit(&staff, campaign, ids[0], &visit)
        .await
        .unwrap();
    let (households, visits) = (
        reads_of(&s, "household.read").await,
        reads_of(&s, "visit.read").await,
    );
    let mut tasks = Vec::new();
    for i in 0..32 {
        let (s, staff, id) = (s.clone(), staff.clone(), ids[i % ids.len()]);
        tasks.push(tokio::spawn(async move {
            (id, s.household_page(&staff, id, None).await)
        }));
    }
    let mut with_visits = 0;
    for t in tasks {
        let (id, page) = t.await.unwrap();
        let (view, screening) = page.unwrap();
        assert_eq!(view.household.id, id);
        assert!(!view.revealed);
        if !screening.history.is_empty() {
            with_visits += 1;
        }
    }
    assert!(with_visits >= 32 / ids.len(), "{with_visits}");
    assert_eq!(reads_of(&s, "household.read").await, households + 32);
    assert_eq!(reads_of(&s, "visit.read").await, visits + with_visits);

    // Outside her place: not found, nothing read, nothing recorded.
    let elsewhere = support::caller(Role::Staff, "53/5301/530102/");
    assert!(matches!(
        s.household_page(&elsewhere, ids[0], None).await,
        Err(ServiceError::NotFound)
    ));
    // A reveal needs a reason: refused naming the field, nothing recorded.
    match s.household_page(&staff, ids[0], Some("  ")).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.0[0].field, "reason"),
        other => panic!("{:?}", other.map(|_| ())),
    }
    assert_eq!(reads_of(&s, "household.read").await, households + 32);
    assert_eq!(reads_of(&s, "visit.read").await, visits + with_visits);
    assert_eq!(reads_of(&s, "household.reveal").await, 0);
    let (view, screening) = s
        .household_page(&staff, ids[0], Some("核实家庭成员身份"))
        .await
        .unwrap();
    assert!(view.revealed);
    assert!(!screening.history.is_empty());
    assert_eq!(reads_of(&s, "household.reveal").await, 1);
    assert_eq!(reads_of(&s, "visit.read").await, visits + with_visits + 1);
    assert!(matches!(
        s.verify_audit().await.unwrap(),
        Verification::Intact { .. }
    ));
}
both_backends!(
    page_reads,
    super::a_household_page_records_its_reads_together
);

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

async fn revoke(
    db: &Db,
    account: uuid::Uuid,
    grant: uuid::Uuid,
    now: chrono::DateTime<chrono::Utc>,
) {
    let done: Result<bool, jinguo_storage::StorageError> = async {
        jinguo_storage::db_tx!(db, tx => jinguo_storage::account::revoke_grant(tx, account, grant, None, now).await)
    }
    .await;
    assert!(done.unwrap());
}

/// A session's caller is read in one statement: the same grants (none revoked or expired), members,
/// departments and emergency access in force as the reads of each, in their order; a grant
/// revoked is gone from the next read; an unknown token finds nothing.
async fn a_session_is_read_in_one_statement(b: Backend) {
    use jinguo_storage::{account, emergency, linkage, member};
    let (t, s) = with_small_demo(b).await;
    support::account(&s, "powers", Role::Staff, "530181").await;
    let new = s
        .login("powers", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let id = account::by_username(&s.db, "powers")
        .await
        .unwrap()
        .unwrap()
        .id;
    let now = chrono::Utc::now();
    // A second grant in force, one revoked and one expired; a member she is, a department she
    // heads and emergency access to a household, granted and in force.
    for (role, expires) in [
        ("representative", None),
        ("mediator", None),
        ("liaison", Some(now - chrono::Duration::hours(1))),
    ] {
        let g = account::GrantRow {
            id: uuid::Uuid::now_v7(),
            account_id: id,
            role: role.into(),
            scope_path: "53/5301/530181/530181001/".into(),
            granted_by: None,
            granted_at: now + chrono::Duration::seconds(1),
            expires_at: expires,
            reason: None,
        };
        let db = &s.db;
        let written: Result<(), jinguo_storage::StorageError> =
            async { jinguo_storage::db_tx!(db, tx => account::insert_grant(tx, &g).await) }.await;
        written.unwrap();
        if role == "mediator" {
            revoke(db, id, g.id, now).await;
        }
    }
    exec(
        &t.db,
        "UPDATE member SET account_id = (SELECT id FROM account WHERE username = 'powers') \
         WHERE id IN (SELECT id FROM member ORDER BY id LIMIT 2)",
    )
    .await;
    // A department of her own, under her account's id (so that both are named by one id).
    exec(
        &t.db,
        "INSERT INTO department (county_code, id, key, name, in_linkage, ack_hours, \
         urgent_ack_hours, created_at, updated_at) \
         SELECT '530181', id, 'powers', 'powers', TRUE, 24, 2, created_at, created_at \
         FROM account WHERE username = 'powers'",
    )
    .await;
    exec(
        &t.db,
        "INSERT INTO liaison (county_code, department_id, account_id, position, created_at) \
         SELECT county_code, id, id, 'head', created_at FROM department WHERE key = 'powers'",
    )
    .await;
    exec(
        &t.db,
        "INSERT INTO emergency_access (county_code, id, account_id, target_kind, target_id, \
         household_id, target_path, reason, minutes, urgent, status, requested_at, expires_at) \
         SELECT county_code, id, (SELECT id FROM account WHERE username = 'powers'), 'household', \
         id, NULL, path, 'a reason', 60, FALSE, 'granted', created_at, '2999-01-01T00:00:00+00:00' \
         FROM household ORDER BY household.id LIMIT 1",
    )
    .await;

    let h = jinguo_crypto::token::token_hash(&new.token);
    let read = || account::session_powers(&s.db, &h, now);
    let p = read().await.unwrap().unwrap();
    assert_eq!(p.session.account_id, id);
    assert_eq!(p.username, "powers");
    assert!(!p.disabled);
    let session = account::session(&s.db, &h).await.unwrap().unwrap();
    assert_eq!(p.session.csrf, session.csrf);
    assert_eq!(p.session.expires_at, session.expires_at);
    assert_eq!(p.session.second_factor_ok, session.second_factor_ok);
    let grants: Vec<(String, String)> = account::grants(&s.db, id, now)
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.role, g.scope_path))
        .collect();
    assert_eq!(
        grants.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
        ["staff", "representative"]
    );
    assert_eq!(
        p.grants
            .iter()
            .map(|g| (g.role.clone(), g.scope_path.clone()))
            .collect::<Vec<_>>(),
        grants
    );
    let members = member::of_account(&s.db, id).await.unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(p.members, members);
    let departments = linkage::departments_of_account(&s.db, id).await.unwrap();
    assert_eq!(departments.len(), 1);
    assert_eq!(
        p.departments
            .iter()
            .map(|d| (&d.county_code, d.department_id, &d.position))
            .collect::<Vec<_>>(),
        departments
            .iter()
            .map(|d| (&d.county_code, d.department_id, &d.position))
            .collect::<Vec<_>>()
    );
    let held = emergency::active_of(&s.db, id, now).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(p.emergency.len(), 1);
    assert_eq!(
        (
            p.emergency[0].id,
            p.emergency[0].target_id,
            p.emergency[0].household_id
        ),
        (held[0].id, held[0].target_id, held[0].household_id)
    );
    assert_eq!(Some(p.emergency[0].expires_at), held[0].expires_at);
    // The caller made of it holds the same.
    let c = s
        .caller_from_session(&new.token, "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(c.grants.len(), 2);
    assert_eq!(c.members, members);
    assert_eq!(c.departments.len(), 1);
    assert_eq!(c.emergency.len(), 1);

    // Revoked: gone from the next read, with nothing kept between.
    let staff = account::grants(&s.db, id, now).await.unwrap()[0].id;
    revoke(&s.db, id, staff, now).await;
    let p = read().await.unwrap().unwrap();
    assert_eq!(
        p.grants.iter().map(|g| g.role.as_str()).collect::<Vec<_>>(),
        ["representative"]
    );
    assert!(
        account::session_powers(&s.db, "no such session", now)
            .await
            .unwrap()
            .is_none()
    );
}
both_backends!(
    session_in_one_statement,
    super::a_session_is_read_in_one_statement
);
