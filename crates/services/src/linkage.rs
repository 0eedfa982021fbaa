//! The anti-domestic-violence linkage (反家暴联动): the mechanism's departments and their
//! liaison officers, domestic-violence cases, referrals that a department must acknowledge within
//! its limit, the legal instruments with their clocks.
//!
//! Who sees what: federation staff managing a case's place register it, refer it and record its
//! instruments; they see it with names and narrative masked unless it is theirs (they registered
//! it). A department's liaison officers and heads see only the referrals made to their department,
//! and of the case only the parts the referral shares. Every read and every change is audited.
//!
//! Clocks are rows of `deadline`, escalated by [`crate::escalation`]; notifications go to the
//! inbox ([`crate::inbox`]) and outside messages to the outbox, sent by [`crate::worker`]. Those
//! serve mediation and care as well.

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::inbox::Chain;
use crate::{Caller, ServiceError, Services, clock};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::linkage::{
    self as rules, Basis, CaseInput, CaseSource, DeadlineKind, EventInput, EventKind,
    InstrumentInput, InstrumentKind, ReferralInput, ReferralStatus, Request, RiskFactor, Severity,
    SharedField, ViolenceKind,
};
use jinguo_domain::mask;
use jinguo_domain::place::PlaceCode;
use jinguo_domain::screening::Risk;
use jinguo_storage::linkage::{
    self as store, CaseRow, CaseStepRow, DeadlineRow, DepartmentRow, EventRow, InstrumentRow,
    ReferralRow,
};
use jinguo_storage::{Reader, Seen, StorageError, db_tx};
use uuid::Uuid;

/// Cases or referrals listed at most on one page.
pub const LIST_LIMIT: i64 = 500;

/// The settings of the linkage (configuration, with these defaults).
#[derive(Debug, Clone)]
pub struct LinkagePolicy {
    /// Time between two levels of an escalation.
    pub escalation_step: Duration,
    /// Whom a referral's escalation reaches, level by level.
    pub chain: Vec<rules::Rung>,
    /// How long a delivery may take before it counts as failed and is tried again.
    pub delivery_timeout: std::time::Duration,
    /// First wait before a failed delivery is tried again; it doubles each time, up to an hour.
    pub retry_base: Duration,
    /// An SMS gateway taking `{"to": …, "text": …}` by POST; none: messages are written to the
    /// log (the demo's channel).
    pub sms_gateway: Option<String>,
    /// Robots and the SMS gateway on this machine's loopback addresses may be reached (tests
    /// run them there); off, such an address is refused like one of an internal network.
    pub delivery_loopback: bool,
    /// How often the worker looks for due clocks and messages (it also wakes when a message is
    /// committed).
    pub worker_every: std::time::Duration,
    /// Whether a server runs the worker (tests drive [`Services::escalate`] and
    /// [`Services::deliver`] themselves, with a clock of their own).
    pub worker: bool,
}

impl Default for LinkagePolicy {
    fn default() -> Self {
        Self {
            escalation_step: Duration::hours(4),
            chain: rules::DEFAULT_CHAIN.to_vec(),
            delivery_timeout: std::time::Duration::from_secs(10),
            retry_base: Duration::seconds(30),
            sms_gateway: None,
            delivery_loopback: false,
            worker_every: std::time::Duration::from_secs(30),
            worker: true,
        }
    }
}

pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_ms(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(v).unwrap_or_default()
}

fn keys<T: Copy>(v: &[T], key: impl Fn(T) -> &'static str) -> String {
    v.iter().map(|k| key(*k)).collect::<Vec<_>>().join(",")
}

fn parse_keys<T>(s: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    s.split(',').filter_map(parse).collect()
}

use crate::error::conflict;
use crate::mediation::mask_text;

/// A step of a case's history, taken now by the caller.
fn step_row(kind: &str, caller: &Caller, department: &str, now: DateTime<Utc>) -> CaseStepRow {
    CaseStepRow {
        seq: 0,
        kind: kind.to_string(),
        at: now,
        by_account: caller.username.clone(),
        department: department.to_string(),
        note: String::new(),
    }
}

/// A new clock of a case: `kind` of `subject` falls due at `due`.
pub(crate) fn clock_row(
    c: &CaseRow,
    kind: DeadlineKind,
    subject: Uuid,
    department: Option<Uuid>,
    due: DateTime<Utc>,
) -> DeadlineRow {
    DeadlineRow {
        id: Uuid::now_v7(),
        county_code: c.county_code.clone(),
        path: c.path.clone(),
        kind: kind.key().into(),
        subject_id: subject,
        case_id: Some(c.id),
        department_id: department,
        due_ms: ms(due),
        level: 0,
        next_ms: Some(ms(due)),
        done_ms: None,
    }
}

fn county_of(path: &str) -> Option<String> {
    path.split('/').nth(2).map(str::to_string)
}

/// Whether a referral's basis still holds: one made on the victim's consent needs a consent in
/// force for its department among `consents` (those of its case, or of several cases).
fn basis_holds(r: &ReferralRow, consents: &[store::CaseConsentRow]) -> bool {
    if r.basis != Basis::Consent.key() {
        return true;
    }
    crate::consent::share_consent_in_force(
        consents.iter().filter(|k| k.case_id == r.case_id),
        Some(r.department_id),
    )
}

pub(crate) fn county_path(county: &str) -> Option<String> {
    PlaceCode::parse(county).ok().map(|c| c.path())
}

// ---------------------------------------------------------------- departments

/// What a family mediator's report to the police opens: a case at the dispute's place, with the
/// parties' names and what she found.
#[derive(Debug, Clone)]
pub(crate) struct PoliceReport {
    pub county: String,
    pub path: String,
    pub dispute: Uuid,
    pub source: CaseSource,
    pub victim_name: String,
    pub abuser_name: String,
    pub relationship: String,
    pub violence: Vec<ViolenceKind>,
    pub note: String,
}

/// A department as its settings page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentView {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub in_linkage: bool,
    pub ack_hours: i64,
    pub urgent_ack_hours: i64,
    /// Days from acknowledging a referral to recording what was done.
    pub action_days: i64,
    pub duty_phone: String,
    /// Whether a group robot is set (its address carries a secret and is not shown).
    pub webhook_set: bool,
    pub liaisons: Vec<OfficerView>,
    pub version: i64,
}

/// An account acting for a department, as its settings page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficerView {
    pub username: String,
    pub display_name: String,
    /// `liaison` or `head`.
    pub position: String,
}

/// A department's settings as changed by federation staff.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DepartmentInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub in_linkage: bool,
    #[serde(default)]
    pub ack_hours: i64,
    #[serde(default)]
    pub urgent_ack_hours: i64,
    /// Days from acknowledging a referral to recording what was done (1 to 90); none keeps
    /// the present limit.
    #[serde(default)]
    pub action_days: Option<i64>,
    #[serde(default)]
    pub duty_phone: String,
    /// Empty keeps the present address; `-` removes it.
    #[serde(default)]
    pub webhook_url: String,
    #[serde(default)]
    pub expected_version: i64,
}

/// The mechanism's departments of a county, as the demo and a new county start with them:
/// (key, name, in the 24-hour linkage).
pub const DEPARTMENTS: [(&str, &str, bool); 19] = [
    ("political_legal", "市委政法委", true),
    ("court", "市人民法院", true),
    ("procuratorate", "市人民检察院", true),
    ("police", "市公安局", true),
    ("justice", "市司法局", true),
    ("civil_affairs", "市民政局", true),
    ("health", "市卫生健康局", true),
    ("education", "市教育体育局", true),
    ("human_resources", "市人力资源和社会保障局", false),
    ("housing", "市住房和城乡建设局", false),
    ("finance", "市财政局", false),
    ("petitions", "市信访局", false),
    ("publicity", "市委宣传部", false),
    ("cyberspace", "市委网信办", false),
    ("trade_union", "市总工会", false),
    ("youth_league", "团市委", false),
    ("disabled_persons", "市残联", false),
    ("next_generation", "市关工委", false),
    ("womens_federation", "市妇联", false),
];

/// What the caller is in a case: staff managing its place (and whether it is hers), or a
/// department's officer with referrals of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseAccess {
    pub staff: bool,
    /// Read under emergency access: whole, and nothing else (no step, no file).
    pub emergency: bool,
    /// She registered it (its owner): sees it whole.
    pub owner: bool,
    /// Her departments that were referred the case.
    pub departments: Vec<Uuid>,
}

/// A case as its reader may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseView {
    pub id: Uuid,
    pub place_path: String,
    pub victim_name: String,
    pub victim_phone: String,
    pub abuser_name: String,
    pub relationship: String,
    pub violence: Vec<ViolenceKind>,
    pub severity: Severity,
    pub risk_factors: Vec<RiskFactor>,
    pub risk: Risk,
    pub children: Option<i64>,
    pub source: CaseSource,
    pub received_on: NaiveDate,
    pub narrative: String,
    pub consent_to_share: bool,
    /// In clear for the owner or a department it is shared with, masked for other staff;
    /// empty for everyone but the owner when it is confidential.
    pub victim_address: String,
    pub address_confidential: bool,
    pub open: bool,
    pub owner: String,
    pub version: i64,
    pub access: CaseAccess,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    pub kind: String,
    pub at: DateTime<Utc>,
    pub by: String,
    pub department: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReferralView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub department_key: String,
    pub department_name: String,
    pub requests: Vec<Request>,
    pub urgent: bool,
    pub shared: Vec<SharedField>,
    pub basis: Basis,
    pub basis_note: String,
    pub note: String,
    pub status: ReferralStatus,
    pub sent_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub action: String,
    pub done_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub version: i64,
    /// Made on the victim's consent, since withdrawn: nothing more is shared under it.
    pub consent_withdrawn: bool,
    /// Acknowledged, nothing recorded yet: when what the department did is due.
    pub action_due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InstrumentView {
    pub id: Uuid,
    pub kind: InstrumentKind,
    pub started_at: DateTime<Utc>,
    pub urgent: bool,
    pub party: Option<rules::Party>,
    /// Shown to the case's owner only; others see that there is one.
    pub reporter: String,
    pub reference: String,
    pub note: String,
    pub status: String,
    pub valid_until: Option<NaiveDate>,
    pub events: Vec<InstrumentEventView>,
    pub version: i64,
}

/// An event in the life of an instrument.
#[derive(Debug, Clone, PartialEq)]
pub struct InstrumentEventView {
    pub event: EventKind,
    pub on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// Masked unless the reader owns the case.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClockView {
    pub kind: DeadlineKind,
    pub due_at: DateTime<Utc>,
    pub level: i64,
    pub done: bool,
    pub overdue: bool,
}

/// A case with everything recorded on it that the reader may see.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecords {
    pub steps: Vec<StepView>,
    /// Staff only: the files kept with the case (names masked unless the reader owns it).
    pub evidence: Vec<EvidenceView>,
    pub referrals: Vec<ReferralView>,
    pub instruments: Vec<InstrumentView>,
    pub clocks: Vec<ClockView>,
}

/// A file kept with a case.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceView {
    pub id: Uuid,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// One department on the board.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardLine {
    pub key: String,
    pub name: String,
    pub in_linkage: bool,
    pub open: i64,
    pub overdue: i64,
    /// Referrals sent to it in the period.
    pub sent: i64,
    /// Open referrals.
    pub waiting: Vec<WaitingReferral>,
    pub months: Vec<AckMonth>,
}

/// An open referral on the board.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingReferral {
    pub referral: Uuid,
    pub case_id: Uuid,
    pub due_at: DateTime<Utc>,
    /// Negative when overdue.
    pub minutes_left: i64,
}

/// A month's acknowledgements on the board.
#[derive(Debug, Clone, PartialEq)]
pub struct AckMonth {
    /// `2026-11`
    pub month: String,
    /// Referrals acknowledged.
    pub acknowledged: i64,
    /// Average minutes to acknowledge.
    pub average_minutes: f64,
}

/// A file kept with a case, opened.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceFile {
    pub name: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

impl Services {
    // ------------------------------------------------------------ departments

    /// Creates the mechanism's departments of a county that do not exist yet (operator or staff
    /// managing the county); how many were created.
    pub async fn ensure_departments(
        &self,
        caller: &Caller,
        county: &str,
    ) -> Result<u64, ServiceError> {
        self.managed_place(caller, county).await?;
        let now = clock::now();
        let mut created = 0;
        db_tx!(&self.db, tx => {
            for (key, name, linkage) in DEPARTMENTS {
                let row = DepartmentRow {
                    county_code: county.to_string(),
                    id: Uuid::now_v7(),
                    key: key.into(),
                    name: name.into(),
                    in_linkage: linkage,
                    ack_hours: rules::ACK_HOURS,
                    urgent_ack_hours: rules::URGENT_ACK_HOURS,
                    action_days: rules::ACTION_DAYS,
                    duty_phone: String::new(),
                    webhook_url: String::new(),
                    version: 1,
                };
                if store::insert_department(tx, &row, now).await? {
                    created += 1;
                }
            }
            if created > 0 {
                record(tx, &self.keys, caller, Record::new("department.create")
                    .target(format!("county:{county}"))
                    .detail(format!("created={created}"))).await?;
            }
            Ok::<(), StorageError>(())
        })?;
        Ok(created)
    }

    /// The departments of the county, with their officers: federation staff of the county and
    /// the departments' own officers.
    pub async fn departments(
        &self,
        caller: &Caller,
        county: &str,
    ) -> Result<Vec<DepartmentView>, ServiceError> {
        let path = county_path(county).ok_or(ServiceError::NotFound)?;
        // Staff anywhere in the county refer to its departments.
        let staff = caller.has_role(Role::Staff)
            && caller
                .grants
                .iter()
                .any(|g| g.role == Role::Staff && g.scope_path.starts_with(&path));
        let officer = caller.has_role(Role::Liaison)
            && caller.departments.iter().any(|p| p.county_code == county);
        if !(caller.has_role(Role::Staff) || caller.has_role(Role::Liaison)) {
            return Err(ServiceError::Forbidden);
        }
        if !(staff || officer || caller.is_operator()) {
            return Err(ServiceError::NotFound);
        }
        let mut out = Vec::new();
        for d in store::departments(&self.db, county).await? {
            let liaisons = store::liaisons(&self.db, county, d.id)
                .await?
                .into_iter()
                .map(|o| OfficerView {
                    username: o.username,
                    display_name: o.display_name,
                    position: o.position,
                })
                .collect();
            out.push(DepartmentView {
                id: d.id,
                key: d.key,
                name: d.name,
                in_linkage: d.in_linkage,
                ack_hours: d.ack_hours,
                urgent_ack_hours: d.urgent_ack_hours,
                action_days: d.action_days,
                duty_phone: d.duty_phone,
                webhook_set: !d.webhook_url.is_empty(),
                liaisons,
                version: d.version,
            });
        }
        Ok(out)
    }

    /// Changes a department's settings: staff managing the county.
    pub async fn update_department(
        &self,
        caller: &Caller,
        county: &str,
        key: &str,
        input: &DepartmentInput,
    ) -> Result<DepartmentView, ServiceError> {
        self.managed_place(caller, county).await?;
        let d = store::department_by_key(&self.db, county, key)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut e = jinguo_domain::ValidationErrors::new();
        let name = input.name.trim();
        if name.is_empty() {
            e.push("name", "required");
        } else if name.chars().count() > 50 {
            e.push("name", "too_long");
        }
        for (field, v) in [
            ("ack_hours", input.ack_hours),
            ("urgent_ack_hours", input.urgent_ack_hours),
        ] {
            if !(1..=720).contains(&v) {
                e.push(field, "out_of_range");
            }
        }
        let action_days = input.action_days.unwrap_or(d.action_days);
        if !(1..=90).contains(&action_days) {
            e.push("action_days", "out_of_range");
        }
        let phone = input.duty_phone.trim();
        if phone.chars().count() > 30
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' '))
        {
            e.push("duty_phone", "invalid");
        }
        let url = input.webhook_url.trim();
        // A robot's address leads outside (checked again at every delivery).
        let private = !matches!(url, "" | "-")
            && crate::outbound::refused(url, self.linkage.delivery_loopback).await;
        let webhook_url = match url {
            "" => d.webhook_url.clone(),
            "-" => String::new(),
            u if (u.starts_with("http://") || u.starts_with("https://"))
                && u.len() <= 500
                && !u.chars().any(char::is_whitespace) =>
            {
                if private {
                    e.push("webhook_url", "department.private_address");
                }
                u.to_string()
            }
            _ => {
                e.push("webhook_url", "department.url");
                String::new()
            }
        };
        e.into_result()?;
        let row = DepartmentRow {
            name: name.to_string(),
            in_linkage: input.in_linkage,
            ack_hours: input.ack_hours,
            urgent_ack_hours: input.urgent_ack_hours,
            action_days,
            duty_phone: phone.to_string(),
            webhook_url,
            ..d.clone()
        };
        let now = clock::now();
        let entry = Record::new("department.update")
            .target(format!("department:{}", d.id))
            .detail(format!(
                "ack_hours={} urgent_ack_hours={} action_days={} in_linkage={}",
                row.ack_hours, row.urgent_ack_hours, row.action_days, row.in_linkage
            ));
        db_tx!(&self.db, tx => {
            if !store::update_department(tx, &row, input.expected_version, now).await? {
                return Err(StorageError::Conflict("department changed".into()));
            }
            record(tx, &self.keys, caller, entry.clone()).await
        })
        .map_err(conflict)?;
        self.departments(caller, county)
            .await?
            .into_iter()
            .find(|v| v.id == d.id)
            .ok_or(ServiceError::NotFound)
    }

    /// Makes an account (holding the liaison role) an officer of a department: its liaison or
    /// its head, whom escalations reach after the liaison. Staff managing the county.
    pub async fn set_liaison(
        &self,
        caller: &Caller,
        county: &str,
        key: &str,
        username: &str,
        position: &str,
    ) -> Result<(), ServiceError> {
        self.managed_place(caller, county).await?;
        let d = store::department_by_key(&self.db, county, key)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !matches!(position, "liaison" | "head") {
            return Err(invalid("position", "invalid"));
        }
        let account = jinguo_storage::account::by_username(&self.db, username.trim())
            .await?
            .ok_or_else(|| invalid("account", "not_found"))?;
        let grants = jinguo_storage::account::grants(&self.db, account.id, clock::now()).await?;
        if !grants.iter().any(|g| g.role == Role::Liaison.key()) {
            return Err(invalid("account", "liaison.no_role"));
        }
        let now = clock::now();
        let entry = Record::new("department.liaison")
            .target(format!("department:{}", d.id))
            .detail(format!("account={} position={position}", account.username));
        db_tx!(&self.db, tx => {
            store::set_liaison(tx, county, d.id, account.id, position, now).await?;
            record(tx, &self.keys, caller, entry.clone()).await
        })?;
        Ok(())
    }

    // ------------------------------------------------------------ cases

    /// Registers a case at a place the caller manages; she becomes its owner.
    pub async fn register_case(
        &self,
        caller: &Caller,
        place: &str,
        input: &CaseInput,
    ) -> Result<Uuid, ServiceError> {
        let v = input.validate(clock::today())?;
        let place = self.managed_place(caller, place).await?;
        let county = county_of(&place.path).ok_or_else(|| invalid("place", "invalid"))?;
        let scope = caller.household_read_scope();
        let mut household = None;
        let mut victim_name = v.victim_name.clone();
        if let Some(pid) = v.victim_person_id {
            let (h, p) = self
                .registered_person(&county, pid, &scope)
                .await?
                .ok_or_else(|| invalid("victim_person_id", "not_found"))?;
            household = Some(h.id);
            victim_name = p.name;
        }
        let id = Uuid::now_v7();
        let seal = |column: &str, plain: &str| self.seal("dv_case", column, &id, plain);
        let row = CaseRow {
            county_code: county.clone(),
            id,
            path: place.path.clone(),
            household: match household {
                Some(h) => Some(self.seal_id("dv_case", "household", &id, &h)?),
                None => None,
            },
            victim_person: match v.victim_person_id {
                Some(pid) => Some(seal("victim_person", &pid.to_string())?),
                None => None,
            },
            victim_name: seal("victim_name", &victim_name)?,
            victim_phone: match &v.victim_phone {
                Some(p) => Some(seal("victim_phone", p)?),
                None => None,
            },
            abuser_name: seal("abuser_name", &v.abuser_name)?,
            relationship: v.relationship.clone(),
            violence: keys(&v.violence, ViolenceKind::key),
            severity: v.severity.key().into(),
            risk_factors: keys(&v.risk_factors, RiskFactor::key),
            risk: v.risk.key().into(),
            children: v.children,
            source: v.source.key().into(),
            received_on: v.received_on,
            narrative: seal("narrative", &v.narrative)?,
            consent_to_share: v.consent_to_share,
            status: "open".into(),
            owner: caller.username.clone(),
            version: 1,
            victim_address: if v.victim_address.is_empty() {
                String::new()
            } else {
                seal("victim_address", &v.victim_address)?
            },
            address_confidential: v.address_confidential,
        };
        let now = clock::now();
        let step = step_row("register", caller, "", now);
        let entry = Record::new("case.register")
            .target(format!("case:{id}"))
            .place(place.path.clone())
            .detail(format!("source={} risk={}", v.source.key(), v.risk.key()));
        // A high-risk case must be heard at the county's next conference.
        let factors: Vec<&str> = v.risk_factors.iter().map(|f| f.key()).collect();
        let hearing = (v.risk == Risk::High).then(|| {
            clock_row(
                &row,
                DeadlineKind::ConferenceHearing,
                id,
                None,
                jinguo_domain::conference::hearing_due(
                    now,
                    crate::conference::lethal(&factors),
                    &self.hearing,
                ),
            )
        });
        let intake_consent = v.consent_to_share.then(|| store::CaseConsentRow {
            county_code: county.clone(),
            id: Uuid::now_v7(),
            case_id: id,
            department_id: None,
            given_by: "self".into(),
            guardian_name: None,
            guardian_relationship: None,
            recorded_by: caller.username.clone(),
            recorded_at: now,
            withdrawn_at: None,
            withdrawn_by: None,
        });
        db_tx!(&self.db, tx => {
            store::insert_case(tx, &row, now).await?;
            if let Some(k) = &intake_consent {
                store::insert_case_consent(tx, k).await?;
            }
            store::add_case_step(tx, &county, id, &step).await?;
            if let Some(d) = &hearing {
                store::insert_deadline(tx, d, ms(now)).await?;
            }
            record(tx, &self.keys, caller, entry.clone()).await
        })?;
        Ok(id)
    }

    fn case_access(&self, caller: &Caller, c: &CaseRow, referred: &[Uuid]) -> CaseAccess {
        let staff =
            caller.has_role(Role::Staff) && caller.household_write_scope().covers_all(&c.path);
        let departments = if caller.has_role(Role::Liaison) {
            caller
                .departments
                .iter()
                .filter(|p| p.county_code == c.county_code && referred.contains(&p.department_id))
                .map(|p| p.department_id)
                .collect()
        } else {
            Vec::new()
        };
        CaseAccess {
            owner: staff && c.owner == caller.username,
            staff,
            emergency: false,
            departments,
        }
    }

    /// What a reader sees of a case: the owner everything; other staff names and narrative
    /// masked; a department only the fields its referrals share.
    fn case_view(
        &self,
        c: &CaseRow,
        access: CaseAccess,
        shared: &[SharedField],
    ) -> Result<CaseView, ServiceError> {
        let open = |column: &str, sealed: &str| self.open("dv_case", column, &c.id, sealed);
        let whole = access.owner;
        let sees = |f: SharedField| whole || (!access.staff && shared.contains(&f));
        let victim = open("victim_name", &c.victim_name)?;
        let phone = match &c.victim_phone {
            Some(p) => open("victim_phone", p)?,
            None => String::new(),
        };
        let abuser = open("abuser_name", &c.abuser_name)?;
        let narrative = open("narrative", &c.narrative)?;
        let address = if c.victim_address.is_empty() {
            String::new()
        } else {
            open("victim_address", &c.victim_address)?
        };
        let hidden = String::new();
        // A confidential address: its owner only, never emergency access nor a department.
        let victim_address = if c.address_confidential {
            if access.owner && !access.emergency {
                address
            } else {
                hidden.clone()
            }
        } else if sees(SharedField::Address) {
            address
        } else if access.staff && !address.is_empty() {
            mask::address(&address)
        } else {
            hidden.clone()
        };
        Ok(CaseView {
            id: c.id,
            place_path: c.path.clone(),
            victim_name: if sees(SharedField::Victim) {
                victim
            } else if access.staff {
                mask::name(&victim)
            } else {
                hidden.clone()
            },
            victim_phone: if sees(SharedField::Contact) {
                phone
            } else if access.staff && !phone.is_empty() {
                mask::phone(&phone)
            } else {
                hidden.clone()
            },
            abuser_name: if sees(SharedField::Abuser) {
                abuser
            } else if access.staff {
                mask::name(&abuser)
            } else {
                hidden.clone()
            },
            relationship: if access.staff || sees(SharedField::Abuser) {
                c.relationship.clone()
            } else {
                hidden.clone()
            },
            violence: parse_keys(&c.violence, ViolenceKind::parse),
            severity: Severity::stored(&c.severity)?,
            risk_factors: parse_keys(&c.risk_factors, RiskFactor::parse),
            risk: Risk::stored(&c.risk)?,
            children: (access.staff || sees(SharedField::Children)).then_some(c.children),
            source: CaseSource::stored(&c.source)?,
            received_on: c.received_on,
            narrative: if sees(SharedField::Narrative) {
                narrative
            } else if access.staff {
                mask_text(&narrative)
            } else {
                hidden
            },
            consent_to_share: c.consent_to_share,
            victim_address,
            address_confidential: c.address_confidential,
            open: c.status == "open",
            owner: c.owner.clone(),
            version: c.version,
            access,
        })
    }

    fn referral_view(
        &self,
        r: &ReferralRow,
        departments: &[DepartmentRow],
        now: DateTime<Utc>,
    ) -> Result<ReferralView, ServiceError> {
        let d = departments.iter().find(|d| d.id == r.department_id);
        let unseal = |column: &str, s: &str| {
            if s.is_empty() {
                Ok(String::new())
            } else {
                self.open("referral", column, &r.id, s)
            }
        };
        let status = ReferralStatus::stored(&r.status)?;
        Ok(ReferralView {
            id: r.id,
            case_id: r.case_id,
            department_key: d.map(|d| d.key.clone()).unwrap_or_default(),
            department_name: d.map(|d| d.name.clone()).unwrap_or_default(),
            requests: parse_keys(&r.requests, Request::parse),
            urgent: r.urgent,
            shared: parse_keys(&r.shared, SharedField::parse),
            basis: Basis::stored(&r.basis)?,
            basis_note: unseal("basis_note", &r.basis_note)?,
            note: unseal("note", &r.note)?,
            status,
            sent_at: r.sent_at,
            due_at: r.due_at,
            acknowledged_at: r.acknowledged_at,
            action: unseal("action", &r.action)?,
            done_at: r.done_at,
            overdue: status == ReferralStatus::Sent && r.due_at < now,
            version: r.version,
            consent_withdrawn: false,
            action_due_at: None,
        })
    }

    /// The same, saying whether the basis it was made on still holds, from the consents to
    /// share of its case (`consents` may hold other cases' too).
    fn referral_view_with(
        &self,
        r: &ReferralRow,
        departments: &[DepartmentRow],
        now: DateTime<Utc>,
        consents: &[store::CaseConsentRow],
    ) -> Result<ReferralView, ServiceError> {
        let mut v = self.referral_view(r, departments, now)?;
        v.consent_withdrawn = !basis_holds(r, consents);
        Ok(v)
    }

    /// One case with its records, as the caller may see it. Audited.
    pub async fn case(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<(CaseView, CaseRecords), ServiceError> {
        let c = store::case(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let referrals = store::referrals_of_case(&self.db, &c).await?;
        let referred: Vec<Uuid> = referrals.iter().map(|r| r.department_id).collect();
        let mut access = self.case_access(caller, &c, &referred);
        // Emergency access to this case: read whole, read-only, its own audit entry.
        let emergency = if access.staff || !access.departments.is_empty() {
            None
        } else {
            caller
                .emergency_for(crate::access::EmergencyTarget::Case(c.id))
                .map(|e| e.id)
        };
        if emergency.is_some() {
            access = CaseAccess {
                staff: true,
                owner: true,
                emergency: true,
                departments: Vec::new(),
            };
        }
        if !access.staff && access.departments.is_empty() {
            return Err(ServiceError::NotFound);
        }
        // A department sees its own referrals and the fields they share, as long as the basis
        // they were made on holds: a consent withdrawn shares nothing more.
        let mine: Vec<&ReferralRow> = referrals
            .iter()
            .filter(|r| access.staff || access.departments.contains(&r.department_id))
            .collect();
        let consents = store::case_consents(&self.db, &c).await?;
        let shared: Vec<SharedField> = mine
            .iter()
            .filter(|r| basis_holds(r, &consents))
            .flat_map(|r| parse_keys(&r.shared, SharedField::parse))
            .collect();
        let staff = access.staff;
        let owner = access.owner;
        let view = self.case_view(&c, access, &shared)?;
        let departments = store::departments(&self.db, &c.county_code).await?;
        let now = clock::now();
        let mut referral_views = Vec::new();
        for r in &mine {
            referral_views.push(self.referral_view_with(r, &departments, now, &consents)?);
        }
        let mut records = CaseRecords {
            steps: Vec::new(),
            evidence: Vec::new(),
            referrals: referral_views,
            instruments: Vec::new(),
            clocks: Vec::new(),
        };
        if staff {
            for s in store::case_steps(&self.db, &c).await? {
                records.steps.push(StepView {
                    kind: s.kind,
                    at: s.at,
                    by: s.by_account,
                    department: s.department,
                    note: if s.note.is_empty() {
                        s.note
                    } else {
                        self.open("dv_case", "step_note", &c.id, &s.note)?
                    },
                });
            }
            for e in store::evidence_of_case(&self.db, &c).await? {
                let name = self.open("evidence", "name", &e.id, &e.name)?;
                records.evidence.push(EvidenceView {
                    id: e.id,
                    name: if owner { name } else { mask_text(&name) },
                    media_type: e.media_type,
                    size: e.size,
                    created_by: e.created_by,
                    created_at: e.created_at,
                });
            }
            let events = store::events_of_case(&self.db, &c).await?;
            for i in store::instruments_of_case(&self.db, &c).await? {
                let unseal = |column: &str, s: &str| {
                    if s.is_empty() {
                        Ok::<String, ServiceError>(String::new())
                    } else {
                        self.open("instrument", column, &i.id, s)
                    }
                };
                let reporter = unseal("reporter", &i.reporter)?;
                let mut evs = Vec::new();
                for e in events.iter().filter(|e| e.instrument_id == i.id) {
                    let note = if e.note.is_empty() {
                        String::new()
                    } else {
                        self.open("instrument_event", "note", &i.id, &e.note)?
                    };
                    evs.push(InstrumentEventView {
                        event: EventKind::stored(&e.kind)?,
                        on: e.on_date,
                        valid_until: e.valid_until,
                        note: if owner { note } else { mask_text(&note) },
                    });
                }
                let note = unseal("note", &i.note)?;
                records.instruments.push(InstrumentView {
                    id: i.id,
                    kind: InstrumentKind::stored(&i.kind)?,
                    started_at: i.started_at,
                    urgent: i.urgent,
                    party: i.party.as_deref().and_then(rules::Party::parse),
                    reporter: if owner {
                        reporter
                    } else {
                        mask_text(&reporter)
                    },
                    reference: i.reference.clone(),
                    note: if owner { note } else { mask_text(&note) },
                    status: i.status.clone(),
                    valid_until: i.valid_until,
                    events: evs,
                    version: i.version,
                });
            }
            let now_ms = ms(now);
            for d in store::deadlines_of_case(&self.db, &c).await? {
                records.clocks.push(ClockView {
                    kind: DeadlineKind::stored(&d.kind)?,
                    due_at: from_ms(d.due_ms),
                    level: d.level,
                    done: d.done_ms.is_some(),
                    overdue: d.done_ms.is_none() && d.due_ms < now_ms,
                });
            }
        }
        let action = if emergency.is_some() {
            "emergency.read"
        } else if owner {
            "case.read"
        } else if staff {
            "case.read_masked"
        } else {
            "case.read_shared"
        };
        // A department's read names the fields it was shown (the victim's phone among them).
        let detail = match emergency {
            Some(e) => format!("emergency={e}"),
            None if !staff => {
                let mut keys: Vec<&str> = shared.iter().map(|f| f.key()).collect();
                keys.sort_unstable();
                keys.dedup();
                format!("shared={}", keys.join(","))
            }
            None => String::new(),
        };
        self.note_read(
            caller,
            Record::new(action)
                .target(format!("case:{}", c.id))
                .place(c.path.clone())
                .detail(detail),
        )
        .await?;
        Ok((view, records))
    }

    /// The cases below a place the caller manages, masked; open ones first.
    pub async fn cases(
        &self,
        caller: &Caller,
        place: &str,
        only_open: bool,
    ) -> Result<Vec<CaseView>, ServiceError> {
        let place = self.managed_place(caller, place).await?;
        let mut out = Vec::new();
        let reader = caller.reader();
        for c in store::cases(&self.db, &reader, &place.subtree(), only_open, LIST_LIMIT).await? {
            let access = self.case_access(caller, &c, &[]);
            out.push(self.case_view(&c, access, &[])?);
        }
        Ok(out)
    }

    /// Closes a case: its open clocks stop.
    pub async fn close_case(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i64,
    ) -> Result<(), ServiceError> {
        let c = self.staff_case(caller, id).await?;
        let now = clock::now();
        let referrals = store::referrals_of_case(&self.db, &c).await?;
        let instruments = store::instruments_of_case(&self.db, &c).await?;
        let step = step_row("close", caller, "", now);
        let entry = Record::new("case.close")
            .target(format!("case:{id}"))
            .place(c.path.clone());
        db_tx!(&self.db, tx => {
            if !store::set_case_status(tx, &c.county_code, id, "closed", expected_version, now).await? {
                return Err(StorageError::Conflict("case changed".into()));
            }
            for s in referrals.iter().map(|r| r.id).chain(instruments.iter().map(|i| i.id)) {
                store::complete_deadlines(tx, s, None, ms(now)).await?;
            }
            store::add_case_step(tx, &c.county_code, id, &step).await?;
            record(tx, &self.keys, caller, entry.clone()).await
        })
        .map_err(conflict)?;
        Ok(())
    }

    /// Marks the victim's address confidential (she is in a shelter), or no longer: the case's
    /// owner only. Confidential, the address is shown to nobody else and no referral shares it,
    /// those made before included. Audited, with a step of the case.
    pub async fn set_address_confidential(
        &self,
        caller: &Caller,
        id: Uuid,
        confidential: bool,
    ) -> Result<(), ServiceError> {
        let c = self.staff_case(caller, id).await?;
        if c.owner != caller.username {
            return Err(ServiceError::Forbidden);
        }
        let now = clock::now();
        let kind = if confidential {
            "address_confidential"
        } else {
            "address_open"
        };
        let step = step_row(kind, caller, "", now);
        let entry = Record::new("case.address_confidential")
            .target(format!("case:{id}"))
            .place(c.path.clone())
            .detail(format!("confidential={confidential}"));
        db_tx!(&self.db, tx => {
            if store::set_address_confidential(tx, &c, confidential, now).await? {
                store::add_case_step(tx, &c.county_code, id, &step).await?;
                record(tx, &self.keys, caller, entry.clone()).await?;
            }
            Ok::<(), StorageError>(())
        })?;
        Ok(())
    }

    /// A case the caller manages as staff, open or closed; else not found.
    pub(crate) async fn managed_case(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Seen<CaseRow>, ServiceError> {
        let c = store::case(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !(caller.has_role(Role::Staff) && caller.manage_scope().covers_all(&c.path)) {
            return Err(ServiceError::NotFound);
        }
        Ok(c)
    }

    /// A case the caller manages as staff (to change it), open.
    pub(crate) async fn staff_case(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Seen<CaseRow>, ServiceError> {
        let c = self.managed_case(caller, id).await?;
        if c.status != "open" {
            return Err(invalid("case", "case.closed"));
        }
        Ok(c)
    }

    // ------------------------------------------------------------ referrals

    /// Refers a case to a department. The department must be of the mechanism; sharing needs the
    /// victim's consent recorded on the case, or a legal duty named, or an override by staff of
    /// the county federation with its reason. The department's officers are told at once (inbox,
    /// group robot, duty phone) and its acknowledgement clock starts.
    pub async fn refer(
        &self,
        caller: &Caller,
        case: Uuid,
        input: &ReferralInput,
    ) -> Result<ReferralView, ServiceError> {
        let c = self.staff_case(caller, case).await?;
        let now = clock::now();
        // The victim's consent is read from its records: for this department, or for all.
        let consents = store::case_consents(&self.db, &c).await?;
        let named =
            store::department_by_key(&self.db, &c.county_code, input.department.trim()).await?;
        let consent = named
            .as_ref()
            .is_some_and(|d| crate::consent::share_consent_in_force(&consents, Some(d.id)));
        let v = input.validate(consent, now)?;
        rules::check_shared_address(&v.shared, c.address_confidential)?;
        let d = store::department_by_key(&self.db, &c.county_code, &v.department)
            .await?
            .ok_or_else(|| invalid("department", "referral.unknown_department"))?;
        if v.basis == Basis::Override {
            let county = county_path(&c.county_code).unwrap_or_default();
            if !caller.household_write_scope().covers_all(&county) {
                return Err(invalid("basis", "referral.override_forbidden"));
            }
        }
        let hours = if v.urgent {
            d.urgent_ack_hours
        } else {
            d.ack_hours
        };
        let due_at = rules::ack_due(now, hours, v.due_at);
        let id = Uuid::now_v7();
        let row = ReferralRow {
            county_code: c.county_code.clone(),
            id,
            case_id: c.id,
            department_id: d.id,
            path: c.path.clone(),
            requests: keys(&v.requests, Request::key),
            urgent: v.urgent,
            shared: keys(&v.shared, SharedField::key),
            basis: v.basis.key().into(),
            basis_note: if v.basis_note.is_empty() {
                String::new()
            } else {
                self.seal("referral", "basis_note", &id, &v.basis_note)?
            },
            note: if v.note.is_empty() {
                String::new()
            } else {
                self.seal("referral", "note", &id, &v.note)?
            },
            status: ReferralStatus::Sent.key().into(),
            sent_at: now,
            sent_by: caller.username.clone(),
            due_at,
            acknowledged_at: None,
            acknowledged_by: None,
            action: String::new(),
            done_at: None,
            version: 1,
        };
        let ack_clock = clock_row(&c, DeadlineKind::ReferralAck, id, Some(d.id), due_at);
        let chain = self.liaison_chain(&d).await?;
        let text = format!("{}|{}", d.name, clock::local(due_at));
        let step = step_row("refer", caller, &d.key, now);
        let entry = Record::new("referral.send")
            .target(format!("referral:{id}"))
            .place(c.path.clone())
            .detail(format!(
                "case={} department={} basis={} shared={}",
                c.id,
                d.key,
                v.basis.key(),
                row.shared
            ))
            .reason(if v.basis == Basis::Override {
                v.basis_note.clone()
            } else {
                String::new()
            });
        db_tx!(&self.db, tx => {
            store::insert_referral(tx, &row).await?;
            store::insert_deadline(tx, &ack_clock, ms(now)).await?;
            store::add_case_step(tx, &c.county_code, c.id, &step).await?;
            self.tell(tx, &chain, "referral.new", &text, &format!("/referrals/{id}"), 0, now).await?;
            record(tx, &self.keys, caller, entry.clone()).await
        })?;
        self.wake_delivery();
        let departments = [d];
        self.referral_view(&row, &departments, now)
    }

    /// Whom a new referral to a department is told to: its liaison officers, its group robot
    /// and its duty phone.
    async fn liaison_chain(&self, d: &DepartmentRow) -> Result<Chain, ServiceError> {
        let officers = store::liaisons(&self.db, &d.county_code, d.id).await?;
        Ok(Chain {
            accounts: officers
                .iter()
                .filter(|o| o.position == "liaison")
                .map(|o| o.account_id)
                .collect(),
            webhook: Some(d.webhook_url.clone()).filter(|u| !u.is_empty()),
            sms: Some(d.duty_phone.clone()).filter(|p| !p.is_empty()),
        })
    }

    /// Opens the case of a family mediator's report (People's Mediation Law art. 25) and refers
    /// it to the county's police on that legal duty: the victim's and the other party's names
    /// and what the mediator found are shared, the acknowledgement clock starts, the police's
    /// officers are told, and the dispute keeps the report (once). Returns (case, referral).
    pub(crate) async fn report_to_police(
        &self,
        caller: &Caller,
        r: &PoliceReport,
    ) -> Result<(Uuid, Uuid), ServiceError> {
        let d = store::department_by_key(&self.db, &r.county, "police")
            .await?
            .ok_or_else(|| invalid("department", "referral.unknown_department"))?;
        let now = clock::now();
        let case_id = Uuid::now_v7();
        let seal = |column: &str, plain: &str| self.seal("dv_case", column, &case_id, plain);
        let case = CaseRow {
            county_code: r.county.clone(),
            id: case_id,
            path: r.path.clone(),
            household: None,
            victim_person: None,
            victim_name: seal("victim_name", &r.victim_name)?,
            victim_phone: None,
            abuser_name: seal("abuser_name", &r.abuser_name)?,
            relationship: r.relationship.clone(),
            violence: keys(&r.violence, ViolenceKind::key),
            severity: Severity::Serious.key().into(),
            risk_factors: String::new(),
            risk: rules::assess(&[]).key().into(),
            children: 0,
            source: r.source.key().into(),
            received_on: clock::today(),
            narrative: seal("narrative", &r.note)?,
            consent_to_share: false,
            status: "open".into(),
            owner: caller.username.clone(),
            version: 1,
            victim_address: String::new(),
            address_confidential: false,
        };
        let referral_id = Uuid::now_v7();
        let due_at = rules::ack_due(now, d.ack_hours, None);
        let shared = [
            SharedField::Victim,
            SharedField::Abuser,
            SharedField::Narrative,
        ];
        let referral = ReferralRow {
            county_code: r.county.clone(),
            id: referral_id,
            case_id,
            department_id: d.id,
            path: r.path.clone(),
            requests: Request::Investigation.key().into(),
            urgent: false,
            shared: keys(&shared, SharedField::key),
            basis: Basis::Law.key().into(),
            basis_note: self.seal(
                "referral",
                "basis_note",
                &referral_id,
                rules::MEDIATOR_REPORT_ARTICLE,
            )?,
            note: String::new(),
            status: ReferralStatus::Sent.key().into(),
            sent_at: now,
            sent_by: caller.username.clone(),
            due_at,
            acknowledged_at: None,
            acknowledged_by: None,
            action: String::new(),
            done_at: None,
            version: 1,
        };
        let ack_clock = clock_row(
            &case,
            DeadlineKind::ReferralAck,
            referral_id,
            Some(d.id),
            due_at,
        );
        let chain = self.liaison_chain(&d).await?;
        let text = format!("{}|{}", d.name, clock::local(due_at));
        let steps = [
            step_row("register", caller, "", now),
            step_row("refer", caller, &d.key, now),
        ];
        let report = jinguo_storage::mediation::ReportRow {
            county_code: r.county.clone(),
            dispute_id: r.dispute,
            case_id,
            referral_id,
            reported_at: now,
            reported_by: caller.username.clone(),
        };
        let entry = Record::new("dispute.crime_report")
            .target(format!("dispute:{}", r.dispute))
            .place(r.path.clone())
            .detail(format!(
                "case={case_id} referral={referral_id} department={} basis=law",
                d.key
            ));
        db_tx!(&self.db, tx => {
            store::insert_case(tx, &case, now).await?;
            // A second report of the dispute: refused, the case above undone with it.
            if !jinguo_storage::mediation::insert_report(tx, &report).await? {
                return Err(invalid("dispute", "dispute.reported"));
            }
            for step in &steps {
                store::add_case_step(tx, &r.county, case_id, step).await?;
            }
            store::insert_referral(tx, &referral).await?;
            store::insert_deadline(tx, &ack_clock, ms(now)).await?;
            self.tell(tx, &chain, "referral.new", &text, &format!("/referrals/{referral_id}"), 0, now).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), ServiceError>(())
        })?;
        self.wake_delivery();
        Ok((case_id, referral_id))
    }

    /// The referral if the caller may see it: an officer of its department, or staff managing the
    /// case's place.
    async fn visible_referral(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<(Seen<ReferralRow>, bool), ServiceError> {
        let r = store::referral(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let officer = caller.has_role(Role::Liaison)
            && caller
                .departments
                .iter()
                .any(|p| p.county_code == r.county_code && p.department_id == r.department_id);
        // Storage read it within her reach: an officer of its department, or staff managing it.
        // Another department's referral is not hers, as if it did not exist.
        Ok((r, officer))
    }

    /// The referrals made to the caller's departments, open ones first by deadline.
    pub async fn my_referrals(&self, caller: &Caller) -> Result<Vec<ReferralView>, ServiceError> {
        if !caller.has_role(Role::Liaison) {
            return Err(ServiceError::Forbidden);
        }
        let now = clock::now();
        let mut out = Vec::new();
        let mut counties: Vec<&String> =
            caller.departments.iter().map(|p| &p.county_code).collect();
        counties.dedup();
        for county in counties {
            let departments = store::departments(&self.db, county).await?;
            let mut rows = Vec::new();
            let reader = caller.reader();
            for p in caller
                .departments
                .iter()
                .filter(|p| &p.county_code == county)
            {
                rows.extend(
                    store::referrals_of_department(
                        &self.db,
                        &reader,
                        county,
                        p.department_id,
                        LIST_LIMIT,
                    )
                    .await?,
                );
            }
            // The consents of the cases referred on consent, in one query.
            let on_consent: Vec<&Seen<ReferralRow>> = rows
                .iter()
                .filter(|r| r.basis == Basis::Consent.key())
                .collect();
            let consents = store::consents_of_referred(&self.db, county, &on_consent).await?;
            for r in &rows {
                out.push(self.referral_view_with(r, &departments, now, &consents)?);
            }
        }
        out.sort_by_key(|r| (r.status == ReferralStatus::Done, r.due_at));
        Ok(out)
    }

    /// A department acknowledges a referral it was sent: its clock stops, the federation sees it.
    pub async fn acknowledge(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i64,
    ) -> Result<ReferralView, ServiceError> {
        self.referral_progress(caller, id, expected_version, None, false)
            .await
    }

    /// A department records what it did (and, with `done`, that it has finished).
    pub async fn record_action(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i64,
        action: &str,
        done: bool,
    ) -> Result<ReferralView, ServiceError> {
        self.referral_progress(caller, id, expected_version, Some(action), done)
            .await
    }

    async fn referral_progress(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i64,
        action: Option<&str>,
        done: bool,
    ) -> Result<ReferralView, ServiceError> {
        let (r, officer) = self.visible_referral(caller, id).await?;
        if !officer {
            // Staff who manage the place see the referral; only its department takes its steps.
            return Err(ServiceError::Forbidden);
        }
        let status = ReferralStatus::stored(&r.status)?;
        if status == ReferralStatus::Done {
            return Err(invalid("status", "referral.already"));
        }
        let now = clock::now();
        let mut row = ReferralRow::clone(&r);
        let kind = match action {
            None => {
                if status != ReferralStatus::Sent {
                    return Err(invalid("status", "referral.already"));
                }
                row.status = ReferralStatus::Acknowledged.key().into();
                row.acknowledged_at = Some(now);
                row.acknowledged_by = Some(caller.username.clone());
                "acknowledge"
            }
            Some(text) => {
                let text = text.trim();
                if text.is_empty() {
                    return Err(invalid("action", "required"));
                }
                if text.chars().count() > rules::TEXT_MAX_CHARS {
                    return Err(invalid("action", "too_long"));
                }
                if status == ReferralStatus::Sent {
                    return Err(invalid("status", "referral.not_acknowledged"));
                }
                let before = if r.action.is_empty() {
                    String::new()
                } else {
                    self.open("referral", "action", &r.id, &r.action)? + "\n"
                };
                let line = format!("{} {}", clock::local(now), text);
                row.action = self.seal("referral", "action", &r.id, &(before + &line))?;
                if done {
                    row.status = ReferralStatus::Done.key().into();
                    row.done_at = Some(now);
                    "done"
                } else {
                    "action"
                }
            }
        };
        let departments = store::departments(&self.db, &r.county_code).await?;
        let dkey = departments
            .iter()
            .find(|d| d.id == r.department_id)
            .map(|d| d.key.clone())
            .unwrap_or_default();
        let step = step_row(kind, caller, &dkey, now);
        // Acknowledged: what the department does is due within its own limit.
        let action_clock = match departments.iter().find(|d| d.id == r.department_id) {
            Some(d) if kind == "acknowledge" => Some(DeadlineRow {
                id: Uuid::now_v7(),
                county_code: r.county_code.clone(),
                path: r.path.clone(),
                kind: DeadlineKind::ReferralAction.key().into(),
                subject_id: r.id,
                case_id: Some(r.case_id),
                department_id: Some(d.id),
                due_ms: ms(now + Duration::days(d.action_days)),
                level: 0,
                next_ms: Some(ms(now + Duration::days(d.action_days))),
                done_ms: None,
            }),
            _ => None,
        };
        // The case's owner is told, whoever she is: read as the system, never shown.
        let c = store::case(&self.db, &Reader::system(), r.case_id).await?;
        let owner = match &c {
            Some(c) => jinguo_storage::account::by_username(&self.db, &c.owner)
                .await?
                .map(|a| a.id),
            None => None,
        };
        let entry = Record::new("referral.progress")
            .target(format!("referral:{id}"))
            .place(r.path.clone())
            .detail(format!("step={kind}"));
        let dept_name = departments
            .iter()
            .find(|d| d.id == r.department_id)
            .map(|d| d.name.clone())
            .unwrap_or_default();
        db_tx!(&self.db, tx => {
            if !store::update_referral(tx, &row, expected_version).await? {
                return Err(StorageError::Conflict("referral changed".into()));
            }
            if kind == "acknowledge" {
                store::complete_deadlines(tx, r.id, Some(DeadlineKind::ReferralAck.key()), ms(now)).await?;
            } else {
                // What it did is recorded: its action clock stops.
                store::complete_deadlines(tx, r.id, Some(DeadlineKind::ReferralAction.key()), ms(now)).await?;
            }
            if let Some(d) = &action_clock {
                store::insert_deadline(tx, d, ms(now)).await?;
            }
            store::add_case_step(tx, &r.county_code, r.case_id, &step).await?;
            if let Some(owner) = owner {
                let chain = Chain { accounts: vec![owner], webhook: None, sms: None };
                let kind = format!("referral.{kind}");
                self.tell(tx, &chain, &kind, &dept_name, &format!("/cases/{}", r.case_id), 0, now).await?;
            }
            record(tx, &self.keys, caller, entry.clone()).await
        })
        .map_err(conflict)?;
        row.version = expected_version + 1;
        self.referral_view(&row, &departments, now)
    }

    /// A referral with the part of its case the caller may see. Audited.
    pub async fn referral(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<(ReferralView, CaseView), ServiceError> {
        let (r, _) = self.visible_referral(caller, id).await?;
        let (case, _) = self.case(caller, r.case_id).await?;
        let departments = store::departments(&self.db, &r.county_code).await?;
        let seen = store::case(&self.db, &caller.reader(), r.case_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let consents = store::case_consents(&self.db, &seen).await?;
        let mut view = self.referral_view_with(&r, &departments, clock::now(), &consents)?;
        view.action_due_at = store::deadlines_of_subject(&self.db, r.id)
            .await?
            .iter()
            .find(|d| d.kind == DeadlineKind::ReferralAction.key() && d.done_ms.is_none())
            .map(|d| from_ms(d.due_ms));
        Ok((view, case))
    }

    // ------------------------------------------------------------ instruments

    /// Records a legal instrument on a case and starts its clock.
    pub async fn add_instrument(
        &self,
        caller: &Caller,
        case: Uuid,
        input: &InstrumentInput,
    ) -> Result<Uuid, ServiceError> {
        let c = self.staff_case(caller, case).await?;
        let now = clock::now();
        let v = input.validate(now)?;
        let id = Uuid::now_v7();
        let seal = |column: &str, s: &str| {
            if s.is_empty() {
                Ok(String::new())
            } else {
                self.seal("instrument", column, &id, s)
            }
        };
        let row = InstrumentRow {
            county_code: c.county_code.clone(),
            id,
            case_id: c.id,
            kind: v.kind.key().into(),
            started_at: v.started_at,
            urgent: v.urgent,
            party: v.party.map(|p| p.key().to_string()),
            reporter: seal("reporter", &v.reporter)?,
            reference: v.reference.clone(),
            note: seal("note", &v.note)?,
            status: "open".into(),
            valid_until: None,
            created_by: caller.username.clone(),
            version: 1,
        };
        let new_clock = rules::instrument_clock(&v, &self.limits)
            .map(|(kind, due)| clock_row(&c, kind, id, None, due));
        let step = step_row(&format!("instrument.{}", v.kind.key()), caller, "", now);
        let entry = Record::new("instrument.add")
            .target(format!("instrument:{id}"))
            .place(c.path.clone())
            .detail(format!("case={} kind={}", c.id, v.kind.key()));
        db_tx!(&self.db, tx => {
            store::insert_instrument(tx, &row, now).await?;
            if let Some(d) = &new_clock {
                store::insert_deadline(tx, d, ms(now)).await?;
            }
            store::add_case_step(tx, &c.county_code, c.id, &step).await?;
            record(tx, &self.keys, caller, entry.clone()).await
        })?;
        Ok(id)
    }

    /// Records what happened to an instrument: a follow-up, a decision on an order (granted:
    /// with its validity, whose end starts the expiry clock), an extension, a violation, an action,
    /// a move to shelter, its end. The clock it answers stops.
    pub async fn add_event(
        &self,
        caller: &Caller,
        instrument: Uuid,
        expected_version: i64,
        input: &EventInput,
    ) -> Result<(), ServiceError> {
        let c = store::case_of_instrument(&self.db, &caller.reader(), instrument)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let c = self.staff_case(caller, c.id).await?;
        let i = store::instrument(&self.db, &c, instrument)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let kind = InstrumentKind::stored(&i.kind)?;
        let started_on = i.started_at.with_timezone(&clock::CHINA).date_naive();
        let v = input.validate(kind, started_on, clock::today(), &self.limits)?;
        let now = clock::now();
        let mut row = i.clone();
        // Which clock the event answers, and which it starts.
        let (stops, status): (Option<DeadlineKind>, &str) = match v.kind {
            EventKind::Followup if kind == InstrumentKind::WarningLetter => {
                (Some(DeadlineKind::WarningFollowup), "followed_up")
            }
            EventKind::Granted => (Some(DeadlineKind::OrderDecision), "in_force"),
            EventKind::Rejected => (Some(DeadlineKind::OrderDecision), "rejected"),
            EventKind::Extended => (Some(DeadlineKind::OrderExpiry), "in_force"),
            EventKind::Acted => (Some(DeadlineKind::ReportAction), "acted"),
            EventKind::Sheltered => (Some(DeadlineKind::EmergencyPlacement), "sheltered"),
            // Reconsideration does not suspend the order (art. 31): its status stays.
            EventKind::Reconsidered => {
                (Some(DeadlineKind::OrderReconsideration), i.status.as_str())
            }
            EventKind::Ended => (None, "ended"),
            _ => (None, i.status.as_str()),
        };
        row.status = status.to_string();
        if v.valid_until.is_some() {
            row.valid_until = v.valid_until;
        }
        let expiry = match (v.kind, v.valid_until) {
            (EventKind::Granted | EventKind::Extended, Some(until)) => {
                let due = until
                    .and_hms_opt(0, 0, 0)
                    .map(|t| t.and_utc() - Duration::hours(8))
                    .unwrap_or(now)
                    - Duration::days(rules::ORDER_EXPIRY_NOTICE_DAYS);
                Some(clock_row(&c, DeadlineKind::OrderExpiry, i.id, None, due))
            }
            _ => None,
        };
        // A decision on an order opens its reconsideration window (art. 31): to the end of its
        // last day in China.
        let reconsideration = match v.kind {
            EventKind::Granted | EventKind::Rejected => Some(clock_row(
                &c,
                DeadlineKind::OrderReconsideration,
                i.id,
                None,
                clock::day_start(
                    v.on + chrono::Days::new(
                        u64::try_from(self.limits.order_reconsideration_days).unwrap_or(5) + 1,
                    ),
                ),
            )),
            _ => None,
        };
        let event = EventRow {
            instrument_id: i.id,
            seq: 0,
            kind: v.kind.key().into(),
            on_date: v.on,
            valid_until: v.valid_until,
            note: if v.note.is_empty() {
                String::new()
            } else {
                self.seal("instrument_event", "note", &i.id, &v.note)?
            },
            by_account: caller.username.clone(),
        };
        let step = step_row(&format!("event.{}", v.kind.key()), caller, "", now);
        let entry = Record::new("instrument.event")
            .target(format!("instrument:{}", i.id))
            .place(c.path.clone())
            .detail(format!("event={}", v.kind.key()));
        let ended = v.kind == EventKind::Ended;
        db_tx!(&self.db, tx => {
            if !store::update_instrument(tx, &row, expected_version).await? {
                return Err(StorageError::Conflict("instrument changed".into()));
            }
            if let Some(k) = stops {
                store::complete_deadlines(tx, i.id, Some(k.key()), ms(now)).await?;
            }
            if ended {
                store::complete_deadlines(tx, i.id, None, ms(now)).await?;
            }
            if let Some(d) = &expiry {
                store::insert_deadline(tx, d, ms(now)).await?;
            }
            if let Some(d) = &reconsideration {
                store::insert_deadline(tx, d, ms(now)).await?;
            }
            store::add_event(tx, &c.county_code, &event, now).await?;
            store::add_case_step(tx, &c.county_code, c.id, &step).await?;
            record(tx, &self.keys, caller, entry.clone()).await
        })
        .map_err(conflict)?;
        Ok(())
    }

    // ------------------------------------------------------------ evidence

    /// Keeps a file with a case: a JPEG or PNG picture or a PDF of at most 5 MB whose content is
    /// what its name says; sealed at rest. Staff managing the case's place.
    pub async fn add_evidence(
        &self,
        caller: &Caller,
        case: Uuid,
        name: &str,
        bytes: &[u8],
    ) -> Result<Uuid, ServiceError> {
        let c = self.staff_case(caller, case).await?;
        let name = name
            .trim()
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .to_string();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid("file", "evidence.type"));
        }
        let media_type = rules::check_evidence(&name, bytes)?;
        let id = Uuid::now_v7();
        let now = clock::now();
        let row = jinguo_storage::linkage::EvidenceRow {
            county_code: c.county_code.clone(),
            id,
            case_id: c.id,
            name: self.seal("evidence", "name", &id, &name)?,
            media_type: media_type.into(),
            size: bytes.len() as i64,
            created_by: caller.username.clone(),
            created_at: now,
        };
        let content = self.seal_bytes("evidence", "content", &id, bytes)?;
        let step = step_row("evidence", caller, "", now);
        let entry = Record::new("evidence.add")
            .target(format!("evidence:{id}"))
            .place(c.path.clone())
            .detail(format!(
                "case={} type={media_type} size={}",
                c.id,
                bytes.len()
            ));
        db_tx!(&self.db, tx => {
            store::insert_evidence(tx, &row, &content).await?;
            store::add_case_step(tx, &c.county_code, c.id, &step).await?;
            record(tx, &self.keys, caller, entry.clone()).await
        })?;
        Ok(id)
    }

    /// A file kept with a case, for the case's owner. Audited.
    pub async fn evidence_file(
        &self,
        caller: &Caller,
        case: Uuid,
        id: Uuid,
    ) -> Result<EvidenceFile, ServiceError> {
        let c = store::case(&self.db, &caller.reader(), case)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let access = self.case_access(caller, &c, &[]);
        if !access.staff {
            return Err(ServiceError::NotFound);
        }
        if !access.owner {
            return Err(ServiceError::Forbidden);
        }
        let row = store::evidence_of_case(&self.db, &c)
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or(ServiceError::NotFound)?;
        let sealed = store::evidence_content(&self.db, &c, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let bytes = self.open_bytes("evidence", "content", &id, &sealed)?;
        let name = self.open("evidence", "name", &id, &row.name)?;
        self.note_read(
            caller,
            Record::new("evidence.read")
                .target(format!("evidence:{id}"))
                .place(c.path.clone()),
        )
        .await?;
        Ok(EvidenceFile {
            name,
            media_type: row.media_type,
            content: bytes,
        })
    }

    // ------------------------------------------------------------ board

    /// The linkage board of a place the caller manages: per department, its open referrals with
    /// the time left, the overdue ones, the referrals sent in the period and the average time to
    /// acknowledge per month of the period (without one, the last twelve months).
    pub async fn linkage_board(
        &self,
        caller: &Caller,
        place: &str,
        period: Option<jinguo_domain::period::Period>,
    ) -> Result<Vec<BoardLine>, ServiceError> {
        let place = self.managed_place(caller, place).await?;
        let county = county_of(&place.path).ok_or(ServiceError::NotFound)?;
        let now = clock::now();
        let (since, until) = match period {
            Some(p) => (
                clock::day_start(p.from),
                clock::day_start(p.to.succ_opt().unwrap_or(p.to)),
            ),
            None => (now - Duration::days(366), now + Duration::days(1)),
        };
        let all =
            store::referrals_for_board(&self.db, &caller.reader(), &place.subtree(), since).await?;
        // Those sent in the period, and those still open whenever they were sent.
        let in_period = |r: &ReferralRow| r.sent_at >= since && r.sent_at < until;
        let referrals: Vec<_> = all
            .into_iter()
            .filter(|r| in_period(r) || r.status != "done")
            .collect();
        let mut out = Vec::new();
        for d in store::departments(&self.db, &county).await? {
            let mine: Vec<&ReferralRow> = referrals
                .iter()
                .filter(|r| r.department_id == d.id)
                .map(|r| &**r)
                .collect();
            let waiting: Vec<WaitingReferral> = mine
                .iter()
                .filter(|r| r.status == ReferralStatus::Sent.key())
                .map(|r| WaitingReferral {
                    referral: r.id,
                    case_id: r.case_id,
                    due_at: r.due_at,
                    minutes_left: (r.due_at - now).num_minutes(),
                })
                .collect();
            let mut months: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
            for r in mine.iter().filter(|r| in_period(r)) {
                if let Some(a) = r.acknowledged_at {
                    let m = r
                        .sent_at
                        .with_timezone(&clock::CHINA)
                        .format("%Y-%m")
                        .to_string();
                    let e = months.entry(m).or_default();
                    e.0 += 1;
                    e.1 += (a - r.sent_at).num_minutes();
                }
            }
            out.push(BoardLine {
                key: d.key.clone(),
                name: d.name.clone(),
                in_linkage: d.in_linkage,
                open: mine.iter().filter(|r| r.status != "done").count() as i64,
                sent: mine.iter().filter(|r| in_period(r)).count() as i64,
                overdue: waiting.iter().filter(|w| w.minutes_left < 0).count() as i64,
                waiting,
                months: months
                    .into_iter()
                    .map(|(month, (n, total))| AckMonth {
                        month,
                        acknowledged: n,
                        average_minutes: total as f64 / n as f64,
                    })
                    .collect(),
            });
        }
        Ok(out)
    }

    /// The open clocks below a place and how many are overdue (the overview), for staff
    /// managing it; none for anyone else.
    pub async fn clock_counts(
        &self,
        caller: &Caller,
        place: &jinguo_storage::place::Place,
    ) -> Result<Option<(i64, i64)>, ServiceError> {
        if !caller.manages(&place.path) {
            return Ok(None);
        }
        Ok(Some(
            store::open_deadline_counts(self.figures_db(), &place.subtree(), ms(clock::now()))
                .await?,
        ))
    }
}
