//! The anti-domestic-violence linkage (反家暴联动): cases, referrals to the mechanism's member
//! departments, the legal instruments with their clocks, and the deadlines that escalate. The
//! numbers are those of PRODUCT.md, "Rules with numbers", and each is a default the
//! configuration may change:
//! - a department acknowledges a referral within 24 hours (the 24-hour rights linkage);
//! - a court decides on a protection order within 72 hours of acceptance, 24 when urgent; an
//!   order is valid for at most 6 months (Anti-Domestic Violence Law art. 28, 30);
//! - a police warning letter is followed by a visit within 90 days;
//! - a mandatory report is acted on promptly, at once when a minor is concerned;
//! - an emergency placement lasts at most 24 hours before shelter.

use crate::Lang;
use crate::error::{FieldError, ValidationErrors};
use crate::limits::LegalLimits;
use crate::screening::Risk;
use chrono::{DateTime, Duration, Months, NaiveDate, Utc};

/// Hours a department has to acknowledge a referral, unless configured otherwise.
pub const ACK_HOURS: i64 = 24;
/// … and when the referral is urgent.
pub const URGENT_ACK_HOURS: i64 = 2;
/// Days a department that acknowledged a referral has to record what it did, unless configured
/// otherwise (per department, 1 to 90).
pub const ACTION_DAYS: i64 = 7;
/// Hours a court has to decide on a protection order: ordinary and urgent.
pub const ORDER_DECISION_HOURS: i64 = 72;
pub const ORDER_URGENT_DECISION_HOURS: i64 = 24;
/// Longest validity of a protection order, in months.
pub const ORDER_MAX_MONTHS: u32 = 6;
/// Days before an order's expiry when its extension is to be considered.
pub const ORDER_EXPIRY_NOTICE_DAYS: i64 = 14;
/// Days within which a warning letter is followed by a visit.
pub const WARNING_FOLLOWUP_DAYS: i64 = 90;
/// Hours to act on a mandatory report: ordinary, and when a minor is concerned.
pub const REPORT_ACTION_HOURS: i64 = 24;
pub const REPORT_MINOR_ACTION_HOURS: i64 = 1;
/// Longest emergency placement before shelter, in hours.
pub const EMERGENCY_PLACEMENT_HOURS: i64 = 24;
/// Longest narrative, action or note kept, in characters.
pub const TEXT_MAX_CHARS: usize = 4000;
/// Largest evidence file, in bytes.
pub const EVIDENCE_MAX_BYTES: usize = 5 * 1024 * 1024;

catalog!(
    /// What kind of violence was used (a case may name several).
    ViolenceKind {
        Physical = "physical", "身体暴力", "physical";
        Psychological = "psychological", "精神暴力", "psychological";
        Sexual = "sexual", "性暴力", "sexual";
        Economic = "economic", "经济控制", "economic control";
        Stalking = "stalking", "跟踪骚扰", "stalking and harassment";
        Neglect = "neglect", "虐待遗弃", "abuse and abandonment";
    }
);

catalog!(
    /// How the case reached the federation.
    CaseSource {
        Hotline = "hotline", "12338热线", "12338 hotline";
        Screening = "screening", "排查发现", "screening";
        Police = "police", "公安推送", "police";
        MandatoryReport = "mandatory_report", "强制报告", "mandatory report";
        WalkIn = "walk_in", "来访", "walk-in";
    }
);

catalog!(
    /// How badly the victim was hurt, as told at intake.
    Severity {
        Minor = "minor", "轻微", "minor";
        Serious = "serious", "较重", "serious";
        Severe = "severe", "严重", "severe";
    }
);

catalog!(
    /// The questions of the short risk assessment; each answered yes adds to the risk.
    RiskFactor {
        ThreatToKill = "threat_to_kill", "扬言杀害受害人或其家人", "threatened to kill her or her family";
        Weapon = "weapon", "使用或威胁使用凶器", "used or threatened a weapon";
        Strangling = "strangling", "曾掐脖子或使其窒息", "strangled or choked her";
        Escalating = "escalating", "暴力越来越频繁或严重", "violence more frequent or severe";
        Pregnant = "pregnant", "怀孕期间遭受暴力", "violence during pregnancy";
        ChildrenHarmed = "children_harmed", "子女受到伤害或目睹暴力", "children harmed or witnessing";
        Separation = "separation", "近期提出离婚或分居", "separation recently sought";
        Substance = "substance", "酗酒或吸毒", "alcohol or drug abuse";
    }
);

impl RiskFactor {
    /// The factors that alone make the risk high (danger to life).
    pub fn is_lethal(self) -> bool {
        matches!(
            self,
            RiskFactor::ThreatToKill | RiskFactor::Weapon | RiskFactor::Strangling
        )
    }
}

/// The risk the answers give: high with any factor dangerous to life or three others or more,
/// medium with one or two, low with none.
pub fn assess(factors: &[RiskFactor]) -> Risk {
    if factors.iter().any(|f| f.is_lethal()) || factors.len() >= 3 {
        Risk::High
    } else if factors.is_empty() {
        Risk::Low
    } else {
        Risk::Medium
    }
}

catalog!(
    /// What a department is asked to do.
    Request {
        Protection = "protection", "人身安全保护", "protection";
        Medical = "medical", "医疗救治与验伤", "medical care";
        Shelter = "shelter", "临时庇护", "shelter";
        LegalAid = "legal_aid", "法律援助", "legal aid";
        Schooling = "schooling", "子女就学安置", "schooling";
        Relief = "relief", "社会救助", "social relief";
        Counselling = "counselling", "心理疏导", "counselling";
        Investigation = "investigation", "调查处置", "investigation";
    }
);

catalog!(
    /// The parts of a case a referral may share with a department. The rest stays with the
    /// federation.
    SharedField {
        Victim = "victim", "受害人姓名", "victim's name";
        Contact = "contact", "联系方式", "contact";
        Abuser = "abuser", "施暴人", "person who used violence";
        Narrative = "narrative", "情况说明", "narrative";
        Children = "children", "子女情况", "children";
        Address = "address", "住址", "address";
    }
);

catalog!(
    /// Why the federation may share a case with a department.
    Basis {
        /// The victim agreed to sharing (recorded on the case).
        Consent = "consent", "当事人同意", "the victim's consent";
        /// The law makes it the department's duty (a named article).
        Law = "law", "法定职责", "a legal duty";
        /// Neither: shared by an authorized officer, with the reason recorded.
        Override = "override", "授权特批", "authorized override";
    }
);

catalog!(
    /// Where a referral stands.
    ReferralStatus {
        Sent = "sent", "待签收", "awaiting acknowledgement";
        Acknowledged = "acknowledged", "已签收", "acknowledged";
        Done = "done", "已办结", "done";
    }
);

catalog!(
    /// The legal instruments the linkage tracks.
    InstrumentKind {
        WarningLetter = "warning_letter", "告诫书", "police warning letter";
        ProtectionOrder = "protection_order", "人身安全保护令", "protection order";
        MandatoryReport = "mandatory_report", "强制报告", "mandatory report";
        Shelter = "shelter", "临时庇护", "temporary shelter";
    }
);

catalog!(
    /// Who applied for a protection order, or who made a mandatory report.
    Party {
        Victim = "victim", "受害人本人", "the victim";
        Relative = "relative", "近亲属", "a close relative";
        Federation = "federation", "妇联", "the women's federation";
        Police = "police", "公安机关", "the police";
        Committee = "committee", "居（村）民委员会", "a residents' or villagers' committee";
        ReliefAgency = "relief_agency", "救助管理机构", "a relief agency";
        School = "school", "学校", "a school";
        Hospital = "hospital", "医疗机构", "a hospital";
    }
);

impl Party {
    /// May apply for a protection order (art. 23: the victim, or on her behalf).
    pub fn may_apply(self) -> bool {
        !matches!(self, Party::School | Party::Hospital)
    }
    /// May make a mandatory report (art. 14: schools, hospitals, committees, relief agencies …).
    pub fn may_report(self) -> bool {
        matches!(
            self,
            Party::School | Party::Hospital | Party::Committee | Party::ReliefAgency
        )
    }
}

catalog!(
    /// What happened to an instrument after it was recorded.
    EventKind {
        Followup = "followup", "回访", "follow-up visit";
        Granted = "granted", "裁定准予", "order granted";
        Rejected = "rejected", "裁定驳回", "order refused";
        Extended = "extended", "延长", "extended";
        Violation = "violation", "违反保护令", "order violated";
        Acted = "acted", "已处置", "acted on";
        Sheltered = "sheltered", "转入庇护所", "moved to shelter";
        Ended = "ended", "结束", "ended";
        Reconsidered = "reconsidered", "申请复议", "reconsideration asked";
    }
);

catalog!(
    /// A stored clock: what must happen by when.
    DeadlineKind {
        ReferralAck = "referral_ack", "转介签收", "referral acknowledgement";
        ReferralAction = "referral_action", "转介处置", "action on an acknowledged referral";
        OrderDecision = "order_decision", "保护令裁定", "protection order decision";
        OrderExpiry = "order_expiry", "保护令到期", "protection order expiry";
        WarningFollowup = "warning_followup", "告诫书回访", "warning letter follow-up";
        ReportAction = "report_action", "强制报告处置", "action on a mandatory report";
        EmergencyPlacement = "emergency_placement", "紧急安置", "emergency placement";
        TermDue = "term_due", "调解协议履行", "performance of an agreement term";
        OpinionFirst = "opinion_first", "舆情首次权威发布", "first authoritative information on an opinion topic";
        OpinionPress = "opinion_press", "重大舆情新闻发布", "press response to a major opinion topic";
        OpinionAnswer = "opinion_answer", "舆情回应", "answer to an opinion topic";
        OpinionTask = "opinion_task", "研判会后续任务", "follow-up task of a review meeting";
        ConferenceHearing = "conference_hearing", "高危个案会商", "hearing of a high-risk case at a conference";
        SafetyAction = "safety_action", "安全计划措施", "action of a safety plan";
        OrderReconsideration = "order_reconsideration", "保护令复议期", "protection order reconsideration window";
        SupervisionDue = "supervision_due", "督办办结期限", "deadline of a supervision task";
        HotlineCallback = "hotline_callback", "12338来电回访", "call-back to a hotline caller";
        ChainStep = "chain_step", "“1+N+1+1”环节期限", "deadline of a step of a chain";
    }
);

catalog!(
    /// Who a referral's escalation reaches at one level of its chain (configuration).
    Rung {
        /// The department's liaison officers, its group robot and duty phone (and, at the first
        /// level, the case's owner).
        Liaison = "liaison", "联络员", "liaison officers";
        /// The department's heads.
        Head = "head", "单位负责人", "the department's heads";
        /// The county federation's chair: staff over the whole county.
        Chair = "chair", "市妇联主席", "the county federation's chair";
    }
);

/// The chain of a referral's escalation, unless configured otherwise.
pub const DEFAULT_CHAIN: [Rung; 3] = [Rung::Liaison, Rung::Head, Rung::Chair];

/// A case as entered at intake.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CaseInput {
    #[serde(default)]
    pub victim_person_id: Option<uuid::Uuid>,
    #[serde(default)]
    pub victim_name: String,
    #[serde(default)]
    pub victim_phone: String,
    #[serde(default)]
    pub abuser_name: String,
    /// The person who used violence, to the victim: husband, former husband, son …
    #[serde(default)]
    pub relationship: String,
    #[serde(default)]
    pub violence: Vec<String>,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub risk_factors: Vec<String>,
    #[serde(default)]
    pub children: i64,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub received_on: String,
    #[serde(default)]
    pub narrative: String,
    /// The victim agreed that the case is shared with the departments that help her.
    #[serde(default)]
    pub consent_to_share: bool,
    /// Where she can be found (optional).
    #[serde(default)]
    pub victim_address: String,
    /// Her address is confidential (she is in a shelter): only the case's owner sees it, and
    /// no referral shares it.
    #[serde(default)]
    pub address_confidential: bool,
}

/// A case that passed its checks.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCase {
    pub victim_person_id: Option<uuid::Uuid>,
    pub victim_name: String,
    pub victim_phone: Option<String>,
    pub abuser_name: String,
    pub relationship: String,
    pub violence: Vec<ViolenceKind>,
    pub severity: Severity,
    pub risk_factors: Vec<RiskFactor>,
    pub risk: Risk,
    pub children: i64,
    pub source: CaseSource,
    pub received_on: NaiveDate,
    pub narrative: String,
    pub consent_to_share: bool,
    pub victim_address: String,
    pub address_confidential: bool,
}

/// Longest address kept, in characters.
pub const ADDRESS_MAX_CHARS: usize = 200;

/// A referral may not share a confidential address: refused on `shared`.
pub fn check_shared_address(
    shared: &[SharedField],
    address_confidential: bool,
) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if address_confidential && shared.contains(&SharedField::Address) {
        e.push("shared", "case.address_confidential");
    }
    e.into_result()
}

fn keys<T: Copy + Ord>(
    e: &mut ValidationErrors,
    field: &str,
    values: &[String],
    parse: impl Fn(&str) -> Option<T>,
) -> Vec<T> {
    let mut out = Vec::new();
    for v in values.iter().filter(|v| !v.trim().is_empty()) {
        match parse(v) {
            Some(k) if !out.contains(&k) => out.push(k),
            Some(_) => {}
            None => {
                e.push(field, "invalid");
                return Vec::new();
            }
        }
    }
    out.sort();
    out
}

fn text(e: &mut ValidationErrors, field: &str, s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() > max {
        e.push(field, "too_long");
    }
    s.to_string()
}

impl CaseInput {
    pub fn validate(&self, today: NaiveDate) -> Result<ValidCase, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let victim_name = text(&mut e, "victim_name", &self.victim_name, 50);
        if self.victim_person_id.is_none() && victim_name.is_empty() {
            e.push("victim_name", "required");
        }
        let victim_phone = match self.victim_phone.trim() {
            "" => None,
            p => e.check(
                crate::phone::Mobile::parse(p)
                    .map(|m| m.as_str().to_string())
                    .map_err(|f| FieldError::new("victim_phone", f.code)),
            ),
        };
        let abuser_name = text(&mut e, "abuser_name", &self.abuser_name, 50);
        let relationship = text(&mut e, "abuser_relationship", &self.relationship, 20);
        if relationship.is_empty() {
            e.push("abuser_relationship", "required");
        }
        let violence = keys(&mut e, "violence", &self.violence, ViolenceKind::parse);
        if violence.is_empty() && !e.0.iter().any(|f| f.field == "violence") {
            e.push("violence", "required");
        }
        let severity = Severity::parse(&self.severity);
        if severity.is_none() {
            e.push(
                "severity",
                if self.severity.trim().is_empty() {
                    "required"
                } else {
                    "invalid"
                },
            );
        }
        let risk_factors = keys(
            &mut e,
            "risk_factors",
            &self.risk_factors,
            RiskFactor::parse,
        );
        if !(0..=20).contains(&self.children) {
            e.push("children", "out_of_range");
        }
        let source = CaseSource::parse(&self.source);
        if source.is_none() {
            e.push(
                "source",
                if self.source.trim().is_empty() {
                    "required"
                } else {
                    "invalid"
                },
            );
        }
        let received_on = crate::screening::date(&mut e, "received_on", &self.received_on);
        if received_on.is_some_and(|d| d > today) {
            e.push("received_on", "date.future");
        }
        let narrative = text(&mut e, "narrative", &self.narrative, TEXT_MAX_CHARS);
        if narrative.is_empty() {
            e.push("narrative", "required");
        }
        let victim_address = text(
            &mut e,
            "victim_address",
            &self.victim_address,
            ADDRESS_MAX_CHARS,
        );
        e.into_result()?;
        match (severity, source, received_on) {
            (Some(severity), Some(source), Some(received_on)) => Ok(ValidCase {
                victim_person_id: self.victim_person_id,
                victim_name,
                victim_phone,
                abuser_name,
                relationship,
                risk: assess(&risk_factors),
                violence,
                severity,
                risk_factors,
                children: self.children,
                source,
                received_on,
                narrative,
                consent_to_share: self.consent_to_share,
                victim_address,
                address_confidential: self.address_confidential,
            }),
            _ => Err(ValidationErrors::new()),
        }
    }
}

/// The article a family mediator's report to the police rests on: a legal duty.
pub const MEDIATOR_REPORT_ARTICLE: &str = "《人民调解法》第二十五条";

/// A family mediator's report to the police of a dispute whose violence may become a crime
/// (People's Mediation Law art. 25).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CrimeReportInput {
    /// The party who suffered the violence, by her number among the dispute's parties.
    #[serde(default)]
    pub victim_party: Option<i64>,
    /// The kinds of violence found.
    #[serde(default)]
    pub violence: Vec<String>,
    /// What the mediator found.
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidCrimeReport {
    pub victim_party: i64,
    pub violence: Vec<ViolenceKind>,
    pub note: String,
}

impl CrimeReportInput {
    /// `parties`: the numbers of the dispute's parties.
    pub fn validate(&self, parties: &[i64]) -> Result<ValidCrimeReport, ValidationErrors> {
        let mut e = ValidationErrors::new();
        match self.victim_party {
            None => e.push("victim_party", "required"),
            Some(p) if !parties.contains(&p) => e.push("victim_party", "invalid"),
            Some(_) => {}
        }
        let violence = keys(&mut e, "violence", &self.violence, ViolenceKind::parse);
        if violence.is_empty() && !e.0.iter().any(|f| f.field == "violence") {
            e.push("violence", "required");
        }
        let note = text(&mut e, "note", &self.note, TEXT_MAX_CHARS);
        if note.is_empty() {
            e.push("note", "required");
        }
        e.into_result()?;
        Ok(ValidCrimeReport {
            victim_party: self.victim_party.unwrap_or_default(),
            violence,
            note,
        })
    }
}

/// A referral as the federation sends it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReferralInput {
    /// The department's key (`police`, `court` …).
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub requests: Vec<String>,
    #[serde(default)]
    pub urgent: bool,
    /// The parts of the case the department sees.
    #[serde(default)]
    pub shared: Vec<String>,
    #[serde(default)]
    pub basis: String,
    /// The article of law (basis `law`) or the reason (basis `override`).
    #[serde(default)]
    pub basis_note: String,
    /// A deadline earlier than the department's own, if the case needs it (RFC 3339).
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidReferral {
    pub department: String,
    pub requests: Vec<Request>,
    pub urgent: bool,
    pub shared: Vec<SharedField>,
    pub basis: Basis,
    pub basis_note: String,
    pub due_at: Option<DateTime<Utc>>,
    pub note: String,
}

impl ReferralInput {
    /// Checks the referral; `consent` is whether the case records the victim's consent to share.
    pub fn validate(
        &self,
        consent: bool,
        now: DateTime<Utc>,
    ) -> Result<ValidReferral, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let department = self.department.trim().to_string();
        if department.is_empty() {
            e.push("department", "required");
        }
        let requests = keys(&mut e, "requests", &self.requests, Request::parse);
        if requests.is_empty() && !e.0.iter().any(|f| f.field == "requests") {
            e.push("requests", "required");
        }
        let shared = keys(&mut e, "shared", &self.shared, SharedField::parse);
        let basis = Basis::parse(&self.basis);
        let basis_note = text(&mut e, "basis_note", &self.basis_note, 500);
        match basis {
            None => e.push(
                "basis",
                if self.basis.trim().is_empty() {
                    "required"
                } else {
                    "invalid"
                },
            ),
            Some(Basis::Consent) if !consent => e.push("basis", "referral.no_consent"),
            Some(Basis::Law | Basis::Override) if basis_note.is_empty() => {
                e.push("basis_note", "required")
            }
            _ => {}
        }
        if self.due_at.is_some_and(|d| d <= now) {
            e.push("due_at", "referral.due_past");
        }
        let note = text(&mut e, "note", &self.note, TEXT_MAX_CHARS);
        e.into_result()?;
        Ok(ValidReferral {
            department,
            requests,
            urgent: self.urgent,
            shared,
            basis: basis.unwrap_or(Basis::Override),
            basis_note,
            due_at: self.due_at,
            note,
        })
    }
}

/// When a department must acknowledge: its own limit from sending, or the earlier deadline the
/// federation set.
pub fn ack_due(sent_at: DateTime<Utc>, hours: i64, asked: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let own = sent_at + Duration::hours(hours);
    match asked {
        Some(a) if a < own => a,
        _ => own,
    }
}

/// An instrument as recorded.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct InstrumentInput {
    #[serde(default)]
    pub instrument: String,
    /// When it was issued, filed, reported or the placement began (RFC 3339).
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    /// Protection order: an urgent application (24 h). Mandatory report: a minor is concerned.
    #[serde(default)]
    pub urgent: bool,
    /// Who applied (protection order) or reported (mandatory report).
    #[serde(default)]
    pub party: String,
    /// Mandatory report: who reported, kept confidential.
    #[serde(default)]
    pub reporter: String,
    /// Warning letter: its number; shelter: where.
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidInstrument {
    pub kind: InstrumentKind,
    pub started_at: DateTime<Utc>,
    pub urgent: bool,
    pub party: Option<Party>,
    pub reporter: String,
    pub reference: String,
    pub note: String,
}

impl InstrumentInput {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<ValidInstrument, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = InstrumentKind::parse(&self.instrument);
        if kind.is_none() {
            let code = if self.instrument.trim().is_empty() {
                "required"
            } else {
                "invalid"
            };
            e.push("instrument", code);
        }
        let started_at = match self.started_at {
            None => {
                e.push("started_at", "required");
                None
            }
            Some(t) if t > now + Duration::minutes(5) => {
                e.push("started_at", "date.future");
                None
            }
            Some(t) => Some(t),
        };
        let party = match self.party.trim() {
            "" => None,
            p => match Party::parse(p) {
                Some(p) => Some(p),
                None => {
                    e.push("party", "invalid");
                    None
                }
            },
        };
        match (kind, party) {
            (Some(InstrumentKind::ProtectionOrder), None) => e.push("party", "required"),
            (Some(InstrumentKind::ProtectionOrder), Some(p)) if !p.may_apply() => {
                e.push("party", "instrument.may_not_apply")
            }
            (Some(InstrumentKind::MandatoryReport), None) => e.push("party", "required"),
            (Some(InstrumentKind::MandatoryReport), Some(p)) if !p.may_report() => {
                e.push("party", "instrument.may_not_report")
            }
            _ => {}
        }
        let reporter = text(&mut e, "reporter", &self.reporter, 100);
        if kind == Some(InstrumentKind::MandatoryReport) && reporter.is_empty() {
            e.push("reporter", "required");
        }
        let reference = text(&mut e, "reference", &self.reference, 100);
        let note = text(&mut e, "note", &self.note, TEXT_MAX_CHARS);
        e.into_result()?;
        match (kind, started_at) {
            (Some(kind), Some(started_at)) => Ok(ValidInstrument {
                kind,
                started_at,
                urgent: self.urgent,
                party,
                reporter,
                reference,
                note,
            }),
            _ => Err(ValidationErrors::new()),
        }
    }
}

/// The clock an instrument starts when it is recorded, if any: (what, due), by the limits in
/// force.
pub fn instrument_clock(
    i: &ValidInstrument,
    limits: &LegalLimits,
) -> Option<(DeadlineKind, DateTime<Utc>)> {
    let t = i.started_at;
    Some(match i.kind {
        InstrumentKind::WarningLetter => (
            DeadlineKind::WarningFollowup,
            t + Duration::days(limits.warning_followup_days),
        ),
        InstrumentKind::ProtectionOrder => (
            DeadlineKind::OrderDecision,
            t + Duration::hours(if i.urgent {
                limits.order_urgent_decision_hours
            } else {
                limits.order_decision_hours
            }),
        ),
        InstrumentKind::MandatoryReport => (
            DeadlineKind::ReportAction,
            t + Duration::hours(if i.urgent {
                limits.report_minor_action_hours
            } else {
                limits.report_action_hours
            }),
        ),
        InstrumentKind::Shelter => (
            DeadlineKind::EmergencyPlacement,
            t + Duration::hours(limits.emergency_placement_hours),
        ),
    })
}

/// Which events an instrument of this kind takes, and which of them stop its open clock.
pub fn event_fits(kind: InstrumentKind, event: EventKind) -> bool {
    use EventKind as E;
    match kind {
        InstrumentKind::WarningLetter => matches!(event, E::Followup | E::Ended),
        InstrumentKind::ProtectionOrder => matches!(
            event,
            E::Granted | E::Rejected | E::Extended | E::Violation | E::Ended | E::Reconsidered
        ),
        InstrumentKind::MandatoryReport => matches!(event, E::Acted | E::Ended),
        InstrumentKind::Shelter => matches!(event, E::Sheltered | E::Ended | E::Followup),
    }
}

/// The last day a protection order granted on `from` may run: at most six months, or the
/// shorter validity configured.
pub fn order_latest_end(from: NaiveDate, limits: &LegalLimits) -> NaiveDate {
    let months = u32::try_from(limits.order_max_months).unwrap_or(ORDER_MAX_MONTHS);
    from.checked_add_months(Months::new(months)).unwrap_or(from)
}

/// An event as recorded on an instrument.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EventInput {
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub on: String,
    /// Granted or extended order: valid until (≤ 6 months from `on`).
    #[serde(default)]
    pub valid_until: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidEvent {
    pub kind: EventKind,
    pub on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub note: String,
}

impl EventInput {
    pub fn validate(
        &self,
        instrument: InstrumentKind,
        started_on: NaiveDate,
        today: NaiveDate,
        limits: &LegalLimits,
    ) -> Result<ValidEvent, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = EventKind::parse(&self.event);
        match kind {
            None => e.push(
                "event",
                if self.event.trim().is_empty() {
                    "required"
                } else {
                    "invalid"
                },
            ),
            Some(k) if !event_fits(instrument, k) => e.push("event", "instrument.event_unfit"),
            _ => {}
        }
        let on = crate::screening::date(&mut e, "on", &self.on);
        if on.is_some_and(|d| d > today) {
            e.push("on", "date.future");
        }
        if on.is_some_and(|d| d < started_on) {
            e.push("on", "instrument.before_start");
        }
        let valid_until = match self.valid_until.trim() {
            "" => None,
            _ => crate::screening::date(&mut e, "valid_until", &self.valid_until),
        };
        if matches!(kind, Some(EventKind::Granted | EventKind::Extended)) {
            match (on, valid_until) {
                (_, None) if !e.0.iter().any(|f| f.field == "valid_until") => {
                    e.push("valid_until", "required")
                }
                (Some(on), Some(u)) if u <= on => e.push("valid_until", "instrument.until_before"),
                (Some(on), Some(u)) if u > order_latest_end(on, limits) => {
                    e.push("valid_until", "instrument.six_months")
                }
                _ => {}
            }
        }
        let note = text(&mut e, "note", &self.note, TEXT_MAX_CHARS);
        e.into_result()?;
        match (kind, on) {
            (Some(kind), Some(on)) => Ok(ValidEvent {
                kind,
                on,
                valid_until,
                note,
            }),
            _ => Err(ValidationErrors::new()),
        }
    }
}

/// The kind of an evidence file by its first bytes, whatever its name says: JPEG, PNG or PDF.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// Checks an evidence file: not empty, not too large, and of the kind its name claims.
pub fn check_evidence(name: &str, bytes: &[u8]) -> Result<&'static str, FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new("file", "required"));
    }
    if bytes.len() > EVIDENCE_MAX_BYTES {
        return Err(FieldError::new("file", "evidence.too_large"));
    }
    let claimed = match name
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("pdf") => "application/pdf",
        _ => return Err(FieldError::new("file", "evidence.type")),
    };
    match sniff(bytes) {
        Some(real) if real == claimed => Ok(real),
        _ => Err(FieldError::new("file", "evidence.disguised")),
    }
}

/// The next escalation of a deadline at `level` (0: not yet due) that fell due at `due`: when
/// the following level is reached, `step` apart, up to `levels` levels.
pub fn next_escalation(
    due: DateTime<Utc>,
    level: i64,
    step: Duration,
    levels: i64,
) -> Option<DateTime<Utc>> {
    (level < levels).then(|| due + step * (level as i32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, 0, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn risk_follows_the_answers() {
        assert_eq!(assess(&[]), Risk::Low);
        assert_eq!(assess(&[RiskFactor::Escalating]), Risk::Medium);
        assert_eq!(
            assess(&[RiskFactor::Escalating, RiskFactor::Substance]),
            Risk::Medium
        );
        assert_eq!(assess(&[RiskFactor::Strangling]), Risk::High);
        assert_eq!(
            assess(&[
                RiskFactor::Escalating,
                RiskFactor::Substance,
                RiskFactor::Separation
            ]),
            Risk::High
        );
    }

    #[test]
    fn a_case_names_what_is_missing() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        let e = CaseInput {
            violence: vec!["kicking".into()],
            children: -1,
            received_on: "2026-03-02".into(),
            ..Default::default()
        }
        .validate(today)
        .err()
        .unwrap_or_default();
        let fields: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        for want in [
            ("victim_name", "required"),
            ("abuser_relationship", "required"),
            ("violence", "invalid"),
            ("severity", "required"),
            ("children", "out_of_range"),
            ("source", "required"),
            ("received_on", "date.future"),
            ("narrative", "required"),
        ] {
            assert!(fields.contains(&want), "{want:?} in {fields:?}");
        }
        let ok = CaseInput {
            victim_name: "李某".into(),
            relationship: "丈夫".into(),
            violence: vec!["physical".into(), "身体暴力".into(), "economic".into()],
            severity: "serious".into(),
            risk_factors: vec!["weapon".into()],
            source: "hotline".into(),
            received_on: "2026-03-01".into(),
            narrative: "多次殴打".into(),
            ..Default::default()
        }
        .validate(today);
        let ok = ok.map_err(|e| e.to_string());
        assert_eq!(
            ok.as_ref().map(|c| (c.violence.clone(), c.risk)),
            Ok((
                vec![ViolenceKind::Physical, ViolenceKind::Economic],
                Risk::High
            ))
        );
    }

    #[test]
    fn sharing_needs_consent_or_a_recorded_basis() {
        let r = ReferralInput {
            department: "police".into(),
            requests: vec!["protection".into()],
            shared: vec!["victim".into()],
            basis: "consent".into(),
            ..Default::default()
        };
        let code = |r: Result<ValidReferral, ValidationErrors>| {
            r.err()
                .map(|e| e.0.iter().map(|f| f.code).collect::<Vec<_>>())
        };
        assert_eq!(
            code(r.validate(false, t(8))),
            Some(vec!["referral.no_consent"])
        );
        assert_eq!(code(r.validate(true, t(8))), None);
        let law = ReferralInput {
            basis: "law".into(),
            ..r.clone()
        };
        assert_eq!(code(law.validate(false, t(8))), Some(vec!["required"]));
        let past = ReferralInput {
            due_at: Some(t(7)),
            ..r.clone()
        };
        assert_eq!(
            code(past.validate(true, t(8))),
            Some(vec!["referral.due_past"])
        );
        // The department's limit, or the earlier deadline asked for.
        assert_eq!(ack_due(t(8), 24, None), t(8) + Duration::hours(24));
        assert_eq!(ack_due(t(8), 24, Some(t(12))), t(12));
        assert_eq!(ack_due(t(8), 2, Some(t(12))), t(10));
    }

    #[test]
    fn instruments_carry_their_clocks() {
        let base = InstrumentInput {
            instrument: "protection_order".into(),
            started_at: Some(t(8)),
            party: "federation".into(),
            ..Default::default()
        };
        let v = base.validate(t(9)).unwrap_or_else(|_| unreachable!());
        assert_eq!(
            instrument_clock(&v, &LegalLimits::LAW),
            Some((DeadlineKind::OrderDecision, t(8) + Duration::hours(72)))
        );
        let urgent = InstrumentInput {
            urgent: true,
            ..base.clone()
        }
        .validate(t(9))
        .unwrap_or_else(|_| unreachable!());
        assert_eq!(
            instrument_clock(&urgent, &LegalLimits::LAW),
            Some((DeadlineKind::OrderDecision, t(8) + Duration::hours(24)))
        );
        // A hospital may report, not apply; a report needs its confidential reporter.
        let bad = InstrumentInput {
            party: "hospital".into(),
            ..base.clone()
        }
        .validate(t(9));
        assert!(bad.is_err());
        let report = InstrumentInput {
            instrument: "mandatory_report".into(),
            party: "school".into(),
            urgent: true,
            ..base.clone()
        };
        assert!(report.validate(t(9)).is_err());
        let report = InstrumentInput {
            reporter: "某小学班主任".into(),
            ..report
        }
        .validate(t(9))
        .unwrap_or_else(|_| unreachable!());
        assert_eq!(
            instrument_clock(&report, &LegalLimits::LAW),
            Some((DeadlineKind::ReportAction, t(8) + Duration::hours(1)))
        );
        let letter = InstrumentInput {
            instrument: "warning_letter".into(),
            party: String::new(),
            ..base
        }
        .validate(t(9))
        .unwrap_or_else(|_| unreachable!());
        assert_eq!(
            instrument_clock(&letter, &LegalLimits::LAW),
            Some((DeadlineKind::WarningFollowup, t(8) + Duration::days(90)))
        );
    }

    #[test]
    fn an_order_runs_six_months_at_most() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let grant = |until: &str| EventInput {
            event: "granted".into(),
            on: "2026-03-02".into(),
            valid_until: until.into(),
            ..Default::default()
        };
        let ok = grant("2026-09-02").validate(
            InstrumentKind::ProtectionOrder,
            d("2026-03-01"),
            d("2026-03-03"),
            &LegalLimits::LAW,
        );
        assert!(ok.is_ok());
        let long = grant("2026-09-03").validate(
            InstrumentKind::ProtectionOrder,
            d("2026-03-01"),
            d("2026-03-03"),
            &LegalLimits::LAW,
        );
        assert_eq!(
            long.err().map(|e| e.0[0].code),
            Some("instrument.six_months")
        );
        let unfit = EventInput {
            event: "granted".into(),
            on: "2026-03-02".into(),
            ..Default::default()
        }
        .validate(
            InstrumentKind::WarningLetter,
            d("2026-03-01"),
            d("2026-03-03"),
            &LegalLimits::LAW,
        );
        assert_eq!(
            unfit.err().map(|e| e.0[0].code),
            Some("instrument.event_unfit")
        );
    }

    #[test]
    fn disguised_files_are_refused() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0];
        assert_eq!(check_evidence("伤情.png", &png), Ok("image/png"));
        assert_eq!(
            check_evidence("伤情.pdf", &png).map_err(|e| e.code),
            Err("evidence.disguised")
        );
        assert_eq!(
            check_evidence("run.exe", b"MZ\x90\x00").map_err(|e| e.code),
            Err("evidence.type")
        );
        assert_eq!(
            check_evidence("x.jpg", &[]).map_err(|e| e.code),
            Err("required")
        );
        let big = vec![0xFF; EVIDENCE_MAX_BYTES + 1];
        assert_eq!(
            check_evidence("x.jpg", &big).map_err(|e| e.code),
            Err("evidence.too_large")
        );
    }

    #[test]
    fn escalation_climbs_the_chain_then_stops() {
        let step = Duration::hours(4);
        assert_eq!(next_escalation(t(8), 0, step, 3), Some(t(8)));
        assert_eq!(next_escalation(t(8), 1, step, 3), Some(t(12)));
        assert_eq!(next_escalation(t(8), 2, step, 3), Some(t(16)));
        assert_eq!(next_escalation(t(8), 3, step, 3), None);
    }
}
