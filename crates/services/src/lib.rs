//! Services: one use case = one function. Each takes who is asking (from the accounts module,
//! once it exists), validates, runs one transaction, and returns domain-shaped results that the
//! interfaces only translate. Personal data leaves this layer masked unless the use case needs it.

pub mod access;
pub mod accounts;
pub mod admin;
pub mod anchor;
pub mod annual;
pub mod assessment;
pub mod audit;
pub mod audit_search;
pub mod backup;
pub mod caches;
pub mod care;
pub mod care_import;
pub mod chain;
pub mod check;
pub mod clock;
pub mod conference;
pub mod consent;
pub mod coverage;
pub mod demo;
pub mod emergency;
pub mod error;
pub mod escalation;
pub mod family;
pub mod federations;
pub mod feeds;
pub mod hotline;
pub mod households;
pub mod import;
pub mod inbox;
pub mod landing;
pub mod linkage;
pub mod mediation;
pub mod meetings;
pub mod memo;
pub mod network;
pub mod opinion;
pub mod opinion_categories;
pub mod opinion_figures;
pub mod opinion_ingest;
pub mod outbound;
pub mod places;
pub mod public_figures;
pub mod reports;
pub mod request;
pub mod screening;
pub mod sealed;
pub mod supervision;
pub mod tables;
pub mod training;
pub mod typical;
pub mod volunteer;
pub mod worker;
pub mod worklist;

pub use access::Caller;
pub use accounts::SecurityPolicy;
pub use error::ServiceError;
pub use jinguo_crypto::keys::Keyring;
use jinguo_storage::Db;
use std::sync::Arc;

/// The file a document is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFormat {
    Docx,
    Pdf,
}

impl DocFormat {
    pub fn extension(self) -> &'static str {
        match self {
            DocFormat::Docx => "docx",
            DocFormat::Pdf => "pdf",
        }
    }
}

/// The services of one running Jinguo, over one database.
#[derive(Debug, Clone)]
pub struct Services {
    pub db: Db,
    /// Keys for the fields encrypted at rest; never stored in the database.
    pub keys: Arc<sealed::KeyStore>,
    pub security: SecurityPolicy,
    /// A read replica of `db` (PostgreSQL streaming replication) for the figures of dashboards,
    /// coverage and campaign progress; `None` reads them from `db`.
    pub replica: Option<Db>,
    /// What pages read again and again, kept a moment (see [`memo`]).
    pub caches: Arc<caches::Caches>,
    /// Writes the records of reads in batches (see [`audit::ReadLog`]).
    pub read_log: Arc<audit::ReadLog>,
    /// The linkage's settings: escalation, delivery.
    pub linkage: linkage::LinkagePolicy,
    /// Care's settings: how long a wish's claim holds.
    pub care: care::CarePolicy,
    /// How large an import may be.
    pub imports: import::ImportLimits,
    /// The client that delivers messages to group robots and an SMS gateway: public addresses
    /// only, no redirects (a robot's address is exact); see [`outbound`].
    pub http: reqwest::Client,
    /// Wakes the delivery worker when messages were committed.
    pub delivery_signal: Arc<tokio::sync::Notify>,
    /// Where and how often the worker writes anchors of the audit chain.
    pub anchors: anchor::AnchorPolicy,
    /// Public opinion's settings: time limits, grouping, feeds.
    pub opinion: opinion::OpinionPolicy,
    /// The counties' compiled keyword schemes and gazetteers.
    pub opinion_judges: Arc<opinion::Judges>,
    /// The legal time limits in force (never laxer than the law).
    pub limits: jinguo_domain::limits::LegalLimits,
    /// When a risk assessment's result is medium or high (weighted "yes", escalation).
    pub assessment: jinguo_domain::assessment::Thresholds,
    /// When a high-risk case must be heard at a conference.
    pub hearing: jinguo_domain::conference::HearingLimits,
    /// Supervision's settings: when the light turns yellow, when the written notice follows.
    pub supervision: jinguo_domain::supervision::Policy,
    /// The 12338 hotline's service hours: calls outside them are marked.
    pub hotline_hours: jinguo_domain::hotline::ServiceHours,
    /// The most-beautiful-family selection's settings: the shortest public notice, how many
    /// objections one address may send in an hour.
    pub family: family::FamilyPolicy,
    /// Counts from 1 to this − 1 are shown as "<this" in whatever is published or sent upward
    /// (`suppression_threshold`, 5 by default).
    pub suppression_threshold: i64,
    /// How often one client may ask for the public figures (`public_figures_per_minute`,
    /// `public_figures_burst`, `trusted_proxies`).
    pub public_rate: public_figures::PublicRate,
    /// The font files PDFs are set in (`pdf_fonts`; Debian's WenQuanYi Micro Hei by default),
    /// read at the first PDF.
    pub pdf_fonts: Vec<std::path::PathBuf>,
    /// Those fonts once read.
    pub pdf_loaded: Arc<std::sync::OnceLock<Result<jinguo_interchange::pdf::Fonts, String>>>,
}

impl Services {
    pub fn new(db: Db, keys: Arc<sealed::KeyStore>) -> Self {
        Self {
            db,
            keys,
            security: SecurityPolicy::default(),
            replica: None,
            caches: Arc::new(caches::Caches::new(caches::Caches::TTL)),
            read_log: Arc::default(),
            linkage: linkage::LinkagePolicy::default(),
            care: care::CarePolicy::default(),
            imports: import::ImportLimits::default(),
            http: outbound::client(false, 0),
            delivery_signal: Arc::default(),
            anchors: anchor::AnchorPolicy::default(),
            opinion: opinion::OpinionPolicy::default(),
            opinion_judges: Arc::default(),
            limits: jinguo_domain::limits::LegalLimits::LAW,
            assessment: jinguo_domain::assessment::Thresholds::default(),
            hearing: jinguo_domain::conference::HearingLimits::default(),
            supervision: jinguo_domain::supervision::Policy::default(),
            hotline_hours: jinguo_domain::hotline::ServiceHours::default(),
            family: family::FamilyPolicy::default(),
            suppression_threshold: jinguo_domain::suppress::DEFAULT_THRESHOLD,
            public_rate: public_figures::PublicRate::default(),
            pdf_fonts: jinguo_interchange::pdf::DEFAULT_FONTS
                .iter()
                .map(std::path::PathBuf::from)
                .collect(),
            pdf_loaded: Arc::default(),
        }
    }

    /// Paragraphs (those of a Word document) as PDF.
    pub fn pdf_of(
        &self,
        title: &str,
        p: &[jinguo_interchange::docx::Paragraph],
    ) -> Result<Vec<u8>, ServiceError> {
        let blocks: Vec<jinguo_interchange::pdf::Block> =
            p.iter().map(jinguo_interchange::pdf::Block::from).collect();
        self.pdf(title, &blocks, &[])
    }

    /// A document as PDF, in the configured fonts (read once).
    pub fn pdf(
        &self,
        title: &str,
        blocks: &[jinguo_interchange::pdf::Block],
        charts: &[(String, String)],
    ) -> Result<Vec<u8>, ServiceError> {
        let fonts = self
            .pdf_loaded
            .get_or_init(|| {
                jinguo_interchange::pdf::Fonts::load(&self.pdf_fonts).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| ServiceError::Internal(e.clone()))?;
        jinguo_interchange::pdf::write(fonts, title, blocks, charts)
            .map_err(|e| ServiceError::Internal(format!("pdf: {e}")))
    }

    /// Where figures are read from: the replica when there is one. A replica may lag a moment
    /// behind; nothing read from it is written back.
    pub fn figures_db(&self) -> &Db {
        self.replica.as_ref().unwrap_or(&self.db)
    }

    /// The client of outside deliveries (robots, the SMS gateway, anchors): [`Self::http`], or
    /// one that also reaches this machine's loopback when the linkage's settings allow it.
    pub(crate) fn delivery_client(&self) -> reqwest::Client {
        if self.linkage.delivery_loopback {
            outbound::client(true, 0)
        } else {
            self.http.clone()
        }
    }

    /// Reads of the database through the caches.
    pub fn cached(&self) -> caches::Cached<'_> {
        caches::Cached::new(&self.db, &self.caches, "db")
    }

    /// Reads of [`Self::figures_db`] through the caches.
    pub fn cached_figures(&self) -> caches::Cached<'_> {
        match &self.replica {
            Some(r) => caches::Cached::new(r, &self.caches, "replica"),
            None => self.cached(),
        }
    }
}
