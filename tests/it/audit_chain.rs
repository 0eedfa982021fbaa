//! The keyed audit chain and its anchors: an entry changed, the end of the log cut and its head
//! set back, entries deleted and the chain recomputed, a prune faked — each made with raw SQL
//! behind the application's back — is found and named by its entry number; a log written before
//! the chain was keyed still verifies after the upgrade; reasons are sealed at rest.

use crate::support::{self, all_backends, both_backends, fresh};
use jinguo_domain::account::Role;
use jinguo_domain::audit::AuditEntry;
use jinguo_services::anchor::{Anchor, AnchorSink};
use jinguo_services::audit::{AuditQuery, Record, Verification, record};
use jinguo_services::{Caller, Services};
use jinguo_storage::audit as store;
use jinguo_storage::{Backend, Db, StorageError, db_tx};

/// Removes the triggers that keep the log append-only, as someone with the database file would.
async fn drop_guards(db: &Db) {
    support::drop_audit_guards(db).await;
}

/// `n` entries by the operator, each with a reason.
async fn entries(s: &Services, n: usize) {
    let op = Caller::operator();
    for i in 0..n {
        let r: Result<i64, StorageError> = async {
            db_tx!(&s.db, tx => record(tx, &s.keys, &op, Record::new("test.entry")
                .target(format!("thing:{i}")).reason(format!("原因 {i}"))).await)
        }
        .await;
        r.unwrap();
    }
}

/// The entries `test.entry` as the auditor finds them (reasons opened).
async fn test_entries(s: &Services) -> Vec<jinguo_services::audit::AuditRow> {
    let auditor = support::caller(Role::AuditAdmin, "53");
    s.search_audit(
        &auditor,
        &AuditQuery {
            action: Some("test.entry".into()),
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn hash_of(db: &Db, seq: i64) -> String {
    store::get(db, "", seq).await.unwrap().unwrap().hash
}

fn broken_at(v: Verification, at: i64, words: &str) {
    match v {
        Verification::Broken { seq, why, .. } => {
            assert_eq!(seq, at, "{why}");
            assert!(why.contains(words), "{why}");
        }
        v => panic!("not found: {v:?}"),
    }
}

async fn anchored(s: &Services, dir: &std::path::Path) -> Vec<Anchor> {
    let file = dir.join("anchors.jsonl");
    s.write_anchor(&AnchorSink::File(file.clone()))
        .await
        .unwrap();
    jinguo_services::anchor::read_anchors(&file).unwrap()
}

/// The end of the log cut and the head set back to the last entry kept: the chain left fits
/// together, the anchor written before does not.
async fn truncation_is_found(b: Backend) {
    let t = fresh(b).await;
    let s = support::services(&t.db);
    let dir = tempfile::tempdir().unwrap();
    entries(&s, 10).await;
    let anchors = anchored(&s, dir.path()).await;
    assert_eq!(anchors.len(), 1);
    assert_eq!(anchors[0].seq, 10);
    assert_eq!(
        s.verify_audit_against(&anchors).await.unwrap(),
        Verification::Intact { entries: 10 }
    );
    drop_guards(&t.db).await;
    let h7 = hash_of(&t.db, 7).await;
    support::exec(&t.db, "DELETE FROM audit WHERE seq > 7")
        .await
        .unwrap();
    support::exec(
        &t.db,
        &format!("UPDATE audit_head SET seq = 7, hash = '{h7}' WHERE county_code = ''"),
    )
    .await
    .unwrap();
    // Without the anchor the cut cannot be told …
    assert_eq!(
        s.verify_audit().await.unwrap(),
        Verification::Intact { entries: 7 }
    );
    // … with it, it is named.
    broken_at(
        s.verify_audit_against(&anchors).await.unwrap(),
        8,
        "the end of the log was cut",
    );
}
both_backends!(truncation, super::truncation_is_found);

/// An entry deleted and those after renumbered and chained again by the unkeyed hash (all one
/// can do without the key): the first entry recomputed is named.
async fn deletion_with_recomputation_is_found(b: Backend) {
    let t = fresh(b).await;
    let s = support::services(&t.db);
    let dir = tempfile::tempdir().unwrap();
    entries(&s, 10).await;
    let anchors = anchored(&s, dir.path()).await;
    drop_guards(&t.db).await;
    support::exec(&t.db, "DELETE FROM audit WHERE seq = 5")
        .await
        .unwrap();
    for seq in 6..=10 {
        support::exec(
            &t.db,
            &format!("UPDATE audit SET seq = {} WHERE seq = {seq}", seq - 1),
        )
        .await
        .unwrap();
    }
    let mut prev = hash_of(&t.db, 4).await;
    for row in store::page(&t.db, "", 4, 100).await.unwrap() {
        let mut e: AuditEntry = row.entry();
        e.seq = row.seq;
        let hash = e.chain_hash(&prev);
        support::exec(
            &t.db,
            &format!(
                "UPDATE audit SET prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
                row.seq
            ),
        )
        .await
        .unwrap();
        prev = hash;
    }
    support::exec(
        &t.db,
        &format!("UPDATE audit_head SET seq = 9, hash = '{prev}' WHERE county_code = ''"),
    )
    .await
    .unwrap();
    broken_at(s.verify_audit().await.unwrap(), 5, "MAC does not match");
    broken_at(
        s.verify_audit_against(&anchors).await.unwrap(),
        5,
        "MAC does not match",
    );
    // And `jinguo check` says so.
    let lines = s.check(&Caller::operator()).await.unwrap();
    let audit = lines.iter().find(|l| l.name == "audit chain").unwrap();
    assert!(!audit.ok && audit.detail.contains("entry 5"), "{audit:?}");
}
both_backends!(recomputation, super::deletion_with_recomputation_is_found);

/// A real prune (entries older than the retention) verifies; the start of the log removed by
/// hand with the head's prune mark moved does not, and the entry number is named.
async fn fake_prune_is_found(b: Backend) {
    let t = fresh(b).await;
    let s = support::services(&t.db);
    let dir = tempfile::tempdir().unwrap();
    // Six entries of long ago, through the application's own append.
    let old = chrono::Utc::now() - chrono::Duration::days(400);
    for i in 0..6 {
        let e = AuditEntry {
            seq: 0,
            at: old,
            actor_id: None,
            actor: "worker".into(),
            action: "test.old".into(),
            target: format!("thing:{i}"),
            place_path: String::new(),
            reason: "旧的原因".into(),
            detail: String::new(),
            ip: "local".into(),
        };
        let r: Result<i64, StorageError> =
            async { db_tx!(&s.db, tx => store::append(tx, &*s.keys, e.clone()).await) }.await;
        r.unwrap();
    }
    entries(&s, 4).await;
    let removed = s.prune_audit(&Caller::operator(), 365).await.unwrap();
    assert_eq!(removed, 6);
    entries(&s, 4).await;
    let anchors = anchored(&s, dir.path()).await;
    assert_eq!(
        s.verify_audit_against(&anchors).await.unwrap(),
        Verification::Intact { entries: 9 }
    );
    // A prune with nothing to remove keeps the mark of the one before.
    assert_eq!(s.prune_audit(&Caller::operator(), 365).await.unwrap(), 0);
    assert!(matches!(
        s.verify_audit_against(&anchors).await.unwrap(),
        Verification::Intact { .. }
    ));
    // Now by hand: entries 7 to 12 gone, the mark moved past them.
    drop_guards(&t.db).await;
    let h12 = hash_of(&t.db, 12).await;
    support::exec(&t.db, "DELETE FROM audit WHERE seq <= 12")
        .await
        .unwrap();
    support::exec(
        &t.db,
        &format!("UPDATE audit_head SET pruned_through = 12, anchor_hash = '{h12}' WHERE county_code = ''"),
    )
    .await
    .unwrap();
    broken_at(
        s.verify_audit().await.unwrap(),
        12,
        "without a prune it records",
    );
}
both_backends!(fake_prune, super::fake_prune_is_found);

/// Two counties write at once under serializable isolation (the default of some distributed
/// engines): each county's entries are numbered and linked in its own chain, so the writers never
/// meet on a head, and no transaction has to run again; each chain verifies on its own and all
/// together, and an entry of one county's chain changed is named with its county.
async fn counties_write_apart(b: Backend) {
    let t = fresh(b).await;
    let s = support::services(&t.db);
    let s = match b {
        Backend::Sqlite => s,
        Backend::Postgres => support::serializable(&t, s).await,
    };
    const EACH: i64 = 40;
    let before = jinguo_storage::db::TX_RETRIES.load(std::sync::atomic::Ordering::Relaxed);
    let writer = |county: &'static str| {
        let s = s.clone();
        tokio::spawn(async move {
            let staff = support::caller(Role::Staff, &format!("53/5301/{county}/"));
            for i in 0..EACH {
                let r: Result<i64, StorageError> = async {
                    db_tx!(&s.db, tx => record(tx, &s.keys, &staff, Record::new("test.entry")
                        .place(format!("53/5301/{county}/{county}001/")).target(format!("thing:{i}"))
                        .reason("核实")).await)
                }
                .await;
                assert_eq!(r.unwrap(), i + 1, "numbered in the county's own chain");
            }
        })
    };
    let (a, b2) = tokio::join!(writer("530102"), writer("530181"));
    a.unwrap();
    b2.unwrap();
    let again = jinguo_storage::db::TX_RETRIES.load(std::sync::atomic::Ordering::Relaxed) - before;
    assert_eq!(again, 0, "transactions run again after a conflict");
    // The chain of entries about no county has its head from the start.
    assert_eq!(
        store::chains(&t.db).await.unwrap(),
        ["", "530102", "530181"]
    );
    for county in ["530102", "530181"] {
        assert_eq!(store::head(&t.db, county).await.unwrap().0, EACH);
        assert_eq!(
            s.verify_audit_chain(county, &[]).await.unwrap(),
            Verification::Intact { entries: EACH }
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let anchors = anchored(&s, dir.path()).await;
    assert_eq!(
        anchors
            .iter()
            .map(|a| (a.county.as_str(), a.seq))
            .collect::<Vec<_>>(),
        [("", 0), ("530102", EACH), ("530181", EACH)]
    );
    assert_eq!(
        s.verify_audit_against(&anchors).await.unwrap(),
        Verification::Intact { entries: 2 * EACH }
    );
    // The reasons open for the auditor (each bound to its chain and number).
    let found = test_entries(&s).await;
    assert_eq!(found.len() as i64, 2 * EACH);
    assert!(found.iter().all(|r| r.reason == "核实"));
    // One county's entry changed behind the application's back: named with its county.
    drop_guards(&t.db).await;
    support::exec(
        &t.db,
        "UPDATE audit SET target = 'thing:x' WHERE county_code = '530181' AND seq = 7",
    )
    .await
    .unwrap();
    assert_eq!(
        s.verify_audit_chain("530102", &[]).await.unwrap(),
        Verification::Intact { entries: EACH }
    );
    let broken = s.verify_audit().await.unwrap();
    assert!(
        matches!(&broken, Verification::Broken { county, seq: 7, .. } if county == "530181"),
        "{broken:?}"
    );
    assert!(
        broken
            .to_string()
            .starts_with("entry 7 of county 530181: MAC does not match"),
        "{broken}"
    );
}
all_backends!(counties_apart, super::counties_write_apart);

/// A log written by the version that chained by an unkeyed hash: after the upgrade it verifies,
/// its head is sealed under the key by the next entry, new entries are keyed, and rewriting the
/// old part (even recomputing its hashes) is found.
async fn an_old_chain_upgrades(b: Backend) {
    let (db, _dir, _dropped) = match b {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("old.sqlite3").display());
            (Db::connect(&url).await.unwrap(), Some(dir), None)
        }
        Backend::Postgres => {
            let (db, _, dropped) = support::empty_postgres().await;
            (db, None, Some(dropped))
        }
    };
    db.migrate_to(25).await.unwrap();
    // Five entries chained as the old version did.
    let mut prev = jinguo_domain::audit::GENESIS.to_string();
    let at = AuditEntry::normalize_time(chrono::Utc::now());
    let mut old = Vec::new();
    for seq in 1..=5_i64 {
        let e = AuditEntry {
            seq,
            at,
            actor_id: None,
            actor: "admin".into(),
            action: "login".into(),
            target: String::new(),
            place_path: String::new(),
            reason: String::new(),
            detail: format!("old {seq}"),
            ip: "127.0.0.1".into(),
        };
        let hash = e.chain_hash(&prev);
        old.push((e, prev.clone(), hash.clone()));
        prev = hash;
    }
    let insert = "INSERT INTO audit (seq, at, actor_id, actor, action, target, place_path, reason, detail, ip, prev_hash, hash) \
                  VALUES ($1, $2, NULL, $3, $4, '', '', '', $5, $6, $7, $8)";
    for (e, p, h) in &old {
        match &db {
            Db::Sqlite(x) => sqlx::query(insert)
                .bind(e.seq)
                .bind(e.at)
                .bind(&e.actor)
                .bind(&e.action)
                .bind(&e.detail)
                .bind(&e.ip)
                .bind(p)
                .bind(h)
                .execute(&x.write)
                .await
                .map(|_| ()),
            Db::Postgres(x) => sqlx::query(insert)
                .bind(e.seq)
                .bind(e.at)
                .bind(&e.actor)
                .bind(&e.action)
                .bind(&e.detail)
                .bind(&e.ip)
                .bind(p)
                .bind(h)
                .execute(x)
                .await
                .map(|_| ()),
        }
        .unwrap();
    }
    support::exec(
        &db,
        &format!("UPDATE audit_head SET seq = 5, hash = '{prev}' WHERE id = 1"),
    )
    .await
    .unwrap();
    db.migrate().await.unwrap();
    let s = support::services(&db);
    assert_eq!(store::keyed_from(&db, "").await.unwrap(), 6);
    assert_eq!(
        s.verify_audit().await.unwrap(),
        Verification::Intact { entries: 5 }
    );
    assert!(s.seal_audit_head().await.unwrap());
    assert!(!s.seal_audit_head().await.unwrap(), "sealed once");
    entries(&s, 2).await;
    let rows = store::page(&db, "", 0, 100).await.unwrap();
    assert_eq!(rows.len(), 8);
    assert!(rows[..5].iter().all(|r| r.kid.is_empty()));
    assert!(rows[5..].iter().all(|r| r.kid == "k1"));
    assert_eq!(rows[5].action, "audit.keyed");
    assert_eq!(
        s.verify_audit().await.unwrap(),
        Verification::Intact { entries: 8 }
    );
    // The old part rewritten and its unkeyed hashes recomputed: the sealed head no longer fits.
    drop_guards(&db).await;
    let mut prev = jinguo_domain::audit::GENESIS.to_string();
    for (e, _, _) in &old {
        let mut e = e.clone();
        e.detail = format!("rewritten {}", e.seq);
        let hash = e.chain_hash(&prev);
        support::exec(
            &db,
            &format!(
                "UPDATE audit SET detail = '{}', prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
                e.detail, e.seq
            ),
        )
        .await
        .unwrap();
        prev = hash;
    }
    broken_at(s.verify_audit().await.unwrap(), 6, "previous link");
}
both_backends!(upgrade, super::an_old_chain_upgrades);

/// Entries written under a key, then the keys rotated: older entries still verify with the key
/// they name, newer ones carry the new key id; reasons sealed under either open for the auditor.
async fn rotation_keeps_the_chain(b: Backend) {
    let t = fresh(b).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    let ring = jinguo_services::Keyring::load_or_create(&path).unwrap();
    let s = Services::new(
        t.db.clone(),
        std::sync::Arc::new(jinguo_services::sealed::KeyStore::from_file(ring, path)),
    );
    entries(&s, 3).await;
    s.rotate_keys(&Caller::operator()).await.unwrap();
    entries(&s, 3).await;
    let rows = store::page(&t.db, "", 0, 100).await.unwrap();
    assert_eq!(rows[0].kid, "k1");
    assert_eq!(rows.last().unwrap().kid, "k2");
    assert!(matches!(
        s.verify_audit().await.unwrap(),
        Verification::Intact { .. }
    ));
    let found = test_entries(&s).await;
    let mut reasons: Vec<String> = found.into_iter().map(|r| r.reason).collect();
    reasons.sort();
    assert_eq!(
        reasons,
        ["原因 0", "原因 0", "原因 1", "原因 1", "原因 2", "原因 2"]
    );
}
both_backends!(rotation, super::rotation_keeps_the_chain);

/// A reason written to the log is found neither in the SQLite file nor in its write-ahead log;
/// the auditor reads it, nobody else searches the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasons_are_sealed_at_rest() {
    let t = fresh(Backend::Sqlite).await;
    let s = support::services(&t.db);
    let secret = format!("受害人李秀英住址核实-{}", uuid::Uuid::now_v7().simple());
    let op = Caller::operator();
    let r: Result<i64, StorageError> = async {
        db_tx!(&s.db, tx => record(tx, &s.keys, &op, Record::new("test.entry").reason(secret.clone())).await)
    }
    .await;
    r.unwrap();
    let auditor = support::caller(Role::AuditAdmin, "53");
    let q = AuditQuery {
        action: Some("test.entry".into()),
        limit: 10,
        ..Default::default()
    };
    let rows = s.search_audit(&auditor, &q).await.unwrap();
    assert_eq!(rows[0].reason, secret);
    assert!(
        s.search_audit(&support::county_staff(), &q).await.is_err(),
        "only the auditor searches the log"
    );
    let raw = store::page(&t.db, "", 0, 10).await.unwrap();
    assert!(
        raw[0].reason.starts_with("v1.xc20.k1."),
        "{}",
        raw[0].reason
    );
    let file = t.url.strip_prefix("sqlite://").unwrap();
    for path in [file.to_string(), format!("{file}-wal")] {
        if let Ok(bytes) = std::fs::read(&path) {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{path} holds the reason in clear"
            );
        }
    }
}

/// An anchor goes to a webhook as a JSON POST.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anchor_goes_to_a_webhook() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = fresh(Backend::Sqlite).await;
    let s = support::services(&t.db);
    entries(&s, 2).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let got = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = sock.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if body.len() >= len {
                    sock.write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                        .await
                        .unwrap();
                    return (head.to_string(), body.to_string());
                }
            }
            if n == 0 {
                panic!("closed early");
            }
        }
    });
    let sink = AnchorSink::parse(&format!("http://{addr}/anchors")).unwrap();
    let a = s.write_anchor(&sink).await.unwrap();
    let (head, body) = got.await.unwrap();
    assert!(head.starts_with("POST /anchors"), "{head}");
    let sent: Anchor = serde_json::from_str(&body).unwrap();
    assert_eq!(vec![sent.clone()], a);
    assert_eq!(sent.seq, 2);
    assert_eq!(AnchorSink::parse("stdout"), Some(AnchorSink::Stdout));
    assert_eq!(
        AnchorSink::parse("file:/var/log/a"),
        Some(AnchorSink::File("/var/log/a".into()))
    );
}

/// A backup, and a restore, is one self-contained SQLite file: no `-wal` or `-shm` beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_leave_single_files() {
    let t = fresh(Backend::Sqlite).await;
    let s = support::services(&t.db);
    entries(&s, 3).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jinguo.backup");
    s.backup(&Caller::operator(), &file).await.unwrap();
    let names = |d: &std::path::Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(dir.path()), ["jinguo.backup"]);
    let into_dir = tempfile::tempdir().unwrap();
    let into = into_dir.path().join("restored.sqlite3");
    jinguo_services::backup::restore(&s.keys.get(), &file, &into)
        .await
        .unwrap();
    assert_eq!(names(into_dir.path()), ["restored.sqlite3"]);
    // The file alone is the whole database.
    let alone = tempfile::tempdir().unwrap();
    let moved = alone.path().join("moved.sqlite3");
    std::fs::copy(&into, &moved).unwrap();
    let db = Db::connect(&format!("sqlite://{}", moved.display()))
        .await
        .unwrap();
    let again = Services {
        keys: s.keys.clone(),
        ..support::services(&db)
    };
    assert!(matches!(
        again.verify_audit().await.unwrap(),
        Verification::Intact { entries: 3 }
    ));
    db.close().await;
}

/// `jinguo restore` with no key file, or with keys that do not open the backup, writes nothing:
/// no key file, no database.
#[test]
fn a_restore_with_the_wrong_key_writes_nothing() {
    let a = tempfile::tempdir().unwrap();
    let run = |dir: &std::path::Path, args: &[&std::ffi::OsStr]| {
        crate::cli::jinguo()
            .arg("--data-dir")
            .arg(dir)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(a.path(), &["migrate".as_ref()]).status.success());
    let file = a.path().join("b.backup");
    assert!(
        run(a.path(), &["backup".as_ref(), file.as_os_str()])
            .status
            .success()
    );
    // No key file at all.
    let b = tempfile::tempdir().unwrap();
    let out = run(b.path(), &["restore".as_ref(), file.as_os_str()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no key file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_dir(b.path()).unwrap().count(), 0);
    // Another key file: refused, and it alone is there after.
    jinguo_services::Keyring::generate()
        .unwrap()
        .save(&b.path().join("keys.toml"))
        .unwrap();
    let out = run(b.path(), &["restore".as_ref(), file.as_os_str()]);
    assert!(!out.status.success());
    let left: Vec<_> = std::fs::read_dir(b.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["keys.toml"]);
}

/// The command line: `jinguo audit anchor` to a file, then the end of the log cut by hand:
/// `jinguo audit verify --anchor` and `jinguo check` (with the file configured) fail, naming the
/// entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anchors_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let anchors = dir.path().join("anchors.jsonl");
    let run = |args: &[&std::ffi::OsStr]| {
        crate::cli::jinguo()
            .arg("--data-dir")
            .arg(dir.path())
            .env("JINGUO_AUDIT_ANCHOR", &anchors)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(&["migrate".as_ref()]).status.success());
    // An entry on the log: the rotation of the keys.
    let out = run(&["keys".as_ref(), "rotate".as_ref()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for _ in 0..2 {
        let out = run(&["audit".as_ref(), "anchor".as_ref()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run(&[
        "audit".as_ref(),
        "verify".as_ref(),
        "--anchor".as_ref(),
        anchors.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = jinguo_services::anchor::read_anchors(&anchors).unwrap();
    assert_eq!(lines.len(), 2);
    let head = lines[1].seq;
    assert!(head >= 1);
    // The last entry cut, the head set back.
    let db = Db::connect(&format!(
        "sqlite://{}",
        dir.path().join("jinguo.sqlite3").display()
    ))
    .await
    .unwrap();
    drop_guards(&db).await;
    let (prev,): (String,) = match &db {
        Db::Sqlite(x) => sqlx::query_as("SELECT prev_hash FROM audit WHERE seq = $1")
            .bind(head)
            .fetch_one(&x.read)
            .await
            .unwrap(),
        Db::Postgres(_) => unreachable!(),
    };
    support::exec(&db, &format!("DELETE FROM audit WHERE seq = {head}"))
        .await
        .unwrap();
    support::exec(
        &db,
        &format!(
            "UPDATE audit_head SET seq = {}, hash = '{prev}' WHERE county_code = ''",
            head - 1
        ),
    )
    .await
    .unwrap();
    db.close().await;
    let out = run(&[
        "audit".as_ref(),
        "verify".as_ref(),
        "--anchor".as_ref(),
        anchors.as_os_str(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("entry {head}")) && err.contains("cut"),
        "{err}"
    );
    let out = run(&["check".as_ref()]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("FAIL audit chain") && text.contains(&format!("entry {head}")),
        "{text}"
    );
}
