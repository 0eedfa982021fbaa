//! Test fixtures: a fresh database per test (a new SQLite file, or a new PostgreSQL database on the
//! throwaway cluster), a small demo data set, and a real server on 127.0.0.1:0.

use jinguo_domain::account::Role;
use jinguo_services::access::Grant;
use jinguo_services::demo::Shape;
use jinguo_services::{Caller, Services};
use jinguo_storage::{Backend, Db};

pub struct TestDb {
    pub db: Db,
    /// The database's address, for a server or command started in another process.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgDrop>,
}

/// Drops a test's PostgreSQL database when the test lets go of it, so that a run of hundreds of
/// tests does not fill the disk with databases nobody reads again: the database's name, and the
/// servers it is on (one, or a Citus coordinator and its workers).
pub struct PgDrop(String, Vec<String>);

impl Drop for PgDrop {
    fn drop(&mut self) {
        let name = self.0.clone();
        let servers = std::mem::take(&mut self.1);
        // Its own thread and runtime: the test's runtime may be the one being torn down.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async move {
                for server in servers {
                    let Ok(admin) = Db::connect(&server).await else {
                        continue;
                    };
                    if let Db::Postgres(p) = &admin {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(p).await;
                    }
                    admin.close().await;
                }
                Some(())
            })
        });
        let _ = done.join();
    }
}

tokio::task_local! {
    /// Set while a test runs on a Citus cluster: its PostgreSQL databases are made there.
    static ON_CITUS: Citus;
}

/// Runs a test body with its PostgreSQL databases on the Citus cluster of the run (see
/// [`citus`]; the caller checked there is one).
pub async fn on_citus<F: std::future::Future>(body: F) -> F::Output {
    let c = citus().expect("a Citus cluster");
    ON_CITUS.scope(c, body).await
}

/// Runs a test body with its PostgreSQL databases on another Citus cluster: its coordinator's
/// address and its workers' ports (on the same host).
pub async fn on_citus_at<F: std::future::Future>(
    coordinator: &str,
    worker_ports: &[u16],
    body: F,
) -> F::Output {
    ON_CITUS
        .scope(Citus::new(coordinator, worker_ports.to_vec()), body)
        .await
}

/// The Citus cluster the running test makes its PostgreSQL databases on, if any.
fn citus_now() -> Option<Citus> {
    ON_CITUS.try_with(|c| c.clone()).ok()
}

/// A Citus cluster: the coordinator's address and the workers' (on the same host).
#[derive(Debug, Clone)]
pub struct Citus {
    pub coordinator: String,
    pub workers: Vec<String>,
}

impl Citus {
    fn new(coordinator: &str, worker_ports: Vec<u16>) -> Citus {
        let (base, _) = coordinator.rsplit_once('/').unwrap();
        let (host, _) = base.rsplit_once(':').unwrap();
        let workers = worker_ports
            .iter()
            .map(|p| format!("{host}:{p}/postgres"))
            .collect();
        Citus {
            coordinator: coordinator.to_string(),
            workers,
        }
    }
}

/// The Citus cluster of the test run (started by `scripts/test` when the Citus source is
/// there), or `None` (said on standard error) when this run has none.
pub fn citus() -> Option<Citus> {
    let Ok(coordinator) = std::env::var("JINGUO_TEST_CITUS_URL") else {
        eprintln!("JINGUO_TEST_CITUS_URL is not set (no Citus source): skipped on Citus");
        return None;
    };
    let worker_ports: Vec<u16> = std::env::var("JINGUO_TEST_CITUS_WORKERS")
        .unwrap_or_default()
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    Some(Citus::new(&coordinator, worker_ports))
}

/// The PostgreSQL server of the test run (started by `scripts/test`).
pub fn pg_server_url() -> String {
    std::env::var("JINGUO_TEST_DATABASE_URL")
        .expect("JINGUO_TEST_DATABASE_URL is not set: run the tests with scripts/test, which starts PostgreSQL")
}

pub async fn fresh(backend: Backend) -> TestDb {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("jinguo.sqlite3").display());
            let db = Db::connect(&url).await.unwrap();
            db.migrate().await.unwrap();
            TestDb {
                db,
                url,
                _dir: Some(dir),
                _pg: None,
            }
        }
        Backend::Postgres => {
            let (db, url, pg) = empty_postgres().await;
            db.migrate().await.unwrap();
            TestDb {
                db,
                url,
                _dir: None,
                _pg: Some(pg),
            }
        }
    }
}

/// A new, empty database (no tables) on the throwaway PostgreSQL cluster, its address, and the
/// guard that drops it. Within [`on_citus`], on the Citus cluster: the database made on the
/// coordinator and on every worker, and the workers added to the coordinator's.
pub async fn empty_postgres() -> (Db, String, PgDrop) {
    let name = format!("t_{}", uuid::Uuid::now_v7().simple());
    let (server, workers) = match citus_now() {
        Some(c) => (c.coordinator, c.workers),
        None => (pg_server_url(), Vec::new()),
    };
    let mut servers = workers.clone();
    servers.push(server.clone());
    for s in &servers {
        let admin = Db::connect(s).await.unwrap();
        if let Db::Postgres(p) = &admin {
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(p)
                .await
                .unwrap();
        }
        admin.close().await;
    }
    let (base, _) = server.rsplit_once('/').unwrap();
    let url = format!("{base}/{name}");
    let db = Db::connect(&url).await.unwrap();
    if let Db::Postgres(p) = &db {
        for w in &workers {
            let (host_port, _) = w.rsplit_once('/').unwrap();
            let (_, port) = host_port.rsplit_once(':').unwrap();
            sqlx::query("SELECT citus_add_node('127.0.0.1', $1)")
                .bind(port.parse::<i32>().unwrap())
                .execute(p)
                .await
                .unwrap();
        }
    }
    (db, url, PgDrop(name, servers))
}

/// A small data set of the demo's shape: 20 groups, 600 households.
pub const SMALL: Shape = jinguo_services::demo::SMALL;

pub fn services(db: &Db) -> Services {
    let keys = jinguo_services::Keyring::generate().unwrap();
    let mut s = Services::new(
        db.clone(),
        std::sync::Arc::new(jinguo_services::sealed::KeyStore::fixed(keys)),
    );
    // Tests run the linkage's worker rounds themselves, at times of their choosing.
    s.linkage.worker = false;
    // Tests run group robots and gateways on loopback (a test of the address guard turns this
    // off again).
    s.linkage.delivery_loopback = true;
    s
}

/// A caller holding one role over one place's subtree.
pub fn caller(role: Role, place_path: &str) -> Caller {
    Caller::new(
        uuid::Uuid::now_v7(),
        format!("test-{}", role.key()),
        "测试".into(),
        vec![Grant {
            role,
            scope_path: place_path.into(),
            expires_at: None,
        }],
    )
}

/// Staff of the whole county of Anning.
pub fn county_staff() -> Caller {
    caller(Role::Staff, "53/5301/530181/")
}

/// Staff of the whole county who also holds the right to export in clear.
pub fn county_exporter() -> Caller {
    let mut c = county_staff();
    c.grants.push(Grant {
        role: Role::ClearExport,
        scope_path: "53/5301/530181/".into(),
        expires_at: None,
    });
    c
}

/// Grants an account the right to export in clear over a place (as the machine's operator).
pub async fn may_export(s: &Services, username: &str, place: &str) {
    s.grant_role(&Caller::operator(), username, Role::ClearExport, place)
        .await
        .unwrap();
}

pub async fn with_small_demo(backend: Backend) -> (TestDb, Services) {
    let t = fresh(backend).await;
    let s = services(&t.db);
    let r = s.ensure_demo_shaped(7, SMALL).await.unwrap();
    assert!(r.created);
    assert_eq!(r.households, 600);
    (t, s)
}

/// Logs in through the API; returns the cookie header value and the CSRF token.
pub async fn login(base: &str, username: &str, password: &str) -> (String, String) {
    let c = reqwest::Client::new();
    let r = c
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        reqwest::StatusCode::CREATED,
        "login of {username}"
    );
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body: serde_json::Value = r.json().await.unwrap();
    (cookie, body["csrf"].as_str().unwrap().to_string())
}

pub const PASSWORD: &str = "Test-password-2026";

/// Creates an account as the machine's operator (no password change needed).
pub async fn account(s: &Services, username: &str, role: Role, place: &str) {
    let a = jinguo_services::accounts::NewAccount {
        username: username.into(),
        display_name: username.into(),
        password: PASSWORD.into(),
        role: Some(role),
        place: place.into(),
    };
    s.create_account(&Caller::operator(), &a).await.unwrap();
}

/// A session opened through the services (with the second factor given, for administrators).
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub async fn session(s: &Services, username: &str, second_factor: bool) -> Session {
    let new = s.login(username, PASSWORD, "127.0.0.1").await.unwrap();
    if second_factor {
        let c = s
            .caller_from_session(&new.token, "127.0.0.1")
            .await
            .unwrap();
        let (_, key) = s.totp_begin(&c).await.unwrap();
        let secret = jinguo_crypto::totp::from_base32(&key).unwrap();
        let code = jinguo_crypto::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64);
        s.totp_verify(&c, &new.token, &code).await.unwrap();
    }
    Session {
        cookie: format!("jinguo_session={}", new.token),
        csrf: new.csrf,
    }
}

pub struct Server {
    pub base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A page of the server as `who` sees it: (status, body).
pub async fn page_of(api: &Api, who: &Session, path: &str) -> (u16, String) {
    let r = api
        .http
        .get(format!("{}{path}", api.base))
        .header("cookie", &who.cookie)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub async fn serve(services: Services) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = jinguo::serve(services, listener).await;
    });
    Server {
        base: format!("http://{addr}"),
        task,
    }
}

/// Declares one test per backend and one on Citus: `mod $name { fn sqlite(); fn postgres();
/// fn citus(); }` (the last on the Citus cluster's coordinator, skipped when the run has none).
macro_rules! all_backends {
    ($name:ident, $body:path) => {
        mod $name {
            $crate::support::per_backend!($body);
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn citus() {
                if $crate::support::citus().is_some() {
                    $crate::support::on_citus($body(jinguo_storage::Backend::Postgres)).await;
                }
            }
        }
    };
}
pub(crate) use all_backends;

/// Declares one test per backend: `mod $name { fn sqlite(); fn postgres(); }`.
macro_rules! both_backends {
    ($name:ident, $body:path) => {
        mod $name {
            $crate::support::per_backend!($body);
        }
    };
}

/// The tests `sqlite` and `postgres` of a module declared by [`both_backends`] or [`all_backends`].
macro_rules! per_backend {
    ($body:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn sqlite() {
            $body(jinguo_storage::Backend::Sqlite).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn postgres() {
            $body(jinguo_storage::Backend::Postgres).await;
        }
    };
}
pub(crate) use both_backends;
pub(crate) use per_backend;

/// The first household of the first resident group that has households: (group, household).
pub async fn first_household(s: &Services) -> (String, uuid::Uuid) {
    let group = crate::storage::first_group(s).await;
    let hid = s
        .group_households(&county_staff(), &group, 1)
        .await
        .unwrap()
        .lines[0]
        .id;
    (group, hid)
}

/// A person under 14 of a resident group's households (the demo has one in the first group).
pub async fn child_of_group(s: &Services, group: &str) -> uuid::Uuid {
    for line in s
        .group_households(&county_staff(), group, 1)
        .await
        .unwrap()
        .lines
    {
        let v = s.household_view(&county_staff(), line.id).await.unwrap();
        if let Some(p) = v.persons.iter().find(|p| p.age < 14) {
            return p.id;
        }
    }
    panic!("no child in group {group}")
}

/// A valid new person for the API, written against household version `version` (test ID
/// numbers use the address code 110101, which the demo never uses).
pub fn new_person(version: i64) -> serde_json::Value {
    let birth = chrono::NaiveDate::from_ymd_opt(1990, 3, 8).unwrap();
    serde_json::json!({"name": "王芳", "sex": "female", "birth_date": "1990-03-08",
        "id_number": jinguo_domain::resident_id::ResidentId::compose(110101, birth, 2).as_str(),
        "relationship": "other", "expected_version": version})
}

/// The value of the hidden or text field `name` in a page's first form that has it.
pub fn form_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.split(marker.as_str())
        .nth(1)
        .unwrap_or_else(|| panic!("no field {name} in the page"))
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// A campaign of today only over the whole county, with one checklist item; its id.
pub async fn campaign_today(s: &Services, who: &Caller, name: &str) -> uuid::Uuid {
    let today = jinguo_services::clock::today();
    s.create_campaign(
        who,
        &jinguo_domain::screening::CampaignInput {
            name: name.into(),
            place: "530181".into(),
            starts_on: today.to_string(),
            ends_on: today.to_string(),
            checklist: vec!["marital_conflict".into()],
        },
    )
    .await
    .unwrap()
    .id
}

/// Records a visit, as one of several tasks trying the same household in the same campaign at
/// once: 1 when this call made it, 0 when another one had (refused naming the household as
/// already screened, or the same submission answered again); anything else fails the test.
pub async fn visit_once(
    s: &Services,
    who: &Caller,
    campaign: uuid::Uuid,
    household: uuid::Uuid,
    input: &jinguo_domain::screening::VisitInput,
) -> usize {
    match s.record_visit(who, campaign, household, input).await {
        Ok(o) => usize::from(o.created),
        Err(jinguo_services::ServiceError::Invalid(v)) => {
            assert!(
                v.0.iter().any(|f| f.code == "visit.already_screened"),
                "{v:?}"
            );
            0
        }
        Err(e) => panic!("{e:?}"),
    }
}

/// Sums what spawned tasks return.
pub async fn sum_of(tasks: Vec<tokio::task::JoinHandle<usize>>) -> usize {
    let mut n = 0;
    for task in tasks {
        n += task.await.unwrap();
    }
    n
}

/// The same services over a new pool of `t`'s PostgreSQL database set to serializable isolation
/// (the default of some distributed engines); checked on a fresh connection.
pub async fn serializable(t: &TestDb, s: Services) -> Services {
    let (_, name) = t.url.rsplit_once('/').unwrap();
    let Db::Postgres(p) = &t.db else {
        panic!("serializable isolation is a PostgreSQL setting")
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {name} SET default_transaction_isolation TO 'serializable'"
    )))
    .execute(p)
    .await
    .unwrap();
    // Connections opened from now on are serializable.
    let db = Db::connect(&t.url).await.unwrap();
    if let Db::Postgres(p) = &db {
        let (level,): (String,) = sqlx::query_as("SHOW transaction_isolation")
            .fetch_one(p)
            .await
            .unwrap();
        assert_eq!(level, "serializable");
    }
    Services { db, ..s }
}

/// A client of the API acting as one session: answers with the status and the JSON body.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

impl Api {
    pub async fn send(
        &self,
        who: &Session,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        self.send_in("en", who, method, path, body).await
    }

    /// The same, asking for answers in `lang` (`en`, `zh-CN`).
    pub async fn send_in(
        &self,
        lang: &str,
        who: &Session,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut r = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .header("cookie", &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .header("accept-language", lang);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }
}

/// The refused fields of a problem answer: (field, code).
pub fn fields(problem: &serde_json::Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_string(),
                        e["code"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The caller an account is once logged in with `password` (through the services).
pub async fn caller_of(s: &Services, username: &str, password: &str) -> Caller {
    let token = s
        .login(username, password, "127.0.0.1")
        .await
        .unwrap()
        .token;
    s.caller_from_session(&token, "127.0.0.1").await.unwrap()
}

/// Turns off the triggers that keep the audit log append-only, as someone with the database's
/// files or its owner's password would. (On a Citus coordinator the change reaches every shard's
/// triggers only with `citus.enable_unsafe_triggers`, a placeholder on a plain PostgreSQL.)
pub async fn drop_audit_guards(db: &Db) {
    match db {
        Db::Sqlite(s) => {
            for q in [
                "DROP TRIGGER audit_no_update",
                "DROP TRIGGER audit_no_delete",
            ] {
                sqlx::query(q).execute(&s.write).await.unwrap();
            }
        }
        Db::Postgres(p) => {
            let mut tx = p.begin().await.unwrap();
            for q in [
                "SELECT set_config('citus.enable_unsafe_triggers', 'on', true)",
                "ALTER TABLE audit DISABLE TRIGGER USER",
            ] {
                sqlx::query(q).execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
        }
    }
}

/// Runs a statement on the database's writer, as a hand at its prompt would.
pub async fn exec(db: &Db, sql: &str) -> Result<(), sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(s) => sqlx::query(sql).execute(&s.write).await.map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
}

/// The text of a PDF, as poppler's `pdftotext` reads it (installed by scripts/test).
pub fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile_dir();
    let path = dir.join(format!("{}.pdf", uuid::Uuid::now_v7()));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/test");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout).unwrap()
}

fn tempfile_dir() -> std::path::PathBuf {
    std::env::temp_dir()
}

/// The fonts of a PDF, as poppler's `pdffonts` lists them: (name, embedded).
pub fn pdf_fonts(pdf: &[u8]) -> Vec<(String, bool)> {
    let path = tempfile_dir().join(format!("{}.pdf", uuid::Uuid::now_v7()));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdffonts")
        .arg(&path)
        .output()
        .expect("pdffonts (poppler-utils)");
    let _ = std::fs::remove_file(&path);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(2)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            // name type [encoding…] emb sub uni object ID
            let n = cols.len();
            (n >= 6).then(|| (cols[0].to_string(), cols[n - 5] == "yes"))
        })
        .collect()
}
