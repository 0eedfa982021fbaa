//! Accounts, their grants and their sessions.

use crate::{Db, DbConn, StorageError, conn_run, db_run};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Account {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled: bool,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// The place whose system administrator creates, locks and resets the account.
    pub home_path: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub role: String,
    pub scope_path: String,
    pub granted_by: Option<Uuid>,
    pub granted_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub account_id: Uuid,
    pub csrf: String,
    pub second_factor_ok: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

macro_rules! account_cols {
    () => {
        "id, username, display_name, password_hash, must_change_password, failed_logins, locked_until, \
         disabled, totp_secret, totp_last_step, created_at, home_path"
    };
}

pub async fn by_username(db: &Db, username: &str) -> Result<Option<Account>, StorageError> {
    let sql = concat!(
        "SELECT ",
        account_cols!(),
        " FROM account WHERE username = $1"
    );
    Ok(db_run!(db, p => sqlx::query_as::<_, Account>(sql).bind(username).fetch_optional(p).await)?)
}

pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<Account>, StorageError> {
    let sql = concat!("SELECT ", account_cols!(), " FROM account WHERE id = $1");
    Ok(db_run!(db, p => sqlx::query_as::<_, Account>(sql).bind(id).fetch_optional(p).await)?)
}

/// Every account, by username (the services keep those an administrator may see).
pub async fn list(db: &Db) -> Result<Vec<Account>, StorageError> {
    let sql = concat!(
        "SELECT ",
        account_cols!(),
        " FROM account ORDER BY username"
    );
    Ok(db_run!(db, p => sqlx::query_as::<_, Account>(sql).fetch_all(p).await)?)
}

pub async fn insert(
    tx: &mut DbConn<'_>,
    a: &Account,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO account (id, username, display_name, password_hash, must_change_password, failed_logins, \
         locked_until, disabled, totp_secret, totp_last_step, created_at, updated_at, home_path) \
         VALUES ($1, $2, $3, $4, $5, 0, NULL, FALSE, NULL, NULL, $6, $6, $7)")
        .bind(a.id).bind(&a.username).bind(&a.display_name).bind(&a.password_hash)
        .bind(a.must_change_password).bind(now).bind(&a.home_path)
        .execute(&mut *c).await.map(|_| ()))
    .map_err(StorageError::classify)
}

pub async fn grants(
    db: &Db,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<GrantRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as::<_, GrantRow>(
        "SELECT id, account_id, role, scope_path, granted_by, granted_at, expires_at, reason FROM account_grant \
         WHERE account_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) \
         ORDER BY granted_at")
        .bind(account_id).bind(now).fetch_all(p).await)?)
}

pub async fn insert_grant(tx: &mut DbConn<'_>, g: &GrantRow) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO account_grant (id, account_id, role, scope_path, granted_by, granted_at, expires_at, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(g.id).bind(g.account_id).bind(&g.role).bind(&g.scope_path).bind(g.granted_by)
        .bind(g.granted_at).bind(g.expires_at).bind(&g.reason)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Revokes one of an account's grants (the row stays, for the history); false when it was not
/// in force.
pub async fn revoke_grant(
    tx: &mut DbConn<'_>,
    account_id: Uuid,
    grant_id: Uuid,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE account_grant SET revoked_at = $3, revoked_by = $4 \
         WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL")
        .bind(grant_id).bind(account_id).bind(now).bind(by)
        .execute(&mut *c).await.map(|r| r.rows_affected() == 1))?)
}

/// Records a failed login; locks the account until `lock_until` when `failures` reach `max`.
pub async fn record_failure(
    tx: &mut DbConn<'_>,
    id: Uuid,
    max: i32,
    lock_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE account SET failed_logins = failed_logins + 1, \
         locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END, updated_at = $4 \
         WHERE id = $1")
        .bind(id).bind(max).bind(lock_until).bind(now)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn record_success(
    tx: &mut DbConn<'_>,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE account SET failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $1")
        .bind(id).bind(now).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Records a wrong one-time code; locks the account until `lock_until` when the wrong codes in a
/// row reach `max`. Returns the wrong codes in a row, this one included.
pub async fn record_totp_failure(
    tx: &mut DbConn<'_>,
    id: Uuid,
    max: i32,
    lock_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<i32, StorageError> {
    let row: (i32,) = conn_run!(tx, c => sqlx::query_as(
        "UPDATE account SET totp_failures = totp_failures + 1, \
         locked_until = CASE WHEN totp_failures + 1 >= $2 THEN $3 ELSE locked_until END, updated_at = $4 \
         WHERE id = $1 RETURNING totp_failures")
        .bind(id).bind(max).bind(lock_until).bind(now)
        .fetch_one(&mut *c).await)?;
    Ok(row.0)
}

/// Locks (until a time far ahead) or unlocks an account, clearing its failures.
pub async fn set_lock(
    tx: &mut DbConn<'_>,
    id: Uuid,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<u64, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE account SET locked_until = $2, failed_logins = 0, totp_failures = 0, updated_at = $3 WHERE id = $1")
        .bind(id).bind(until).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?)
}

pub async fn set_password(
    tx: &mut DbConn<'_>,
    id: Uuid,
    hash: &str,
    must_change: bool,
    now: DateTime<Utc>,
) -> Result<u64, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE account SET password_hash = $2, must_change_password = $3, updated_at = $4 WHERE id = $1")
        .bind(id).bind(hash).bind(must_change).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?)
}

pub async fn set_totp(
    tx: &mut DbConn<'_>,
    id: Uuid,
    secret: Option<&str>,
    last_step: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE account SET totp_secret = $2, totp_last_step = $3, updated_at = $4 WHERE id = $1")
        .bind(id).bind(secret).bind(last_step).bind(now).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Moves the last used TOTP step forward and clears the wrong codes in a row; refuses (returns
/// false) a step already used, or any step while the account is locked at `now` (a lock taken
/// by a concurrent wrong code included).
pub async fn use_totp_step(
    tx: &mut DbConn<'_>,
    id: Uuid,
    step: i64,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE account SET totp_last_step = $2, totp_failures = 0 WHERE id = $1 \
         AND (totp_last_step IS NULL OR totp_last_step < $2) AND (locked_until IS NULL OR locked_until <= $3)")
        .bind(id).bind(step).bind(now).execute(&mut *c).await.map(|r| r.rows_affected() == 1))?)
}

pub async fn insert_session(tx: &mut DbConn<'_>, s: &SessionRow) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO session (token_hash, account_id, csrf, second_factor_ok, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&s.token_hash).bind(s.account_id).bind(&s.csrf).bind(s.second_factor_ok)
        .bind(s.created_at).bind(s.last_seen_at).bind(s.expires_at)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn session(db: &Db, token_hash: &str) -> Result<Option<SessionRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as::<_, SessionRow>(
        "SELECT token_hash, account_id, csrf, second_factor_ok, created_at, last_seen_at, expires_at \
         FROM session WHERE token_hash = $1")
        .bind(token_hash).fetch_optional(p).await)?)
}

pub async fn touch_session(
    tx: &mut DbConn<'_>,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query("UPDATE session SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash).bind(now).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn pass_second_factor(tx: &mut DbConn<'_>, token_hash: &str) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query("UPDATE session SET second_factor_ok = TRUE WHERE token_hash = $1")
        .bind(token_hash).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn delete_session(tx: &mut DbConn<'_>, token_hash: &str) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query("DELETE FROM session WHERE token_hash = $1")
        .bind(token_hash).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Ends every session of an account (locking, password reset).
pub async fn delete_sessions_of(tx: &mut DbConn<'_>, account_id: Uuid) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query("DELETE FROM session WHERE account_id = $1")
        .bind(account_id).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub token_hash: String,
    pub account_id: Uuid,
    pub name: String,
    pub scope_path: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn insert_token(tx: &mut DbConn<'_>, t: &TokenRow) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO api_token (token_hash, account_id, name, scope_path, created_at, expires_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL)")
        .bind(&t.token_hash).bind(t.account_id).bind(&t.name).bind(&t.scope_path)
        .bind(t.created_at).bind(t.expires_at)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn token(db: &Db, token_hash: &str) -> Result<Option<TokenRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as::<_, TokenRow>(
        "SELECT token_hash, account_id, name, scope_path, created_at, expires_at, revoked_at \
         FROM api_token WHERE token_hash = $1")
        .bind(token_hash).fetch_optional(p).await)?)
}

/// An account's tokens, newest first.
pub async fn tokens_of(db: &Db, account_id: Uuid) -> Result<Vec<TokenRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as::<_, TokenRow>(
        "SELECT token_hash, account_id, name, scope_path, created_at, expires_at, revoked_at \
         FROM api_token WHERE account_id = $1 ORDER BY created_at DESC")
        .bind(account_id).fetch_all(p).await)?)
}

/// Revokes one token of an account; false when it was not hers or already revoked.
pub async fn revoke_token(
    tx: &mut DbConn<'_>,
    account_id: Uuid,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE api_token SET revoked_at = $3 WHERE token_hash = $1 AND account_id = $2 AND revoked_at IS NULL")
        .bind(token_hash).bind(account_id).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected() == 1))?)
}

/// Revokes every token of an account (a new password, a revoked role, a lock).
pub async fn revoke_tokens_of(
    tx: &mut DbConn<'_>,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE api_token SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL")
        .bind(account_id).bind(now).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Ends every session of an account but one (her own password change keeps her logged in).
pub async fn delete_other_sessions(
    tx: &mut DbConn<'_>,
    account_id: Uuid,
    keep_hash: &str,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query("DELETE FROM session WHERE account_id = $1 AND token_hash <> $2")
        .bind(account_id).bind(keep_hash).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// A grant in force, as a caller holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldGrant {
    pub role: String,
    pub scope_path: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Emergency access in force, as a caller holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldEmergency {
    pub id: Uuid,
    /// `household`, `person` or `dv_case`.
    pub target_kind: String,
    pub target_id: Uuid,
    pub household_id: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
}

/// A session, its account, and what the account may do at one moment: its grants in force, the
/// members it is, the departments it acts for and its emergency access in force.
#[derive(Debug, Clone)]
pub struct SessionPowers {
    pub session: SessionRow,
    pub username: String,
    pub display_name: String,
    pub disabled: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub must_change_password: bool,
    /// By the time each was granted.
    pub grants: Vec<HeldGrant>,
    pub members: Vec<Uuid>,
    pub departments: Vec<crate::linkage::DepartmentPost>,
    /// By the time each was asked for.
    pub emergency: Vec<HeldEmergency>,
}

/// One row of [`session_powers`]: what each column holds depends on `k`.
#[derive(sqlx::FromRow)]
struct PowerRow {
    k: String,
    a: Option<String>,
    b: Option<String>,
    c: Option<String>,
    t1: Option<DateTime<Utc>>,
    t2: Option<DateTime<Utc>>,
    t3: Option<DateTime<Utc>>,
    t4: Option<DateTime<Utc>>,
    i1: Option<Uuid>,
    i2: Option<Uuid>,
    i3: Option<Uuid>,
    f1: Option<bool>,
    f2: Option<bool>,
    f3: Option<bool>,
    /// What each kind is ordered by first.
    o: Option<DateTime<Utc>>,
}

/// The session behind a token hash with everything its caller is made of, in one statement
/// (each request without the caches asks for it): `None` when there is no such session. The same
/// rows as [`session`], [`by_id`], [`grants`], `member::of_account`,
/// `linkage::departments_of_account` and `emergency::active_of`, in their order.
pub async fn session_powers(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionPowers>, StorageError> {
    // `k` tells the rows apart: s the session and its account, g a grant, m a member, d a
    // department, e an emergency access; `o` orders each kind as its own read does.
    const SQL: &str = "\
        SELECT 's' AS k, s.csrf AS a, a.username AS b, a.display_name AS c, \
               s.created_at AS t1, s.last_seen_at AS t2, s.expires_at AS t3, a.locked_until AS t4, \
               s.account_id AS i1, CAST(NULL AS UUID) AS i2, CAST(NULL AS UUID) AS i3, \
               s.second_factor_ok AS f1, a.disabled AS f2, a.must_change_password AS f3, \
               s.created_at AS o \
          FROM session s JOIN account a ON a.id = s.account_id WHERE s.token_hash = $1 \
        UNION ALL \
        SELECT 'g', g.role, g.scope_path, NULL, g.expires_at, NULL, NULL, NULL, \
               NULL, NULL, NULL, NULL, NULL, NULL, g.granted_at \
          FROM session s JOIN account_grant g ON g.account_id = s.account_id \
         WHERE s.token_hash = $1 AND g.revoked_at IS NULL \
           AND (g.expires_at IS NULL OR g.expires_at > $2) \
        UNION ALL \
        SELECT 'm', NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
               m.id, NULL, NULL, NULL, NULL, NULL, NULL \
          FROM session s JOIN member m ON m.account_id = s.account_id \
         WHERE s.token_hash = $1 AND m.ended_on IS NULL \
        UNION ALL \
        SELECT 'd', l.county_code, l.position, NULL, NULL, NULL, NULL, NULL, \
               l.department_id, NULL, NULL, NULL, NULL, NULL, NULL \
          FROM session s JOIN liaison l ON l.account_id = s.account_id \
         WHERE s.token_hash = $1 \
        UNION ALL \
        SELECT 'e', e.target_kind, NULL, NULL, e.expires_at, NULL, NULL, NULL, \
               e.id, e.target_id, e.household_id, NULL, NULL, NULL, e.requested_at \
          FROM session s JOIN emergency_access e ON e.account_id = s.account_id \
         WHERE s.token_hash = $1 AND e.status = 'granted' AND e.expires_at > $2";
    let rows: Vec<PowerRow> = match db.quick() {
        Some(q) => q.run(|c| {
            use crate::quick::*;
            rows(c, SQL, &[text(token_hash), time(now)], |r| {
                Ok(PowerRow {
                    k: get_text(r, 0)?,
                    a: opt_text(r, 1)?,
                    b: opt_text(r, 2)?,
                    c: opt_text(r, 3)?,
                    t1: opt_time(r, 4)?,
                    t2: opt_time(r, 5)?,
                    t3: opt_time(r, 6)?,
                    t4: opt_time(r, 7)?,
                    i1: opt_uuid(r, 8)?,
                    i2: opt_uuid(r, 9)?,
                    i3: opt_uuid(r, 10)?,
                    f1: opt_bool(r, 11)?,
                    f2: opt_bool(r, 12)?,
                    f3: opt_bool(r, 13)?,
                    o: opt_time(r, 14)?,
                })
            })
        })?,
        None => db_run!(db, p => sqlx::query_as::<_, PowerRow>(SQL)
            .bind(token_hash).bind(now).fetch_all(p).await)?,
    };
    // In the order of each kind's own read: ordered here, not by the statement, where SQLite
    // sorted each of the five parts in a temporary tree of its own.
    let mut rows = rows;
    rows.sort_by(|x, y| (&x.k, x.o, &x.a, x.i1).cmp(&(&y.k, y.o, &y.a, y.i1)));
    let mut found: Option<SessionPowers> = None;
    let (mut grants, mut members, mut departments, mut emergency) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let broken = || StorageError::Sql(sqlx::Error::ColumnNotFound("session_powers".into()));
    for r in rows {
        match r.k.as_str() {
            "s" => {
                found = Some(SessionPowers {
                    session: SessionRow {
                        token_hash: token_hash.to_string(),
                        account_id: r.i1.ok_or_else(broken)?,
                        csrf: r.a.ok_or_else(broken)?,
                        second_factor_ok: r.f1.ok_or_else(broken)?,
                        created_at: r.t1.ok_or_else(broken)?,
                        last_seen_at: r.t2.ok_or_else(broken)?,
                        expires_at: r.t3.ok_or_else(broken)?,
                    },
                    username: r.b.ok_or_else(broken)?,
                    display_name: r.c.ok_or_else(broken)?,
                    disabled: r.f2.ok_or_else(broken)?,
                    locked_until: r.t4,
                    must_change_password: r.f3.ok_or_else(broken)?,
                    grants: Vec::new(),
                    members: Vec::new(),
                    departments: Vec::new(),
                    emergency: Vec::new(),
                })
            }
            "g" => grants.push(HeldGrant {
                role: r.a.ok_or_else(broken)?,
                scope_path: r.b.ok_or_else(broken)?,
                expires_at: r.t1,
            }),
            "m" => members.push(r.i1.ok_or_else(broken)?),
            "d" => departments.push(crate::linkage::DepartmentPost {
                county_code: r.a.ok_or_else(broken)?,
                position: r.b.ok_or_else(broken)?,
                department_id: r.i1.ok_or_else(broken)?,
            }),
            "e" => emergency.push(HeldEmergency {
                id: r.i1.ok_or_else(broken)?,
                target_kind: r.a.ok_or_else(broken)?,
                target_id: r.i2.ok_or_else(broken)?,
                household_id: r.i3,
                expires_at: r.t1.ok_or_else(broken)?,
            }),
            _ => return Err(broken()),
        }
    }
    Ok(found.map(|mut s| {
        s.grants = grants;
        s.members = members;
        s.departments = departments;
        s.emergency = emergency;
        s
    }))
}
