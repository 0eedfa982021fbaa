//! Whole-database operations: a consistent copy of a live SQLite file, and a checksum of the
//! database's content that two copies must share.

use crate::{Db, StorageError};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::QueryBuilder;

/// Writes a consistent copy of a live SQLite database to `path` (`VACUUM INTO`: one read
/// transaction, so writers carry on). `path` must not exist yet.
pub async fn sqlite_copy(db: &Db, path: &str) -> Result<(), StorageError> {
    match db {
        Db::Sqlite(s) => {
            sqlx::query("VACUUM INTO $1")
                .bind(path)
                .execute(&s.read)
                .await?;
            Ok(())
        }
        Db::Postgres(_) => Err(StorageError::Unsupported("a file copy of PostgreSQL")),
    }
}

/// SHA-256 over every table's rows (tables and columns in name order, rows in the order of their
/// text), the migrations' bookkeeping left out: equal for two databases holding the same data.
/// SQLite only.
pub async fn content_checksum(db: &Db) -> Result<String, StorageError> {
    let Db::Sqlite(s) = db else {
        return Err(StorageError::Unsupported(
            "a content checksum of PostgreSQL",
        ));
    };
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE '_sqlx%' ORDER BY name",
    )
    .fetch_all(&s.read)
    .await?;
    let mut hash = Sha256::new();
    for (table,) in tables {
        let columns: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM pragma_table_info($1) ORDER BY name")
                .bind(&table)
                .fetch_all(&s.read)
                .await?;
        hash.update(table.as_bytes());
        hash.update(b"\n");
        // Names come from the catalog, never from a user.
        let mut q = QueryBuilder::<sqlx::Sqlite>::new("SELECT ");
        for (i, (c,)) in columns.iter().enumerate() {
            if i > 0 {
                q.push(" || '|' || ");
            }
            q.push("quote(\"").push(c.replace('"', "")).push("\")");
        }
        q.push(" AS line FROM \"")
            .push(table.replace('"', ""))
            .push("\" ORDER BY line");
        let query = q.build_query_as::<(String,)>();
        let mut rows = query.fetch(&s.read);
        while let Some((line,)) = rows.try_next().await? {
            hash.update(line.as_bytes());
            hash.update(b"\n");
        }
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// SQLite's own checks: `PRAGMA integrity_check` (its first line, `ok` when sound) and the
/// number of rows whose foreign keys point nowhere. PostgreSQL enforces both itself: `None`.
pub async fn sqlite_checks(db: &Db) -> Result<Option<(String, i64)>, StorageError> {
    let Db::Sqlite(s) = db else {
        return Ok(None);
    };
    let (integrity,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&s.read)
        .await?;
    let (orphans,): (i64,) = sqlx::query_as("SELECT count(*) FROM pragma_foreign_key_check")
        .fetch_one(&s.read)
        .await?;
    Ok(Some((integrity, orphans)))
}

/// Households answered for by more than one representative at a time (the network's rule).
pub async fn doubly_assigned(db: &Db) -> Result<i64, StorageError> {
    let (n,): (i64,) = crate::db_run!(db, p => sqlx::query_as(
        "SELECT count(*) FROM (SELECT county_code, household_id FROM assignment \
         WHERE household_id IS NOT NULL AND ended_on IS NULL GROUP BY county_code, household_id HAVING count(*) > 1) x")
        .fetch_one(p).await)?;
    Ok(n)
}
