//! Delegated administration: roles granted by the security administrator inside her scope,
//! emergency access ("break the glass"), API tokens, and the account list of the system administrator.

use crate::access::{Caller, Grant};
use crate::audit::{Record, record};
use crate::error::invalid;
use crate::{ServiceError, Services, clock};
use chrono::{DateTime, Duration, Utc};
use jinguo_crypto::token;
use jinguo_domain::account::Role;
use jinguo_domain::place::PlaceCode;
use jinguo_storage::account::{self as store, GrantRow, TokenRow};
use jinguo_storage::{db_tx, place as places};
use uuid::Uuid;

/// The longest emergency access lasts.
pub const BREAK_GLASS_MAX_MINUTES: i64 = 240;

/// An account as the administrators see it.
#[derive(Debug, Clone)]
pub struct AccountLine {
    pub username: String,
    pub display_name: String,
    pub locked: bool,
    pub grants: Vec<(Role, String)>,
}

/// A grant of emergency access, for the security administrator.
#[derive(Debug, Clone)]
pub struct EmergencyLine {
    pub username: String,
    pub place: String,
    pub reason: String,
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Services {
    async fn place_path(&self, code: &str) -> Result<String, ServiceError> {
        let code = PlaceCode::parse(code).map_err(|_| invalid("place", "not_found"))?;
        places::get(&self.db, code.as_str())
            .await?
            .map(|p| p.path)
            .ok_or_else(|| invalid("place", "not_found"))
    }

    /// Grants a role over a place. Only a security administrator whose scope covers the place may;
    /// the three administrator duties stay apart: an administrator holds no other role.
    pub async fn grant_role(
        &self,
        caller: &Caller,
        username: &str,
        role: Role,
        place: &str,
    ) -> Result<(), ServiceError> {
        let path = self.place_path(place).await?;
        if !caller.grant_scope().covers(&path) {
            return Err(ServiceError::Forbidden);
        }
        let account = store::by_username(&self.db, username.trim())
            .await?
            .ok_or_else(|| invalid("username", "not_found"))?;
        if Some(account.id) == caller.account_id {
            return Err(ServiceError::Forbidden);
        }
        let now = clock::now();
        let held = store::grants(&self.db, account.id, now).await?;
        let held_admin = held
            .iter()
            .any(|g| Role::parse(&g.role).is_some_and(Role::is_admin));
        if (role.is_admin() && !held.is_empty()) || held_admin {
            return Err(invalid("role", "role.separation"));
        }
        let g = GrantRow {
            id: Uuid::now_v7(),
            account_id: account.id,
            role: role.key().into(),
            scope_path: path.clone(),
            granted_by: caller.account_id,
            granted_at: now,
            expires_at: None,
            reason: None,
        };
        let detail = format!("username={} role={}", account.username, role.key());
        db_tx!(&self.db, tx => {
            store::insert_grant(tx, &g).await?;
            record(tx, caller, Record::new("grant.add").target(format!("account:{}", account.id)).place(path.clone()).detail(detail.clone())).await
        })?;
        Ok(())
    }

    /// Emergency access to a place outside one's scope: a stated reason, a limited time, an entry in
    /// the audit log, and a line on the security administrator's page. Only people who read
    /// households in their own work may ask for it.
    pub async fn break_glass(
        &self,
        caller: &Caller,
        place: &str,
        reason: &str,
        minutes: i64,
    ) -> Result<DateTime<Utc>, ServiceError> {
        let id = caller.account_id.ok_or(ServiceError::Forbidden)?;
        if caller.household_read_scope().is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let reason = reason.trim();
        if reason.chars().count() < 4 {
            return Err(invalid("reason", "reason.required"));
        }
        if !(1..=BREAK_GLASS_MAX_MINUTES).contains(&minutes) {
            return Err(invalid("minutes", "minutes.range"));
        }
        let path = self.place_path(place).await?;
        let now = clock::now();
        let until = now + Duration::minutes(minutes);
        let g = GrantRow {
            id: Uuid::now_v7(),
            account_id: id,
            role: Role::Staff.key().into(),
            scope_path: path.clone(),
            granted_by: Some(id),
            granted_at: now,
            expires_at: Some(until),
            reason: Some(reason.to_string()),
        };
        db_tx!(&self.db, tx => {
            store::insert_grant(tx, &g).await?;
            record(tx, caller, Record::new("break_glass").place(path.clone()).reason(reason).detail(format!("minutes={minutes}"))).await
        })?;
        Ok(until)
    }

    /// Emergency access granted lately, for the security administrator.
    pub async fn emergencies(&self, caller: &Caller) -> Result<Vec<EmergencyLine>, ServiceError> {
        if !caller.has_role(Role::SecurityAdmin) {
            return Err(ServiceError::Forbidden);
        }
        let scope = caller.grant_scope();
        let mut out = Vec::new();
        for g in store::emergency_grants(&self.db, 200).await? {
            if !scope.covers(&g.scope_path) {
                continue;
            }
            let username = store::by_id(&self.db, g.account_id)
                .await?
                .map(|a| a.username)
                .unwrap_or_default();
            out.push(EmergencyLine {
                username,
                place: g.scope_path,
                reason: g.reason.unwrap_or_default(),
                granted_at: g.granted_at,
                expires_at: g.expires_at.unwrap_or(g.granted_at),
            });
        }
        Ok(out)
    }

    /// The accounts whose every grant lies inside the system administrator's scope.
    pub async fn list_accounts(&self, caller: &Caller) -> Result<Vec<AccountLine>, ServiceError> {
        let scope = caller.account_scope();
        if scope.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let now = clock::now();
        let mut out = Vec::new();
        for a in store::list(&self.db).await? {
            let grants = store::grants(&self.db, a.id, now).await?;
            if grants.is_empty() || !grants.iter().all(|g| scope.covers(&g.scope_path)) {
                continue;
            }
            out.push(AccountLine {
                username: a.username,
                display_name: a.display_name,
                locked: a.locked_until.is_some_and(|t| t > now),
                grants: grants
                    .into_iter()
                    .filter_map(|g| Some((Role::parse(&g.role)?, g.scope_path)))
                    .collect(),
            });
        }
        Ok(out)
    }

    /// Issues an API token for the caller's own integrations: it acts as the caller, narrowed to
    /// one place, without any administrator power, until it expires. The token is shown once;
    /// only its hash is kept.
    pub async fn create_token(
        &self,
        caller: &Caller,
        name: &str,
        place: &str,
        days: i64,
    ) -> Result<(String, DateTime<Utc>), ServiceError> {
        let id = caller.account_id.ok_or(ServiceError::Forbidden)?;
        if name.trim().is_empty() || name.chars().count() > 100 {
            return Err(invalid("name", "required"));
        }
        if !(1..=365).contains(&days) {
            return Err(invalid("days", "days.range"));
        }
        let path = self.place_path(place).await?;
        if !caller.household_read_scope().covers(&path) {
            return Err(ServiceError::Forbidden);
        }
        let value = format!(
            "jg_{}",
            token::random_token().map_err(|e| ServiceError::Internal(e.to_string()))?
        );
        let now = clock::now();
        let row = TokenRow {
            token_hash: token::token_hash(&value),
            account_id: id,
            name: name.trim().into(),
            scope_path: path.clone(),
            created_at: now,
            expires_at: now + Duration::days(days),
            revoked_at: None,
        };
        db_tx!(&self.db, tx => {
            store::insert_token(tx, &row).await?;
            record(tx, caller, Record::new("token.create").place(path.clone()).detail(format!("name={} days={days}", row.name))).await
        })?;
        Ok((value, row.expires_at))
    }

    /// The caller behind an API token: the account's household roles, narrowed to the token's place.
    pub async fn caller_from_token(&self, value: &str, ip: &str) -> Result<Caller, ServiceError> {
        let now = clock::now();
        let t = store::token(&self.db, &token::token_hash(value))
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        if t.revoked_at.is_some() || t.expires_at <= now {
            return Err(ServiceError::Unauthenticated);
        }
        let account = store::by_id(&self.db, t.account_id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        if account.disabled || account.locked_until.is_some_and(|l| l > now) {
            return Err(ServiceError::Unauthenticated);
        }
        let narrowed: Vec<Grant> = store::grants(&self.db, account.id, now)
            .await?
            .into_iter()
            .filter_map(|g| {
                let role = Role::parse(&g.role)?;
                let covers = t.scope_path.starts_with(&g.scope_path);
                (covers && role.reads_households()).then(|| Grant {
                    role,
                    scope_path: t.scope_path.clone(),
                    expires_at: g.expires_at,
                })
            })
            .collect();
        let mut c = Caller::new(
            account.id,
            format!("{} (token {})", account.username, t.name),
            account.display_name,
            narrowed,
        );
        c.members = jinguo_storage::member::of_account(&self.db, account.id).await?;
        c.ip = ip.to_string();
        Ok(c)
    }
}
