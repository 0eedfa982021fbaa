//! The `jinguo` command line: help, migrate, import places, configuration errors.

use std::process::Command;

fn jinguo() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jinguo"));
    c.env_remove("JINGUO_DATABASE_URL")
        .env("JINGUO_LOG", "warn");
    c
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
    let out = jinguo()
        .arg("--data-dir")
        .arg(dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("jinguo.sqlite3").exists());
    let out = jinguo()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["import", "places"])
        .arg(files.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
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
