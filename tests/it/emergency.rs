//! Who may see what, tried as an attacker with an ordinary account would: emergency access (one
//! household, approved or urgent and reviewed, read-only, no export), the three administrators
//! kept apart, exports in clear gated, API tokens that work and end.

use crate::access::query;
use crate::support::{self, all_backends, both_backends, serve, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_services::emergency::EmergencyRequest;
use jinguo_services::{Caller, ServiceError, Services};
use jinguo_storage::Backend;
use serde_json::json;

async fn logged_in(s: &Services, username: &str) -> Caller {
    support::caller_of(s, username, support::PASSWORD).await
}

/// An administrator, logged in with her second factor given.
async fn admin(s: &Services, username: &str) -> Caller {
    let sess = support::session(s, username, true).await;
    let token = sess.cookie.trim_start_matches("jinguo_session=");
    s.caller_from_session(token, "127.0.0.1").await.unwrap()
}

fn ask(household: &str, reason: &str, minutes: i64, urgent: bool) -> EmergencyRequest {
    EmergencyRequest {
        kind: "household".into(),
        target: household.into(),
        reason: reason.into(),
        minutes,
        urgent,
    }
}

fn fields(e: ServiceError) -> Vec<String> {
    match e {
        ServiceError::Invalid(v) => {
            v.0.iter()
                .map(|f| format!("{}:{}", f.field, f.code))
                .collect()
        }
        other => panic!("expected refused fields, got {other:?}"),
    }
}

async fn rows(s: &Services) -> i64 {
    let n: Vec<(i64,)> = query(&s.db, "SELECT COUNT(*) FROM emergency_access").await;
    n[0].0
}

async fn emergency_access(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group_in = crate::storage::first_group(&s).await;
    let (group_out, _) = crate::storage::far_group(&s).await;
    let far = s
        .group_households(&staff, &group_out, 1)
        .await
        .unwrap()
        .lines;
    let (far_code, far_id) = (far[0].code.clone(), far[0].id);
    let (other_code, other_id) = (far[1].code.clone(), far[1].id);
    support::account(&s, "town", Role::Staff, "530181001").await;
    support::may_export(&s, "town", "530181001").await;
    support::account(&s, "chair", Role::Staff, "530181").await;
    support::account(&s, "town2", Role::Staff, "530181002").await;
    support::account(&s, "rep", Role::Representative, &group_in).await;
    support::account(&s, "sec", Role::SecurityAdmin, "530181").await;
    support::account(&s, "sys", Role::SystemAdmin, "530181").await;
    let town = logged_in(&s, "town").await;
    let reason = "受害人来电求助，需立即核实住址";

    // Never representatives, never administrators.
    let sec = admin(&s, "sec").await;
    let rep = logged_in(&s, "rep").await;
    let sys = admin(&s, "sys").await;
    for c in [&rep, &sec, &sys] {
        let who = &c.username;
        assert!(
            matches!(
                s.request_emergency(c, &ask(&far_code, reason, 30, true))
                    .await,
                Err(ServiceError::Forbidden)
            ),
            "{who}"
        );
    }
    // Never a place (the old province-wide access), never a short or empty reason, never past
    // the configured minutes; each refusal names its field and writes nothing.
    assert_eq!(
        fields(
            s.request_emergency(&town, &ask("53", reason, 30, true))
                .await
                .unwrap_err()
        ),
        ["target:not_found"]
    );
    assert_eq!(
        fields(
            s.request_emergency(&town, &ask(&far_code, "紧急", 30, true))
                .await
                .unwrap_err()
        ),
        ["reason:emergency.reason"]
    );
    assert_eq!(
        fields(
            s.request_emergency(&town, &ask(&far_code, "aaaaaaaaaaaaaaaa", 61, true))
                .await
                .unwrap_err()
        ),
        ["reason:emergency.reason", "minutes:minutes.range"]
    );
    // Her own households need none.
    let own = s
        .group_households(&staff, &group_in, 1)
        .await
        .unwrap()
        .lines[0]
        .code
        .clone();
    assert_eq!(
        fields(
            s.request_emergency(&town, &ask(&own, reason, 30, false))
                .await
                .unwrap_err()
        ),
        ["target:emergency.not_needed"]
    );
    assert_eq!(rows(&s).await, 0, "nothing refused is written");

    // Asked without urgency: nothing opens until a second person of the county approves.
    let asked = s
        .request_emergency(&town, &ask(&far_code, reason, 30, false))
        .await
        .unwrap();
    assert_eq!(asked.status, "requested");
    let town = logged_in(&s, "town").await;
    assert!(matches!(
        s.household_view(&town, far_id).await,
        Err(ServiceError::NotFound)
    ));
    // The county's chair and the security administrator are told at once.
    let chair = logged_in(&s, "chair").await;
    for who in [&chair, &sec] {
        let (inbox, _) = s.inbox(who, jinguo_domain::Lang::Zh).await.unwrap();
        assert!(
            inbox.iter().any(|n| n.text.contains("申请紧急查看")),
            "{}",
            who.username
        );
    }
    // She cannot approve her own; staff of another subdistrict do not even see it.
    assert!(matches!(
        s.decide_emergency(&town, asked.id, true, "").await,
        Err(ServiceError::NotFound | ServiceError::Forbidden)
    ));
    let town2 = logged_in(&s, "town2").await;
    assert!(matches!(
        s.decide_emergency(&town2, asked.id, true, "").await,
        Err(ServiceError::NotFound)
    ));
    let queue = s.emergencies(&chair).await.unwrap();
    assert!(queue.iter().any(|l| l.id == asked.id && l.may_decide));
    s.decide_emergency(&chair, asked.id, true, "同意")
        .await
        .unwrap();
    assert!(
        s.decide_emergency(&chair, asked.id, true, "同意")
            .await
            .is_err(),
        "decided once"
    );

    // Approved: that one household, read-only, audited as an emergency read.
    let town = logged_in(&s, "town").await;
    let view = s.household_view(&town, far_id).await.unwrap();
    assert_eq!(view.household.id, far_id);
    assert!(matches!(
        s.household_view(&town, other_id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        s.place_view(&town, &group_out).await,
        Err(ServiceError::NotFound)
    ));
    assert!(
        !s.group_households(&town, &group_out, 1)
            .await
            .map(|p| p.lines.iter().any(|l| l.id == far_id))
            .unwrap_or(false),
        "never listed"
    );
    let mut person = support::new_person(view.household.version);
    person.as_object_mut().unwrap().remove("expected_version");
    let input: jinguo_domain::person::PersonInput = serde_json::from_value(person).unwrap();
    assert!(
        s.add_person(&town, far_id, view.household.version, &input)
            .await
            .is_err(),
        "read-only"
    );
    let reads: Vec<(String,)> = query(
        &s.db,
        "SELECT detail FROM audit WHERE action = 'emergency.read' ORDER BY seq",
    )
    .await;
    assert_eq!(reads.len(), 1);
    assert!(reads[0].0.contains(&asked.id.to_string()));
    // No export in clear while it runs, not even of her own place.
    assert_eq!(
        fields(
            s.export_households(&town, &group_in, "核对名册信息")
                .await
                .unwrap_err()
        ),
        ["export:export.emergency"]
    );
    // She ends it: the household is closed again.
    s.end_emergency(&town, asked.id).await.unwrap();
    let town = logged_in(&s, "town").await;
    assert!(matches!(
        s.household_view(&town, far_id).await,
        Err(ServiceError::NotFound)
    ));

    // Urgent: open at once, and waiting in the approvers' queue for a review after the fact.
    let urgent = s
        .request_emergency(&town, &ask(&other_code, reason, 15, true))
        .await
        .unwrap();
    assert_eq!(urgent.status, "granted");
    let town = logged_in(&s, "town").await;
    assert!(s.household_view(&town, other_id).await.is_ok());
    let line = s
        .emergencies(&chair)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.id == urgent.id)
        .unwrap();
    assert!(line.may_review && !line.may_decide);
    assert_eq!(
        fields(
            s.review_emergency(&chair, urgent.id, true, "")
                .await
                .unwrap_err()
        ),
        ["note:required"]
    );
    s.review_emergency(&chair, urgent.id, true, "确属紧急")
        .await
        .unwrap();
    assert!(
        s.review_emergency(&chair, urgent.id, true, "确属紧急")
            .await
            .is_err()
    );
    // A few a day: an exception, not a habit (two asked so far; the refused ones count not).
    let more = s
        .group_households(&staff, &group_out, 1)
        .await
        .unwrap()
        .lines;
    for h in more.iter().skip(2).take(3) {
        s.request_emergency(&town, &ask(&h.code, reason, 5, false))
            .await
            .unwrap();
    }
    assert!(matches!(
        s.request_emergency(&town, &ask(&more[6].code, reason, 5, false))
            .await,
        Err(ServiceError::RateLimited)
    ));
    // The security administrator sees both; another subdistrict's staff sees neither.
    let seen = s.emergencies(&sec).await.unwrap();
    assert!(seen.iter().any(|l| l.id == asked.id) && seen.iter().any(|l| l.id == urgent.id));
    assert!(s.emergencies(&town2).await.unwrap().is_empty());
    let actions: Vec<(String,)> = query(
        &s.db,
        "SELECT action FROM audit WHERE action LIKE 'emergency.%' ORDER BY seq",
    )
    .await;
    let actions: Vec<&str> = actions.iter().map(|a| a.0.as_str()).collect();
    for a in [
        "emergency.request",
        "emergency.approve",
        "emergency.read",
        "emergency.end",
        "emergency.grant_urgent",
        "emergency.review",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}
all_backends!(emergency, super::emergency_access);

/// 三员分立: each administrator tries what belongs to another, and to herself.
async fn administrators_apart(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let group = crate::storage::first_group(&s).await;
    support::account(&s, "sys", Role::SystemAdmin, "530181").await;
    support::account(&s, "sec", Role::SecurityAdmin, "530181").await;
    support::account(&s, "aud", Role::AuditAdmin, "530181").await;
    let (sys, sec, aud) = (
        admin(&s, "sys").await,
        admin(&s, "sec").await,
        admin(&s, "aud").await,
    );
    // The system administrator makes an account, without a role: one with a role is refused.
    let new = |role: Option<Role>| jinguo_services::accounts::NewAccount {
        username: "worker".into(),
        display_name: "新同事".into(),
        password: support::PASSWORD.into(),
        role,
        place: "530181001".into(),
    };
    for role in [Role::Staff, Role::SecurityAdmin] {
        assert_eq!(
            fields(s.create_account(&sys, &new(Some(role))).await.unwrap_err()),
            ["role:role.by_security_admin"]
        );
    }
    s.create_account(&sys, &new(None)).await.unwrap();
    let worker = logged_in(&s, "worker").await;
    assert!(worker.grants.is_empty());
    assert!(matches!(
        s.place_view(&worker, "530181001").await,
        Err(ServiceError::NotFound)
    ));
    // Only the security administrator grants; nobody grants to herself.
    for c in [&sys, &aud] {
        assert!(matches!(
            s.grant_role(c, "worker", Role::Staff, "530181001").await,
            Err(ServiceError::Forbidden)
        ));
    }
    assert!(matches!(
        s.grant_role(&sec, "sec", Role::Staff, "530181001").await,
        Err(ServiceError::Forbidden)
    ));
    s.grant_role(&sec, "worker", Role::Staff, "530181001")
        .await
        .unwrap();
    // An administrator never holds a business role, nor a business account an administrator's.
    assert_eq!(
        fields(
            s.grant_role(&sec, "sys", Role::Staff, "530181001")
                .await
                .unwrap_err()
        ),
        ["role:role.separation"]
    );
    assert_eq!(
        fields(
            s.grant_role(&sec, "worker", Role::AuditAdmin, "530181")
                .await
                .unwrap_err()
        ),
        ["role:role.admin_on_machine"]
    );
    // No administrator makes or unmakes another: their duties are given on the machine.
    let aud_grant = s
        .list_accounts(&sec)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.username == "aud")
        .unwrap()
        .grants[0]
        .id;
    assert_eq!(
        fields(s.revoke_role(&sec, "aud", aud_grant).await.unwrap_err()),
        ["role:role.admin_on_machine"]
    );
    // The system administrator cannot lock, reset or link an administrator, nor herself.
    for who in ["sec", "aud"] {
        assert!(
            s.administer_account(&sys, who, jinguo_services::accounts::AccountAction::Lock)
                .await
                .is_err(),
            "{who}"
        );
    }
    let member = s
        .coverage_members(&support::county_staff(), &group)
        .await
        .unwrap()[0]
        .id;
    assert!(matches!(
        s.link_member(&sys, "sys", member).await,
        Err(ServiceError::NotFound)
    ));
    // Revoking a role ends the account's sessions and tokens.
    let first = logged_in(&s, "worker").await;
    s.change_password(&first, support::PASSWORD, "Worker-pass-2026")
        .await
        .unwrap();
    let worker_session = s
        .login("worker", "Worker-pass-2026", "127.0.0.1")
        .await
        .unwrap();
    let worker = s
        .caller_from_session(&worker_session.token, "127.0.0.1")
        .await
        .unwrap();
    let (token, _) = s
        .create_token(&worker, "对接", "530181001", 30)
        .await
        .unwrap();
    assert!(s.caller_from_token(&token, "127.0.0.1").await.is_ok());
    let listed = s.list_accounts(&sec).await.unwrap();
    let grant = listed
        .iter()
        .find(|a| a.username == "worker")
        .unwrap()
        .grants[0]
        .id;
    assert!(matches!(
        s.revoke_role(&sys, "worker", grant).await,
        Err(ServiceError::Forbidden)
    ));
    s.revoke_role(&sec, "worker", grant).await.unwrap();
    assert!(matches!(
        s.caller_from_session(&worker_session.token, "127.0.0.1")
            .await,
        Err(ServiceError::Unauthenticated)
    ));
    assert!(matches!(
        s.caller_from_token(&token, "127.0.0.1").await,
        Err(ServiceError::Unauthenticated)
    ));
    let audited: Vec<(String,)> = query(
        &s.db,
        "SELECT action FROM audit WHERE action IN ('grant.add', 'grant.revoke') ORDER BY seq",
    )
    .await;
    assert_eq!(audited.len(), 2);
}
both_backends!(three_administrators, super::administrators_apart);

/// API tokens work over HTTP (no anti-forgery header needed), are listed and revoked by their
/// owner, follow her scope, and end with a new password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_work_and_end() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let group = crate::storage::first_group(&s).await;
    let (far, _) = crate::storage::far_group(&s).await;
    support::account(&s, "town", Role::Staff, "530181001").await;
    let srv = serve(s.clone()).await;
    let (cookie, csrf) = support::login(&srv.base, "town", support::PASSWORD).await;
    let c = reqwest::Client::new();
    let made: serde_json::Value = c
        .post(format!("{}/api/v1/tokens", srv.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "统计对接", "place": group, "days": 30}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = made["token"].as_str().unwrap().to_string();
    let bearer = format!("Bearer {token}");
    let get = |path: String| {
        c.get(format!("{}{path}", srv.base))
            .header("authorization", &bearer)
            .send()
    };
    assert_eq!(
        get(format!("/api/v1/places/{group}"))
            .await
            .unwrap()
            .status(),
        200
    );
    // Narrowed to its place: the rest of her subdistrict and the other subdistrict are not found.
    assert_eq!(
        get("/api/v1/places/530181001".into())
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        get(format!("/api/v1/places/{far}")).await.unwrap().status(),
        404
    );
    // A malformed or forged header is refused, never taken for the cookie.
    let r = c
        .get(format!("{}/api/v1/places/{group}", srv.base))
        .header("cookie", &cookie)
        .header("authorization", "Bearer jg_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // A token exports nothing in clear.
    let r = c
        .post(format!(
            "{}/api/v1/places/{group}/households/export",
            srv.base
        ))
        .header("authorization", &bearer)
        .json(&json!({"reason": "核对名册信息"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Listed (never its value) and revoked by its owner.
    let list: serde_json::Value = c
        .get(format!("{}/api/v1/tokens", srv.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&token));
    let id = list[0]["id"].as_str().unwrap();
    let r = c
        .delete(format!("{}/api/v1/tokens/{id}", srv.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        get(format!("/api/v1/places/{group}"))
            .await
            .unwrap()
            .status(),
        401
    );
    // A second token ends with a new password; the session that changed it goes on.
    let second: serde_json::Value = c
        .post(format!("{}/api/v1/tokens", srv.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "二号", "place": group, "days": 30}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second = second["token"].as_str().unwrap().to_string();
    let other_session = s
        .login("town", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let me = support::caller_of(&s, "town", support::PASSWORD).await;
    s.change_password(&me, support::PASSWORD, "A-new-password-9")
        .await
        .unwrap();
    assert!(s.caller_from_token(&second, "127.0.0.1").await.is_err());
    assert!(
        s.caller_from_session(&other_session.token, "127.0.0.1")
            .await
            .is_err()
    );
}

/// A representative's group page lists the households she answers for, not her whole group, even
/// right after staff filled the group's page in the caches; and she cannot open the others.
async fn representative_sees_her_households(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let all = s.group_households(&staff, &group, 1).await.unwrap();
    let h_in = all.lines[0].id;
    let county = jinguo_services::demo::ANNING;
    let hers = jinguo_storage::screening::household_members(&s.db, county, h_in)
        .await
        .unwrap()[0];
    support::account(&s, "rep", Role::Representative, &group).await;
    s.link_member(&Caller::operator(), "rep", hers)
        .await
        .unwrap();
    let rep = logged_in(&s, "rep").await;
    let mine = s.group_households(&rep, &group, 1).await.unwrap();
    assert!(
        mine.total >= 1 && mine.total < all.total,
        "{} of {}",
        mine.total,
        all.total
    );
    assert_eq!(mine.lines.len() as i64, mine.total);
    assert!(mine.lines.iter().any(|l| l.id == h_in));
    for l in &mine.lines {
        assert!(s.household_view(&rep, l.id).await.is_ok());
    }
    let other = all
        .lines
        .iter()
        .find(|l| !mine.lines.iter().any(|m| m.id == l.id))
        .unwrap();
    assert!(matches!(
        s.household_view(&rep, other.id).await,
        Err(ServiceError::NotFound)
    ));
    // Her group's page counts hers, not the group's.
    assert_eq!(
        s.place_view(&rep, &group).await.unwrap().figures.households,
        mine.total
    );
    assert_eq!(
        s.place_view(&staff, &group)
            .await
            .unwrap()
            .figures
            .households,
        all.total
    );
    // The staff's page is still the whole group.
    assert_eq!(
        s.group_households(&staff, &group, 1).await.unwrap().total,
        all.total
    );
}
both_backends!(
    representative_group_page,
    super::representative_sees_her_households
);

/// A read refused for scope leaves an entry (who, what, when) naming the route, never the id; the
/// security administrator sees an account refused again and again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_audited_and_shown() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let staff = support::county_staff();
    let (far_group, _) = crate::storage::far_group(&s).await;
    let far = s
        .group_households(&staff, &far_group, 1)
        .await
        .unwrap()
        .lines;
    support::account(&s, "town", Role::Staff, "530181001").await;
    support::account(&s, "sec", Role::SecurityAdmin, "530181").await;
    let sec = support::session(&s, "sec", true).await;
    let srv = serve(s.clone()).await;
    let (cookie, _) = support::login(&srv.base, "town", support::PASSWORD).await;
    let c = reqwest::Client::new();
    for h in far.iter().take(5) {
        let r = c
            .get(format!("{}/api/v1/households/{}", srv.base, h.id))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
    let r = c
        .get(format!("{}/api/v1/audit", srv.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let entries: Vec<(String, String, String)> = query(
        &s.db,
        "SELECT actor, target, detail FROM audit WHERE action = 'access.refused' ORDER BY seq",
    )
    .await;
    assert_eq!(entries.len(), 6);
    assert_eq!(
        entries[0],
        (
            "town".to_string(),
            "GET /api/v1/households/{id}".to_string(),
            "status=404".to_string()
        )
    );
    assert!(
        entries
            .iter()
            .all(|e| !e.1.contains(&far[0].id.to_string()))
    );
    let list: serde_json::Value = c
        .get(format!("{}/api/v1/refusals", srv.base))
        .header("cookie", &sec.cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["username"], "town");
    assert_eq!(list[0]["refusals"], 6);
    let page = c
        .get(format!("{}/admin", srv.base))
        .header("cookie", &sec.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"refusal-list\"") && page.contains("town"),
        "{page}"
    );
}

/// An export in clear from the import page: a reason, the anti-forgery token, the day's limit,
/// and the file's last row naming who, when and why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_in_clear_from_the_page() {
    let (_t, mut s) = with_small_demo(Backend::Sqlite).await;
    s.security.clear_exports_per_day = 1;
    let group = crate::storage::first_group(&s).await;
    support::account(&s, "anning", Role::Staff, "530181").await;
    support::account(&s, "lianran", Role::Staff, "530181001").await;
    // Managing the place is not enough: exports in clear are a right of their own.
    assert!(matches!(
        s.export_households(&logged_in(&s, "lianran").await, &group, "核对名册信息")
            .await,
        Err(ServiceError::Forbidden)
    ));
    support::may_export(&s, "anning", "530181").await;
    let srv = serve(s.clone()).await;
    let (cookie, _) = support::login(&srv.base, "anning", support::PASSWORD).await;
    let c = reqwest::Client::new();
    let html = c
        .get(format!("{}/imports", srv.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"export-form\""));
    let csrf = support::form_value(&html, "csrf");
    let post = |reason: &'static str, csrf: String| {
        c.post(format!("{}/exports", srv.base))
            .header("cookie", &cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("kind", "households"),
                ("place", group.as_str()),
                ("reason", reason),
            ])
            .send()
    };
    let r = post("", csrf.clone()).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("理由"));
    assert_eq!(
        post("核对名册信息", "forged".into())
            .await
            .unwrap()
            .status(),
        403
    );
    let r = post("核对名册信息", csrf.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = r.text().await.unwrap();
    assert!(text.lines().last().unwrap().contains("anning"), "marked");
    let r = post("再次核对名册", csrf).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("今日明文导出次数已用完"));
}

/// A referral on the victim's consent needs a consent recorded for that department (not a flag);
/// withdrawn, it shares nothing more, and the department sees that it was withdrawn.
async fn referral_needs_recorded_consent(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let operator = Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    support::account(&s, "court-officer", Role::Liaison, "530181").await;
    s.set_liaison(&operator, "530181", "court", "court-officer", "liaison")
        .await
        .unwrap();
    let village = &crate::storage::first_group(&s).await[..12];
    let input: jinguo_domain::linkage::CaseInput = serde_json::from_value(json!({
        "victim_name": "某女", "relationship": "丈夫", "violence": ["physical"],
        "severity": "minor", "source": "walk_in", "consent_to_share": false,
        "received_on": jinguo_services::clock::today().to_string(), "narrative": "推搡致伤"}))
    .unwrap();
    let case = s.register_case(&staff, village, &input).await.unwrap();
    let refer = |department: &str| jinguo_domain::linkage::ReferralInput {
        department: department.into(),
        requests: vec!["protection".into()],
        shared: vec!["victim".into(), "narrative".into()],
        basis: "consent".into(),
        ..Default::default()
    };
    assert_eq!(
        fields(s.refer(&staff, case, &refer("court")).await.unwrap_err()),
        ["basis:referral.no_consent"]
    );
    // A consent for the court alone: the police still get nothing on that basis.
    let consent = s
        .record_share_consent(
            &staff,
            case,
            &jinguo_services::consent::ShareConsentInput {
                department: "court".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        fields(s.refer(&staff, case, &refer("police")).await.unwrap_err()),
        ["basis:referral.no_consent"]
    );
    let referral = s.refer(&staff, case, &refer("court")).await.unwrap();
    let officer = logged_in(&s, "court-officer").await;
    let (view, seen) = s.referral(&officer, referral.id).await.unwrap();
    assert!(!view.consent_withdrawn);
    assert_eq!(seen.narrative, "推搡致伤");
    // Withdrawn: nothing more is shared, and the department is told so.
    s.withdraw_share_consent(&staff, case, consent)
        .await
        .unwrap();
    let (view, seen) = s.referral(&officer, referral.id).await.unwrap();
    assert!(view.consent_withdrawn);
    assert!(seen.narrative.is_empty() && seen.victim_name.is_empty());
    assert!(
        s.withdraw_share_consent(&staff, case, consent)
            .await
            .is_err()
    );
    let audited: Vec<(String,)> = query(
        &s.db,
        "SELECT action FROM audit WHERE action IN ('consent.share', 'consent.share_withdraw')",
    )
    .await;
    assert_eq!(audited.len(), 2);
}
both_backends!(referral_consent, super::referral_needs_recorded_consent);

/// A wish is published under its guardian's recorded consent (named, with her relationship):
/// withdrawn, the wish leaves the public page and cannot be claimed, nor approved again.
async fn publication_needs_recorded_consent(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let child = support::child_of_group(&s, &group).await;
    let input = |wish: &str| jinguo_domain::care::WishInput {
        person_id: Some(child),
        wish: wish.into(),
        guardian_consent: true,
        guardian_name: "李梅".into(),
        guardian_relationship: "母亲".into(),
    };
    let first = s
        .propose_wish(&staff, &group, &input("一双运动鞋"))
        .await
        .unwrap();
    let second = s
        .propose_wish(&staff, &group, &input("一套课外书"))
        .await
        .unwrap();
    let recorded: Vec<(uuid::Uuid, String, Option<String>, Option<String>)> = query(
        &s.db,
        "SELECT id, given_by, guardian_name, guardian_relationship FROM consent WHERE purpose = 'publish'",
    )
    .await;
    // The guardian's name is sealed for its row.
    let recorded: Vec<_> = recorded
        .into_iter()
        .map(|(id, by, name, relationship)| {
            let name = name.map(|n| s.open("consent", "guardian_name", &id, &n).unwrap());
            (by, name, relationship)
        })
        .collect();
    assert!(recorded.contains(&(
        "guardian".to_string(),
        Some("李梅".to_string()),
        Some("母亲".to_string())
    )));
    s.wish_step(&staff, first, "approve", 1, "").await.unwrap();
    assert!(
        s.public_wishes()
            .await
            .unwrap()
            .iter()
            .any(|w| w.id == first)
    );
    // The guardian withdraws: off the public page, no claim, no approval of the other.
    s.withdraw_consent(&staff, child, "publish").await.unwrap();
    assert!(
        !s.public_wishes()
            .await
            .unwrap()
            .iter()
            .any(|w| w.id == first)
    );
    let claim = jinguo_domain::care::ClaimInput {
        donor: "张女士".into(),
        phone: "13900139000".into(),
        credit_code: String::new(),
    };
    assert!(s.claim_wish(first, &claim, "127.0.0.1").await.is_err());
    assert_eq!(
        fields(
            s.wish_step(&staff, second, "approve", 1, "")
                .await
                .unwrap_err()
        ),
        ["guardian_consent:consent.publish_needs_consent"]
    );
}
both_backends!(
    publication_consent,
    super::publication_needs_recorded_consent
);

/// Emergency access to one domestic-violence case of another subdistrict: read whole, read-only,
/// audited as an emergency read; the case stays closed to others and to her after it ends.
async fn emergency_access_to_a_case(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let operator = Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    let (far_group, far_town) = crate::storage::far_group(&s).await;
    support::account(&s, "owner", Role::Staff, &far_town).await;
    support::account(&s, "town", Role::Staff, "530181001").await;
    let owner = logged_in(&s, "owner").await;
    let input: jinguo_domain::linkage::CaseInput = serde_json::from_value(json!({
        "victim_name": "张某某", "relationship": "丈夫", "violence": ["physical"],
        "severity": "minor", "source": "walk_in", "consent_to_share": false,
        "received_on": jinguo_services::clock::today().to_string(), "narrative": "推搡致伤"}))
    .unwrap();
    let case = s
        .register_case(&owner, &far_group[..12], &input)
        .await
        .unwrap();
    let town = logged_in(&s, "town").await;
    assert!(matches!(
        s.case(&town, case).await,
        Err(ServiceError::NotFound)
    ));
    let asked = |kind: &str, target: String| EmergencyRequest {
        kind: kind.into(),
        target,
        reason: "受害人转移到本街道，需核实案情".into(),
        minutes: 20,
        urgent: true,
    };
    assert_eq!(
        fields(
            s.request_emergency(&town, &asked("dv_case", "not-an-id".into()))
                .await
                .unwrap_err()
        ),
        ["target:not_found"]
    );
    assert_eq!(
        fields(
            s.request_emergency(&town, &asked("street", case.to_string()))
                .await
                .unwrap_err()
        ),
        ["kind:invalid"]
    );
    let grant = s
        .request_emergency(&town, &asked("dv_case", case.to_string()))
        .await
        .unwrap();
    let town = logged_in(&s, "town").await;
    let (view, _) = s.case(&town, case).await.unwrap();
    assert_eq!(view.victim_name, "张某某");
    assert!(view.access.emergency);
    // Read-only: no referral, no consent recorded.
    let refer = jinguo_domain::linkage::ReferralInput {
        department: "police".into(),
        requests: vec!["protection".into()],
        basis: "law".into(),
        basis_note: "《反家庭暴力法》第十五条".into(),
        ..Default::default()
    };
    assert!(s.refer(&town, case, &refer).await.is_err());
    let reads: Vec<(String,)> = query(
        &s.db,
        "SELECT target FROM audit WHERE action = 'emergency.read' ORDER BY seq",
    )
    .await;
    assert_eq!(reads, vec![(format!("case:{case}"),)]);
    s.end_emergency(&town, grant.id).await.unwrap();
    let town = logged_in(&s, "town").await;
    assert!(matches!(
        s.case(&town, case).await,
        Err(ServiceError::NotFound)
    ));
}
both_backends!(emergency_case, super::emergency_access_to_a_case);

/// Emergency access to one person: her household's page shows her and no one else of it,
/// read-only, audited as an emergency read of that household.
async fn emergency_access_to_a_person(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let (far_group, _) = crate::storage::far_group(&s).await;
    let far = s
        .group_households(&staff, &far_group, 1)
        .await
        .unwrap()
        .lines;
    let whole = s.household_view(&staff, far[0].id).await.unwrap();
    assert!(whole.persons.len() >= 2, "a household of two or more");
    let her = whole.persons[1].id;
    support::account(&s, "town", Role::Staff, "530181001").await;
    let town = logged_in(&s, "town").await;
    let asked = EmergencyRequest {
        kind: "person".into(),
        target: her.to_string(),
        reason: "受害人来电求助，需核实本人信息".into(),
        minutes: 15,
        urgent: true,
    };
    let grant = s.request_emergency(&town, &asked).await.unwrap();
    assert_eq!(grant.household_id, Some(far[0].id));
    let town = logged_in(&s, "town").await;
    let seen = s.household_view(&town, far[0].id).await.unwrap();
    let ids: Vec<_> = seen.persons.iter().map(|p| p.id).collect();
    assert_eq!(ids, vec![her], "her, and no one else of the household");
    // Another household stays closed; nothing is written under it.
    assert!(matches!(
        s.household_view(&town, far[1].id).await,
        Err(ServiceError::NotFound)
    ));
    let again = s
        .request_emergency(&town, &asked)
        .await
        .map(|_| ())
        .unwrap_err();
    assert_eq!(fields(again), ["target:emergency.already"]);
    let reads: Vec<(String,)> = query(
        &s.db,
        "SELECT detail FROM audit WHERE action = 'emergency.read'",
    )
    .await;
    assert_eq!(reads, vec![(format!("emergency={}", grant.id),)]);
}
both_backends!(emergency_person, super::emergency_access_to_a_person);
