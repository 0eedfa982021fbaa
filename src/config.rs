//! Configuration: defaults, then a TOML file, then `JINGUO_*` environment variables, then flags.
//! Unknown keys in the file are refused, so a misspelt setting never goes unnoticed.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`; default: an SQLite file in `data_dir`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// `postgres://…` of a streaming replica of `database_url`: dashboards, coverage and campaign
    /// progress read their figures there. Unset: everything reads from `database_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_url: Option<String>,
    /// Where the embedded database and other files live.
    pub data_dir: PathBuf,
    /// The address the web server listens on.
    pub listen: SocketAddr,
    /// The key file of the fields encrypted at rest; default: `keys.toml` in `data_dir`.
    /// Keep it apart from the database's backups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys_file: Option<PathBuf>,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// Seed of the demo data set; the same seed gives the same data.
    pub demo_seed: u64,
    /// How long audit entries are kept before `jinguo audit prune` may remove them (≥ 180).
    pub audit_retention_days: i64,
    /// Where anchors of the audit chain go: a file path (appended), `stdout`, or an http(s)
    /// webhook. Unset: none are written on a schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_anchor: Option<String>,
    /// Seconds between two anchors written by the server's worker.
    pub audit_anchor_seconds: u64,
    /// Passwords: at least this many characters …
    pub password_min_length: usize,
    /// … of at least this many classes (lower case, upper case, digits, other).
    pub password_min_classes: usize,
    /// Failed logins in a row that lock an account …
    pub max_failed_logins: i32,
    /// … for this many minutes.
    pub lock_minutes: i64,
    /// A session ends after this many minutes without a request …
    pub idle_minutes: i64,
    /// … and after this many hours in any case.
    pub session_hours: i64,
    /// Coverage: a women's representative answering for more households than this carries too much …
    pub max_households_per_representative: i64,
    /// … and so does an executive answering for more units than this.
    pub max_units_per_executive: i64,
    /// How long a server keeps what pages read again and again (callers of sessions, places,
    /// figures) at most: a change made through another server or a command is seen within this.
    /// Its own writes take effect at once. 0 keeps nothing.
    pub cache_milliseconds: u64,
    /// Anti-domestic-violence linkage: hours between two levels of an escalation (liaison
    /// officers → the department's heads → the county federation's chair).
    pub escalation_hours: i64,
    /// Whom a referral's passed deadline reaches, level by level: `liaison` (the department's
    /// liaison officers, robot and duty phone), `head` (its heads), `chair` (the county
    /// federation's chair), in any order, each at most once.
    pub escalation_chain: Vec<String>,
    /// How often the server looks for due clocks and undelivered messages, in seconds.
    pub worker_seconds: u64,
    /// An SMS gateway taking `{"to", "text"}` by POST; unset: SMS are written to the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_gateway_url: Option<String>,
    /// Group robots, the SMS gateway and an anchor webhook on this machine's loopback addresses
    /// may be reached (off by default; private, link-local and metadata addresses are refused
    /// always).
    pub delivery_loopback: bool,
    /// Micro-wishes: days a donor has to fulfil a wish she claimed before it is offered again.
    pub wish_claim_days: i64,
    /// Micro-wishes: claims one address may make in an hour.
    pub wish_claims_per_hour: i64,
    /// Public opinion: hours from finding a topic of grade I or II to the first authoritative
    /// information.
    pub opinion_first_hours: i64,
    /// Public opinion: hours to the press response to a grade I topic.
    pub opinion_press_hours: i64,
    /// Public opinion: hours to the answer of a grade III or IV topic.
    pub opinion_answer_hours: i64,
    /// Public opinion: the largest feed the worker reads, in bytes.
    pub opinion_max_feed_bytes: usize,
    /// Public opinion: seconds a feed has to answer.
    pub opinion_fetch_seconds: u64,
    /// Public opinion: feeds on this machine's loopback addresses may be fetched (off by
    /// default; feeds leading to private, link-local or metadata addresses are refused always).
    pub opinion_feed_loopback: bool,
    /// Supervision: a task's light turns yellow this many days before its deadline.
    pub supervision_yellow_days: i64,
    /// Supervision: working days from the reminder (the day after a missed deadline) to the
    /// written notice.
    pub supervision_notice_working_days: i64,
    /// Most-beautiful families: the shortest public notice, in days (never fewer than 3).
    pub family_notice_days: i64,
    /// Most-beautiful families: objections one address may send in an hour from the public page.
    pub family_objections_per_hour: i64,
    /// The 12338 hotline's service hours on working days (`08:30-11:30,14:30-17:30`); calls
    /// outside them are marked.
    pub hotline_hours: String,
    /// Published figures and tables sent upward show counts from 1 to this − 1 as "<this", with
    /// further cells hidden so that none can be worked out from the totals (3 to 100).
    pub suppression_threshold: i64,
    /// The public figures (page and API, no account): requests one client may make a minute,
    /// and at once (a token bucket); past them 429 with `Retry-After`.
    pub public_figures_per_minute: u32,
    pub public_figures_burst: u32,
    /// Addresses of reverse proxies in front of this server: for a request from one of them the
    /// client is the last address of its `X-Forwarded-For` (rate limits of the public pages).
    /// Empty by default: the connection's address, never a header a client could set.
    pub trusted_proxies: Vec<String>,
    /// Font files PDFs are set in (the first with Chinese characters is used); by default those
    /// of Debian's fonts-wqy-microhei and fonts-noto-cjk.
    pub pdf_fonts: Vec<String>,
    /// Who may ask for emergency access (break the glass), as `role@level`: a role held over a
    /// place of that level (`county`, `township`, …). Administrators never.
    pub emergency_access_roles: Vec<String>,
    /// The longest emergency access lasts, in minutes (1 to 240).
    pub emergency_access_minutes: i64,
    /// Exports in clear (household and member sheets) one account may make in a day.
    pub clear_exports_per_day: i64,
    /// Seconds a client has to send a request's headers (and to finish a TLS handshake); an
    /// idle connection is closed after as long.
    pub header_read_timeout_seconds: u64,
    /// Seconds a client may pause while sending a request's body.
    pub body_read_timeout_seconds: u64,
    /// Connections one client address may hold at once; more are closed at once.
    pub max_connections_per_address: usize,
    /// Serve HTTPS: the certificate chain (PEM). Needs `tls_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_certificate: Option<PathBuf>,
    /// Serve HTTPS: the private key (PEM). Needs `tls_certificate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    /// With HTTPS: a plain-HTTP address whose every request is redirected to HTTPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_http_listen: Option<SocketAddr>,
    /// Behind a reverse proxy terminating TLS: trust its `X-Forwarded-Proto: https` (Secure
    /// cookies, HSTS). Only when every request comes through that proxy.
    pub trust_forwarded_proto: bool,
    /// The largest file an import takes, in bytes (the command line and the web alike; the web
    /// takes no larger request body for an import).
    pub max_import_bytes: u64,
    /// The most rows (after the header) a household sheet may have.
    pub max_import_rows: u64,
    /// Seconds an import's request (the upload of a sheet, its check and its writing, API and
    /// page) may take before the server answers 408; every other request has 30 (30 to 86400).
    pub import_timeout_seconds: u64,
    /// The latest date accepted (deadlines, campaign ends, validities) is this many years ahead
    /// of today (1 to 100); the earliest is always 1900-01-01.
    pub date_horizon_years: u32,
    /// Risk assessment: the weighted count of "yes" answers that makes the risk high …
    pub risk_high_score: i64,
    /// … and medium.
    pub risk_medium_score: i64,
    /// Risk assessment: incidents in the last twelve months that make the risk high (escalation).
    pub risk_escalation_incidents: i64,
    /// Case conference: days within which a high-risk case is heard …
    pub conference_days: i64,
    /// … and hours when a danger to life was named.
    pub conference_urgent_hours: i64,
    // The legal time limits: the law's value is the default and the most allowed
    // (`jinguo_domain::limits`); a laxer one is refused at start.
    /// Protection order: hours a court has to decide after accepting (at most 72, Anti-Domestic Violence Law art. 28).
    pub order_decision_hours: i64,
    /// … when urgent (at most 24).
    pub order_urgent_decision_hours: i64,
    /// Protection order: the longest validity, in months (at most 6, art. 30).
    pub order_max_months: i64,
    /// Protection order: days after a decision to ask for reconsideration (at most 5, art. 31).
    pub order_reconsideration_days: i64,
    /// Warning letter: days within which it is followed by a visit (at most 90).
    pub warning_followup_days: i64,
    /// Mandatory report: hours to act on it (at most 24).
    pub report_action_hours: i64,
    /// … when a minor is concerned (at most 1).
    pub report_minor_action_hours: i64,
    /// Emergency placement before shelter, in hours (at most 24).
    pub emergency_placement_hours: i64,
    /// Mediation: months from registration to conclusion (at most 1).
    pub mediation_months: i64,
    /// Mediation referred by a court before filing: days from acceptance (at most 30).
    pub court_before_filing_days: i64,
    /// Mediation entrusted after filing: days from acceptance (at most 15) …
    pub court_after_filing_days: i64,
    /// … under the simplified procedure (at most 7).
    pub court_after_filing_simplified_days: i64,
    /// Judicial confirmation: days from the agreement to apply (at most 30, People's Mediation Law art. 33).
    pub confirmation_days: i64,
}

/// `staff@county` → (staff, county); `None` for anything else or an administrator's role.
fn emergency_role(
    s: &str,
) -> Option<(
    jinguo_domain::account::Role,
    jinguo_domain::place::PlaceLevel,
)> {
    let (role, level) = s.trim().split_once('@')?;
    let role = jinguo_domain::account::Role::parse(role)?;
    let level = jinguo_domain::place::PlaceLevel::ALL
        .into_iter()
        .find(|l| format!("{l:?}").eq_ignore_ascii_case(level.trim()))?;
    (!role.is_admin()).then_some((role, level))
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        let law = jinguo_domain::limits::LegalLimits::LAW;
        let risk = jinguo_domain::assessment::Thresholds::default();
        let hearing = jinguo_domain::conference::HearingLimits::default();
        Self {
            conference_days: hearing.days,
            conference_urgent_hours: hearing.urgent_hours,
            risk_high_score: risk.high_score,
            risk_medium_score: risk.medium_score,
            risk_escalation_incidents: risk.escalation_incidents,
            order_decision_hours: law.order_decision_hours,
            order_urgent_decision_hours: law.order_urgent_decision_hours,
            order_max_months: law.order_max_months,
            order_reconsideration_days: law.order_reconsideration_days,
            warning_followup_days: law.warning_followup_days,
            report_action_hours: law.report_action_hours,
            report_minor_action_hours: law.report_minor_action_hours,
            emergency_placement_hours: law.emergency_placement_hours,
            mediation_months: law.mediation_months,
            court_before_filing_days: law.court_before_filing_days,
            court_after_filing_days: law.court_after_filing_days,
            court_after_filing_simplified_days: law.court_after_filing_simplified_days,
            confirmation_days: law.confirmation_days,
            database_url: None,
            replica_url: None,
            cache_milliseconds: 2000,
            escalation_hours: 4,
            escalation_chain: vec!["liaison".into(), "head".into(), "chair".into()],
            worker_seconds: 30,
            sms_gateway_url: None,
            delivery_loopback: false,
            wish_claim_days: jinguo_domain::care::CLAIM_DAYS,
            wish_claims_per_hour: 10,
            opinion_first_hours: 4,
            opinion_press_hours: 24,
            opinion_answer_hours: 48,
            opinion_max_feed_bytes: 5 * 1024 * 1024,
            opinion_fetch_seconds: 20,
            opinion_feed_loopback: false,
            supervision_yellow_days: 3,
            supervision_notice_working_days: 5,
            family_notice_days: 3,
            family_objections_per_hour: 5,
            hotline_hours: "08:30-11:30,14:30-17:30".into(),
            suppression_threshold: jinguo_domain::suppress::DEFAULT_THRESHOLD,
            public_figures_per_minute: 60,
            public_figures_burst: 20,
            trusted_proxies: Vec::new(),
            pdf_fonts: jinguo_interchange::pdf::DEFAULT_FONTS
                .iter()
                .map(|p| p.to_string())
                .collect(),
            emergency_access_roles: vec!["staff@county".into(), "staff@township".into()],
            emergency_access_minutes: 60,
            clear_exports_per_day: 5,
            header_read_timeout_seconds: 10,
            body_read_timeout_seconds: 30,
            max_connections_per_address: 128,
            tls_certificate: None,
            tls_key: None,
            redirect_http_listen: None,
            trust_forwarded_proto: false,
            max_import_bytes: jinguo_services::import::ImportLimits::default().max_bytes,
            max_import_rows: jinguo_services::import::ImportLimits::default().max_rows,
            import_timeout_seconds: jinguo_services::import::ImportLimits::default()
                .timeout
                .as_secs(),
            date_horizon_years: jinguo_domain::screening::DEFAULT_HORIZON_YEARS,
            data_dir: PathBuf::from("data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            keys_file: None,
            log_format: LogFormat::Text,
            demo_seed: 2021,
            audit_retention_days: 365,
            audit_anchor: None,
            audit_anchor_seconds: 3600,
            password_min_length: 10,
            password_min_classes: 3,
            max_failed_logins: 5,
            lock_minutes: 30,
            idle_minutes: 15,
            session_hours: 12,
            max_households_per_representative: 100,
            max_units_per_executive: 10,
        }
    }
}

const ENV_KEYS: [&str; 71] = [
    "order_reconsideration_days",
    "conference_days",
    "conference_urgent_hours",
    "risk_high_score",
    "risk_medium_score",
    "risk_escalation_incidents",
    "order_decision_hours",
    "order_urgent_decision_hours",
    "order_max_months",
    "warning_followup_days",
    "report_action_hours",
    "report_minor_action_hours",
    "emergency_placement_hours",
    "mediation_months",
    "court_before_filing_days",
    "court_after_filing_days",
    "court_after_filing_simplified_days",
    "confirmation_days",
    "hotline_hours",
    "suppression_threshold",
    "public_figures_per_minute",
    "public_figures_burst",
    "pdf_fonts",
    "supervision_yellow_days",
    "supervision_notice_working_days",
    "family_notice_days",
    "family_objections_per_hour",
    "opinion_first_hours",
    "opinion_press_hours",
    "opinion_answer_hours",
    "opinion_max_feed_bytes",
    "opinion_fetch_seconds",
    "opinion_feed_loopback",
    "import_timeout_seconds",
    "date_horizon_years",
    "header_read_timeout_seconds",
    "body_read_timeout_seconds",
    "max_connections_per_address",
    "tls_certificate",
    "tls_key",
    "redirect_http_listen",
    "trust_forwarded_proto",
    "max_import_bytes",
    "max_import_rows",
    "emergency_access_minutes",
    "clear_exports_per_day",
    "escalation_hours",
    "wish_claim_days",
    "wish_claims_per_hour",
    "worker_seconds",
    "sms_gateway_url",
    "delivery_loopback",
    "max_households_per_representative",
    "max_units_per_executive",
    "password_min_length",
    "password_min_classes",
    "max_failed_logins",
    "lock_minutes",
    "idle_minutes",
    "session_hours",
    "database_url",
    "replica_url",
    "data_dir",
    "listen",
    "keys_file",
    "log_format",
    "demo_seed",
    "audit_retention_days",
    "audit_anchor",
    "audit_anchor_seconds",
    "cache_milliseconds",
];

impl Config {
    /// Loads the configuration. `file`: an explicit file (must exist), else `jinguo.toml` in the
    /// working folder when present. `overrides`: settings given as flags.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => {
                if !f.exists() {
                    return Err(Box::new(figment::Error::from(format!(
                        "configuration file {} does not exist",
                        f.display()
                    ))));
                }
                fig = fig.merge(Toml::file_exact(f));
            }
            None => fig = fig.merge(Toml::file("jinguo.toml")),
        }
        fig = fig
            .merge(Env::prefixed("JINGUO_").only(&ENV_KEYS))
            .merge(Serialized::defaults(overrides));
        let cfg: Config = fig.extract().map_err(Box::new)?;
        let chain: Vec<Option<jinguo_domain::linkage::Rung>> = cfg
            .escalation_chain
            .iter()
            .map(|r| jinguo_domain::linkage::Rung::parse(r))
            .collect();
        let mut distinct: Vec<_> = chain.iter().flatten().collect();
        distinct.sort();
        distinct.dedup();
        let rules: [(bool, &str); 41] = [
            (
                cfg.sms_gateway_url.as_deref().is_none_or(|u| {
                    !jinguo_services::outbound::address_refused(u, cfg.delivery_loopback)
                }),
                "sms_gateway_url must be a web address that does not lead to this machine or an internal network",
            ),
            (
                (1..=90).contains(&cfg.conference_days)
                    && (1..=720).contains(&cfg.conference_urgent_hours),
                "conference_days must be 1 to 90 and conference_urgent_hours 1 to 720",
            ),
            (
                (1..=cfg.risk_high_score).contains(&cfg.risk_medium_score)
                    && cfg.risk_high_score <= 600
                    && (1..=100).contains(&cfg.risk_escalation_incidents),
                "risk_medium_score must be 1 to risk_high_score (at most 600), risk_escalation_incidents 1 to 100",
            ),
            (
                (30..=86_400).contains(&cfg.import_timeout_seconds),
                "import_timeout_seconds must be 30 to 86400",
            ),
            (
                (1..=100).contains(&cfg.date_horizon_years),
                "date_horizon_years must be 1 to 100",
            ),
            (
                (60..=86_400).contains(&cfg.audit_anchor_seconds),
                "audit_anchor_seconds must be 60 to 86400",
            ),
            (
                (1..=300).contains(&cfg.header_read_timeout_seconds),
                "header_read_timeout_seconds must be 1 to 300",
            ),
            (
                (1..=600).contains(&cfg.body_read_timeout_seconds),
                "body_read_timeout_seconds must be 1 to 600",
            ),
            (
                cfg.max_connections_per_address >= 1,
                "max_connections_per_address must be at least 1",
            ),
            (
                cfg.tls_certificate.is_some() == cfg.tls_key.is_some(),
                "tls_certificate and tls_key go together: set both or neither",
            ),
            (
                cfg.redirect_http_listen.is_none() || cfg.tls_certificate.is_some(),
                "redirect_http_listen needs HTTPS (tls_certificate and tls_key)",
            ),
            (
                (1024..=1 << 32).contains(&cfg.max_import_bytes),
                "max_import_bytes must be 1024 to 4294967296",
            ),
            (
                cfg.max_import_rows >= 1,
                "max_import_rows must be at least 1",
            ),
            (
                cfg.emergency_access_roles
                    .iter()
                    .all(|r| emergency_role(r).is_some()),
                "emergency_access_roles must list role@level pairs such as staff@county, never an administrator's role",
            ),
            (
                (1..=240).contains(&cfg.emergency_access_minutes),
                "emergency_access_minutes must be 1 to 240",
            ),
            (
                cfg.clear_exports_per_day >= 0,
                "clear_exports_per_day must be 0 or more",
            ),
            (
                !chain.is_empty()
                    && chain.iter().all(Option::is_some)
                    && distinct.len() == chain.len(),
                "escalation_chain must list liaison, head or chair, each at most once",
            ),
            (
                (1..=168).contains(&cfg.escalation_hours),
                "escalation_hours must be 1 to 168",
            ),
            (
                (1..=3600).contains(&cfg.worker_seconds),
                "worker_seconds must be 1 to 3600",
            ),
            (
                (1..=365).contains(&cfg.wish_claim_days),
                "wish_claim_days must be 1 to 365",
            ),
            (
                cfg.wish_claims_per_hour >= 1,
                "wish_claims_per_hour must be at least 1",
            ),
            (
                [
                    cfg.opinion_first_hours,
                    cfg.opinion_press_hours,
                    cfg.opinion_answer_hours,
                ]
                .iter()
                .all(|h| (1..=720).contains(h)),
                "opinion_first_hours, opinion_press_hours and opinion_answer_hours must be 1 to 720",
            ),
            (
                (1024..=1024 * 1024 * 1024).contains(&cfg.opinion_max_feed_bytes),
                "opinion_max_feed_bytes must be 1 KiB to 1 GiB",
            ),
            (
                (1..=300).contains(&cfg.opinion_fetch_seconds),
                "opinion_fetch_seconds must be 1 to 300",
            ),
            (
                (0..=60).contains(&cfg.supervision_yellow_days),
                "supervision_yellow_days must be 0 to 60",
            ),
            (
                (1..=60).contains(&cfg.supervision_notice_working_days),
                "supervision_notice_working_days must be 1 to 60",
            ),
            (
                (3..=60).contains(&cfg.family_notice_days),
                "family_notice_days must be 3 to 60",
            ),
            (
                (1..=1000).contains(&cfg.family_objections_per_hour),
                "family_objections_per_hour must be 1 to 1000",
            ),
            (
                (1..=100_000).contains(&cfg.public_figures_per_minute)
                    && (1..=100_000).contains(&cfg.public_figures_burst),
                "public_figures_per_minute and public_figures_burst must be 1 to 100000",
            ),
            (
                cfg.trusted_proxies
                    .iter()
                    .all(|a| a.trim().parse::<std::net::IpAddr>().is_ok()),
                "trusted_proxies must list IP addresses such as 10.0.0.2",
            ),
            (
                jinguo_domain::suppress::valid_threshold(cfg.suppression_threshold),
                "suppression_threshold must be 3 to 100",
            ),
            (
                jinguo_domain::hotline::ServiceHours::parse(&cfg.hotline_hours).is_some(),
                "hotline_hours must be spans of times such as 08:30-11:30,14:30-17:30",
            ),
            (
                cfg.max_households_per_representative >= 1,
                "max_households_per_representative must be at least 1",
            ),
            (
                cfg.max_units_per_executive >= 1,
                "max_units_per_executive must be at least 1",
            ),
            (
                cfg.audit_retention_days >= 180,
                "audit_retention_days must be at least 180",
            ),
            (
                cfg.password_min_length >= 8,
                "password_min_length must be at least 8",
            ),
            (
                (1..=4).contains(&cfg.password_min_classes),
                "password_min_classes must be 1 to 4",
            ),
            (
                cfg.max_failed_logins >= 1,
                "max_failed_logins must be at least 1",
            ),
            (cfg.lock_minutes >= 1, "lock_minutes must be at least 1"),
            (
                (1..=1440).contains(&cfg.idle_minutes),
                "idle_minutes must be 1 to 1440",
            ),
            (
                (1..=168).contains(&cfg.session_hours),
                "session_hours must be 1 to 168",
            ),
        ];
        if let Some((_, msg)) = rules.iter().find(|(ok, _)| !ok) {
            return Err(Box::new(figment::Error::from(msg.to_string())));
        }
        cfg.legal()
            .check()
            .map_err(|msg| Box::new(figment::Error::from(msg)))?;
        Ok(cfg)
    }

    /// The legal time limits for the services.
    pub fn legal(&self) -> jinguo_domain::limits::LegalLimits {
        jinguo_domain::limits::LegalLimits {
            order_decision_hours: self.order_decision_hours,
            order_urgent_decision_hours: self.order_urgent_decision_hours,
            order_max_months: self.order_max_months,
            order_reconsideration_days: self.order_reconsideration_days,
            warning_followup_days: self.warning_followup_days,
            report_action_hours: self.report_action_hours,
            report_minor_action_hours: self.report_minor_action_hours,
            emergency_placement_hours: self.emergency_placement_hours,
            mediation_months: self.mediation_months,
            court_before_filing_days: self.court_before_filing_days,
            court_after_filing_days: self.court_after_filing_days,
            court_after_filing_simplified_days: self.court_after_filing_simplified_days,
            confirmation_days: self.confirmation_days,
        }
    }

    /// When a high-risk case must be heard at a conference.
    pub fn hearing(&self) -> jinguo_domain::conference::HearingLimits {
        jinguo_domain::conference::HearingLimits {
            days: self.conference_days,
            urgent_hours: self.conference_urgent_hours,
        }
    }

    /// When a risk assessment's result is medium or high.
    pub fn assessment(&self) -> jinguo_domain::assessment::Thresholds {
        jinguo_domain::assessment::Thresholds {
            high_score: self.risk_high_score,
            medium_score: self.risk_medium_score,
            escalation_incidents: self.risk_escalation_incidents,
        }
    }

    /// The linkage's settings for the services.
    pub fn linkage(&self) -> jinguo_services::linkage::LinkagePolicy {
        jinguo_services::linkage::LinkagePolicy {
            escalation_step: chrono::Duration::hours(self.escalation_hours),
            chain: self
                .escalation_chain
                .iter()
                .filter_map(|r| jinguo_domain::linkage::Rung::parse(r))
                .collect(),
            worker_every: std::time::Duration::from_secs(self.worker_seconds),
            sms_gateway: self.sms_gateway_url.clone(),
            delivery_loopback: self.delivery_loopback,
            ..Default::default()
        }
    }

    /// How the server reads and limits connections, and its TLS configuration when set.
    pub fn http(&self) -> anyhow::Result<crate::server::HttpOptions> {
        let tls = match (&self.tls_certificate, &self.tls_key) {
            (Some(cert), Some(key)) => Some(crate::server::tls_config(cert, key)?),
            _ => None,
        };
        Ok(crate::server::HttpOptions {
            header_read_timeout: std::time::Duration::from_secs(self.header_read_timeout_seconds),
            body_read_timeout: std::time::Duration::from_secs(self.body_read_timeout_seconds),
            max_connections_per_address: self.max_connections_per_address,
            tls,
            trust_forwarded_proto: self.trust_forwarded_proto,
        })
    }

    /// Where and how often the worker writes an anchor of the audit chain.
    pub fn anchors(&self) -> jinguo_services::anchor::AnchorPolicy {
        jinguo_services::anchor::AnchorPolicy {
            sink: self
                .audit_anchor
                .as_deref()
                .and_then(jinguo_services::anchor::AnchorSink::parse),
            every: std::time::Duration::from_secs(self.audit_anchor_seconds),
        }
    }

    /// How large an import may be, for the services.
    pub fn imports(&self) -> jinguo_services::import::ImportLimits {
        jinguo_services::import::ImportLimits {
            max_bytes: self.max_import_bytes,
            max_rows: self.max_import_rows,
            timeout: std::time::Duration::from_secs(self.import_timeout_seconds),
        }
    }

    /// How often one client may ask for the public figures, for the web.
    pub fn public_rate(&self) -> jinguo_services::public_figures::PublicRate {
        jinguo_services::public_figures::PublicRate {
            per_minute: self.public_figures_per_minute,
            burst: self.public_figures_burst,
            trusted_proxies: self
                .trusted_proxies
                .iter()
                .filter_map(|a| a.trim().parse().ok())
                .collect(),
        }
    }

    /// The settings of care for the services.
    pub fn care(&self) -> jinguo_services::care::CarePolicy {
        jinguo_services::care::CarePolicy {
            claim_days: self.wish_claim_days,
            claims_per_hour: self.wish_claims_per_hour,
        }
    }

    /// Public opinion's settings for the services.
    pub fn opinion(&self) -> jinguo_services::opinion::OpinionPolicy {
        jinguo_services::opinion::OpinionPolicy {
            limits: jinguo_domain::opinion::Limits {
                first_information_hours: self.opinion_first_hours,
                press_hours: self.opinion_press_hours,
                answer_hours: self.opinion_answer_hours,
            },
            max_feed_bytes: self.opinion_max_feed_bytes,
            fetch_timeout: std::time::Duration::from_secs(self.opinion_fetch_seconds),
            feed_loopback: self.opinion_feed_loopback,
            ..Default::default()
        }
    }

    /// Supervision's settings for the services.
    pub fn supervision(&self) -> jinguo_domain::supervision::Policy {
        jinguo_domain::supervision::Policy {
            yellow_days: self.supervision_yellow_days,
            notice_working_days: self.supervision_notice_working_days,
        }
    }

    /// The most-beautiful-family selection's settings for the services.
    pub fn family(&self) -> jinguo_services::family::FamilyPolicy {
        jinguo_services::family::FamilyPolicy {
            notice_days: self.family_notice_days,
            objections_per_hour: self.family_objections_per_hour,
        }
    }

    /// The hotline's service hours for the services (checked when the configuration is read).
    pub fn hotline_hours(&self) -> jinguo_domain::hotline::ServiceHours {
        jinguo_domain::hotline::ServiceHours::parse(&self.hotline_hours).unwrap_or_default()
    }

    pub fn keys_file(&self) -> PathBuf {
        self.keys_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys.toml"))
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!(
                "sqlite://{}",
                self.data_dir.join("jinguo.sqlite3").display()
            ),
        }
    }
}

/// Settings given on the command line; absent ones leave the others in force.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
}

/// A database URL fit for a log or an error message: no password.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..s], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

impl Config {
    /// The security rules of this configuration.
    pub fn security(&self) -> jinguo_services::SecurityPolicy {
        jinguo_services::SecurityPolicy {
            password_min_len: self.password_min_length,
            password_min_classes: self.password_min_classes,
            max_failures: self.max_failed_logins,
            lock_minutes: self.lock_minutes,
            idle_minutes: self.idle_minutes,
            session_hours: self.session_hours,
            max_households: self.max_households_per_representative,
            max_units: self.max_units_per_executive,
            emergency_roles: self
                .emergency_access_roles
                .iter()
                .filter_map(|r| emergency_role(r))
                .collect(),
            emergency_max_minutes: self.emergency_access_minutes,
            clear_exports_per_day: self.clear_exports_per_day,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_toml(text: &str) -> Result<Config, Box<figment::Error>> {
        let dir = std::env::temp_dir().join(format!("jinguo-config-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).map_err(|e| Box::new(figment::Error::from(e.to_string())))?;
        let file = dir.join("jinguo.toml");
        std::fs::write(&file, text).map_err(|e| Box::new(figment::Error::from(e.to_string())))?;
        let overrides = Overrides {
            database_url: None,
            data_dir: None,
            listen: None,
        };
        let r = Config::load(Some(&file), &overrides);
        let _ = std::fs::remove_dir_all(&dir);
        r
    }

    #[test]
    fn the_escalation_chain_is_configured_and_checked() {
        use jinguo_domain::linkage::Rung;
        let cfg = load_toml("escalation_chain = [\"head\", \"chair\"]\nescalation_hours = 2\n");
        let policy = cfg.map(|c| c.linkage()).map_err(|e| e.to_string());
        assert_eq!(
            policy
                .as_ref()
                .map(|p| (p.chain.clone(), p.escalation_step.num_hours())),
            Ok((vec![Rung::Head, Rung::Chair], 2))
        );
        for bad in [
            "escalation_chain = []",
            "escalation_chain = [\"liaison\", \"liaison\"]",
            "escalation_chain = [\"mayor\"]",
            "escalation_hours = 0",
        ] {
            let e = load_toml(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("escalation_"), "{bad}: {e}");
        }
    }

    #[test]
    fn an_sms_gateway_on_an_internal_address_is_refused() {
        for bad in [
            "sms_gateway_url = \"http://10.1.2.3/sms\"",
            "sms_gateway_url = \"http://169.254.169.254/latest\"",
            "sms_gateway_url = \"http://127.0.0.1:9000/sms\"",
            "sms_gateway_url = \"http://[::1]:9000/sms\"",
            "sms_gateway_url = \"ftp://sms.example.cn/\"",
        ] {
            let e = load_toml(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("sms_gateway_url"), "{bad}: {e}");
        }
        let ok = |text: &str| {
            load_toml(text)
                .map(|c| c.linkage().sms_gateway)
                .ok()
                .flatten()
        };
        assert_eq!(
            ok("sms_gateway_url = \"https://sms.example.cn/send\""),
            Some("https://sms.example.cn/send".into())
        );
        // Loopback only when the setting allows it.
        assert_eq!(
            ok("sms_gateway_url = \"http://127.0.0.1:9000/sms\"\ndelivery_loopback = true"),
            Some("http://127.0.0.1:9000/sms".into())
        );
    }

    #[test]
    fn anchors_imports_and_dates_have_checked_settings() {
        let cfg = load_toml(
            "audit_anchor_seconds = 600\nimport_timeout_seconds = 1200\ndate_horizon_years = 20\n",
        )
        .map_err(|e| e.to_string());
        assert_eq!(
            cfg.as_ref().map(|c| (
                c.anchors().every.as_secs(),
                c.imports().timeout.as_secs(),
                c.date_horizon_years
            )),
            Ok((600, 1200, 20))
        );
        let defaults = load_toml("").map_err(|e| e.to_string());
        assert_eq!(
            defaults.as_ref().map(|c| (
                c.audit_anchor_seconds,
                c.import_timeout_seconds,
                c.date_horizon_years
            )),
            Ok((3600, 600, 10))
        );
        for (bad, key) in [
            ("audit_anchor_seconds = 0", "audit_anchor_seconds"),
            ("audit_anchor_seconds = 59", "audit_anchor_seconds"),
            ("audit_anchor_seconds = 86401", "audit_anchor_seconds"),
            ("import_timeout_seconds = 29", "import_timeout_seconds"),
            ("import_timeout_seconds = 86401", "import_timeout_seconds"),
            ("date_horizon_years = 0", "date_horizon_years"),
            ("date_horizon_years = 101", "date_horizon_years"),
        ] {
            let e = load_toml(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains(key), "{bad}: {e}");
        }
    }

    #[test]
    fn the_public_figures_rate_is_configured_and_checked() {
        let cfg = load_toml(
            "public_figures_per_minute = 30\npublic_figures_burst = 5\ntrusted_proxies = [\"10.0.0.2\", \"::1\"]\n",
        )
        .map_err(|e| e.to_string());
        let rate = cfg.map(|c| c.public_rate());
        assert_eq!(
            rate.as_ref()
                .map(|r| (r.per_minute, r.burst, r.trusted_proxies.len())),
            Ok((30, 5, 2))
        );
        assert_eq!(
            load_toml("")
                .map(|c| c.public_rate())
                .map_err(|e| e.to_string()),
            Ok(jinguo_services::public_figures::PublicRate::default())
        );
        for (bad, key) in [
            ("public_figures_per_minute = 0", "public_figures_per_minute"),
            ("public_figures_burst = 0", "public_figures_burst"),
            ("trusted_proxies = [\"proxy.local\"]", "trusted_proxies"),
        ] {
            let e = load_toml(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains(key), "{bad}: {e}");
        }
    }

    #[test]
    fn legal_limits_may_be_stricter_never_laxer() {
        let cfg = load_toml("order_decision_hours = 48\nconfirmation_days = 20\n")
            .map_err(|e| e.to_string());
        assert_eq!(
            cfg.as_ref()
                .map(|c| (c.legal().order_decision_hours, c.legal().confirmation_days)),
            Ok((48, 20))
        );
        let defaults = load_toml("").map_err(|e| e.to_string());
        assert_eq!(
            defaults.map(|c| c.legal()),
            Ok(jinguo_domain::limits::LegalLimits::LAW)
        );
        for (bad, key) in [
            ("order_decision_hours = 96", "order_decision_hours"),
            ("order_max_months = 7", "order_max_months"),
            ("mediation_months = 0", "mediation_months"),
            (
                "court_after_filing_simplified_days = 8",
                "court_after_filing_simplified_days",
            ),
        ] {
            let e = load_toml(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains(key), "{bad}: {e}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redact_url("sqlite://data/x.sqlite3"),
            "sqlite://data/x.sqlite3"
        );
    }
}
