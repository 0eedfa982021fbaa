//! `jinguo`: serve the web UI and API, create the demo, migrate, import places.

use anyhow::Context;
use clap::{Parser, Subcommand};
use jinguo::config::{Config, LogFormat, Overrides};
use jinguo_domain::account::Role;
use jinguo_services::accounts::{AccountAction, NewAccount};
use jinguo_services::audit::Verification;
use jinguo_services::{Caller, ServiceError, Services};
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
        /// A small data set of the same shape (600 households) instead of Anning's 150,551.
        #[arg(long)]
        small: bool,
        /// The representative `daibiao` answers for this many households of her group (taken
        /// over from her colleagues), e.g. 100, the configured most, to try her offline package.
        #[arg(long)]
        representative_households: Option<i64>,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Import data files.
    #[command(subcommand)]
    Import(Import),
    /// Manage accounts as the machine's operator.
    #[command(subcommand)]
    User(User),
    /// The audit log.
    #[command(subcommand)]
    Audit(Audit),
    /// The keys of the fields encrypted at rest.
    #[command(subcommand)]
    Keys(Keys),
    /// Measure query and login times on this database (after `jinguo demo`), or an import.
    Bench {
        #[command(subcommand)]
        what: Option<BenchWhat>,
    },
    /// Export data files.
    #[command(subcommand)]
    Export(Export),
    /// Check that the database is sound: the engine's own checks, foreign keys, the network's
    /// rules, the tallies (households per group, campaigns' visits per place, each year's
    /// screening per place) against a fresh count, the audit chain. Exits non-zero when a check fails.
    Check {
        /// First write the tallies afresh from the households and the visits (after a check
        /// found them differing).
        #[arg(long)]
        rebuild_tallies: bool,
    },
    /// Write an encrypted backup of the database (SQLite or PostgreSQL) to FILE while it keeps
    /// serving; prints the content checksum.
    Backup { file: PathBuf },
    /// Restore a backup into this configuration's database, which must be empty (SQLite: no
    /// file yet; PostgreSQL: no tables); prints the content checksum, to compare with the backup's.
    Restore { file: PathBuf },
}

#[derive(Subcommand)]
enum Keys {
    /// Add a new key, make it active and re-encrypt every sealed value (the server may keep running).
    Rotate,
}

#[derive(Subcommand)]
enum User {
    /// Create an account with one role over one place. The password is read from JINGUO_PASSWORD
    /// or asked for on standard input.
    Add {
        username: String,
        /// staff, representative, mediator, liaison, opinion_officer, system_admin, security_admin, audit_admin
        #[arg(long)]
        role: String,
        /// Division code of the place the role covers (e.g. 530181).
        #[arg(long)]
        place: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// Lock an account (every session ends).
    Lock { username: String },
    /// Unlock an account and clear its failed logins.
    Unlock { username: String },
    /// Set a temporary password (from JINGUO_PASSWORD or standard input), to be changed at next login.
    Reset { username: String },
    /// Link an account to its holder's member record (a women's representative then sees the
    /// households she answers for).
    Link {
        username: String,
        member: uuid::Uuid,
    },
}

#[derive(Subcommand)]
enum Audit {
    /// Walk the chains, one per county and the one of entries about no county (each entry's MAC
    /// under the key file's keys): exits non-zero when an entry was changed, inserted or deleted,
    /// or entries were removed without a recorded prune.
    Verify {
        /// Only the chain of this county (its six-digit code).
        #[arg(long)]
        county: Option<String>,
        /// A file of anchors (`audit_anchor` as a file): also exits non-zero when an anchored
        /// entry is missing or differs (the end of the log cut and its head set back). Default:
        /// the configured anchor file, if any.
        #[arg(long)]
        anchor: Option<PathBuf>,
    },
    /// Write an anchor of each chain's head (county, number, MAC, time; one line each) to the
    /// configured `audit_anchor` (a file, `stdout` or a webhook), or to `--to`.
    Anchor {
        /// Where to: a file path, `stdout`, or an http(s) address.
        #[arg(long)]
        to: Option<String>,
    },
    /// Remove entries older than the retention period (`audit_retention_days`, at least 180).
    Prune,
}

#[derive(Subcommand)]
enum Import {
    /// Load the NBS division files (provinces, cities, areas, streets, villages; .csv or .csv.gz) from a folder.
    Places {
        /// The folder holding the files.
        dir: PathBuf,
    },
    /// Check a household sheet (one row per person; CSV in UTF-8 or GB18030, or XLSX) and, with
    /// --commit and no problem found, import it. Importing the same file again changes nothing.
    Households {
        /// The file (.csv or .xlsx).
        file: PathBuf,
        /// Write the rows (otherwise only check them).
        #[arg(long)]
        commit: bool,
        /// Language of the messages: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
}

#[derive(Subcommand)]
enum BenchWhat {
    /// Into this (empty) database: the Anning places and members, then FILE imported with
    /// `import households --commit`; prints rows per second and peak memory.
    Import { file: PathBuf },
    /// Into this (empty) database: the same, then FILE's rows written by a plain loop of
    /// prepared INSERT statements (no checks, no encryption): the yardstick of the import.
    Insert { file: PathBuf },
    /// Into this (empty) PostgreSQL database: the same rows sent with COPY (the PostgreSQL
    /// yardstick of the import).
    Copy { file: PathBuf },
    /// On PostgreSQL holding Yunnan's division codes: generate groups and N households (default
    /// 16 million), then time the overview and coverage of a county, a prefecture and the
    /// province, and a search by resident ID.
    Province {
        #[arg(long, default_value_t = 16_000_000)]
        households: i64,
    },
    /// On PostgreSQL or a Citus coordinator holding Yunnan's division codes: generate groups and
    /// H households in each of the first N counties, then time a county's overview and coverage,
    /// the province's and a search by resident ID; on Citus, the plans of a county's statements.
    Country {
        #[arg(long, default_value_t = 30)]
        counties: i64,
        #[arg(long, default_value_t = 10_000)]
        households: i64,
    },
    /// Into this (empty) database: the Anning places and departments and STEPS open clocks of
    /// referrals, 1% of them overdue; times the escalation worker's rounds.
    Escalation {
        #[arg(long, default_value_t = 100_000)]
        steps: i64,
    },
    /// On the demo (a copy: she takes households over from her colleagues): a women's
    /// representative answering for N households of one group; times her home page, which
    /// holds her worklist (goal: p99 < 50 ms).
    Worklist {
        #[arg(long, default_value_t = 100)]
        households: i64,
    },
    /// Into this (empty) database: the Anning places and departments, CASES open high-risk
    /// cases waiting to be heard and ACTIONS open safety-plan actions of earlier conferences;
    /// times the next conference's agenda (goal: under 100 ms).
    Conference {
        #[arg(long, default_value_t = 500)]
        cases: i64,
        #[arg(long, default_value_t = 5000)]
        actions: i64,
    },
    /// Into this (empty) database: the Anning places, a keyword rule per category and a feed;
    /// then a generated archive of N items (30% reposts) about EVENTS events taken as the
    /// worker takes feeds; prints items per second, peak memory, and the precision and recall
    /// of near-duplicates and topics against the generator's truth (goal: >= 2,000 items/s,
    /// < 200 MB).
    Opinion {
        #[arg(long, default_value_t = 100_000)]
        items: u32,
        #[arg(long, default_value_t = 2_000)]
        events: u32,
        #[arg(long, default_value_t = 21)]
        seed: u64,
    },
    /// On the demo (`jinguo demo` first): the county's annual report of YEAR built RUNS times
    /// as the page builds it and as PDF; p50 and p99 (goals: under 1 s and under 3 s).
    Report {
        #[arg(long, default_value_t = 2021)]
        year: i32,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Into this (empty) database: the Anning places and departments and N supervision tasks
    /// of the county; times the county's supervision board as its staff read it (goal: under
    /// 100 ms at 10,000 tasks).
    Supervision {
        #[arg(long, default_value_t = 10_000)]
        tasks: i64,
    },
    /// The de-identification of a typical case of CHARS characters (names, ID and mobile
    /// numbers, addresses, dates), RUNS times; p50 and p99 (goal: under 5 ms at 2,000).
    Deidentify {
        #[arg(long, default_value_t = 2_000)]
        chars: usize,
        #[arg(long, default_value_t = 1_000)]
        runs: usize,
    },
}

#[derive(Subcommand)]
enum Export {
    /// Write the households below a place as a household sheet, in clear: CSV (UTF-8) or XLSX,
    /// as the name given to --out ends (.csv or .xlsx).
    Households {
        /// Division code of the place.
        place: String,
        /// Why (audited).
        #[arg(long)]
        reason: String,
        /// The file to write: NAME.csv or NAME.xlsx.
        #[arg(long)]
        out: PathBuf,
    },
}

/// The allocator of the process's Rust code. A request allocates and frees many small values on
/// several threads (the runtime's workers, each SQLite connection's thread, where a row is built
/// and handed over): under load glibc's malloc, its arena locks and its consolidation of freed
/// chunks took about a quarter of the serving process's time (BENCHMARKS.md, "A household by
/// id"); mimalloc keeps a heap per thread and frees across threads without a lock.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    bound_allocator_arenas();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("jinguo: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(start())
}

/// One allocator arena per core for what still uses glibc's malloc (SQLite's own allocations), set
/// before any thread is started. By default glibc opens up to
/// eight per core as threads contend (the runtime's workers, each SQLite connection's thread,
/// the blocking pool), and memory freed in one stays reserved to it: under load rotating over a
/// whole county that held a third of the serving process's resident memory (BENCHMARKS.md).
fn bound_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(cores.max(2)).unwrap_or(2);
        // SAFETY: mallopt only sets a parameter of the allocator; it is called before any other
        // thread exists, and a refusal (0) leaves the default in place.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

async fn start() -> std::process::ExitCode {
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
    };
    let cfg = Config::load(cli.config.as_deref(), &overrides)
        .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    init_logs(cfg.log_format);
    jinguo_domain::screening::set_horizon_years(cfg.date_horizon_years);
    if let Command::Restore { file } = &cli.command {
        let url = cfg.database_url();
        let Some(path) = url.strip_prefix("sqlite://") else {
            let keys = jinguo::existing_keys(&cfg)?;
            let db = jinguo_storage::Db::connect(&url).await?;
            let r = jinguo_services::backup::restore_postgres(&keys, file, &db)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            db.close().await;
            jinguo::out!(
                "restored {} bytes into {}; content checksum {}",
                r.bytes,
                jinguo::config::redact_url(&url),
                r.checksum
            );
            return Ok(());
        };
        std::fs::create_dir_all(&cfg.data_dir)
            .with_context(|| format!("cannot create the data folder {}", cfg.data_dir.display()))?;
        let keys = jinguo::existing_keys(&cfg)?;
        let r = jinguo_services::backup::restore(&keys, file, std::path::Path::new(path))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        jinguo::out!(
            "restored {} bytes into {path}; content checksum {}",
            r.bytes,
            r.checksum
        );
        return Ok(());
    }
    let db = jinguo::open(&cfg).await?;
    let keys = jinguo::keys(&cfg)?;
    let mut services = Services::new(db.clone(), keys);
    services.security = cfg.security();
    services.linkage = cfg.linkage();
    services.care = cfg.care();
    services.opinion = cfg.opinion();
    services.limits = cfg.legal();
    services.assessment = cfg.assessment();
    services.hearing = cfg.hearing();
    services.supervision = cfg.supervision();
    services.hotline_hours = cfg.hotline_hours();
    services.family = cfg.family();
    services.suppression_threshold = cfg.suppression_threshold;
    services.public_rate = cfg.public_rate();
    services.pdf_fonts = cfg.pdf_fonts.iter().map(std::path::PathBuf::from).collect();
    services.anchors = cfg.anchors();
    services.imports = cfg.imports();
    services.caches = std::sync::Arc::new(jinguo_services::caches::Caches::new(
        std::time::Duration::from_millis(cfg.cache_milliseconds),
    ));
    if let Some(url) = &cfg.replica_url {
        let replica = jinguo_storage::Db::connect(url).await.with_context(|| {
            format!(
                "cannot open the read replica ({})",
                jinguo::config::redact_url(url)
            )
        })?;
        services.replica = Some(replica);
    }
    // Values written in clear by an earlier version are sealed once, before anything reads them.
    let sealed = services
        .seal_clear_values()
        .await
        .context("cannot seal the values an earlier version wrote in clear")?;
    if sealed != jinguo_services::sealed::SealReport::default() {
        eprintln!(
            "sealed {} values written in clear; {} names indexed, {} parties referenced",
            sealed.sealed, sealed.indexed, sealed.referenced
        );
    }
    // High-risk cases from before the hearing clock existed get theirs, once.
    let clocked = services
        .backfill_hearing_clocks()
        .await
        .context("cannot start the hearing clocks of high-risk cases")?;
    if clocked > 0 {
        eprintln!("started the hearing clocks of {clocked} high-risk cases");
    }
    let operator = Caller::operator();
    match cli.command {
        Command::Migrate => {
            jinguo::out!(
                "migrations applied ({})",
                jinguo::config::redact_url(&cfg.database_url())
            );
        }
        Command::Import(Import::Households { file, commit, lang }) => {
            let lang = jinguo_domain::Lang::from_tag(&lang).unwrap_or(jinguo_domain::Lang::Zh);
            let started = std::time::Instant::now();
            let source = jinguo_services::import::SheetSource::from_path(file.clone())
                .with_context(|| format!("reading {}", file.display()))?;
            let r = services
                .import_households(&operator, &source, commit)
                .await
                .with_context(|| format!("import of {}", file.display()))?;
            for issue in &r.issues {
                jinguo::out!("{}", issue.message(lang));
            }
            jinguo::out!(
                "{} rows, {} households ({}){}: {} problems; {} new households, {} new persons, {} persons already registered; {:.1} s",
                r.rows,
                r.households,
                r.encoding.unwrap_or("xlsx"),
                if r.committed {
                    ", imported"
                } else {
                    ", nothing written"
                },
                r.issue_count,
                r.new_households,
                r.new_persons,
                r.unchanged_persons,
                started.elapsed().as_secs_f64()
            );
            if r.issue_count > 0 {
                anyhow::bail!("{} problems in {}", r.issue_count, file.display());
            }
        }
        Command::Import(Import::Places { dir }) => {
            let started = std::time::Instant::now();
            let r = services
                .import_places(&operator, &dir)
                .await
                .with_context(|| format!("import from {}", dir.display()))?;
            jinguo::out!(
                "imported {} places from {} files in {:.1} s; {} rows skipped (parent not in the files), {} refused",
                r.places,
                r.files,
                started.elapsed().as_secs_f64(),
                r.orphans,
                r.refused.len()
            );
            for line in r.refused.iter().take(20) {
                jinguo::out!("  {line}");
            }
        }
        Command::User(u) => user(&services, &operator, u).await?,
        Command::Audit(Audit::Prune) => {
            let n = services
                .prune_audit(&operator, cfg.audit_retention_days)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            jinguo::out!(
                "removed {n} audit entries older than {} days",
                cfg.audit_retention_days
            );
        }
        Command::Audit(Audit::Verify { anchor, county }) => {
            let anchors = match &anchor {
                Some(file) => jinguo_services::anchor::read_anchors(file),
                None => services.configured_anchors(),
            }
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let verified = match &county {
                Some(code) => {
                    let anchors: Vec<_> = anchors
                        .iter()
                        .filter(|a| &a.county == code)
                        .cloned()
                        .collect();
                    services.verify_audit_chain(code, &anchors).await?
                }
                None => services.verify_audit_against(&anchors).await?,
            };
            match verified {
                Verification::Intact { entries } => jinguo::out!(
                    "audit log intact: {entries} entries, {} anchors",
                    anchors.len()
                ),
                broken @ Verification::Broken { .. } => {
                    anyhow::bail!("audit log broken at {broken}")
                }
            }
        }
        Command::Audit(Audit::Anchor { to }) => {
            let sink = match to.as_deref().or(cfg.audit_anchor.as_deref()) {
                Some(s) => jinguo_services::anchor::AnchorSink::parse(s),
                None => None,
            }
            .ok_or_else(|| {
                anyhow::anyhow!("nowhere to write the anchor: set audit_anchor or give --to")
            })?;
            let anchors = services
                .write_anchor(&sink)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if sink != jinguo_services::anchor::AnchorSink::Stdout {
                for a in &anchors {
                    if a.county.is_empty() {
                        jinguo::out!("anchored the audit log at entry {}", a.seq);
                    } else {
                        jinguo::out!(
                            "anchored the audit log of county {} at entry {}",
                            a.county,
                            a.seq
                        );
                    }
                }
            }
        }
        Command::Bench { what: None } => {
            jinguo::bench::run(&services, "anning", jinguo_services::demo::DEMO_PASSWORD).await?;
        }
        Command::Bench {
            what: Some(BenchWhat::Import { file }),
        } => {
            jinguo::bench::import(&services, &file).await?;
        }
        Command::Bench {
            what: Some(BenchWhat::Insert { file }),
        } => {
            jinguo::bench::insert(&services, &file).await?;
        }
        Command::Bench {
            what: Some(BenchWhat::Copy { file }),
        } => {
            jinguo::bench::copy(&services, &file).await?;
        }
        Command::Bench {
            what: Some(BenchWhat::Province { households }),
        } => {
            jinguo::bench::province(&services, households).await?;
        }
        Command::Bench {
            what:
                Some(BenchWhat::Country {
                    counties,
                    households,
                }),
        } => {
            jinguo::bench::country(&services, &cfg.database_url(), counties, households).await?;
        }
        Command::Bench {
            what: Some(BenchWhat::Escalation { steps }),
        } => {
            jinguo::bench::escalation(&services, steps).await?;
        }
        Command::Bench {
            what: Some(BenchWhat::Conference { cases, actions }),
        } => {
            jinguo::bench::conference(&services, cases, actions).await?;
        }
        Command::Bench {
            what: Some(BenchWhat::Worklist { households }),
        } => {
            jinguo::bench::worklist(&services, households).await?;
        }
        Command::Bench {
            what:
                Some(BenchWhat::Opinion {
                    items,
                    events,
                    seed,
                }),
        } => {
            jinguo::bench::opinion(&services, items, events, seed).await?;
        }
        Command::Bench {
            what: Some(BenchWhat::Report { year, runs }),
        } => {
            jinguo::bench::report(&services, year, runs).await?;
        }
        Command::Bench {
            what: Some(BenchWhat::Supervision { tasks }),
        } => {
            jinguo::bench::supervision(&services, tasks).await?;
        }
        Command::Bench {
            what: Some(BenchWhat::Deidentify { chars, runs }),
        } => {
            jinguo::bench::deidentify(chars, runs);
        }
        Command::Backup { file } => {
            let r = services
                .backup(&operator, &file)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            jinguo::out!(
                "backup of {} bytes written to {}; content checksum {}",
                r.bytes,
                file.display(),
                r.checksum
            );
        }
        Command::Restore { .. } => {}
        Command::Check { rebuild_tallies } => {
            if rebuild_tallies {
                services
                    .rebuild_tallies(&operator)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                jinguo::out!("tallies rebuilt from the households and the visits");
            }
            let lines = services
                .check(&operator)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut failed = 0;
            for l in &lines {
                jinguo::out!(
                    "{} {}: {}",
                    if l.ok { "ok  " } else { "FAIL" },
                    l.name,
                    l.detail
                );
                failed += usize::from(!l.ok);
            }
            if failed > 0 {
                anyhow::bail!("{failed} checks failed");
            }
        }
        Command::Export(Export::Households { place, reason, out }) => {
            use jinguo_services::import::ExportFormat;
            let extension = out
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            let format = match extension.as_deref() {
                Some("xlsx") => ExportFormat::Xlsx,
                Some("csv") => ExportFormat::Csv,
                _ => anyhow::bail!(
                    "--out {}: the file's name must end in .csv or .xlsx (the format written)",
                    out.display()
                ),
            };
            let bytes = services
                .export_households_as(&operator, &place, &reason, format)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(&out, bytes).with_context(|| format!("writing {}", out.display()))?;
            jinguo::out!("wrote {}", out.display());
        }
        Command::Keys(Keys::Rotate) => {
            let r = services
                .rotate_keys(&operator)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            jinguo::out!(
                "new active key {}; re-encrypted {} persons, {} households, {} visits, {} members, {} second-factor secrets",
                r.kid,
                r.persons,
                r.households,
                r.visits,
                r.members,
                r.accounts
            );
        }
        Command::Serve { .. } => {
            let options = cfg.http()?;
            let listener = jinguo::bind(cfg.listen).await?;
            let scheme = if options.tls.is_some() {
                "https"
            } else {
                "http"
            };
            jinguo::out!("Jinguo is serving on {scheme}://{}", listener.local_addr()?);
            let redirect = match cfg.redirect_http_listen {
                Some(addr) => {
                    let plain = jinguo::bind(addr).await?;
                    jinguo::out!("and redirects http://{} to HTTPS", plain.local_addr()?);
                    Some(plain)
                }
                None => None,
            };
            jinguo::serve_with(services, listener, options, redirect).await?;
        }
        Command::Demo {
            no_serve,
            small,
            representative_households,
            ..
        } => {
            let started = std::time::Instant::now();
            let r = if small {
                services
                    .ensure_demo_shaped(cfg.demo_seed, jinguo_services::demo::SMALL_CURRENT)
                    .await?
            } else {
                services.ensure_demo(cfg.demo_seed).await?
            };
            let accounts = services.ensure_demo_accounts().await?;
            services.ensure_demo_campaign().await?;
            if let Some(n) = representative_households {
                let group = jinguo_services::demo::REPRESENTATIVE_GROUP;
                let her = jinguo_storage::member::at_place(&services.db, group, "representative")
                    .await?
                    .first()
                    .copied()
                    .ok_or_else(|| anyhow::anyhow!("no representative in {group}"))?;
                let handed = services
                    .demo_hand_households(group, her, n)
                    .await
                    .map_err(|e| anyhow::anyhow!("{group} cannot hand {n} households: {e}"))?;
                jinguo::out!("daibiao answers for {handed} households of {group}.");
            }
            if r.created {
                jinguo::out!(
                    "Created the Anning demo in {:.1} s: {} places, {} members, {} households, {} persons, {} screening visits in 2021 and {} this year.",
                    started.elapsed().as_secs_f64(),
                    r.places,
                    r.members,
                    r.households,
                    r.persons,
                    r.visits,
                    r.visits_this_year
                );
            } else {
                jinguo::out!("The demo data is already there; reusing it.");
            }
            jinguo::out!(
                "Demo accounts, password {}:",
                jinguo_services::demo::DEMO_PASSWORD
            );
            for a in &accounts {
                jinguo::out!("{}", a.line());
            }
            if !no_serve {
                let listener = jinguo::bind(cfg.listen).await?;
                let addr = listener.local_addr()?;
                jinguo::out!(
                    "Open http://{addr}/ in a browser (简体中文; English via the switch at the top right) and log in with one of the accounts above."
                );
                jinguo::out!(
                    "Administrators set up a one-time-code app at first login. Names, ID numbers, phones and addresses are shown masked."
                );
                jinguo::out!(
                    "API: http://{addr}/api/v1/home  ·  OpenAPI: http://{addr}/api/openapi.json  ·  Stop with Ctrl-C."
                );
                jinguo::serve_with(services, listener, cfg.http()?, None).await?;
            }
        }
    }
    db.close().await;
    Ok(())
}

fn password_input() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("JINGUO_PASSWORD") {
        return Ok(p);
    }
    eprint!("password: ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn user(services: &Services, operator: &Caller, u: User) -> anyhow::Result<()> {
    let show = |e: ServiceError| match e {
        ServiceError::Invalid(v) => anyhow::anyhow!(
            "{}",
            v.0.iter()
                .map(|f| f.message(jinguo_domain::Lang::En))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::anyhow!("{other}"),
    };
    match u {
        User::Add {
            username,
            role,
            place,
            name,
        } => {
            let role = Role::parse(&role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?;
            let a = NewAccount {
                display_name: name.unwrap_or_else(|| username.clone()),
                username,
                password: password_input()?,
                role: Some(role),
                place,
            };
            services.create_account(operator, &a).await.map_err(show)?;
            jinguo::out!(
                "account {} created ({} @ {})",
                a.username,
                role.key(),
                a.place
            );
        }
        User::Lock { username } => {
            services
                .administer_account(operator, &username, AccountAction::Lock)
                .await
                .map_err(show)?;
            jinguo::out!("account {username} locked");
        }
        User::Unlock { username } => {
            services
                .administer_account(operator, &username, AccountAction::Unlock)
                .await
                .map_err(show)?;
            jinguo::out!("account {username} unlocked");
        }
        User::Reset { username } => {
            let password = password_input()?;
            services
                .administer_account(operator, &username, AccountAction::Reset { password })
                .await
                .map_err(show)?;
            jinguo::out!("password of {username} reset; it must be changed at next login");
        }
        User::Link { username, member } => {
            services
                .link_member(operator, &username, member)
                .await
                .map_err(show)?;
            jinguo::out!("{username} linked to member {member}");
        }
    }
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
