//! `jinguo`: serve the web UI and API, create the demo, migrate, import places.

use anyhow::Context;
use clap::{Parser, Subcommand};
use jinguo::config::{Config, LogFormat, Overrides};
use jinguo_services::Services;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "jinguo",
    version,
    about = "Jinguo (巾帼): the work of a women's federation"
)]
struct Cli {
    /// Configuration file (TOML); default: ./jinguo.toml when present.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database: sqlite://FILE or postgres://…; default: an SQLite file in the data folder.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Data folder for the embedded database.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and the API.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Create the Anning demo data (once; later runs reuse it) and serve it.
    Demo {
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Create the data, then stop without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Import data files.
    #[command(subcommand)]
    Import(Import),
}

#[derive(Subcommand)]
enum Import {
    /// Load the NBS division files (provinces, cities, areas, streets, villages; .csv or .csv.gz) from a folder.
    Places {
        /// The folder holding the files.
        dir: PathBuf,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jinguo: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let listen = match &cli.command {
        Command::Serve { listen } | Command::Demo { listen, .. } => *listen,
        _ => None,
    };
    let overrides = Overrides {
        database_url: cli.database_url.clone(),
        data_dir: cli.data_dir.clone(),
        listen,
        home_place: None,
    };
    let cfg = Config::load(cli.config.as_deref(), &overrides)
        .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    init_logs(cfg.log_format);
    let db = jinguo::open(&cfg).await?;
    let services = Services::new(db.clone(), cfg.home_place.clone());
    match cli.command {
        Command::Migrate => {
            println!(
                "migrations applied ({})",
                jinguo::config::redact_url(&cfg.database_url())
            );
        }
        Command::Import(Import::Places { dir }) => {
            let started = std::time::Instant::now();
            let r = services
                .import_places(&dir)
                .await
                .with_context(|| format!("import from {}", dir.display()))?;
            println!(
                "imported {} places from {} files in {:.1} s; {} rows skipped (parent not in the files), {} refused",
                r.places,
                r.files,
                started.elapsed().as_secs_f64(),
                r.orphans,
                r.refused.len()
            );
            for line in r.refused.iter().take(20) {
                println!("  {line}");
            }
        }
        Command::Serve { .. } => {
            let listener = jinguo::bind(cfg.listen).await?;
            println!("Jinguo is serving on http://{}", listener.local_addr()?);
            jinguo::serve(services, listener).await?;
        }
        Command::Demo { no_serve, .. } => {
            let started = std::time::Instant::now();
            let r = services.ensure_demo(cfg.demo_seed).await?;
            if r.created {
                println!(
                    "Created the Anning demo in {:.1} s: {} places, {} members, {} households, {} persons.",
                    started.elapsed().as_secs_f64(),
                    r.places,
                    r.members,
                    r.households,
                    r.persons
                );
            } else {
                println!("The demo data is already there; reusing it.");
            }
            if !no_serve {
                let listener = jinguo::bind(cfg.listen).await?;
                let addr = listener.local_addr()?;
                println!(
                    "Open http://{addr}/ in a browser (简体中文; English via the switch at the top right)."
                );
                println!(
                    "No login is needed in this version: it binds to this machine only, and every name, ID number, phone and address is shown masked."
                );
                println!(
                    "API: http://{addr}/api/v1/home  ·  OpenAPI: http://{addr}/api/openapi.json  ·  Stop with Ctrl-C."
                );
                jinguo::serve(services, listener).await?;
            }
        }
    }
    db.close().await;
    Ok(())
}

fn init_logs(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("JINGUO_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
