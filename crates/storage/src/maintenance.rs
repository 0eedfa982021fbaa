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

/// Turns the closed SQLite file at `path` into one self-contained file: what a write-ahead log
/// beside it holds is written into it, its journal mode set back to a rollback journal, and the
/// `-wal` and `-shm` files gone. A backup's copy and a restored file are made so before they are
/// handed over (the server sets write-ahead logging again when it opens the file).
pub async fn into_single_file(path: &str) -> Result<(), StorageError> {
    use sqlx::ConnectOptions;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Delete);
    let conn = opts.connect().await?;
    sqlx::Connection::close(conn).await?;
    Ok(())
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

/// Resident groups whose households tally differs from a fresh count of their households.
pub async fn tally_drift(db: &Db) -> Result<i64, StorageError> {
    let (n,): (i64,) = crate::db_run!(db, p => sqlx::query_as(
        "SELECT count(*) FROM group_tally t FULL OUTER JOIN \
         (SELECT county_code, path, count(*) AS n FROM household GROUP BY county_code, path) h \
         ON h.county_code = t.county_code AND h.path = t.path \
         WHERE coalesce(t.households, 0) <> coalesce(h.n, 0)")
        .fetch_one(p).await)?;
    Ok(n)
}

/// On PostgreSQL, locks the tables the tallies count (households, visits, disputes, places,
/// members) against
/// writes until the caller's transaction ends, waiting for the writes under way; SQLite has one
/// writer at a time already.
pub async fn lock_for_tallies(tx: &mut crate::DbConn<'_>) -> Result<(), StorageError> {
    if let crate::DbConn::Postgres(c) = tx {
        sqlx::query("LOCK TABLE household, visit, dispute, place, member IN SHARE MODE")
            .execute(&mut **c)
            .await?;
    }
    Ok(())
}

/// Writes the households-per-group tallies afresh from the households, in the caller's
/// transaction.
pub async fn rebuild_group_tallies(tx: &mut crate::DbConn<'_>) -> Result<(), StorageError> {
    crate::conn_run!(tx, c => async {
        sqlx::query("DELETE FROM group_tally").execute(&mut *c).await?;
        sqlx::query("INSERT INTO group_tally (county_code, path, households) \
                     SELECT county_code, path, count(*) FROM household GROUP BY county_code, path")
            .execute(&mut *c).await?;
        Ok::<_, sqlx::Error>(())
    }.await)?;
    Ok(())
}

/// Households answered for by more than one representative at a time (the network's rule).
pub async fn doubly_assigned(db: &Db) -> Result<i64, StorageError> {
    let (n,): (i64,) = crate::db_run!(db, p => sqlx::query_as(
        "SELECT count(*) FROM (SELECT county_code, household_id FROM assignment \
         WHERE household_id IS NOT NULL AND ended_on IS NULL GROUP BY county_code, household_id HAVING count(*) > 1) x")
        .fetch_one(p).await)?;
    Ok(n)
}

/// The first line of a PostgreSQL dump written by [`pg_dump`].
const PG_DUMP_MAGIC: &str = "jinguo-postgres-dump 1";

/// A problem with a dump's own structure (not with the database).
fn bad_dump(what: &str) -> StorageError {
    StorageError::Sql(sqlx::Error::Protocol(format!("not a Jinguo dump: {what}")))
}

fn write_err(e: std::io::Error) -> StorageError {
    StorageError::Sql(sqlx::Error::Io(e))
}

/// The tables of the current schema, the migrations' bookkeeping left out, parents before the
/// tables whose foreign keys point at them (ties in name order), so that a dump replays in order.
async fn pg_tables_in_order(
    conn: &mut sqlx::PgConnection,
) -> Result<Vec<(String, Vec<String>)>, StorageError> {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
         AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, p.relname::text FROM pg_constraint k \
         JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid \
         WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut left: Vec<String> = names.into_iter().map(|(n,)| n).collect();
    let mut ordered = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let ready = left.iter().position(|t| {
            !edges
                .iter()
                .any(|(child, parent)| child == t && parent != t && left.contains(parent))
        });
        // A cycle between tables (none in this schema) falls back to name order.
        let i = ready.unwrap_or(0);
        ordered.push(left.remove(i));
    }
    let mut out = Vec::with_capacity(ordered.len());
    for table in ordered {
        let cols: Vec<(String,)> = sqlx::query_as(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(&table)
        .fetch_all(&mut *conn)
        .await?;
        out.push((table, cols.into_iter().map(|(c,)| c).collect()));
    }
    Ok(out)
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', ""))
}

/// SHA-256 over every table's rows on one PostgreSQL connection (tables and columns in name
/// order, each row as the text of its values, rows in byte order): equal for two databases
/// holding the same data. Call it inside a snapshot to checksum a consistent state.
async fn pg_checksum(conn: &mut sqlx::PgConnection) -> Result<String, StorageError> {
    sqlx::query("SET LOCAL TIME ZONE 'UTC'")
        .execute(&mut *conn)
        .await?;
    let mut tables = pg_tables_in_order(conn).await?;
    tables.sort();
    let mut hash = Sha256::new();
    for (table, mut columns) in tables {
        columns.sort();
        hash.update(table.as_bytes());
        hash.update(b"\n");
        // Names come from the catalog, never from a user.
        let mut q = QueryBuilder::<sqlx::Postgres>::new("SELECT concat_ws('|'");
        for c in &columns {
            q.push(", quote_nullable(").push(quoted(c)).push("::text)");
        }
        q.push(") COLLATE \"C\" AS line FROM ")
            .push(quoted(&table))
            .push(" ORDER BY line");
        let query = q.build_query_as::<(String,)>();
        let mut rows = query.fetch(&mut *conn);
        while let Some((line,)) = rows.try_next().await? {
            hash.update(line.as_bytes());
            hash.update(b"\n");
        }
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The content checksum of a PostgreSQL database as it is now (see [`content_checksum`]).
pub async fn pg_content_checksum(db: &Db) -> Result<String, StorageError> {
    let Db::Postgres(p) = db else {
        return Err(StorageError::Unsupported("a PostgreSQL checksum of SQLite"));
    };
    let mut conn = p.acquire().await?;
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *conn)
        .await?;
    let sum = pg_checksum(&mut conn).await;
    sqlx::query("ROLLBACK").execute(&mut *conn).await?;
    sum
}

/// Writes every table of a live PostgreSQL database to `out` from one snapshot (a repeatable-read,
/// read-only transaction: writers carry on), as `COPY` text between table headers, with the
/// schema's migration versions first and the content checksum of that same snapshot last.
/// Returns the checksum.
pub async fn pg_dump(db: &Db, out: &mut impl std::io::Write) -> Result<String, StorageError> {
    let Db::Postgres(p) = db else {
        return Err(StorageError::Unsupported("a PostgreSQL dump of SQLite"));
    };
    let mut conn = p.acquire().await?;
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *conn)
        .await?;
    let result = async {
        let versions: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
                .fetch_all(&mut *conn)
                .await?;
        let versions: Vec<String> = versions.iter().map(|(v,)| v.to_string()).collect();
        writeln!(out, "{PG_DUMP_MAGIC}").map_err(write_err)?;
        writeln!(out, "migrations {}", versions.join(",")).map_err(write_err)?;
        let checksum = pg_checksum(&mut conn).await?;
        for (table, columns) in pg_tables_in_order(&mut conn).await? {
            writeln!(out, "table {table} {}", columns.join(",")).map_err(write_err)?;
            let cols: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
            let copy = format!("COPY {} ({}) TO STDOUT", quoted(&table), cols.join(", "));
            let mut stream = conn.copy_out_raw(&copy).await?;
            while let Some(chunk) = stream.try_next().await? {
                out.write_all(&chunk).map_err(write_err)?;
            }
            // COPY's own end-of-data marker: a data line can never be `\.` (backslashes double).
            writeln!(out, "\\.").map_err(write_err)?;
        }
        writeln!(out, "end {checksum}").map_err(write_err)?;
        out.flush().map_err(write_err)?;
        Ok::<_, StorageError>(checksum)
    }
    .await;
    sqlx::query("ROLLBACK").execute(&mut *conn).await?;
    result
}

/// Loads a dump written by [`pg_dump`] into an empty PostgreSQL database: the schema of the
/// dump's migration version first, then every table's rows in one transaction, checked against
/// the dump's checksum; then this version's newer migrations. Returns the checksum.
pub async fn pg_restore(
    db: &Db,
    input: &mut impl std::io::BufRead,
) -> Result<String, StorageError> {
    let Db::Postgres(p) = db else {
        return Err(StorageError::Unsupported(
            "a PostgreSQL restore into SQLite",
        ));
    };
    let (existing,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_one(p)
    .await?;
    if existing > 0 {
        return Err(StorageError::Unsupported(
            "a restore into a database that has tables already (restore into an empty one)",
        ));
    }
    let mut line = Vec::new();
    let next_line = |input: &mut dyn std::io::BufRead, line: &mut Vec<u8>| {
        line.clear();
        input.read_until(b'\n', line).map_err(write_err)
    };
    next_line(input, &mut line)?;
    if line.strip_suffix(b"\n") != Some(PG_DUMP_MAGIC.as_bytes()) {
        return Err(bad_dump("unknown first line"));
    }
    next_line(input, &mut line)?;
    let text = String::from_utf8_lossy(&line).trim_end().to_string();
    let versions: Vec<i64> = text
        .strip_prefix("migrations ")
        .ok_or_else(|| bad_dump("no migrations line"))?
        .split(',')
        .map(|v| v.parse().map_err(|_| bad_dump("a bad migration version")))
        .collect::<Result<_, _>>()?;
    let known = Db::migration_versions(crate::Backend::Postgres);
    if versions.iter().any(|v| !known.contains(v)) {
        return Err(bad_dump(
            "made by a newer version of Jinguo (its schema is unknown here)",
        ));
    }
    let last = versions
        .last()
        .copied()
        .ok_or_else(|| bad_dump("no migrations"))?;
    db.migrate_to(last).await?;

    let mut tx = p.begin().await?;
    // Rows the migrations inserted themselves come back from the dump.
    let tables = pg_tables_in_order(&mut tx).await?;
    for (table, _) in tables.iter().rev() {
        let mut q = QueryBuilder::<sqlx::Postgres>::new("SELECT EXISTS (SELECT 1 FROM ");
        q.push(quoted(table)).push(")");
        let (any,): (bool,) = q.build_query_as().fetch_one(&mut *tx).await?;
        if any {
            let mut q = QueryBuilder::<sqlx::Postgres>::new("DELETE FROM ");
            q.push(quoted(table));
            q.build().execute(&mut *tx).await?;
        }
    }
    let checksum = loop {
        next_line(input, &mut line)?;
        let header = String::from_utf8_lossy(&line).trim_end().to_string();
        if let Some(sum) = header.strip_prefix("end ") {
            break sum.to_string();
        }
        let Some((table, columns)) = header
            .strip_prefix("table ")
            .and_then(|h| h.split_once(' '))
        else {
            return Err(bad_dump("cut short"));
        };
        let Some((_, expected)) = tables.iter().find(|(t, _)| t == table) else {
            return Err(bad_dump("a table this schema does not have"));
        };
        let columns: Vec<&str> = columns.split(',').collect();
        if columns.iter().any(|c| !expected.iter().any(|e| e == c)) {
            return Err(bad_dump("a column this schema does not have"));
        }
        let cols: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
        let copy = format!("COPY {} ({}) FROM STDIN", quoted(table), cols.join(", "));
        let mut sink = tx.copy_in_raw(&copy).await?;
        let mut batch = Vec::with_capacity(1 << 20);
        loop {
            next_line(input, &mut line)?;
            if line.is_empty() {
                sink.abort("the dump is cut short").await?;
                return Err(bad_dump("cut short"));
            }
            if line == b"\\.\n" {
                break;
            }
            batch.extend_from_slice(&line);
            if batch.len() >= 1 << 20 {
                sink.send(std::mem::take(&mut batch)).await?;
            }
        }
        if !batch.is_empty() {
            sink.send(batch).await?;
        }
        sink.finish().await?;
    };
    let restored = pg_checksum(&mut tx).await?;
    if restored != checksum {
        return Err(bad_dump("its content differs from its checksum"));
    }
    tx.commit().await?;
    db.migrate().await?;
    Ok(checksum)
}

/// Rewrites the tables whose values were sealed in place so that the values they held in clear
/// leave the files too: SQLite keeps an overwritten value in free pages and in the WAL, and
/// PostgreSQL in dead row versions. SQLite is rebuilt (`VACUUM`) and its WAL emptied; on
/// PostgreSQL the tables are rewritten (`VACUUM FULL`, which locks them meanwhile). For a
/// one-time step before serving.
pub async fn purge_overwritten(db: &Db, tables: &[&str]) -> Result<(), StorageError> {
    match db {
        Db::Sqlite(s) => {
            sqlx::query("VACUUM").execute(&s.write).await?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&s.write)
                .await?;
        }
        Db::Postgres(p) => {
            for t in tables {
                sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM FULL {t}")))
                    .execute(p)
                    .await?;
            }
        }
    }
    Ok(())
}
