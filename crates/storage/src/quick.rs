//! Reads on SQLite without a hand-off between threads.
//!
//! sqlx's SQLite driver runs each connection on a thread of its own: every statement is sent
//! there and its rows sent back, two wake-ups of two threads (about 70–80 µs of CPU each on a
//! 2-core machine, more than the statement itself when it reads a row or a few by key). The
//! reads of a request that takes a handful of rows by key (the caller behind a session, a
//! household with its persons, a place's lineage) run here instead: on a small pool of
//! read-only connections of the same database file, driven by `rusqlite` on the thread that
//! asks, one after the other on one connection, with the same SQL texts as the PostgreSQL path.
//! They see the WAL snapshot of their statement, as the sqlx readers do. Only reads that touch a
//! few rows by an index come here: a long scan would hold a runtime worker.

use crate::StorageError;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OpenFlags, Row};
use std::sync::Mutex;
use uuid::Uuid;

/// Connections kept for reuse; more may be open for a moment when more threads read at once.
const KEPT: usize = 8;

/// Read-only connections of one SQLite file.
pub struct Readers {
    path: std::path::PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers").field("path", &self.path).finish()
    }
}

impl Readers {
    /// Readers of the file at `path` (opened when first needed).
    pub fn new(path: &std::path::Path) -> Readers {
        Readers {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> Result<Connection, StorageError> {
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(read_error)?;
        c.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(read_error)?;
        c.execute_batch("PRAGMA cache_size = -8000; PRAGMA temp_store = memory;")
            .map_err(read_error)?;
        c.set_prepared_statement_cache_capacity(64);
        Ok(c)
    }

    /// Runs `unit` on one connection: every statement of it on this thread, one after the other.
    pub fn run<T>(
        &self,
        unit: impl FnOnce(&Connection) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let taken = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match taken {
            Some(c) => c,
            None => self.open()?,
        };
        let out = unit(&conn);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEPT
        {
            idle.push(conn);
        }
        out
    }
}

/// Turns off SQLite's count of the memory it allocates, once, before its first connection. The
/// count takes one mutex of the whole process around every allocation SQLite makes, so the
/// threads that read at once (the runtime's workers on the quick readers, the sqlx connections'
/// threads) queue on it and sleep; nothing here reads the count. A library already in use keeps
/// its setting (SQLite refuses the change and nothing else is affected).
pub(crate) fn configure_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `sqlite3_config` with SQLITE_CONFIG_MEMSTATUS takes one int; SQLite accepts it
        // only before it is initialized and returns SQLITE_MISUSE otherwise, changing nothing.
        // `Once` keeps two threads from calling it together.
        unsafe {
            rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0);
        }
    });
}

/// A rusqlite error as a storage error (reads only: nothing to classify).
pub(crate) fn read_error(e: rusqlite::Error) -> StorageError {
    StorageError::Sql(sqlx::Error::Protocol(format!("sqlite read: {e}")))
}

/// The names of the first parameters, as the SQL texts write them.
const NAMES: [&str; 16] = [
    "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15",
    "$16",
];

/// The rows of `sql` with `args` bound to `$1`, `$2`, … (by name, as sqlx binds them), each
/// mapped by `map`.
pub(crate) fn rows<T>(
    c: &Connection,
    sql: &str,
    args: &[Value],
    mut map: impl FnMut(&Row<'_>) -> Result<T, StorageError>,
) -> Result<Vec<T>, StorageError> {
    // As sqlx logs its statements (`JINGUO_LOG=jinguo_storage::quick=debug`): the text and the
    // time, never the values bound.
    let started = tracing::enabled!(tracing::Level::DEBUG).then(std::time::Instant::now);
    let mut stmt = c.prepare_cached(sql).map_err(read_error)?;
    for (i, a) in args.iter().enumerate() {
        let name = match NAMES.get(i) {
            Some(n) => std::borrow::Cow::Borrowed(*n),
            None => std::borrow::Cow::Owned(format!("${}", i + 1)),
        };
        if let Some(at) = stmt.parameter_index(&name).map_err(read_error)? {
            stmt.raw_bind_parameter(at, a).map_err(read_error)?;
        }
    }
    let mut out = Vec::new();
    let mut rows = stmt.raw_query();
    while let Some(r) = rows.next().map_err(read_error)? {
        out.push(map(r)?);
    }
    if let Some(t) = started {
        tracing::debug!(
            rows = out.len(),
            elapsed_us = t.elapsed().as_micros(),
            sql = %sql.chars().take(120).collect::<String>(),
            "quick read"
        );
    }
    Ok(out)
}

/// A uuid as sqlx binds it on SQLite (16 bytes).
pub(crate) fn uuid(u: Uuid) -> Value {
    Value::Blob(u.as_bytes().to_vec())
}

/// A time as sqlx binds it on SQLite (RFC 3339 text).
pub(crate) fn time(t: DateTime<Utc>) -> Value {
    Value::Text(t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
}

pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn bad(what: &str, i: usize) -> StorageError {
    StorageError::Sql(sqlx::Error::ColumnDecode {
        index: i.to_string(),
        source: format!("not a {what}").into(),
    })
}

pub(crate) fn get_text(r: &Row<'_>, i: usize) -> Result<String, StorageError> {
    opt_text(r, i)?.ok_or_else(|| bad("text", i))
}

pub(crate) fn opt_text(r: &Row<'_>, i: usize) -> Result<Option<String>, StorageError> {
    match r.get_ref(i).map_err(read_error)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) => Ok(Some(
            std::str::from_utf8(t)
                .map_err(|_| bad("text", i))?
                .to_string(),
        )),
        _ => Err(bad("text", i)),
    }
}

pub(crate) fn get_int(r: &Row<'_>, i: usize) -> Result<i64, StorageError> {
    opt_int(r, i)?.ok_or_else(|| bad("number", i))
}

pub(crate) fn opt_int(r: &Row<'_>, i: usize) -> Result<Option<i64>, StorageError> {
    match r.get_ref(i).map_err(read_error)? {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(n) => Ok(Some(n)),
        _ => Err(bad("number", i)),
    }
}

pub(crate) fn get_bool(r: &Row<'_>, i: usize) -> Result<bool, StorageError> {
    opt_bool(r, i)?.ok_or_else(|| bad("boolean", i))
}

pub(crate) fn opt_bool(r: &Row<'_>, i: usize) -> Result<Option<bool>, StorageError> {
    Ok(opt_int(r, i)?.map(|n| n != 0))
}

pub(crate) fn get_uuid(r: &Row<'_>, i: usize) -> Result<Uuid, StorageError> {
    opt_uuid(r, i)?.ok_or_else(|| bad("uuid", i))
}

pub(crate) fn opt_uuid(r: &Row<'_>, i: usize) -> Result<Option<Uuid>, StorageError> {
    match r.get_ref(i).map_err(read_error)? {
        ValueRef::Null => Ok(None),
        ValueRef::Blob(b) => Uuid::from_slice(b).map(Some).map_err(|_| bad("uuid", i)),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .ok()
            .and_then(|s| Uuid::parse_str(s).ok())
            .map(Some)
            .ok_or_else(|| bad("uuid", i)),
        _ => Err(bad("uuid", i)),
    }
}

pub(crate) fn get_time(r: &Row<'_>, i: usize) -> Result<DateTime<Utc>, StorageError> {
    opt_time(r, i)?.ok_or_else(|| bad("time", i))
}

/// A time as sqlx reads it on SQLite: RFC 3339, or one of SQLite's own text forms in UTC.
pub(crate) fn opt_time(r: &Row<'_>, i: usize) -> Result<Option<DateTime<Utc>>, StorageError> {
    let Some(s) = opt_text(r, i)? else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(&s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    for format in ["%F %T%.f%:z", "%FT%T%.f%:z", "%F %T%.fZ", "%FT%T%.fZ"] {
        if let Ok(t) = DateTime::parse_from_str(&s, format) {
            return Ok(Some(t.with_timezone(&Utc)));
        }
    }
    for format in ["%F %T%.f", "%FT%T%.f", "%F %R", "%FT%R"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(&s, format) {
            return Ok(Some(t.and_utc()));
        }
    }
    Err(bad("time", i))
}

/// A date as sqlx reads it on SQLite (`YYYY-MM-DD`).
pub(crate) fn get_date(r: &Row<'_>, i: usize) -> Result<chrono::NaiveDate, StorageError> {
    chrono::NaiveDate::parse_from_str(&get_text(r, i)?, "%F").map_err(|_| bad("date", i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_bound_by_their_number() {
        let c = Connection::open_in_memory().unwrap();
        let got = rows(&c, "SELECT $2 || $1 || $2", &[text("a"), text("b")], |r| {
            get_text(r, 0)
        })
        .unwrap();
        assert_eq!(got, vec!["bab".to_string()]);
    }

    #[test]
    fn uuids_and_times_read_as_sqlx_writes_them() {
        let c = Connection::open_in_memory().unwrap();
        let id = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001);
        let at = DateTime::parse_from_rfc3339("2026-12-07T11:03:40.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let sql = "SELECT $1, $2, '2026-12-07 11:03:40', NULL, '2026-12-07'";
        let got = rows(&c, sql, &[uuid(id), time(at)], |r| {
            Ok((
                get_uuid(r, 0)?,
                get_time(r, 1)?,
                get_time(r, 2)?,
                opt_time(r, 3)?,
                get_date(r, 4)?,
            ))
        })
        .unwrap();
        let (u, t, plain, none, day) = got[0];
        assert_eq!(u, id);
        assert_eq!(t, at);
        assert_eq!(plain.to_rfc3339(), "2026-12-07T11:03:40+00:00");
        assert_eq!(none, None);
        assert_eq!(day.to_string(), "2026-12-07");
        assert!(rows(&c, "SELECT 'not a time'", &[], |r| get_time(r, 0)).is_err());
    }
}
