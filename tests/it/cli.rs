//! The `jinguo` command line: help, migrate, import places, configuration errors.

use std::process::Command;

pub(crate) fn jinguo() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jinguo"));
    c.env_remove("JINGUO_DATABASE_URL")
        .env("JINGUO_LOG", "warn");
    c
}

/// Runs a `jinguo` command that must succeed (its error output shown if not); its output.
pub(crate) fn succeeds(c: &mut Command) -> std::process::Output {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `jinguo check` on a data folder (and, when given, a database elsewhere) passes.
pub(crate) fn assert_check_passes(data_dir: &std::path::Path, database_url: Option<&str>) {
    let mut c = jinguo();
    if let Some(url) = database_url {
        c.env("JINGUO_DATABASE_URL", url);
    }
    let check = c
        .arg("--data-dir")
        .arg(data_dir)
        .arg("check")
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn help_lists_the_commands() {
    let out = jinguo().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "demo", "migrate", "import"] {
        assert!(text.contains(cmd), "{cmd} missing from --help");
    }
}

#[test]
fn migrate_and_import_places_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    crate::storage::division_files(files.path());
    succeeds(jinguo().arg("--data-dir").arg(dir.path()).arg("migrate"));
    assert!(dir.path().join("jinguo.sqlite3").exists());
    let out = succeeds(
        jinguo()
            .arg("--data-dir")
            .arg(dir.path())
            .args(["import", "places"])
            .arg(files.path()),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("imported 8 places from 5 files"), "{text}");
    assert!(text.contains("1 rows skipped"), "{text}");
}

#[test]
fn unknown_configuration_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("jinguo.toml");
    std::fs::write(
        &cfg,
        "listen = \"127.0.0.1:0\"\ndatabse_url = \"sqlite://x\"\n",
    )
    .unwrap();
    let out = jinguo()
        .arg("--config")
        .arg(&cfg)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("databse_url"), "{err}");
    let out = jinguo()
        .arg("--config")
        .arg(dir.path().join("missing.toml"))
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

#[test]
fn a_legal_time_limit_laxer_than_the_law_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("jinguo.toml");
    std::fs::write(
        &cfg,
        "listen = \"127.0.0.1:0\"\norder_decision_hours = 96\n",
    )
    .unwrap();
    let mut child = jinguo()
        .arg("--config")
        .arg(&cfg)
        .arg("--data-dir")
        .arg(dir.path())
        .arg("serve")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            panic!("a server with a limit laxer than the law started");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        err.contains("order_decision_hours") && err.contains("at most 72"),
        "{err}"
    );
    assert!(!dir.path().join("jinguo.sqlite3").exists(), "{err}");
    // A stricter limit is the county's to choose.
    std::fs::write(&cfg, "confirmation_days = 20\nwarning_followup_days = 60\n").unwrap();
    succeeds(
        jinguo()
            .arg("--config")
            .arg(&cfg)
            .arg("--data-dir")
            .arg(dir.path())
            .arg("migrate"),
    );
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = jinguo()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", &addr])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen on"));
}

#[test]
fn users_and_the_audit_chain_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], password: Option<&str>| {
        let mut c = jinguo();
        c.arg("--data-dir").arg(dir.path()).args(args);
        if let Some(p) = password {
            c.env("JINGUO_PASSWORD", p);
        }
        c.output().unwrap()
    };
    let files = tempfile::tempdir().unwrap();
    crate::storage::division_files(files.path());
    assert!(
        run(&["import", "places", files.path().to_str().unwrap()], None)
            .status
            .success()
    );
    let out = run(
        &[
            "user", "add", "anning", "--role", "staff", "--place", "530181",
        ],
        Some("weakpassword"),
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Password"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &[
            "user", "add", "anning", "--role", "staff", "--place", "530181",
        ],
        Some("Strong-pass-2026"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(run(&["user", "lock", "anning"], None).status.success());
    assert!(run(&["user", "unlock", "anning"], None).status.success());
    assert!(
        run(&["user", "reset", "anning"], Some("Another-pass-2026"))
            .status
            .success()
    );
    assert!(!run(&["user", "lock", "nobody"], None).status.success());
    let out = run(&["audit", "verify"], None);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit log intact"));
    // The key file sits beside the database, readable by its owner only.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("keys.toml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let out = run(&["keys", "rotate"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("new active key k2"));
}

/// A backup taken from a live database restores into an empty folder with the same content
/// (the same checksum), readable with the same keys; a backup altered by one byte, or read with
/// other keys, is refused and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore() {
    let (t, s) = crate::support::with_small_demo(jinguo_storage::Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jinguo.backup");
    let report = s
        .backup(&jinguo_services::Caller::operator(), &file)
        .await
        .unwrap();
    assert!(report.bytes > 0);
    let live = jinguo_storage::maintenance::content_checksum(&t.db)
        .await
        .unwrap();
    // The audit entry of the backup itself came after the copy.
    assert_ne!(live, "");
    let keys = s.keys.get();
    let into = dir.path().join("restored.sqlite3");
    let restored = jinguo_services::backup::restore(&keys, &file, &into)
        .await
        .unwrap();
    assert_eq!(restored.checksum, report.checksum);
    let db = jinguo_storage::Db::connect(&format!("sqlite://{}", into.display()))
        .await
        .unwrap();
    let again = crate::support::services(&db);
    let again = jinguo_services::Services {
        keys: s.keys.clone(),
        ..again
    };
    let v = again
        .place_view(&crate::support::county_staff(), "530181")
        .await
        .unwrap();
    assert_eq!(v.figures.households, 600);
    let group = crate::storage::first_group(&again).await;
    let h = again
        .group_households(&crate::support::county_staff(), &group, 1)
        .await
        .unwrap()
        .lines[0]
        .id;
    let shown = again
        .household_reveal(&crate::support::county_staff(), h, "核对恢复结果")
        .await
        .unwrap();
    assert_eq!(shown.persons[0].id_number.len(), 18, "sealed values open");
    // Tampered, or other keys: refused, nothing restored.
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    let bad = dir.path().join("bad.backup");
    std::fs::write(&bad, &bytes).unwrap();
    let target = dir.path().join("nothing.sqlite3");
    assert!(
        jinguo_services::backup::restore(&keys, &bad, &target)
            .await
            .is_err()
    );
    let other = jinguo_services::Keyring::generate().unwrap();
    assert!(
        jinguo_services::backup::restore(&other, &file, &target)
            .await
            .is_err()
    );
    assert!(!target.exists());
    // A restore never overwrites.
    assert!(
        jinguo_services::backup::restore(&keys, &file, &into)
            .await
            .is_err()
    );
}

/// The same through the command line: `jinguo backup` on one folder, `jinguo restore` into
/// another with the same keys; the two printed checksums agree.
#[test]
fn backup_and_restore_on_the_command_line() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let run = |args: &[&std::ffi::OsStr]| {
        let out = jinguo().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    run(&[
        "--data-dir".as_ref(),
        a.path().as_os_str(),
        "migrate".as_ref(),
    ]);
    let file = a.path().join("b.backup");
    let made = run(&[
        "--data-dir".as_ref(),
        a.path().as_os_str(),
        "backup".as_ref(),
        file.as_os_str(),
    ]);
    std::fs::copy(a.path().join("keys.toml"), b.path().join("keys.toml")).unwrap();
    let restored = run(&[
        "--data-dir".as_ref(),
        b.path().as_os_str(),
        "restore".as_ref(),
        file.as_os_str(),
    ]);
    let sum = |s: &str| s.rsplit("checksum ").next().unwrap().trim().to_string();
    assert_eq!(sum(&made), sum(&restored));
    assert!(b.path().join("jinguo.sqlite3").exists());
}

/// `kill -9` of `jinguo import households --commit` while it writes: after the crash, either none
/// or all of the file's households are there (one transaction), and `jinguo check` passes; the
/// same import run again completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_while_writing_leaves_nothing_half_done() {
    use jinguo_domain::resident_id::ResidentId;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("jinguo.sqlite3").display());
    let db = jinguo_storage::Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let keys = jinguo_services::Keyring::load_or_create(&dir.path().join("keys.toml")).unwrap();
    let s = jinguo_services::Services::new(
        db.clone(),
        std::sync::Arc::new(jinguo_services::sealed::KeyStore::fixed(keys)),
    );
    s.ensure_demo_shaped(7, crate::support::SMALL)
        .await
        .unwrap();
    let group = crate::storage::first_group(&s).await;
    let before = s
        .group_households(&crate::support::county_staff(), &group, 1)
        .await
        .unwrap()
        .total;
    db.close().await;
    // 6,000 new households of two persons each.
    let mut csv = String::from("户编号,小组编码,家庭住址,姓名,身份证号,与户主关系\n");
    let birth =
        |d: i64| chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap() + chrono::Duration::days(d);
    for k in 0..6_000i64 {
        for (j, rel) in ["户主", "配偶"].iter().enumerate() {
            let id = ResidentId::compose(110101, birth(k), 2 + 2 * j as u16);
            csv.push_str(&format!(
                "{group}K{k:05},{group},测试路{k}号,某某,{},{rel}\n",
                id.as_str()
            ));
        }
    }
    let file = dir.path().join("big.csv");
    std::fs::write(&file, csv).unwrap();
    let wal = dir.path().join("jinguo.sqlite3-wal");
    let start_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let mut child = jinguo()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["import", "households", "--commit"])
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Writing has begun once the write-ahead log grows by a few pages; kill it then.
    let mut killed_while_writing = false;
    for _ in 0..6_000 {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        let len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if len > start_len + 256 * 1024 {
            child.kill().unwrap();
            killed_while_writing = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.wait();
    let count = || {
        let db_url = url.clone();
        async move {
            let db = jinguo_storage::Db::connect(&db_url).await.unwrap();
            let jinguo_storage::Db::Sqlite(lite) = &db else {
                unreachable!()
            };
            let (n,): (i64,) =
                sqlx::query_as("SELECT count(*) FROM household WHERE code LIKE '%K%'")
                    .fetch_one(&lite.read)
                    .await
                    .unwrap();
            db.close().await;
            n
        }
    };
    let after_crash = count().await;
    eprintln!(
        "killed while writing: {killed_while_writing}; households after the crash: {after_crash}"
    );
    assert!(
        after_crash == 0 || after_crash == 6_000,
        "half an import: {after_crash} households (killed while writing: {killed_while_writing})"
    );
    assert_check_passes(dir.path(), None);
    // Run again: it completes, and nothing is doubled.
    let again = jinguo()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["import", "households", "--commit"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(count().await, 6_000);
    let _ = before;
}

async fn empty_postgres_database() -> (jinguo_storage::Db, crate::support::PgDrop) {
    let (db, _, dropped) = crate::support::empty_postgres().await;
    (db, dropped)
}

async fn table_count(db: &jinguo_storage::Db) -> i64 {
    let jinguo_storage::Db::Postgres(p) = db else {
        unreachable!()
    };
    sqlx::query_as::<_, (i64,)>(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_one(p)
    .await
    .unwrap()
    .0
}

/// PostgreSQL: a backup taken while visits are being written restores into an empty database with
/// the checksum of its snapshot; tampered or read with other keys it is refused before anything
/// is written; a backup of an older schema restores and is brought to this version's schema.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_on_postgres() {
    let (t, s) = crate::support::with_small_demo(jinguo_storage::Backend::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jinguo.backup");
    // Writers carry on during the backup.
    let writer = {
        let s = s.clone();
        tokio::spawn(async move {
            for i in 0..40 {
                crate::support::account(
                    &s,
                    &format!("writer{i}"),
                    jinguo_domain::account::Role::Staff,
                    "530181",
                )
                .await;
            }
        })
    };
    let report = s
        .backup(&jinguo_services::Caller::operator(), &file)
        .await
        .unwrap();
    writer.await.unwrap();
    assert!(report.bytes > 0);
    let keys = s.keys.get();
    let (into, _into_dropped) = empty_postgres_database().await;
    let restored = jinguo_services::backup::restore_postgres(&keys, &file, &into)
        .await
        .unwrap();
    assert_eq!(restored.checksum, report.checksum);
    assert_eq!(
        jinguo_storage::maintenance::pg_content_checksum(&into)
            .await
            .unwrap(),
        report.checksum
    );
    let again = jinguo_services::Services {
        keys: s.keys.clone(),
        ..crate::support::services(&into)
    };
    let v = again
        .place_view(&crate::support::county_staff(), "530181")
        .await
        .unwrap();
    assert_eq!(v.figures.households, 600);
    let (_, h) = crate::support::first_household(&again).await;
    let shown = again
        .household_reveal(&crate::support::county_staff(), h, "核对恢复结果")
        .await
        .unwrap();
    assert_eq!(shown.persons[0].id_number.len(), 18, "sealed values open");
    assert!(matches!(
        again.verify_audit().await.unwrap(),
        jinguo_services::audit::Verification::Intact { .. }
    ));
    // A restore never goes into a database that has tables.
    assert!(
        jinguo_services::backup::restore_postgres(&keys, &file, &into)
            .await
            .is_err()
    );
    // Tampered, or other keys: refused, and the empty database stays empty.
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    let bad = dir.path().join("bad.backup");
    std::fs::write(&bad, &bytes).unwrap();
    let (target, _target_dropped) = empty_postgres_database().await;
    assert!(
        jinguo_services::backup::restore_postgres(&keys, &bad, &target)
            .await
            .is_err()
    );
    let other = jinguo_services::Keyring::generate().unwrap();
    assert!(
        jinguo_services::backup::restore_postgres(&other, &file, &target)
            .await
            .is_err()
    );
    assert_eq!(table_count(&target).await, 0);
    // An older schema: backed up at the previous migration, restored into this version's.
    let versions = jinguo_storage::Db::migration_versions(jinguo_storage::Backend::Postgres);
    let (old, _old_dropped) = empty_postgres_database().await;
    old.migrate_to(versions[versions.len() - 2]).await.unwrap();
    let old_file = dir.path().join("old.backup");
    // As the earlier version's backup wrote it: a dump, sealed (this version's code cannot append
    // its audit entry to the older schema).
    let mut dump = Vec::new();
    jinguo_storage::maintenance::pg_dump(&old, &mut dump)
        .await
        .unwrap();
    keys.seal_stream(dump.as_slice(), std::fs::File::create(&old_file).unwrap())
        .unwrap();
    let (newer, _newer_dropped) = empty_postgres_database().await;
    jinguo_services::backup::restore_postgres(&keys, &old_file, &newer)
        .await
        .unwrap();
    let jinguo_storage::Db::Postgres(p) = &newer else {
        unreachable!()
    };
    let (latest,): (i64,) = sqlx::query_as("SELECT max(version) FROM _sqlx_migrations")
        .fetch_one(p)
        .await
        .unwrap();
    assert_eq!(latest, *versions.last().unwrap());
    drop(t);
}

/// `jinguo migrate | head -0`: a reader that has gone away before anything is printed is no
/// crash; the command still does its work and succeeds.
#[test]
fn output_to_a_closed_pipe_is_no_crash() {
    let dir = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = jinguo()
        .arg("--data-dir")
        .arg(dir.path())
        .arg("migrate")
        .stdout(writer)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(dir.path().join("jinguo.sqlite3").exists());
}
