//! Accounts: login with Argon2id, lockout, sessions with idle and absolute limits, password
//! changes, a TOTP second factor for the three administrator roles, and delegated administration.

use crate::access::{Caller, Grant};
use crate::audit::{Record, record};
use crate::error::invalid;
use crate::{ServiceError, Services, clock};
use chrono::{DateTime, Duration, Utc};
use jinguo_crypto::{password, token, totp};
use jinguo_domain::ValidationErrors;
use jinguo_domain::account::{Role, valid_username};
use jinguo_domain::place::PlaceCode;
use jinguo_storage::account::{self as store, Account, GrantRow, SessionRow};
use jinguo_storage::{db_tx, place as places};
use uuid::Uuid;

/// The security rules, each configurable; defaults per MLPS level 3.
#[derive(Debug, Clone)]
pub struct SecurityPolicy {
    pub password_min_len: usize,
    pub password_min_classes: usize,
    pub max_failures: i32,
    pub lock_minutes: i64,
    pub idle_minutes: i64,
    pub session_hours: i64,
    /// Coverage: more households than this is too much for one women's representative …
    pub max_households: i64,
    /// … and more units than this for one executive.
    pub max_units: i64,
    /// Who may ask for emergency access: a role held over a place of a level (by default staff
    /// of a county or a subdistrict federation; never an administrator).
    pub emergency_roles: Vec<(Role, jinguo_domain::place::PlaceLevel)>,
    /// The longest emergency access lasts, in minutes.
    pub emergency_max_minutes: i64,
    /// Exports in clear one account may make in a day.
    pub clear_exports_per_day: i64,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        Self {
            password_min_len: 10,
            password_min_classes: 3,
            max_failures: 5,
            lock_minutes: 30,
            idle_minutes: 15,
            session_hours: 12,
            max_households: crate::coverage::MAX_HOUSEHOLDS,
            max_units: crate::coverage::MAX_UNITS,
            emergency_roles: vec![
                (Role::Staff, jinguo_domain::place::PlaceLevel::County),
                (Role::Staff, jinguo_domain::place::PlaceLevel::Township),
            ],
            emergency_max_minutes: 60,
            clear_exports_per_day: 5,
        }
    }
}

/// A session just opened: the token goes into a cookie (its hash into the database).
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

/// The account being created.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password: String,
    /// A first role over `place`: only the machine's operator gives one (`jinguo user add`). An
    /// account the system administrator creates has none; the security administrator grants it.
    pub role: Option<Role>,
    /// Division code of the account's place: the system administrator of this place manages it
    /// (and the role, if any, covers it).
    pub place: String,
}

fn policy_error(e: password::PolicyError) -> ServiceError {
    let code = match e {
        password::PolicyError::TooShort { .. } => "password.too_short",
        password::PolicyError::TooFewClasses { .. } => "password.classes",
        _ => "invalid",
    };
    let mut v = ValidationErrors::new();
    v.push("password", code);
    v.into()
}

async fn hash(pw: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || password::hash_password(&pw))
        .await
        .map_err(|e| ServiceError::Io(std::io::Error::other(e)))?
        .map_err(|e| ServiceError::Io(std::io::Error::other(e.to_string())))
}

async fn verify(pw: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(h) => password::verify_password(&pw, &h),
        None => {
            password::dummy_verify(&pw);
            false
        }
    })
    .await
    .unwrap_or(false)
}

impl Services {
    fn check_password_policy(&self, pw: &str) -> Result<(), ServiceError> {
        password::check_policy(
            pw,
            self.security.password_min_len,
            self.security.password_min_classes,
        )
        .map_err(policy_error)
    }

    /// Checks a username and password. Unknown accounts, wrong passwords, locked and disabled
    /// accounts all get the same answer after the same work; only the audit log tells them apart.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        ip: &str,
    ) -> Result<NewSession, ServiceError> {
        let now = clock::now();
        let account = store::by_username(&self.db, username.trim()).await?;
        let ok = verify(
            password.to_string(),
            account.as_ref().map(|a| a.password_hash.clone()),
        )
        .await;
        let Some(account) = account else {
            let who = crate::audit::Actor::Anonymous {
                name: "-",
                ip: ip.to_string(),
            };
            let db = &self.db;
            db_tx!(db, tx => crate::audit::record_as(tx, &self.keys, &who, Record::new("login.failed").detail("unknown account")).await)?;
            return Err(ServiceError::Unauthenticated);
        };
        let mut who = Caller::new(
            account.id,
            account.username.clone(),
            account.display_name.clone(),
            Vec::new(),
        );
        who.ip = ip.to_string();
        let locked = account.disabled || account.locked_until.is_some_and(|t| t > now);
        let db = &self.db;
        if locked {
            db_tx!(db, tx => record(tx, &self.keys, &who, Record::new("login.refused").detail("account locked")).await)?;
            return Err(ServiceError::Unauthenticated);
        }
        if !ok {
            let until = now + Duration::minutes(self.security.lock_minutes);
            let max = self.security.max_failures;
            db_tx!(db, tx => {
                store::record_failure(tx, account.id, max, until, now).await?;
                record(tx, &self.keys, &who, Record::new("login.failed").detail("wrong password")).await
            })?;
            return Err(ServiceError::Unauthenticated);
        }
        let grants = store::grants(&self.db, account.id, now).await?;
        let needs_totp = grants
            .iter()
            .any(|g| Role::parse(&g.role).is_some_and(Role::is_admin));
        let rng =
            |e: jinguo_crypto::CryptoError| ServiceError::Io(std::io::Error::other(e.to_string()));
        let s = NewSession {
            token: token::random_token().map_err(rng)?,
            csrf: token::random_token().map_err(rng)?,
            expires_at: now + Duration::hours(self.security.session_hours),
        };
        let row = SessionRow {
            token_hash: token::token_hash(&s.token),
            account_id: account.id,
            csrf: s.csrf.clone(),
            second_factor_ok: !needs_totp,
            created_at: now,
            last_seen_at: now,
            expires_at: s.expires_at,
        };
        db_tx!(db, tx => {
            store::record_success(tx, account.id, now).await?;
            store::insert_session(tx, &row).await?;
            record(tx, &self.keys, &who, Record::new("login")).await
        })?;
        Ok(s)
    }

    /// The caller behind a session token, if the session is alive. Seeing the session moves its
    /// idle deadline.
    pub async fn caller_from_session(
        &self,
        token_value: &str,
        ip: &str,
    ) -> Result<Caller, ServiceError> {
        let now = clock::now();
        let h = token::token_hash(token_value);
        let found = self
            .caches
            .sessions
            .get(&h, || self.read_session(&h, now))
            .await?;
        let Some(found) = found.as_ref() else {
            return Err(ServiceError::Unauthenticated);
        };
        let s = &found.session;
        let idle_deadline = s.last_seen_at + Duration::minutes(self.security.idle_minutes);
        let db = &self.db;
        if now >= s.expires_at || now >= idle_deadline {
            db_tx!(db, tx => store::delete_session(tx, &h).await)?;
            return Err(ServiceError::Unauthenticated);
        }
        if found.disabled || found.locked_until.is_some_and(|t| t > now) {
            return Err(ServiceError::Unauthenticated);
        }
        if now - s.last_seen_at > Duration::seconds(30) {
            // Best effort: a database that refuses writes for now still serves reads. Quiet: the
            // last use changes nothing a cache holds but the session itself, read again next.
            let touched: Result<(), jinguo_storage::StorageError> =
                async { db_tx!(quiet db, tx => store::touch_session(tx, &h, now).await) }.await;
            if let Err(e) = touched {
                tracing::warn!(error = %e, "the session's last use was not recorded");
            }
            self.caches.sessions.forget(&h);
        }
        let mut c = found.caller.clone();
        c.ip = ip.to_string();
        c.session_hash = Some(h.clone());
        c.csrf = s.csrf.clone();
        c.second_factor_pending = !s.second_factor_ok;
        c.must_change_password = found.must_change_password;
        Ok(c)
    }

    /// A session and what its account may do, as read from the database in one statement
    /// (`None`: no such session or account).
    async fn read_session(
        &self,
        h: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<crate::caches::SessionCaller>, ServiceError> {
        let Some(p) = store::session_powers(&self.db, h, now).await? else {
            return Ok(None);
        };
        let mut caller = Caller::new(
            p.session.account_id,
            p.username,
            p.display_name,
            held_grants(p.grants),
        );
        caller.members = p.members;
        caller.departments = p.departments;
        caller.emergency = held_emergency(p.emergency);
        Ok(Some(crate::caches::SessionCaller {
            session: p.session,
            disabled: p.disabled,
            locked_until: p.locked_until,
            must_change_password: p.must_change_password,
            caller,
        }))
    }

    /// The caller an account would be once logged in (for the command line acting in its name,
    /// as the demo does).
    pub(crate) async fn caller_of_username(&self, username: &str) -> Result<Caller, ServiceError> {
        let account = store::by_username(&self.db, username)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let now = chrono::Utc::now();
        let grants = store::grants(&self.db, account.id, now)
            .await?
            .into_iter()
            .map(|g| store::HeldGrant {
                role: g.role,
                scope_path: g.scope_path,
                expires_at: g.expires_at,
            })
            .collect();
        let mut c = Caller::new(
            account.id,
            account.username.clone(),
            account.display_name.clone(),
            held_grants(grants),
        );
        c.members = jinguo_storage::member::of_account(&self.db, account.id).await?;
        c.departments =
            jinguo_storage::linkage::departments_of_account(&self.db, account.id).await?;
        let emergency = jinguo_storage::emergency::active_of(&self.db, account.id, now)
            .await?
            .into_iter()
            .filter_map(|e| {
                Some(store::HeldEmergency {
                    id: e.id,
                    target_kind: e.target_kind,
                    target_id: e.target_id,
                    household_id: e.household_id,
                    expires_at: e.expires_at?,
                })
            })
            .collect();
        c.emergency = held_emergency(emergency);
        Ok(c)
    }

    pub async fn logout(&self, caller: &Caller, token_value: &str) -> Result<(), ServiceError> {
        let h = token::token_hash(token_value);
        let db = &self.db;
        db_tx!(db, tx => {
            store::delete_session(tx, &h).await?;
            record(tx, &self.keys, caller, Record::new("logout")).await
        })?;
        Ok(())
    }

    /// Changes her own password (required at first login and after a reset).
    pub async fn change_password(
        &self,
        caller: &Caller,
        old: &str,
        new: &str,
    ) -> Result<(), ServiceError> {
        let id = caller.account_id.ok_or(ServiceError::Forbidden)?;
        let account = store::by_id(&self.db, id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        if !verify(old.to_string(), Some(account.password_hash.clone())).await {
            let mut v = ValidationErrors::new();
            v.push("old_password", "password.wrong");
            return Err(v.into());
        }
        self.check_password_policy(new)?;
        if new == old {
            let mut v = ValidationErrors::new();
            v.push("password", "password.same");
            return Err(v.into());
        }
        let h = hash(new.to_string()).await?;
        let now = clock::now();
        let db = &self.db;
        let keep = caller.session_hash.clone().unwrap_or_default();
        db_tx!(db, tx => {
            store::set_password(tx, id, &h, false, now).await?;
            // Whoever else held a session or a token of hers holds nothing now.
            store::delete_other_sessions(tx, id, &keep).await?;
            store::revoke_tokens_of(tx, id, now).await?;
            record(tx, &self.keys, caller, Record::new("password.change").target(format!("account:{id}"))).await
        })?;
        Ok(())
    }

    /// Creates an account with one role over one place. A system administrator may do so only
    /// inside her own scope; the machine's operator anywhere. The password must be changed at
    /// first login.
    pub async fn create_account(
        &self,
        caller: &Caller,
        a: &NewAccount,
    ) -> Result<Uuid, ServiceError> {
        let mut errs = ValidationErrors::new();
        if !valid_username(a.username.trim()) {
            errs.push("username", "username.format");
        }
        if a.display_name.trim().is_empty() {
            errs.push("display_name", "required");
        }
        if let Err(ServiceError::Invalid(v)) = self.check_password_policy(&a.password) {
            errs.0.extend(v.0);
        }
        let place = match PlaceCode::parse(&a.place) {
            Ok(code) => places::get(&self.db, code.as_str()).await?,
            Err(_) => None,
        };
        if place.is_none() {
            errs.push("place", "not_found");
        }
        if !caller.is_operator() && caller.account_scope().is_empty() {
            return Err(ServiceError::Forbidden);
        }
        errs.clone().into_result()?;
        let Some(place) = place else {
            return Err(errs.into());
        };
        if !caller.account_scope().covers(&place.path) {
            return Err(ServiceError::Forbidden);
        }
        // Three administrators kept apart: the system administrator makes accounts, the security
        // administrator gives them roles.
        if a.role.is_some() && !caller.is_operator() {
            return Err(invalid("role", "role.by_security_admin"));
        }
        if store::by_username(&self.db, a.username.trim())
            .await?
            .is_some()
        {
            let mut v = ValidationErrors::new();
            v.push("username", "username.taken");
            return Err(v.into());
        }
        let h = hash(a.password.clone()).await?;
        let now = clock::now();
        let id = Uuid::now_v7();
        let account = Account {
            id,
            username: a.username.trim().to_string(),
            display_name: a.display_name.trim().to_string(),
            password_hash: h,
            must_change_password: !caller.is_operator(),
            failed_logins: 0,
            locked_until: None,
            disabled: false,
            totp_secret: None,
            totp_last_step: None,
            created_at: now,
            home_path: Some(place.path.clone()),
        };
        let grant = a.role.map(|role| GrantRow {
            id: Uuid::now_v7(),
            account_id: id,
            role: role.key().to_string(),
            scope_path: place.path.clone(),
            granted_by: caller.account_id,
            granted_at: now,
            expires_at: None,
            reason: None,
        });
        let role_key = a.role.map(Role::key).unwrap_or("-");
        let db = &self.db;
        let r = db_tx!(db, tx => {
            store::insert(tx, &account, now).await?;
            if let Some(g) = &grant {
                store::insert_grant(tx, g).await?;
            }
            record(tx, &self.keys, caller, Record::new("account.create").target(format!("account:{id}")).place(place.path.clone())
                .detail(format!("username={} role={role_key}", account.username))).await
        });
        match r {
            Ok(_) => Ok(id),
            Err(jinguo_storage::StorageError::Conflict(_)) => {
                let mut v = ValidationErrors::new();
                v.push("username", "username.taken");
                Err(v.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// An account the caller administers (all its grants lie in her place), with its grants;
    /// any other account is not found.
    async fn administered(
        &self,
        caller: &Caller,
        username: &str,
        now: DateTime<Utc>,
    ) -> Result<(Account, Vec<GrantRow>), ServiceError> {
        let account = store::by_username(&self.db, username.trim())
            .await?
            .ok_or(ServiceError::NotFound)?;
        let grants = store::grants(&self.db, account.id, now).await?;
        if caller.is_operator() {
            return Ok((account, grants));
        }
        let scope = caller.account_scope();
        if !administers(&scope, &account, &grants) || Some(account.id) == caller.account_id {
            return Err(ServiceError::NotFound);
        }
        // Administrators' accounts are kept on the machine (`jinguo user reset`), so that no
        // administrator can lock or take over another.
        if grants
            .iter()
            .any(|g| Role::parse(&g.role).is_some_and(Role::is_admin))
        {
            return Err(ServiceError::Forbidden);
        }
        Ok((account, grants))
    }

    /// Locks or unlocks an account, or sets a new temporary password (to be changed at next login).
    /// Every session of the account ends.
    pub async fn administer_account(
        &self,
        caller: &Caller,
        username: &str,
        act: AccountAction,
    ) -> Result<(), ServiceError> {
        let now = clock::now();
        let (account, _) = self.administered(caller, username, now).await?;
        let new_hash = match &act {
            AccountAction::Reset { password } => {
                self.check_password_policy(password)?;
                Some(hash(password.clone()).await?)
            }
            _ => None,
        };
        let id = account.id;
        let db = &self.db;
        db_tx!(db, tx => {
            let action = match &act {
                AccountAction::Lock => {
                    store::set_lock(tx, id, Some(now + Duration::days(36500)), now).await?;
                    "account.lock"
                }
                AccountAction::Unlock => {
                    store::set_lock(tx, id, None, now).await?;
                    "account.unlock"
                }
                AccountAction::Reset { .. } => {
                    store::set_password(tx, id, new_hash.as_deref().unwrap_or_default(), true, now).await?;
                    "account.reset"
                }
            };
            store::delete_sessions_of(tx, id).await?;
            store::revoke_tokens_of(tx, id, now).await?;
            record(tx, &self.keys, caller, Record::new(action).target(format!("account:{id}"))).await
        })?;
        Ok(())
    }

    /// Links an account to the member record of the person who holds it, so that a women's
    /// representative sees the households she answers for (system administrator, within her
    /// place). The member must serve inside the account's grants; a representative's account takes
    /// a representative; a member belongs to one account at a time.
    pub async fn link_member(
        &self,
        caller: &Caller,
        username: &str,
        member: Uuid,
    ) -> Result<(), ServiceError> {
        let now = clock::now();
        let (account, grants) = self.administered(caller, username, now).await?;
        if Some(account.id) == caller.account_id {
            return Err(ServiceError::Forbidden);
        }
        let m = jinguo_storage::member::get(&self.db, &caller.account_scope(), member)
            .await?
            .filter(|m| m.ended_on.is_none())
            .ok_or_else(|| invalid("member", "not_found"))?;
        if !grants.iter().any(|g| m.path.starts_with(&g.scope_path)) {
            return Err(invalid("member", "member.outside_grant"));
        }
        let representative = grants
            .iter()
            .any(|g| Role::parse(&g.role) == Some(Role::Representative));
        if representative && m.role != "representative" {
            return Err(invalid("member", "member.not_representative"));
        }
        if m.account_id.is_some_and(|a| a != account.id) {
            return Err(invalid("member", "member.linked"));
        }
        let (county, id, account_id) = (m.county_code.clone(), m.id, account.id);
        db_tx!(&self.db, tx => {
            jinguo_storage::member::link_account(tx, &county, id, Some(account_id)).await?;
            record(tx, &self.keys, caller, Record::new("member.link").target(format!("account:{account_id}"))
                .place(m.path.clone()).detail(format!("member={id}"))).await
        })?;
        Ok(())
    }

    /// Starts TOTP enrolment: a new secret, kept encrypted, to be confirmed with a first code.
    /// (An administrator who lost her phone gets a reset from the operator: `jinguo user reset`.)
    /// Returns the provisioning URI and the secret in base32 for manual entry.
    pub async fn totp_begin(&self, caller: &Caller) -> Result<(String, String), ServiceError> {
        let id = caller.account_id.ok_or(ServiceError::Forbidden)?;
        let account = store::by_id(&self.db, id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        if account.totp_last_step.is_some() {
            return Err(ServiceError::Conflict);
        }
        // An enrolment already begun shows the same key again (a reload must not change it).
        if let Some(sealed) = &account.totp_secret {
            let b32 = self.open("account", "totp_secret", &id, sealed)?;
            let secret = totp::from_base32(&b32).ok_or(ServiceError::NotFound)?;
            return Ok((
                totp::provisioning_uri(&secret, "Jinguo", &account.username),
                b32,
            ));
        }
        let secret = totp::new_secret().map_err(|e| ServiceError::Internal(e.to_string()))?;
        let b32 = totp::base32(&secret);
        let sealed = self.seal("account", "totp_secret", &id, &b32)?;
        let now = clock::now();
        let db = &self.db;
        db_tx!(db, tx => store::set_totp(tx, id, Some(&sealed), None, now).await)?;
        Ok((
            totp::provisioning_uri(&secret, "Jinguo", &account.username),
            b32,
        ))
    }

    /// Checks a TOTP code: completes enrolment when pending, and marks the session's second
    /// factor as given. A code is accepted once.
    pub async fn totp_verify(
        &self,
        caller: &Caller,
        token_value: &str,
        code: &str,
    ) -> Result<(), ServiceError> {
        let id = caller.account_id.ok_or(ServiceError::Forbidden)?;
        let account = store::by_id(&self.db, id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let sealed = account.totp_secret.ok_or(ServiceError::NotFound)?;
        let b32 = self.open("account", "totp_secret", &id, &sealed)?;
        let secret = totp::from_base32(&b32).ok_or(ServiceError::NotFound)?;
        let now = clock::now();
        let step = totp::verify(&secret, code.trim(), now.timestamp().max(0) as u64);
        let db = &self.db;
        let h = token::token_hash(token_value);
        // Locked (by wrong codes or wrong passwords): the same answer as a wrong code, after the
        // same work, the right code included.
        let locked = account.disabled || account.locked_until.is_some_and(|t| t > now);
        let accepted = match step {
            _ if locked => {
                db_tx!(db, tx => record(tx, &self.keys, caller, Record::new("totp.refused").detail("account locked")).await)?;
                false
            }
            Some(step) => db_tx!(db, tx => {
                let fresh = store::use_totp_step(tx, id, step as i64, now).await?;
                if fresh {
                    store::pass_second_factor(tx, &h).await?;
                }
                record(tx, &self.keys, caller, Record::new(if fresh { "totp.ok" } else { "totp.replay" })).await?;
                Ok::<bool, jinguo_storage::StorageError>(fresh)
            })?,
            None => {
                let until = now + Duration::minutes(self.security.lock_minutes);
                let max = self.security.max_failures;
                db_tx!(db, tx => {
                    let failures = store::record_totp_failure(tx, id, max, until, now).await?;
                    let detail = if failures >= max { "wrong code; account locked" } else { "wrong code" };
                    record(tx, &self.keys, caller, Record::new("totp.failed").detail(detail)).await
                })?;
                false
            }
        };
        if accepted {
            Ok(())
        } else {
            let mut v = ValidationErrors::new();
            v.push("totp_code", "totp.wrong");
            Err(v.into())
        }
    }

    /// Whether the account has a confirmed second factor.
    pub async fn totp_enrolled(&self, caller: &Caller) -> Result<bool, ServiceError> {
        let id = caller.account_id.ok_or(ServiceError::Forbidden)?;
        let a = store::by_id(&self.db, id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        Ok(a.totp_last_step.is_some())
    }
}

#[derive(Debug, Clone)]
pub enum AccountAction {
    Lock,
    Unlock,
    Reset { password: String },
}

/// Whether an administrator's scope covers an account: its home place (accounts made before homes
/// existed: every grant, and at least one).
pub(crate) fn administers(
    scope: &jinguo_storage::Scope,
    account: &Account,
    grants: &[GrantRow],
) -> bool {
    match &account.home_path {
        Some(home) => scope.covers(home) && grants.iter().all(|g| scope.covers(&g.scope_path)),
        None => !grants.is_empty() && grants.iter().all(|g| scope.covers(&g.scope_path)),
    }
}

/// The grants in force as a caller holds them (a role this build does not know is left out).
fn held_grants(grants: Vec<store::HeldGrant>) -> Vec<Grant> {
    grants
        .into_iter()
        .filter_map(|g| {
            Some(Grant {
                role: Role::parse(&g.role)?,
                scope_path: g.scope_path,
                expires_at: g.expires_at,
            })
        })
        .collect()
}

/// Emergency access in force as a caller holds it (a person's access names her household).
fn held_emergency(held: Vec<store::HeldEmergency>) -> Vec<crate::access::EmergencyHold> {
    held.into_iter()
        .filter_map(|e| {
            let target = match e.target_kind.as_str() {
                "household" => crate::access::EmergencyTarget::Household(e.target_id),
                "person" => crate::access::EmergencyTarget::Person {
                    person: e.target_id,
                    household: e.household_id?,
                },
                "dv_case" => crate::access::EmergencyTarget::Case(e.target_id),
                _ => return None,
            };
            Some(crate::access::EmergencyHold {
                id: e.id,
                target,
                expires_at: e.expires_at,
            })
        })
        .collect()
}
