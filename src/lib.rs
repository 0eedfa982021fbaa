//! The `jinguo` program: configuration, the command line, and serving.

pub mod config;

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

/// Binds the listening address, with a clear message when it is taken.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.with_context(|| {
        format!(
            "cannot listen on {addr} (is another program using it? choose another with --listen)"
        )
    })
}

/// Serves the application until Ctrl-C or SIGTERM.
pub async fn serve(services: Services, listener: TcpListener) -> anyhow::Result<()> {
    let app = jinguo_web::app(services);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error")
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
