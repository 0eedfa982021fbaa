//! The `jinguo` program: configuration, the command line, and serving.

pub mod bench;
pub mod config;
pub mod server;

/// Prints a line on standard output like `println!`, but a reader that went away (`jinguo demo |
/// head`) is not an error: what is left to print is dropped and the command goes on (the demo
/// keeps serving) instead of panicking. Any other failure to write is said once on stderr.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        $crate::stdout_result(writeln!(std::io::stdout().lock(), $($arg)*));
    }};
}

/// What [`out!`] does with the result of a write.
pub fn stdout_result(r: std::io::Result<()>) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static SAID: AtomicBool = AtomicBool::new(false);
    if let Err(e) = r
        && e.kind() != std::io::ErrorKind::BrokenPipe
        && !SAID.swap(true, Ordering::Relaxed)
    {
        eprintln!("jinguo: cannot write to standard output: {e}");
    }
}

use anyhow::Context;
use jinguo_services::Services;
use jinguo_storage::Db;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Opens the database of the configuration and applies pending migrations.
pub async fn open(cfg: &config::Config) -> anyhow::Result<Db> {
    let url = cfg.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&cfg.data_dir)
            .with_context(|| format!("cannot create the data folder {}", cfg.data_dir.display()))?;
    }
    let db = Db::connect(&url)
        .await
        .with_context(|| format!("cannot open the database ({})", config::redact_url(&url)))?;
    db.migrate()
        .await
        .context("cannot apply the database migrations")?;
    Ok(db)
}

/// The keys of an existing key ring (`JINGUO_KEYS`, else the key file), never creating one: a
/// restore must open the backup with the keys it was made with, and writes nothing otherwise.
pub fn existing_keys(cfg: &config::Config) -> anyhow::Result<jinguo_services::Keyring> {
    use jinguo_services::Keyring;
    match std::env::var("JINGUO_KEYS") {
        Ok(text) => Keyring::from_env_value(&text).context("JINGUO_KEYS is not a valid key ring"),
        Err(_) => {
            let path = cfg.keys_file();
            if !path.exists() {
                anyhow::bail!(
                    "no key file at {}: put the key file the backup was made with there (or give it in JINGUO_KEYS)",
                    path.display()
                );
            }
            Keyring::load(&path)
                .with_context(|| format!("cannot use the key file {}", path.display()))
        }
    }
}

/// The keys of the fields encrypted at rest: `JINGUO_KEYS` (the key file's text) when set, else
/// the key file (created on first run, readable by its owner only). Never in the database.
pub fn keys(
    cfg: &config::Config,
) -> anyhow::Result<std::sync::Arc<jinguo_services::sealed::KeyStore>> {
    use jinguo_services::Keyring;
    use jinguo_services::sealed::KeyStore;
    let store = match std::env::var("JINGUO_KEYS") {
        Ok(text) => KeyStore::fixed(
            Keyring::from_env_value(&text).context("JINGUO_KEYS is not a valid key ring")?,
        ),
        Err(_) => {
            let path = cfg.keys_file();
            let ring = Keyring::load_or_create(&path)
                .with_context(|| format!("cannot use the key file {}", path.display()))?;
            KeyStore::from_file(ring, path)
        }
    };
    Ok(std::sync::Arc::new(store))
}

/// Binds the listening address, with a clear message when it is taken.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.with_context(|| {
        format!(
            "cannot listen on {addr} (is another program using it? choose another with --listen)"
        )
    })
}

/// Serves the application until Ctrl-C or SIGTERM, over plain HTTP with the default limits.
pub async fn serve(services: Services, listener: TcpListener) -> anyhow::Result<()> {
    serve_with(services, listener, server::HttpOptions::default(), None).await
}

/// Serves the application until Ctrl-C or SIGTERM, with these limits and, when `options.tls` is
/// set, over HTTPS; `redirect`: a plain-HTTP listener that sends every request to HTTPS.
pub async fn serve_with(
    services: Services,
    listener: TcpListener,
    options: server::HttpOptions,
    redirect: Option<TcpListener>,
) -> anyhow::Result<()> {
    // Built-in registries reach every county, those of an earlier version included.
    services
        .builtin_registries()
        .await
        .context("cannot give the counties their built-in registries")?;
    // A log written before the chain was keyed gets its head sealed under the key.
    services
        .seal_audit_head()
        .await
        .context("cannot seal the head of the audit log")?;
    // Escalation of the linkage's clocks and delivery of its messages (and anchors of the audit
    // chain), beside the requests.
    if services.linkage.worker {
        tokio::spawn(services.clone().run_worker());
    }
    // Both listeners run in this one future: when it ends or is dropped, every connection closes.
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let port = listener.local_addr()?.port();
    let plain_options = server::HttpOptions {
        tls: None,
        ..options.clone()
    };
    let app = jinguo_web::app(services);
    let serving = server::run(app, listener, options, async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let redirecting = async move {
        match redirect {
            Some(plain) => {
                server::run(
                    server::redirect_app(port),
                    plain,
                    plain_options,
                    async move {
                        let _ = stopped.wait_for(|s| *s).await;
                    },
                )
                .await
            }
            None => Ok(()),
        }
    };
    let (served, redirected) = tokio::join!(serving, redirecting);
    served.context("server error")?;
    redirected.context("redirecting server error")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
