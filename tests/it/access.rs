//! Accounts, scope, masking and the audit log, on both databases.

use crate::support::{self, both_backends, caller, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_services::accounts::{AccountAction, NewAccount};
use jinguo_services::audit::Verification;
use jinguo_services::{Caller, ServiceError};
use jinguo_storage::{Backend, Db};

async fn scope_is_enforced(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let township = caller(Role::Staff, "53/5301/530181/530181001/");
    // Her own subdistrict and below: yes; the county above and a neighbour: not found.
    assert!(s.place_view(&township, "530181001").await.is_ok());
    assert!(matches!(
        s.place_view(&township, "530181").await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        s.place_view(&township, "530181002").await,
        Err(ServiceError::NotFound)
    ));
    assert_eq!(s.home_place(&township).as_deref(), Some("530181001"));

    // A household of another subdistrict: not found, neither to read nor to write.
    let staff = support::county_staff();
    let (far_group, _) = crate::storage::far_group(&s).await;
    let far = s
        .group_households(&staff, &far_group, 1)
        .await
        .unwrap()
        .lines[0]
        .id;
    assert!(matches!(
        s.household_view(&township, far).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        s.group_households(&township, &far_group, 1).await,
        Err(ServiceError::NotFound)
    ));
    let p = jinguo_domain::person::PersonInput::default();
    assert!(matches!(
        s.add_person(&township, far, 1, &p).await,
        Err(ServiceError::Invalid(_)) | Err(ServiceError::NotFound)
    ));

    // Fail closed: no grant, an administrator's grant, or a second factor still owed: nothing.
    let nobody = Caller::new(
        uuid::Uuid::now_v7(),
        "nobody".into(),
        "nobody".into(),
        Vec::new(),
    );
    let sysadmin = caller(Role::SystemAdmin, "53/5301/530181/");
    let auditor = caller(Role::AuditAdmin, "53/5301/530181/");
    let mut pending = support::county_staff();
    pending.second_factor_pending = true;
    for c in [&nobody, &sysadmin, &auditor, &pending] {
        assert!(
            matches!(s.place_view(c, "530181").await, Err(ServiceError::NotFound)),
            "{}",
            c.username
        );
        assert!(
            matches!(s.household_view(c, far).await, Err(ServiceError::NotFound)),
            "{}",
            c.username
        );
    }
    // Only the audit administrator reads the log.
    let q = jinguo_services::audit::AuditQuery {
        limit: 10,
        ..Default::default()
    };
    assert!(matches!(
        s.search_audit(&staff, &q).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        s.search_audit(&sysadmin, &q).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(!s.search_audit(&auditor, &q).await.unwrap().is_empty());
}
both_backends!(scope, super::scope_is_enforced);

async fn login_lockout_and_sessions(b: Backend) {
    let (_t, mut s) = with_small_demo(b).await;
    support::account(&s, "lianran", Role::Staff, "530181001").await;
    // A weak password is refused by name.
    let weak = NewAccount {
        username: "weak".into(),
        display_name: "weak".into(),
        password: "alllowercase".into(),
        role: Some(Role::Staff),
        place: "530181".into(),
    };
    match s.create_account(&Caller::operator(), &weak).await {
        Err(ServiceError::Invalid(v)) => assert_eq!(v.0[0].code, "password.classes"),
        other => panic!("{other:?}"),
    }
    // A township's system administrator cannot create accounts for the county.
    let local_admin = caller(Role::SystemAdmin, "53/5301/530181/530181001/");
    let mut a = weak.clone();
    a.password = support::PASSWORD.into();
    assert!(matches!(
        s.create_account(&local_admin, &a).await,
        Err(ServiceError::Forbidden)
    ));

    // Good login, then a session that identifies her.
    let session = s
        .login("lianran", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let c = s
        .caller_from_session(&session.token, "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(c.username, "lianran");
    assert!(!c.second_factor_pending);
    assert!(matches!(
        s.caller_from_session("forged-token", "127.0.0.1").await,
        Err(ServiceError::Unauthenticated)
    ));

    // Five wrong passwords lock the account; then even the right one is refused, like an unknown name.
    for _ in 0..5 {
        assert!(matches!(
            s.login("lianran", "Wrong-password-1", "127.0.0.1").await,
            Err(ServiceError::Unauthenticated)
        ));
    }
    assert!(matches!(
        s.login("lianran", support::PASSWORD, "127.0.0.1").await,
        Err(ServiceError::Unauthenticated)
    ));
    assert!(matches!(
        s.login("nobody-here", support::PASSWORD, "127.0.0.1").await,
        Err(ServiceError::Unauthenticated)
    ));
    // A locked account's sessions stop working too.
    assert!(matches!(
        s.caller_from_session(&session.token, "127.0.0.1").await,
        Err(ServiceError::Unauthenticated)
    ));
    s.administer_account(&Caller::operator(), "lianran", AccountAction::Unlock)
        .await
        .unwrap();
    let session = s
        .login("lianran", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();

    // Idle sessions end.
    s.security.idle_minutes = 0;
    assert!(matches!(
        s.caller_from_session(&session.token, "127.0.0.1").await,
        Err(ServiceError::Unauthenticated)
    ));
    s.security.idle_minutes = 15;
    assert!(
        matches!(
            s.caller_from_session(&session.token, "127.0.0.1").await,
            Err(ServiceError::Unauthenticated)
        ),
        "an ended session stays ended"
    );

    // A reset password must be changed before anything is visible.
    s.administer_account(
        &Caller::operator(),
        "lianran",
        AccountAction::Reset {
            password: "Temporary-pass-1".into(),
        },
    )
    .await
    .unwrap();
    let session = s
        .login("lianran", "Temporary-pass-1", "127.0.0.1")
        .await
        .unwrap();
    let c = s
        .caller_from_session(&session.token, "127.0.0.1")
        .await
        .unwrap();
    assert!(c.must_change_password);
    assert!(matches!(
        s.place_view(&c, "530181001").await,
        Err(ServiceError::NotFound)
    ));
    match s.change_password(&c, "Temporary-pass-1", "short").await {
        Err(ServiceError::Invalid(v)) => assert_eq!(v.0[0].code, "password.too_short"),
        other => panic!("{other:?}"),
    }
    s.change_password(&c, "Temporary-pass-1", "A-new-password-9")
        .await
        .unwrap();
    let c = s
        .caller_from_session(&session.token, "127.0.0.1")
        .await
        .unwrap();
    assert!(s.place_view(&c, "530181001").await.is_ok());

    // Every attempt is in the audit log.
    let auditor = caller(Role::AuditAdmin, "53/5301/530181/");
    let q = jinguo_services::audit::AuditQuery {
        action: Some("login.failed".into()),
        limit: 100,
        ..Default::default()
    };
    let failed = s.search_audit(&auditor, &q).await.unwrap();
    assert_eq!(
        failed.len(),
        6,
        "five wrong passwords and one unknown account"
    );
    assert!(failed.iter().all(|r| !r.detail.contains(support::PASSWORD)));
}
both_backends!(login, super::login_lockout_and_sessions);

async fn administrators_need_a_second_factor(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    support::account(&s, "auditor", Role::AuditAdmin, "530181").await;
    let session = s
        .login("auditor", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let c = s
        .caller_from_session(&session.token, "127.0.0.1")
        .await
        .unwrap();
    assert!(c.second_factor_pending);
    let q = jinguo_services::audit::AuditQuery {
        limit: 10,
        ..Default::default()
    };
    assert!(matches!(
        s.search_audit(&c, &q).await,
        Err(ServiceError::Forbidden)
    ));
    // Enrol: a secret, then a code from it.
    let (uri, key) = s.totp_begin(&c).await.unwrap();
    assert!(uri.starts_with("otpauth://totp/Jinguo:auditor?secret="));
    let secret = jinguo_crypto::totp::from_base32(&key).unwrap();
    let now = chrono::Utc::now().timestamp() as u64;
    assert!(s.totp_verify(&c, &session.token, "000000x").await.is_err());
    let code = jinguo_crypto::totp::code_at(&secret, now);
    s.totp_verify(&c, &session.token, &code).await.unwrap();
    // The same code is not accepted twice.
    assert!(matches!(
        s.totp_verify(&c, &session.token, &code).await,
        Err(ServiceError::Invalid(_))
    ));
    let c = s
        .caller_from_session(&session.token, "127.0.0.1")
        .await
        .unwrap();
    assert!(!c.second_factor_pending);
    assert!(!s.search_audit(&c, &q).await.unwrap().is_empty());
    // The secret is stored encrypted.
    let stored = jinguo_storage::account::by_username(&s.db, "auditor")
        .await
        .unwrap()
        .unwrap();
    let sealed = stored.totp_secret.unwrap();
    assert!(sealed.starts_with("v1.xc20.") && !sealed.contains(&key));
}
both_backends!(second_factor, super::administrators_need_a_second_factor);

async fn reveal_needs_a_reason_and_is_audited(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let hid = s.group_households(&staff, &group, 1).await.unwrap().lines[0].id;
    assert!(matches!(
        s.household_reveal(&staff, hid, " ").await,
        Err(ServiceError::Invalid(_))
    ));
    let masked = s.household_view(&staff, hid).await.unwrap();
    let shown = s
        .household_reveal(&staff, hid, "入户走访核实身份")
        .await
        .unwrap();
    assert!(shown.revealed && !masked.revealed);
    assert!(masked.persons[0].id_number.contains('*'));
    assert!(!shown.persons[0].id_number.contains('*'));
    assert_eq!(shown.persons[0].id_number.len(), 18);
    let auditor = caller(Role::AuditAdmin, "53/5301/530181/");
    let q = jinguo_services::audit::AuditQuery {
        action: Some("household.reveal".into()),
        limit: 10,
        ..Default::default()
    };
    let rows = s.search_audit(&auditor, &q).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].reason, "入户走访核实身份");
    assert_eq!(rows[0].target, format!("household:{hid}"));
    assert!(
        !rows[0].detail.contains(&shown.persons[0].id_number),
        "revealed values never go to the log"
    );
}
both_backends!(reveal, super::reveal_needs_a_reason_and_is_audited);

/// The chain detects an edited entry and a deleted last entry, even by someone who bypasses the
/// append-only triggers with direct database access.
async fn audit_chain_detects_tampering(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let hid = s.group_households(&staff, &group, 1).await.unwrap().lines[0].id;
    for _ in 0..3 {
        s.household_view(&staff, hid).await.unwrap();
    }
    let Verification::Intact { entries } = s.verify_audit().await.unwrap() else {
        panic!("chain broken")
    };
    assert!(entries >= 4, "{entries}");
    // The triggers refuse edits and deletions.
    let refused = support::exec(&t.db, "UPDATE audit SET actor = 'someone' WHERE seq = 2").await;
    assert!(
        refused.is_err(),
        "an update of the audit log must be refused"
    );
    assert!(
        support::exec(&t.db, "DELETE FROM audit WHERE seq = 2")
            .await
            .is_err()
    );
    // Bypass them, edit entry 2: found.
    support::drop_audit_guards(&t.db).await;
    support::exec(
        &t.db,
        "UPDATE audit SET reason = 'nothing to see' WHERE county_code = '530181' AND seq = 2",
    )
    .await
    .unwrap();
    assert_eq!(
        s.verify_audit().await.unwrap(),
        Verification::Broken {
            county: "530181".into(),
            seq: 2,
            why: "MAC does not match: the entry was changed, or the chain was recomputed without the key"
        }
    );
    support::exec(
        &t.db,
        "UPDATE audit SET reason = '' WHERE county_code = '530181' AND seq = 2",
    )
    .await
    .unwrap();
    assert!(matches!(
        s.verify_audit().await.unwrap(),
        Verification::Intact { .. }
    ));
    let (last, _) = jinguo_storage::audit::head(&t.db, "530181").await.unwrap();
    support::exec(
        &t.db,
        &format!("DELETE FROM audit WHERE county_code = '530181' AND seq = {last}"),
    )
    .await
    .unwrap();
    assert!(matches!(
        s.verify_audit().await.unwrap(),
        Verification::Broken { .. }
    ));
}
both_backends!(audit_chain, super::audit_chain_detects_tampering);

/// Sensitive fields are ciphertext in the database, searchable through the blind index, and
/// survive a key rotation.
async fn encryption_at_rest_and_rotation(b: Backend) {
    let t = support::fresh(b).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    let ring = jinguo_services::Keyring::load_or_create(&path).unwrap();
    let s = jinguo_services::Services::new(
        t.db.clone(),
        std::sync::Arc::new(jinguo_services::sealed::KeyStore::from_file(
            ring,
            path.clone(),
        )),
    );
    s.ensure_demo_shaped(7, support::SMALL).await.unwrap();
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let hid = s.group_households(&staff, &group, 1).await.unwrap().lines[0].id;
    let before = s
        .household_reveal(&staff, hid, "核对住址信息")
        .await
        .unwrap();

    let sealed: Vec<(String, Option<String>, String)> = query(
        &t.db,
        "SELECT id_number, phone, id_number_index FROM person",
    )
    .await;
    assert!(!sealed.is_empty());
    for (idn, phone, index) in &sealed {
        assert!(
            idn.starts_with("v1.xc20.k1.") && !idn.contains("530181"),
            "{idn}"
        );
        assert!(
            phone
                .as_deref()
                .is_none_or(|p| p.starts_with("v1.xc20.k1."))
        );
        assert_eq!(index.len(), 64);
    }
    let addresses: Vec<(String,)> = query(&t.db, "SELECT address FROM household").await;
    assert!(
        addresses
            .iter()
            .all(|(a,)| a.starts_with("v1.xc20.k1.") && !a.contains("安宁"))
    );

    // The same number cannot be registered twice: the blind index finds it.
    let taken = &before.persons[0];
    let mut p = jinguo_domain::person::PersonInput {
        name: "重复".into(),
        sex: taken.sex.key().into(),
        birth_date: String::new(),
        id_number: taken.id_number.clone(),
        phone: String::new(),
        relationship: "other".into(),
    };
    let parsed = jinguo_domain::resident_id::ResidentId::parse(
        &taken.id_number,
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
    )
    .unwrap();
    p.birth_date = parsed.birth_date().format("%Y-%m-%d").to_string();
    let v = s
        .household_view(&staff, hid)
        .await
        .unwrap()
        .household
        .version;
    match s.add_person(&staff, hid, v, &p).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.0[0].code, "id_number.duplicate"),
        other => panic!("{other:?}"),
    }

    // A domestic-violence case with a file kept as evidence.
    s.ensure_departments(&Caller::operator(), "530181")
        .await
        .unwrap();
    let case_input: jinguo_domain::linkage::CaseInput = serde_json::from_value(serde_json::json!({
        "victim_name": "某女", "relationship": "丈夫", "violence": ["physical"],
        "severity": "minor", "source": "walk_in", "consent_to_share": true,
        "received_on": jinguo_services::clock::today().to_string(), "narrative": "推搡致伤"}))
    .unwrap();
    let case = s
        .register_case(&staff, "530181", &case_input)
        .await
        .unwrap();
    let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4];
    let evidence = s
        .add_evidence(&staff, case, "伤情照片.png", &png)
        .await
        .unwrap();

    // A registry entry with its evidence.
    s.ensure_registries(&Caller::operator(), "530181")
        .await
        .unwrap();
    let entry: jinguo_domain::care::EntryInput = serde_json::from_value(serde_json::json!({
        "person_id": before.persons[0].id, "registry": "mothers_in_difficulty",
        "criteria": "低保户", "evidence": "低保证 5301810099", "surveyed_by": "妇女代表",
        "next_review_on": jinguo_services::clock::today().to_string()}))
    .unwrap();
    s.propose_entry(&staff, "530181", &entry).await.unwrap();

    // Rotation: every value moves to the new key and reads the same.
    let r = s.rotate_keys(&Caller::operator()).await.unwrap();
    assert_eq!(r.kid, "k2");
    assert_eq!(r.persons as usize, sealed.len());
    let after: Vec<(String,)> = query(&t.db, "SELECT id_number FROM person").await;
    assert!(after.iter().all(|(v,)| v.starts_with("v1.xc20.k2.")));
    // Visits' findings and members' phones move too.
    assert_eq!(r.visits, u64::from(support::SMALL.screened));
    assert!(r.members > 0);
    let findings: Vec<(String,)> = query(&t.db, "SELECT findings FROM visit").await;
    assert!(findings.iter().all(|(v,)| v.starts_with("v1.xc20.k2.")));
    let phones: Vec<(Option<String>,)> = query(&t.db, "SELECT phone FROM member").await;
    assert!(
        phones
            .iter()
            .all(|(v,)| v.as_deref().is_none_or(|v| v.starts_with("v1.xc20.k2.")))
    );
    let fed = s.federation_view(&staff, "530181").await.unwrap();
    assert!(fed.members.iter().all(|m| m.phone.is_some()));
    // The mediation records (the demo's mediated disputes) move too, and still open.
    assert!(r.mediation > 0);
    for sql in [
        "SELECT record FROM mediation_session",
        "SELECT facts FROM agreement",
        "SELECT text FROM agreement_term",
        "SELECT narrative FROM dv_case",
        "SELECT content FROM evidence",
        "SELECT name FROM evidence",
        "SELECT evidence FROM registry_entry",
    ] {
        let values: Vec<(String,)> = query(&t.db, sql).await;
        assert!(
            !values.is_empty() && values.iter().all(|(v,)| v.starts_with("v1.xc20.k2.")),
            "{sql}"
        );
    }
    let dispute = s.disputes(&staff, Some("530181"), false).await.unwrap()[0].id;
    assert!(
        s.dispute(&staff, dispute)
            .await
            .unwrap()
            .1
            .agreement
            .is_some()
    );
    let jinguo_services::linkage::EvidenceFile {
        name,
        content: bytes,
        ..
    } = s.evidence_file(&staff, case, evidence).await.unwrap();
    assert_eq!(
        (name.as_str(), bytes.as_slice()),
        ("伤情照片.png", png.as_slice())
    );
    let again = s
        .household_reveal(&staff, hid, "核对住址信息")
        .await
        .unwrap();
    assert_eq!(again.persons[0].id_number, before.persons[0].id_number);
    assert_eq!(again.household.address, before.household.address);
    // The key file now holds both keys; a second server process reading it can read everything.
    let ring = jinguo_services::Keyring::load(&path).unwrap();
    assert_eq!(ring.active_kid(), "k2");
    assert_eq!(ring.kids().len(), 2);
    assert!(matches!(
        s.verify_audit().await.unwrap(),
        Verification::Intact { .. }
    ));
}
both_backends!(encryption, super::encryption_at_rest_and_rotation);

pub(crate) async fn query<T>(db: &Db, sql: &'static str) -> Vec<T>
where
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    match db {
        Db::Sqlite(s) => sqlx::query_as(sql).fetch_all(&s.read).await.unwrap(),
        Db::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
    }
}

async fn tokens_emergencies_consents_and_duties(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    support::account(&s, "town", Role::Staff, "530181001").await;
    support::account(&s, "sec", Role::SecurityAdmin, "530181").await;
    let session = s
        .login("town", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let town = s
        .caller_from_session(&session.token, "127.0.0.1")
        .await
        .unwrap();
    let group = crate::storage::first_group(&s).await;

    // An API token acts as her, narrowed to one place, and dies when it expires.
    let (token, _) = s.create_token(&town, "统计对接", &group, 30).await.unwrap();
    let by_token = s.caller_from_token(&token, "127.0.0.1").await.unwrap();
    assert!(s.place_view(&by_token, &group).await.is_ok());
    assert!(matches!(
        s.place_view(&by_token, "530181001").await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        s.caller_from_token("jg_forged", "127.0.0.1").await,
        Err(ServiceError::Unauthenticated)
    ));
    assert!(matches!(
        s.create_token(&town, "x", "530181002", 30).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        s.create_token(&town, "x", &group, 400).await,
        Err(ServiceError::Invalid(_))
    ));
    let stored: Vec<(String,)> = query(&s.db, "SELECT token_hash FROM api_token").await;
    assert!(
        stored
            .iter()
            .all(|(h,)| h.len() == 64 && !token.contains(h.as_str())),
        "only the hash is kept"
    );

    // Separation of duties: an administrator gets no second role, and nobody grants to herself.
    let sec_account = jinguo_storage::account::by_username(&s.db, "sec")
        .await
        .unwrap()
        .unwrap();
    let sec = Caller::new(
        sec_account.id,
        "sec".into(),
        "sec".into(),
        vec![jinguo_services::access::Grant {
            role: Role::SecurityAdmin,
            scope_path: "53/5301/530181/".into(),
            expires_at: None,
        }],
    );
    match s.grant_role(&sec, "town", Role::AuditAdmin, "530181").await {
        Err(ServiceError::Invalid(v)) => assert_eq!(v.0[0].code, "role.admin_on_machine"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        s.grant_role(&sec, "sec", Role::Staff, "530181").await,
        Err(ServiceError::Forbidden)
    ));
    s.grant_role(&sec, "town", Role::Representative, &group)
        .await
        .unwrap();

    // Consent: a child under 14 needs a guardian; publication needs consent; withdrawal counts.
    let staff = support::county_staff();
    let mut child = None;
    let mut adult = None;
    for line in s.group_households(&staff, &group, 1).await.unwrap().lines {
        for p in s.household_view(&staff, line.id).await.unwrap().persons {
            if p.age < 14 && child.is_none() {
                child = Some(p.id);
            } else if p.age >= 18 && adult.is_none() {
                adult = Some(p.id);
            }
        }
    }
    let (child, adult) = (child.unwrap(), adult.unwrap());
    let c =
        |purpose: &str, basis: &str, guardian: Option<&str>| jinguo_services::consent::NewConsent {
            purpose: purpose.into(),
            basis: basis.into(),
            guardian_name: guardian.map(str::to_string),
            guardian_relationship: guardian.map(|_| "母亲".to_string()),
        };
    match s
        .record_consent(&staff, child, &c("publish", "consent", None))
        .await
    {
        Err(ServiceError::Invalid(v)) => assert_eq!(v.0[0].code, "consent.guardian_required"),
        other => panic!("{other:?}"),
    }
    s.record_consent(&staff, child, &c("publish", "consent", Some("李梅")))
        .await
        .unwrap();
    match s
        .record_consent(&staff, adult, &c("publish", "legal_obligation", None))
        .await
    {
        Err(ServiceError::Invalid(v)) => assert_eq!(v.0[0].code, "consent.publish_needs_consent"),
        other => panic!("{other:?}"),
    }
    assert!(
        !s.has_consent(&staff, adult, "share_departments")
            .await
            .unwrap()
    );
    s.record_consent(&staff, adult, &c("share_departments", "consent", None))
        .await
        .unwrap();
    assert!(
        s.has_consent(&staff, adult, "share_departments")
            .await
            .unwrap()
    );
    assert_eq!(
        s.withdraw_consent(&staff, adult, "share_departments")
            .await
            .unwrap(),
        1
    );
    assert!(
        !s.has_consent(&staff, adult, "share_departments")
            .await
            .unwrap()
    );
    assert!(matches!(
        s.verify_audit().await.unwrap(),
        Verification::Intact { .. }
    ));
}
both_backends!(delegation, super::tokens_emergencies_consents_and_duties);

/// Retention removes entries from the start of the chain only; the rest still verifies.
/// The entry a prune writes with it, naming what it removed (as `Services::prune_audit` does).
async fn recorded_prune(
    conn: &mut jinguo_storage::DbConn<'_>,
    s: &jinguo_services::Services,
    p: &jinguo_storage::audit::Pruned,
) {
    jinguo_services::audit::record(
        conn,
        &s.keys,
        &Caller::operator(),
        jinguo_services::audit::Record::new("audit.prune")
            .place(p.county_path.clone())
            .detail(format!(
                "removed={} through={} anchor={}",
                p.removed, p.through, p.anchor_hash
            )),
    )
    .await
    .unwrap();
}

async fn audit_retention(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let hid = s.group_households(&staff, &group, 1).await.unwrap().lines[0].id;
    for _ in 0..3 {
        s.household_view(&staff, hid).await.unwrap();
    }
    assert!(matches!(
        s.prune_audit(&Caller::operator(), 30).await,
        Err(ServiceError::Invalid(_))
    ));
    assert!(matches!(
        s.prune_audit(&staff, 365).await,
        Err(ServiceError::Forbidden)
    ));
    assert_eq!(
        s.prune_audit(&Caller::operator(), 180).await.unwrap(),
        0,
        "nothing is that old"
    );
    // Remove everything up to now, as if the retention period had passed.
    let removed = match &t.db {
        jinguo_storage::Db::Sqlite(l) => {
            let mut tx = l.write.begin().await.unwrap();
            let mut conn = jinguo_storage::DbConn::Sqlite(&mut tx);
            let n = jinguo_storage::audit::prune(
                &mut conn,
                chrono::Utc::now() + chrono::Duration::seconds(1),
            )
            .await
            .unwrap();
            for p in &n {
                recorded_prune(&mut conn, &s, p).await;
            }
            tx.commit().await.unwrap();
            n
        }
        jinguo_storage::Db::Postgres(p) => {
            let mut tx = p.begin().await.unwrap();
            let mut conn = jinguo_storage::DbConn::Postgres(&mut tx);
            let n = jinguo_storage::audit::prune(
                &mut conn,
                chrono::Utc::now() + chrono::Duration::seconds(1),
            )
            .await
            .unwrap();
            for p in &n {
                recorded_prune(&mut conn, &s, p).await;
            }
            tx.commit().await.unwrap();
            n
        }
    };
    // One prune in each chain: the county's (the reads) and that of entries about no county.
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert!(
        removed.iter().map(|p| p.removed).sum::<u64>() >= 5,
        "{removed:?}"
    );
    s.household_view(&staff, hid).await.unwrap();
    s.household_view(&staff, hid).await.unwrap();
    assert_eq!(
        s.verify_audit().await.unwrap(),
        Verification::Intact { entries: 4 }
    );
    let (head, _) = jinguo_storage::audit::head(&t.db, "530181").await.unwrap();
    assert!(
        support::exec(
            &t.db,
            &format!("DELETE FROM audit WHERE county_code = '530181' AND seq = {head}")
        )
        .await
        .is_err(),
        "recent entries stay"
    );
}
both_backends!(retention, super::audit_retention);

/// The places, their lineages and children are read once for every caller and kept a moment
/// (`Cached::place_family`): whoever filled them first, a subdistrict's staff, an account with no
/// grant or an administrator still find nothing outside their scope in the overview, coverage or
/// a campaign's progress, and the county's staff still find all of it.
async fn place_reads_shared_by_callers_stay_scoped(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let county = support::county_staff();
    let township = caller(Role::Staff, "53/5301/530181/530181001/");
    let sysadmin = caller(Role::SystemAdmin, "53/5301/530181/");
    let nobody = Caller::new(
        uuid::Uuid::now_v7(),
        "nobody".into(),
        "nobody".into(),
        Vec::new(),
    );
    let campaign = s.campaigns(&county).await.unwrap()[0].id;
    // The county's staff read every place first, so that what the others ask is in the caches.
    for code in ["530181", "530181001", "530181002"] {
        s.place_view(&county, code).await.unwrap();
        s.coverage(&county, code).await.unwrap();
        s.campaign_progress(&county, campaign, Some(code))
            .await
            .unwrap();
    }
    for (who, code) in [
        (&township, "530181"),
        (&township, "530181002"),
        (&township, "530102"),
        (&sysadmin, "530181"),
        (&sysadmin, "530181001"),
        (&nobody, "530181001"),
    ] {
        let what = format!("{} {code}", who.username);
        assert!(
            matches!(s.place_view(who, code).await, Err(ServiceError::NotFound)),
            "overview {what}"
        );
        assert!(
            matches!(s.coverage(who, code).await, Err(ServiceError::NotFound)),
            "coverage {what}"
        );
        assert!(
            matches!(
                s.campaign_progress(who, campaign, Some(code)).await,
                Err(ServiceError::NotFound)
            ),
            "progress {what}"
        );
    }
    // Her own subdistrict, from the same caches: its lineage ends with it, its villages listed.
    let own = s.place_view(&township, "530181001").await.unwrap();
    assert_eq!(
        own.lineage.last().map(|p| p.code.as_str()),
        Some("530181001")
    );
    assert!(!own.children.is_empty());
    let covered = s.coverage(&township, "530181001").await.unwrap();
    assert_eq!(covered.children.len(), own.children.len());
    let progress = s
        .campaign_progress(&township, campaign, Some("530181001"))
        .await
        .unwrap();
    assert_eq!(progress.units.len(), own.children.len());
}
both_backends!(
    shared_place_reads,
    super::place_reads_shared_by_callers_stay_scoped
);
