use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url (use sqlite://… or postgres://…)")]
    UnsupportedUrl,
    #[error("a unique value is already taken: {0}")]
    Conflict(String),
    #[error("not available on this database: {0}")]
    Unsupported(&'static str),
    /// An audit entry could not be linked to the chain (its key is missing).
    #[error("audit chain: {0}")]
    Chain(String),
}

impl StorageError {
    /// The database refuses writes for now — read-only, out of space, or a node of a distributed
    /// database down — as opposed to a fault in the request: SQLite's `SQLITE_READONLY` (8) and
    /// `SQLITE_FULL` (13), PostgreSQL's `read_only_sql_transaction` (25006), class 53
    /// (insufficient resources, disk full) and class 08 (connection exception: a Citus
    /// coordinator that cannot reach the worker holding the county's rows).
    pub fn is_unwritable(&self) -> bool {
        let StorageError::Sql(sqlx::Error::Database(db)) = self else {
            return false;
        };
        let Some(code) = db.code() else {
            return false;
        };
        match code.parse::<i64>() {
            // SQLite: the primary result code is the low byte of an extended one.
            Ok(n) if code.len() < 5 => matches!(n & 0xff, 8 | 13),
            _ => code == "25006" || code.starts_with("53") || code.starts_with("08"),
        }
    }

    /// Maps unique-constraint violations to [`StorageError::Conflict`] with the constraint name.
    pub fn classify(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            let what = db
                .constraint()
                .map(str::to_string)
                .unwrap_or_else(|| db.message().to_string());
            return StorageError::Conflict(what);
        }
        StorageError::Sql(e)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite keeps one writer connection (all writes are serialised through it, so they never
/// meet `SQLITE_BUSY`) and a pool of readers working on WAL snapshots; the reads of a few rows
/// by key also have [`quick`](crate::quick) readers, which run on the asking thread (`None` for
/// a database in memory, which other connections cannot open).
#[derive(Debug, Clone)]
pub struct SqliteDb {
    pub read: SqlitePool,
    pub write: SqlitePool,
    pub quick: Option<std::sync::Arc<crate::quick::Readers>>,
}

#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Runs `$body` with `$pool` bound to the backend's reading pool.
#[macro_export]
macro_rules! db_run {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite(s) => {
                let $pool = &s.read;
                $body
            }
            $crate::Db::Postgres(p) => {
                let $pool = p;
                $body
            }
        }
    };
}

/// A connection inside a write transaction, on either backend.
pub enum DbConn<'a> {
    Sqlite(&'a mut sqlx::SqliteConnection),
    Postgres(&'a mut sqlx::PgConnection),
}

/// Runs `$body` with `$c` bound to the transaction's connection of its backend.
#[macro_export]
macro_rules! conn_run {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::DbConn::Sqlite(conn) => {
                let $c: &mut sqlx::SqliteConnection = &mut **conn;
                $body
            }
            $crate::DbConn::Postgres(conn) => {
                let $c: &mut sqlx::PgConnection = &mut **conn;
                $body
            }
        }
    };
}

/// Whether an error is PostgreSQL's answer to a conflict between concurrent transactions that
/// running the transaction again resolves: `serialization_failure` (40001, under serializable
/// isolation, the default of some distributed engines) or `deadlock_detected` (40P01).
pub trait Retry {
    fn is_transient_conflict(&self) -> bool;
}

impl Retry for sqlx::Error {
    fn is_transient_conflict(&self) -> bool {
        matches!(self, sqlx::Error::Database(db)
            if matches!(db.code().as_deref(), Some("40001") | Some("40P01")))
    }
}

impl Retry for StorageError {
    fn is_transient_conflict(&self) -> bool {
        matches!(self, StorageError::Sql(e) if e.is_transient_conflict())
    }
}

/// Times a PostgreSQL transaction is run in all when it keeps meeting transient conflicts.
pub const TX_ATTEMPTS: u32 = 12;

/// How long to wait before attempt `attempt` (2, 3, …): growing with the attempt, and spread
/// (by the clock's nanoseconds) so that transactions that met do not meet again.
pub fn retry_pause(attempt: u32) -> std::time::Duration {
    let spread = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos() % 16))
        .unwrap_or(0);
    std::time::Duration::from_millis(u64::from(attempt.min(8)) * (4 + spread))
}

/// Moves on with every committed write transaction of this process that may change what a cache
/// holds; see [`data_epoch`].
static DATA_EPOCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The number of write transactions this process has committed that may have changed data. A
/// value read from the database while the epoch was `e` is still true while it is `e`, as far
/// as this process's writes go: a cache keeps the epoch it read at and drops the value once the
/// epoch has moved on. (Writes by other processes are not seen here; a cache bounds its age too.)
pub fn data_epoch() -> u64 {
    DATA_EPOCH.load(std::sync::atomic::Ordering::Acquire)
}

/// Called by [`db_tx!`](crate::db_tx) after each commit; `changes` is false for a quiet one.
#[doc(hidden)]
pub fn committed(changes: bool) {
    if changes {
        DATA_EPOCH.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// Transactions run again after a transient conflict, since the process started.
pub static TX_RETRIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Runs `$body` inside one write transaction, with `$tx: &mut DbConn`; commits when it returns
/// `Ok`, rolls back otherwise (also when the future is dropped half-way). The body runs in an
/// async block of its own: a `?` or `return` in it ends the transaction's body, not the calling
/// function, so the caller sees every error of the body in the macro's result. On PostgreSQL a
/// body or commit that fails with a transient conflict ([`Retry`]) is rolled back and run again,
/// up to [`TX_ATTEMPTS`] times in all, after a short pause ([`retry_pause`]). So the body must
/// have no effect outside the transaction: whatever it consumes or fills (an iterator over a
/// file, a map of what it created) is made inside it, so that a second run starts afresh.
///
/// Every commit moves the [`data_epoch`] on, so that what was read before it is no longer taken
/// from a cache. `db_tx!(quiet db, tx => …)` is for a transaction that changes nothing a cache
/// holds: one that only appends to the audit log (a read being recorded) or notes when a session
/// was last used.
#[macro_export]
macro_rules! db_tx {
    (quiet $db:expr, $tx:ident => $body:expr) => {
        $crate::db_tx!(@run false, $db, $tx => $body)
    };
    ($db:expr, $tx:ident => $body:expr) => {
        $crate::db_tx!(@run true, $db, $tx => $body)
    };
    (@run $changes:expr, $db:expr, $tx:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite(s) => {
                let mut t = s.write.begin().await.map_err($crate::StorageError::Sql)?;
                let r = {
                    let mut conn = $crate::DbConn::Sqlite(&mut *t);
                    let $tx = &mut conn;
                    async { $body }.await
                };
                if r.is_ok() {
                    let done = t.commit().await;
                    $crate::db::committed($changes);
                    done.map_err($crate::StorageError::Sql)?;
                }
                r
            }
            $crate::Db::Postgres(p) => {
                let mut attempt = 1u32;
                loop {
                    let mut t = p.begin().await.map_err($crate::StorageError::Sql)?;
                    let r = {
                        let mut conn = $crate::DbConn::Postgres(&mut *t);
                        let $tx = &mut conn;
                        async { $body }.await
                    };
                    let again = match &r {
                        Ok(_) => match {
                            // Also after a failed commit: whether it took is not known for sure.
                            let c = t.commit().await;
                            $crate::db::committed($changes);
                            c
                        } {
                            Ok(()) => false,
                            Err(e)
                                if attempt < $crate::db::TX_ATTEMPTS
                                    && $crate::db::Retry::is_transient_conflict(&e) =>
                            {
                                true
                            }
                            Err(e) => return Err($crate::StorageError::Sql(e).into()),
                        },
                        Err(e) => {
                            attempt < $crate::db::TX_ATTEMPTS
                                && $crate::db::Retry::is_transient_conflict(e)
                        }
                    };
                    if !again {
                        break r;
                    }
                    attempt += 1;
                    $crate::db::TX_RETRIES.fetch_add(1, ::std::sync::atomic::Ordering::Relaxed);
                    ::tokio::time::sleep($crate::db::retry_pause(attempt)).await;
                }
            }
        }
    };
}

impl Db {
    /// Opens `sqlite://path` (created when missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db, StorageError> {
        if url.starts_with("sqlite:") {
            crate::quick::configure_library();
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-8000")
                .pragma("temp_store", "memory");
            // A file on this machine: a ping before each use would only add a round trip to
            // the connection's thread.
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect_with(opts.clone())
                .await?;
            let file = opts.get_filename();
            let quick = (!file.as_os_str().is_empty() && file != std::path::Path::new(":memory:"))
                .then(|| std::sync::Arc::new(crate::quick::Readers::new(file)));
            let read = SqlitePoolOptions::new()
                .max_connections(4)
                .test_before_acquire(false)
                .connect_with(opts.read_only(true))
                .await?;
            Ok(Db::Sqlite(SqliteDb { read, write, quick }))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .after_connect(|conn, _| Box::pin(async move { citus_session(conn).await }))
                .connect_with(opts)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(StorageError::UnsupportedUrl)
        }
    }

    /// The [`quick`](crate::quick) readers, on SQLite (a file) only: the reads of a few rows by
    /// key run there, on the asking thread; PostgreSQL keeps sqlx.
    pub fn quick(&self) -> Option<&crate::quick::Readers> {
        match self {
            Db::Sqlite(s) => s.quick.as_deref(),
            Db::Postgres(_) => None,
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies every pending migration of this backend.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        match self {
            Db::Sqlite(s) => SQLITE_MIGRATIONS.run(&s.write).await?,
            Db::Postgres(p) => {
                POSTGRES_MIGRATIONS.run(p).await?;
                distribute(p).await?;
            }
        }
        Ok(())
    }

    /// Applies the migrations up to and including `version` only (a restore first rebuilds the
    /// schema its backup was taken from).
    pub async fn migrate_to(&self, version: i64) -> Result<(), StorageError> {
        match self {
            Db::Sqlite(s) => SQLITE_MIGRATIONS.run_to(version, &s.write).await?,
            Db::Postgres(p) => {
                POSTGRES_MIGRATIONS.run_to(version, p).await?;
                distribute(p).await?;
            }
        }
        Ok(())
    }

    /// Versions of the migrations this build carries, for `jinguo migrate` and the schema test.
    pub fn migration_versions(backend: Backend) -> Vec<i64> {
        let m = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        m.iter().map(|m| m.version).collect()
    }

    /// The columns of every table of the schema, as `(table, column)`, sorted; used to check that
    /// the two backends' schemas stay in step.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, StorageError> {
        let mut cols: Vec<(String, String)> = match self {
            Db::Sqlite(s) => {
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
                )
                .fetch_all(&s.read)
                .await?
            }
            Db::Postgres(p) => {
                sqlx::query_as(
                    "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c \
                     JOIN information_schema.tables t \
                       ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                     WHERE c.table_schema = current_schema() AND c.table_name NOT LIKE '_sqlx%' \
                       AND t.table_type = 'BASE TABLE'",
                )
                .fetch_all(p)
                .await?
            }
        };
        cols.sort();
        Ok(cols)
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StorageError> {
        db_run!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(s) => {
                s.read.close().await;
                s.write.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// On a Citus coordinator, a new connection runs the statements of a transaction that reach
/// several shards one after the other over one connection per worker
/// (`citus.multi_shard_modify_mode = sequential`): a transaction that writes many counties' rows
/// (an import, the demo, a tally rebuilt) may then read a reference table (the places) in the
/// same transaction, which Citus refuses after a parallel write to a table with a foreign key to
/// it. A county's transaction reaches one shard, and is not slowed. Nothing on a plain
/// PostgreSQL.
async fn citus_session(conn: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "SELECT set_config('citus.multi_shard_modify_mode', 'sequential', false) \
         FROM pg_extension WHERE extname = 'citus'",
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// Tables that carry `county_code` and are still shared by every county: the places (the
/// counties' rows and those above them are read by every county).
pub const REFERENCE_TABLES_WITH_COUNTY: &[&str] = &["place"];

/// Whether the database is a Citus coordinator (the `citus` extension is installed).
pub async fn is_citus(p: &PgPool) -> Result<bool, StorageError> {
    let (citus,): (bool,) =
        sqlx::query_as("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
            .fetch_one(p)
            .await?;
    Ok(citus)
}

/// How a table is placed on a Citus cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Sharded by `county_code`, all such tables colocated: a county's rows of every table are on
    /// one node, so a county's transaction and its joins stay there.
    ByCounty,
    /// A copy on every node (places, accounts, configuration): joined to from any county.
    Reference,
}

/// On a Citus coordinator, places every table of the schema not yet placed: the tables with
/// `county_code` are distributed by it (colocated), every other table (and the places) becomes
/// a reference table. A table is placed after those its foreign keys point to. Runs after every
/// migration run, so that a table a later migration creates is placed too; on a plain PostgreSQL
/// it does nothing.
pub async fn distribute(p: &PgPool) -> Result<(), StorageError> {
    if !is_citus(p).await? {
        return Ok(());
    }
    let mut pending: Vec<(String, bool, Vec<String>)> = sqlx::query_as(
        "SELECT c.relname::text, \
                EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid \
                        AND a.attname = 'county_code' AND NOT a.attisdropped), \
                ARRAY(SELECT DISTINCT r.relname::text FROM pg_constraint f \
                      JOIN pg_class r ON r.oid = f.confrelid \
                      WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid <> c.oid) \
         FROM pg_class c \
         WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace \
           AND c.relname NOT LIKE '\\_sqlx%' \
           AND NOT EXISTS (SELECT 1 FROM pg_dist_partition d WHERE d.logicalrelid = c.oid) \
         ORDER BY 1",
    )
    .fetch_all(p)
    .await?;
    // Triggers (the audit log's refusal of changes) run on each shard.
    let mut conn = p.acquire().await?;
    sqlx::query("SET citus.enable_unsafe_triggers TO on")
        .execute(&mut *conn)
        .await?;
    while !pending.is_empty() {
        let waiting: Vec<String> = pending.iter().map(|t| t.0.clone()).collect();
        let Some(i) = pending
            .iter()
            .position(|(name, _, refs)| refs.iter().all(|r| r == name || !waiting.contains(r)))
        else {
            return Err(StorageError::Unsupported(
                "tables whose foreign keys form a cycle cannot be distributed",
            ));
        };
        let (name, county, _) = pending.remove(i);
        let placement = if county && !REFERENCE_TABLES_WITH_COUNTY.contains(&name.as_str()) {
            Placement::ByCounty
        } else {
            Placement::Reference
        };
        let sql = match placement {
            Placement::ByCounty => "SELECT create_distributed_table($1, 'county_code')::text",
            Placement::Reference => "SELECT create_reference_table($1)::text",
        };
        sqlx::query(sql).bind(&name).execute(&mut *conn).await?;
    }
    sqlx::query("RESET citus.enable_unsafe_triggers")
        .execute(&mut *conn)
        .await?;
    coordinator_in_metadata(&mut conn).await
}

/// Puts the coordinator itself in the cluster's metadata (holding no shard of a county's tables)
/// and copies the reference tables to it: a read of the places, accounts or configuration is
/// then answered by the coordinator's own copy, not by a round trip to a worker (about 0.25 ms
/// against 0.6 ms on loopback), and a county's request reads several of them. The coordinator
/// is named by the address and port this connection reached it on, which is how its workers'
/// peers reach it too; over a Unix socket (no address) nothing is done. Nothing either when the
/// coordinator is already a node (a single-node cluster adds itself).
async fn coordinator_in_metadata(conn: &mut sqlx::PgConnection) -> Result<(), StorageError> {
    let (present, host, port): (bool, Option<String>, Option<i32>) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM pg_dist_node WHERE groupid = 0), \
                host(inet_server_addr()), inet_server_port()",
    )
    .fetch_one(&mut *conn)
    .await?;
    let (false, Some(host), Some(port)) = (present, host, port) else {
        return Ok(());
    };
    sqlx::query("SELECT citus_set_coordinator_host($1, $2)")
        .bind(&host)
        .bind(port)
        .execute(&mut *conn)
        .await?;
    sqlx::query("SELECT replicate_reference_tables('block_writes')")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The placement of every table of a Citus coordinator's schema, sorted by table (empty on a
/// plain PostgreSQL).
pub async fn placements(p: &PgPool) -> Result<Vec<(String, Placement)>, StorageError> {
    if !is_citus(p).await? {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, d.partmethod::text FROM pg_dist_partition d \
         JOIN pg_class c ON c.oid = d.logicalrelid \
         WHERE c.relnamespace = current_schema()::regnamespace ORDER BY 1",
    )
    .fetch_all(p)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(t, m)| {
            let placement = if m == "h" {
                Placement::ByCounty
            } else {
                Placement::Reference
            };
            (t, placement)
        })
        .collect())
}
