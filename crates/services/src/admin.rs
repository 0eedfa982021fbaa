//! Delegated administration: roles granted and revoked by the security administrator inside her
//! scope, API tokens (made, listed and revoked by their owner), and the account list of the system
//! and security administrators.

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

/// An account as the administrators see it.
#[derive(Debug, Clone)]
pub struct AccountLine {
    pub username: String,
    pub display_name: String,
    pub locked: bool,
    /// The place whose system administrator manages the account.
    pub home_path: Option<String>,
    pub grants: Vec<AccountGrant>,
}

/// A role an account holds over a place.
#[derive(Debug, Clone)]
pub struct AccountGrant {
    pub id: Uuid,
    pub role: Role,
    pub place_path: String,
}

/// An API token as its owner sees it (never its value).
#[derive(Debug, Clone)]
pub struct TokenLine {
    /// The SHA-256 of the token: names it for revocation, opens nothing.
    pub id: String,
    pub name: String,
    pub place_path: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

/// The name of a token for listing and revocation (its hash; it opens nothing).
pub fn token_id(value: &str) -> String {
    token::token_hash(value)
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
        let now = clock::now();
        let account = store::by_username(&self.db, username.trim())
            .await?
            .ok_or_else(|| invalid("username", "not_found"))?;
        let held = store::grants(&self.db, account.id, now).await?;
        if !caller.is_operator()
            && !crate::accounts::administers(&caller.grant_scope(), &account, &held)
        {
            return Err(invalid("username", "not_found"));
        }
        if Some(account.id) == caller.account_id {
            return Err(ServiceError::Forbidden);
        }
        // The administrators' duties are given on the machine (`jinguo user add`), so that no
        // administrator makes or unmakes another.
        if role.is_admin() && !caller.is_operator() {
            return Err(invalid("role", "role.admin_on_machine"));
        }
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
            record(tx, &self.keys, caller, Record::new("grant.add").target(format!("account:{}", account.id)).place(path.clone()).detail(detail.clone())).await
        })?;
        Ok(())
    }

    /// Revokes a role (security administrator, inside her scope, never her own). The account's
    /// sessions and tokens end with it, so that nothing runs on under the old role.
    pub async fn revoke_role(
        &self,
        caller: &Caller,
        username: &str,
        grant: Uuid,
    ) -> Result<(), ServiceError> {
        let scope = caller.grant_scope();
        if scope.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let now = clock::now();
        let account = store::by_username(&self.db, username.trim())
            .await?
            .ok_or(ServiceError::NotFound)?;
        let held = store::grants(&self.db, account.id, now).await?;
        let g = held
            .iter()
            .find(|g| g.id == grant && scope.covers(&g.scope_path))
            .ok_or(ServiceError::NotFound)?;
        if Some(account.id) == caller.account_id {
            return Err(ServiceError::Forbidden);
        }
        if Role::parse(&g.role).is_some_and(Role::is_admin) {
            return Err(invalid("role", "role.admin_on_machine"));
        }
        let (path, detail) = (
            g.scope_path.clone(),
            format!("username={} role={}", account.username, g.role),
        );
        let revoked = db_tx!(&self.db, tx => {
            if !store::revoke_grant(tx, account.id, grant, caller.account_id, now).await? {
                return Ok(false);
            }
            store::delete_sessions_of(tx, account.id).await?;
            store::revoke_tokens_of(tx, account.id, now).await?;
            record(tx, &self.keys, caller, Record::new("grant.revoke").target(format!("account:{}", account.id))
                .place(path.clone()).detail(detail.clone())).await?;
            Ok::<bool, jinguo_storage::StorageError>(true)
        })?;
        if !revoked {
            return Err(ServiceError::NotFound);
        }
        Ok(())
    }

    /// The accounts an administrator looks after: for the system administrator those whose home
    /// lies in her scope (to lock, reset, link), for the security administrator likewise (to
    /// grant and revoke roles). Other accounts are not listed.
    pub async fn list_accounts(&self, caller: &Caller) -> Result<Vec<AccountLine>, ServiceError> {
        let (accounts, grants) = (caller.account_scope(), caller.grant_scope());
        if accounts.is_empty() && grants.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let now = clock::now();
        let mut out = Vec::new();
        for a in store::list(&self.db).await? {
            let held = store::grants(&self.db, a.id, now).await?;
            if !crate::accounts::administers(&accounts, &a, &held)
                && !crate::accounts::administers(&grants, &a, &held)
            {
                continue;
            }
            out.push(AccountLine {
                username: a.username,
                display_name: a.display_name,
                locked: a.locked_until.is_some_and(|t| t > now),
                home_path: a.home_path,
                grants: held
                    .into_iter()
                    .filter_map(|g| {
                        Some(AccountGrant {
                            id: g.id,
                            role: Role::parse(&g.role)?,
                            place_path: g.scope_path,
                        })
                    })
                    .collect(),
            });
        }
        Ok(out)
    }

    /// The caller's own API tokens, newest first.
    pub async fn tokens(&self, caller: &Caller) -> Result<Vec<TokenLine>, ServiceError> {
        let id = caller.account_id.ok_or(ServiceError::Forbidden)?;
        let now = clock::now();
        Ok(store::tokens_of(&self.db, id)
            .await?
            .into_iter()
            .map(|t| TokenLine {
                id: t.token_hash,
                name: t.name,
                place_path: t.scope_path,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked: t.revoked_at.is_some() || t.expires_at <= now,
            })
            .collect())
    }

    /// Revokes one of the caller's own tokens; another's is not found.
    pub async fn revoke_token(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        let account = caller.account_id.ok_or(ServiceError::Forbidden)?;
        let now = clock::now();
        let revoked = db_tx!(&self.db, tx => {
            if !store::revoke_token(tx, account, id, now).await? {
                return Ok(false);
            }
            record(tx, &self.keys, caller, Record::new("token.revoke").target(format!("account:{account}"))).await?;
            Ok::<bool, jinguo_storage::StorageError>(true)
        })?;
        if !revoked {
            return Err(ServiceError::NotFound);
        }
        Ok(())
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
            record(tx, &self.keys, caller, Record::new("token.create").place(path.clone()).detail(format!("name={} days={days}", row.name))).await
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
        c.by_token = true;
        Ok(c)
    }
}
