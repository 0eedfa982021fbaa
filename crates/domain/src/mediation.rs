//! Family mediation (家事调解): what a dispute is, the steps it goes through, its clocks, the
//! agreement (调解协议书) and its judicial confirmation (司法确认), and the "three full
//! coverages" of the mediators. The numbers are those of PRODUCT.md, "Rules with numbers":
//! - a dispute is to be concluded within one month of its registration;
//! - referred by a court before filing (诉前委派): 30 days from the mediator's acceptance;
//!   after filing (委托调解): 15 days, or 7 under the simplified procedure, from acceptance;
//! - judicial confirmation is applied for jointly within 30 days of the agreement, and never
//!   for terms on marriage, adoption or personal status (People's Mediation Law art. 33).

use crate::error::{FieldError, ValidationErrors};
use crate::limits::LegalLimits;
use crate::screening::{Risk, date};
use chrono::{Days, Months, NaiveDate};

/// Days from the agreement within which judicial confirmation may be applied for.
pub const CONFIRMATION_DAYS: u64 = 30;
/// Days a court gives before filing, from the mediator's acceptance.
pub const BEFORE_FILING_DAYS: u64 = 30;
/// Days a court gives after filing, from acceptance: ordinary and simplified procedure.
pub const AFTER_FILING_DAYS: u64 = 15;
pub const AFTER_FILING_SIMPLIFIED_DAYS: u64 = 7;
/// Longest narrative or session record kept, in characters.
pub const TEXT_MAX_CHARS: usize = 4000;

macro_rules! keyed {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $k:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The key in the database, the API and the catalogs.
            pub fn key(self) -> &'static str {
                match self { $($name::$v => $k),+ }
            }
            /// From its key (or a Chinese name a sheet may carry).
            pub fn parse(s: &str) -> Option<$name> {
                match s.trim() { $($k $(| $alias)* => Some($name::$v),)+ _ => None }
            }
        }
        impl $crate::Kind for $name {
            const NAME: &'static str = stringify!($name);
            fn all() -> &'static [$name] {
                $name::ALL
            }
            fn key(self) -> &'static str {
                $name::key(self)
            }
        }
    };
}

keyed!(
    /// What the dispute is about.
    DisputeKind {
        Marriage = "marriage" | "婚姻",
        Divorce = "divorce" | "离婚",
        DomesticViolence = "domestic_violence" | "家庭暴力",
        ElderSupport = "elder_support" | "赡养",
        Custody = "custody" | "抚养",
        Property = "property" | "财产",
        Neighbours = "neighbours" | "邻里",
        Other = "other" | "其他",
    }
);

keyed!(
    /// How the dispute reached the federation.
    Source {
        /// A screening visit found it (medium or high risk).
        Screening = "screening" | "排查",
        /// The 12338 women's rights hotline.
        Hotline = "hotline" | "12338",
        WalkIn = "walk_in" | "来访",
        /// Referred by a court before a case is filed (诉前委派).
        CourtBeforeFiling = "court_before_filing" | "诉前委派",
        /// Entrusted by a court after filing (委托调解).
        CourtAfterFiling = "court_after_filing" | "委托调解",
        Police = "police" | "公安",
        /// Another federation passed it on.
        Federation = "federation" | "妇联转办",
    }
);

impl Source {
    pub fn is_court(self) -> bool {
        matches!(self, Source::CourtBeforeFiling | Source::CourtAfterFiling)
    }
}

keyed!(
    /// Where a dispute stands.
    Status {
        Registered = "registered",
        Accepted = "accepted",
        Assigned = "assigned",
        /// At least one session held.
        InMediation = "in_mediation",
        Agreed = "agreed",
        NotAgreed = "not_agreed",
        Closed = "closed",
    }
);

impl Status {
    /// Still to be concluded: its due date applies.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Registered | Status::Accepted | Status::Assigned | Status::InMediation
        )
    }
}

keyed!(
    /// How a dispute ended.
    Outcome {
        Agreed = "agreed",
        NotAgreed = "not_agreed",
        /// A party refused mediation (it was never accepted).
        Refused = "refused",
    }
);

keyed!(
    /// One step of the workflow, as a user takes it.
    Step {
        Accept = "accept",
        /// Refused at intake, with the reason (one party refuses mediation).
        Refuse = "refuse",
        /// Assigned to a mediator or team; again, a reassignment (history is kept).
        Assign = "assign",
        Session = "session",
        Agree = "agree",
        NotAgree = "not_agree",
        FollowUp = "follow_up",
        Close = "close",
        /// Reported to the police (a suspected criminal or public-security case); the mediation
        /// itself goes on or ends by its own steps.
        Escalate = "escalate",
    }
);

impl DisputeKind {
    /// Its name in the user's language.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            DisputeKind::Marriage => ("婚姻", "marriage"),
            DisputeKind::Divorce => ("离婚", "divorce"),
            DisputeKind::DomesticViolence => ("家庭暴力", "domestic violence"),
            DisputeKind::ElderSupport => ("赡养", "support of elders"),
            DisputeKind::Custody => ("抚养", "custody"),
            DisputeKind::Property => ("财产", "property"),
            DisputeKind::Neighbours => ("邻里", "neighbours"),
            DisputeKind::Other => ("其他", "other"),
        };
        lang.pick(zh, en)
    }
}

impl Source {
    /// Its name in the user's language.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            Source::Screening => ("排查发现", "screening"),
            Source::Hotline => ("12338热线", "12338 hotline"),
            Source::WalkIn => ("来访", "walk-in"),
            Source::CourtBeforeFiling => ("法院诉前委派", "court, before filing"),
            Source::CourtAfterFiling => ("法院委托调解", "court, after filing"),
            Source::Police => ("公安移交", "police"),
            Source::Federation => ("妇联转办", "another federation"),
        };
        lang.pick(zh, en)
    }
}

impl Status {
    /// Its name in the user's language.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            Status::Registered => ("已登记", "registered"),
            Status::Accepted => ("已受理", "accepted"),
            Status::Assigned => ("已指派", "assigned"),
            Status::InMediation => ("调解中", "in mediation"),
            Status::Agreed => ("达成协议", "agreement reached"),
            Status::NotAgreed => ("未达成协议", "no agreement"),
            Status::Closed => ("已结案", "closed"),
        };
        lang.pick(zh, en)
    }
}

impl TermKind {
    /// Its name in the user's language.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            TermKind::Payment => ("给付", "payment"),
            TermKind::Property => ("财产分割", "division of property"),
            TermKind::Support => ("赡养扶养", "support"),
            TermKind::Custody => ("抚养", "custody"),
            TermKind::Visitation => ("探望", "visitation"),
            TermKind::Conduct => ("行为约定", "conduct"),
            TermKind::Marriage => ("婚姻关系", "marriage"),
            TermKind::Adoption => ("收养关系", "adoption"),
            TermKind::PersonalStatus => ("身份关系", "personal status"),
            TermKind::Other => ("其他", "other"),
        };
        lang.pick(zh, en)
    }
}

/// Where a step leads from a status; `None`: the step is not allowed there. Closing before an
/// outcome is not allowed; refusing is only at intake.
pub fn after(status: Status, step: Step) -> Option<Status> {
    use Status as S;
    use Step as T;
    Some(match (status, step) {
        (S::Registered, T::Accept) => S::Accepted,
        (S::Registered, T::Refuse) => S::Closed,
        (S::Accepted, T::Assign) => S::Assigned,
        (S::Assigned, T::Assign) => S::Assigned,
        (S::InMediation, T::Assign) => S::InMediation,
        (S::Assigned | S::InMediation, T::Session) => S::InMediation,
        (S::InMediation, T::Agree) => S::Agreed,
        (S::InMediation, T::NotAgree) => S::NotAgreed,
        (S::Agreed | S::NotAgreed, T::FollowUp) => status,
        (S::Agreed | S::NotAgreed, T::Close) => S::Closed,
        (s, T::Escalate) if s != S::Closed => s,
        _ => return None,
    })
}

/// The step refused with the reason the user reads.
pub fn check_step(status: Status, step: Step) -> Result<Status, FieldError> {
    after(status, step).ok_or_else(|| {
        let code = match (status, step) {
            (s, Step::Close) if s.is_open() => "dispute.close_without_outcome",
            (Status::Closed, _) => "dispute.closed",
            _ => "dispute.step_not_allowed",
        };
        FieldError::new("step", code)
    })
}

/// What the due date of a dispute is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueBasis {
    /// One month from registration.
    Registration,
    /// A court's clock, from the mediator's acceptance.
    Court { days: u64 },
}

/// The days a court-referred dispute has from acceptance; `simplified` only matters after filing.
pub fn court_days(source: Source, simplified: bool, limits: &LegalLimits) -> Option<u64> {
    let days = match source {
        Source::CourtBeforeFiling => limits.court_before_filing_days,
        Source::CourtAfterFiling if simplified => limits.court_after_filing_simplified_days,
        Source::CourtAfterFiling => limits.court_after_filing_days,
        _ => return None,
    };
    Some(u64::try_from(days).unwrap_or(BEFORE_FILING_DAYS))
}

/// The date by which a dispute is to be concluded. A court's clock starts at acceptance; until
/// then a court-referred dispute is due by the same count from its registration.
pub fn due_on(
    source: Source,
    simplified: bool,
    registered_on: NaiveDate,
    accepted_on: Option<NaiveDate>,
    limits: &LegalLimits,
) -> NaiveDate {
    match court_days(source, simplified, limits) {
        Some(days) => {
            let from = accepted_on.unwrap_or(registered_on);
            from.checked_add_days(Days::new(days)).unwrap_or(from)
        }
        None => registered_on
            .checked_add_months(Months::new(
                u32::try_from(limits.mediation_months).unwrap_or(1),
            ))
            .unwrap_or(registered_on),
    }
}

/// Open past its due date.
pub fn is_overdue(status: Status, due_on: NaiveDate, today: NaiveDate) -> bool {
    status.is_open() && today > due_on
}

keyed!(
    /// What a term of an agreement settles.
    TermKind {
        Payment = "payment" | "给付",
        Property = "property" | "财产分割",
        Support = "support" | "赡养扶养",
        Custody = "custody" | "抚养",
        Visitation = "visitation" | "探望",
        Conduct = "conduct" | "行为约定",
        /// Marriage and divorce themselves: a court decides, never a confirmation.
        Marriage = "marriage" | "婚姻关系",
        Adoption = "adoption" | "收养关系",
        PersonalStatus = "personal_status" | "身份关系",
        Other = "other" | "其他",
    }
);

impl TermKind {
    /// Whether a term of this kind may go to judicial confirmation.
    pub fn confirmable(self) -> bool {
        !matches!(
            self,
            TermKind::Marriage | TermKind::Adoption | TermKind::PersonalStatus
        )
    }
}

/// The last day on which judicial confirmation of an agreement may be applied for.
pub fn confirmation_ends_on(agreed_on: NaiveDate, limits: &LegalLimits) -> NaiveDate {
    agreed_on
        .checked_add_days(Days::new(
            u64::try_from(limits.confirmation_days).unwrap_or(CONFIRMATION_DAYS),
        ))
        .unwrap_or(agreed_on)
}

/// Whether judicial confirmation may be requested today for an agreement with these terms.
pub fn check_confirmation(
    agreed_on: NaiveDate,
    today: NaiveDate,
    terms: &[TermKind],
    limits: &LegalLimits,
) -> Result<NaiveDate, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let ends = confirmation_ends_on(agreed_on, limits);
    if today > ends {
        e.push("confirmation", "confirmation.window_passed");
    }
    if terms.iter().any(|t| !t.confirmable()) {
        e.push("terms", "confirmation.personal_status");
    }
    e.into_result().map(|()| ends)
}

/// A party as entered: a registered person (by id) or a name, with the relationship.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct PartyInput {
    #[serde(default)]
    pub person_id: Option<uuid::Uuid>,
    #[serde(default)]
    pub name: String,
    /// To the other party: husband, wife, son, daughter-in-law …
    #[serde(default)]
    pub relationship: String,
}

impl PartyInput {
    /// A party by name (not a registered person).
    pub fn named(name: &str, relationship: &str) -> Self {
        Self {
            person_id: None,
            name: name.into(),
            relationship: relationship.into(),
        }
    }
}

/// A dispute as entered at intake.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct IntakeInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub source: String,
    /// low, medium or high.
    #[serde(default)]
    pub risk: String,
    #[serde(default)]
    pub received_on: String,
    #[serde(default)]
    pub parties: Vec<PartyInput>,
    #[serde(default)]
    pub narrative: String,
    /// The parties agreed that their case is recorded and handled.
    #[serde(default)]
    pub consent: bool,
    /// Court referrals after filing under the simplified procedure (7 days).
    #[serde(default)]
    pub simplified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidIntake {
    pub kind: DisputeKind,
    pub source: Source,
    pub risk: Risk,
    pub received_on: NaiveDate,
    pub parties: Vec<PartyInput>,
    pub narrative: String,
    pub simplified: bool,
}

fn text(e: &mut ValidationErrors, field: &str, s: &str, required: bool) -> String {
    let s = s.trim();
    if s.is_empty() && required {
        e.push(field, "required");
    } else if s.chars().count() > TEXT_MAX_CHARS {
        e.push(field, "too_long");
    }
    s.to_string()
}

impl IntakeInput {
    pub fn validate(&self, today: NaiveDate) -> Result<ValidIntake, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = DisputeKind::parse(&self.kind);
        if kind.is_none() {
            e.push(
                "kind",
                if self.kind.trim().is_empty() {
                    "required"
                } else {
                    "invalid"
                },
            );
        }
        let source = Source::parse(&self.source);
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
        let risk = Risk::parse(&self.risk).filter(|r| *r != Risk::None);
        if risk.is_none() {
            e.push("risk", "dispute.risk");
        }
        let received_on = date(&mut e, "received_on", &self.received_on);
        if received_on.is_some_and(|d| d > today) {
            e.push("received_on", "date.future");
        }
        let parties: Vec<PartyInput> = self
            .parties
            .iter()
            .filter(|p| p.person_id.is_some() || !p.name.trim().is_empty())
            .map(|p| PartyInput {
                person_id: p.person_id,
                name: p.name.trim().to_string(),
                relationship: p.relationship.trim().to_string(),
            })
            .collect();
        if parties.len() < 2 {
            e.push("parties", "dispute.parties");
        }
        if parties.iter().any(|p| p.name.chars().count() > 50) {
            e.push("parties", "too_long");
        }
        let narrative = text(&mut e, "narrative", &self.narrative, true);
        if !self.consent {
            e.push("consent", "dispute.consent");
        }
        e.into_result()?;
        match (kind, source, risk, received_on) {
            (Some(kind), Some(source), Some(risk), Some(received_on)) => Ok(ValidIntake {
                kind,
                source,
                risk,
                received_on,
                parties,
                narrative,
                simplified: self.simplified && source == Source::CourtAfterFiling,
            }),
            _ => Err(FieldError::new("body", "invalid").into()),
        }
    }
}

/// One mediation session as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SessionInput {
    #[serde(default)]
    pub held_on: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub attendees: String,
    #[serde(default)]
    pub record: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSession {
    pub held_on: NaiveDate,
    pub place: String,
    pub attendees: String,
    pub record: String,
}

/// A date on which something happened in a dispute: not before it was registered, not after today.
fn dispute_date(
    e: &mut ValidationErrors,
    field: &str,
    s: &str,
    registered_on: NaiveDate,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let d = date(e, field, s)?;
    if d < registered_on {
        e.push(field, "date.before_registration");
        None
    } else if d > today {
        e.push(field, "date.future");
        None
    } else {
        Some(d)
    }
}

impl SessionInput {
    pub fn validate(
        &self,
        registered_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<ValidSession, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let held_on = dispute_date(&mut e, "held_on", &self.held_on, registered_on, today);
        // Where the session was held: "venue", not the division ("place") of other forms.
        let place = text(&mut e, "venue", &self.place, true);
        let attendees = text(&mut e, "attendees", &self.attendees, true);
        let record = text(&mut e, "record", &self.record, true);
        e.into_result()?;
        let held_on = held_on.ok_or_else(|| FieldError::new("held_on", "invalid"))?;
        Ok(ValidSession {
            held_on,
            place,
            attendees,
            record,
        })
    }
}

/// One term of an agreement as entered: what is agreed, how and by when it is performed.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct TermInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    /// Manner of performance (一次性给付, 按月 …).
    #[serde(default)]
    pub manner: String,
    #[serde(default)]
    pub due_on: String,
}

/// An agreement as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AgreementInput {
    #[serde(default)]
    pub agreed_on: String,
    #[serde(default)]
    pub parties: Vec<PartyInput>,
    /// Facts and issues in dispute.
    #[serde(default)]
    pub facts: String,
    #[serde(default)]
    pub terms: Vec<TermInput>,
    /// The parties signed (on paper, kept by the office).
    #[serde(default)]
    pub signed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidTerm {
    pub kind: TermKind,
    pub text: String,
    pub manner: String,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAgreement {
    pub agreed_on: NaiveDate,
    pub parties: Vec<PartyInput>,
    pub facts: String,
    pub terms: Vec<ValidTerm>,
}

impl AgreementInput {
    pub fn validate(
        &self,
        registered_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<ValidAgreement, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let agreed_on = dispute_date(&mut e, "agreed_on", &self.agreed_on, registered_on, today);
        let parties: Vec<PartyInput> = self
            .parties
            .iter()
            .filter(|p| p.person_id.is_some() || !p.name.trim().is_empty())
            .cloned()
            .collect();
        if parties.len() < 2 {
            e.push("parties", "agreement.parties");
        }
        let facts = text(&mut e, "facts", &self.facts, true);
        if !self.signed {
            e.push("signed", "agreement.unsigned");
        }
        let mut terms = Vec::new();
        if self.terms.iter().all(|t| t.text.trim().is_empty()) {
            e.push("terms", "agreement.terms");
        }
        for (i, t) in self.terms.iter().enumerate() {
            if t.text.trim().is_empty() && t.manner.trim().is_empty() && t.due_on.trim().is_empty()
            {
                continue;
            }
            let field = |name: &str| format!("terms[{i}].{name}");
            let kind = TermKind::parse(&t.kind);
            if kind.is_none() {
                e.push(field("kind"), "invalid");
            }
            let body = text(&mut e, &field("text"), &t.text, true);
            let manner = text(&mut e, &field("manner"), &t.manner, true);
            let due_on = date(&mut e, &field("due_on"), &t.due_on);
            if let (Some(d), Some(a)) = (due_on, agreed_on)
                && d < a
            {
                e.push(field("due_on"), "term.due_before_agreement");
            }
            if let (Some(kind), Some(due_on)) = (kind, due_on) {
                terms.push(ValidTerm {
                    kind,
                    text: body,
                    manner,
                    due_on,
                });
            }
        }
        e.into_result()?;
        let agreed_on = agreed_on.ok_or_else(|| FieldError::new("agreed_on", "invalid"))?;
        Ok(ValidAgreement {
            agreed_on,
            parties,
            facts,
            terms,
        })
    }
}

/// A term not performed by its deadline: a reminder is due.
pub fn term_overdue(due_on: NaiveDate, performed_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    performed_on.is_none() && today > due_on
}

/// Agreements reached over disputes concluded by mediation (agreed or not); `None` before any.
pub fn success_rate(agreed: u64, not_agreed: u64) -> Option<f64> {
    let concluded = agreed + not_agreed;
    (concluded > 0).then(|| agreed as f64 / concluded as f64)
}

keyed!(
    /// What a family mediator is, besides being appointed jointly with the court.
    MediatorKind {
        Lawyer = "lawyer" | "律师",
        Executive = "executive" | "妇联执委",
        Psychologist = "psychologist" | "心理咨询师",
        Volunteer = "volunteer" | "志愿者",
    }
);

impl MediatorKind {
    /// Its name in the user's language.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            MediatorKind::Lawyer => ("律师", "lawyer"),
            MediatorKind::Executive => ("妇联执委", "federation executive"),
            MediatorKind::Psychologist => ("心理咨询师", "psychologist"),
            MediatorKind::Volunteer => ("志愿者", "volunteer"),
        };
        lang.pick(zh, en)
    }
}

/// A mediation team of a subdistrict, as far as the coverages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamFacts {
    pub team: String,
    pub has_woman_lawyer: bool,
    pub has_executive: bool,
}

/// A gap in the "three full coverages" (三个全覆盖).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum CoverageGap {
    /// A village federation without a family mediator.
    VillageWithoutMediator(String),
    /// A subdistrict team without a woman lawyer.
    TeamWithoutWomanLawyer(String),
    /// A team without a federation executive.
    TeamWithoutExecutive(String),
}

/// The gaps: villages (code, whether one mediator or more serves it) and teams.
pub fn three_coverages(villages: &[(String, bool)], teams: &[TeamFacts]) -> Vec<CoverageGap> {
    let mut gaps: Vec<CoverageGap> = villages
        .iter()
        .filter(|(_, covered)| !covered)
        .map(|(code, _)| CoverageGap::VillageWithoutMediator(code.clone()))
        .collect();
    for t in teams {
        if !t.has_woman_lawyer {
            gaps.push(CoverageGap::TeamWithoutWomanLawyer(t.team.clone()));
        }
        if !t.has_executive {
            gaps.push(CoverageGap::TeamWithoutExecutive(t.team.clone()));
        }
    }
    gaps.sort();
    gaps
}

/// A mediator withdraws from a dispute one of whose parties is herself or of her household.
pub fn must_recuse(
    mediator: (Option<uuid::Uuid>, Option<uuid::Uuid>),
    parties: &[(Option<uuid::Uuid>, Option<uuid::Uuid>)],
) -> bool {
    let (person, household) = mediator;
    parties.iter().any(|(p, h)| {
        (person.is_some() && *p == person) || (household.is_some() && *h == household)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn codes(e: &ValidationErrors) -> Vec<(String, &'static str)> {
        e.0.iter().map(|f| (f.field.clone(), f.code)).collect()
    }

    #[test]
    fn the_workflow_goes_forward_only_and_never_closes_without_an_outcome() {
        let mut s = Status::Registered;
        for step in [
            Step::Accept,
            Step::Assign,
            Step::Session,
            Step::Assign,
            Step::Session,
            Step::Escalate,
            Step::Agree,
            Step::FollowUp,
            Step::Close,
        ] {
            s = check_step(s, step).unwrap_or(Status::Registered);
            assert_ne!(s, Status::Registered, "{step:?} refused");
        }
        assert_eq!(s, Status::Closed);
        for open in [
            Status::Registered,
            Status::Accepted,
            Status::Assigned,
            Status::InMediation,
        ] {
            assert_eq!(
                check_step(open, Step::Close).map_err(|e| e.code),
                Err("dispute.close_without_outcome")
            );
        }
        assert_eq!(
            check_step(Status::Registered, Step::Refuse),
            Ok(Status::Closed)
        );
        assert_eq!(
            check_step(Status::Assigned, Step::Agree).map_err(|e| e.code),
            Err("dispute.step_not_allowed"),
            "an agreement needs a session first"
        );
        assert_eq!(
            check_step(Status::Closed, Step::Escalate).map_err(|e| e.code),
            Err("dispute.closed")
        );
        assert_eq!(
            check_step(Status::InMediation, Step::Refuse).map_err(|e| e.code),
            Err("dispute.step_not_allowed"),
            "refusal is at intake only"
        );
    }

    #[test]
    fn due_dates_follow_the_rules() {
        let reg = d("2026-01-31");
        // One month, ending on the month's last day when the next month is shorter.
        assert_eq!(
            due_on(Source::Hotline, false, reg, None, &LegalLimits::LAW),
            d("2026-02-28")
        );
        assert_eq!(
            due_on(
                Source::Screening,
                false,
                d("2026-03-10"),
                Some(d("2026-03-20")),
                &LegalLimits::LAW
            ),
            d("2026-04-10")
        );
        // Court clocks run from acceptance.
        let acc = Some(d("2026-03-02"));
        assert_eq!(
            due_on(
                Source::CourtBeforeFiling,
                false,
                d("2026-03-01"),
                acc,
                &LegalLimits::LAW
            ),
            d("2026-04-01")
        );
        assert_eq!(
            due_on(
                Source::CourtAfterFiling,
                false,
                d("2026-03-01"),
                acc,
                &LegalLimits::LAW
            ),
            d("2026-03-17")
        );
        assert_eq!(
            due_on(
                Source::CourtAfterFiling,
                true,
                d("2026-03-01"),
                acc,
                &LegalLimits::LAW
            ),
            d("2026-03-09")
        );
        assert_eq!(
            due_on(
                Source::CourtAfterFiling,
                false,
                d("2026-03-01"),
                None,
                &LegalLimits::LAW
            ),
            d("2026-03-16")
        );
        assert!(is_overdue(
            Status::Assigned,
            d("2026-03-16"),
            d("2026-03-17")
        ));
        assert!(!is_overdue(
            Status::Assigned,
            d("2026-03-16"),
            d("2026-03-16")
        ));
        assert!(!is_overdue(
            Status::Agreed,
            d("2026-03-16"),
            d("2026-04-30")
        ));
    }

    #[test]
    fn confirmation_within_30_days_and_never_for_personal_status() {
        let agreed = d("2026-05-01");
        assert_eq!(
            check_confirmation(
                agreed,
                d("2026-05-31"),
                &[TermKind::Payment],
                &LegalLimits::LAW
            ),
            Ok(d("2026-05-31"))
        );
        let late = check_confirmation(
            agreed,
            d("2026-06-01"),
            &[TermKind::Payment],
            &LegalLimits::LAW,
        );
        assert_eq!(
            late.map_err(|e| codes(&e)),
            Err(vec![("confirmation".into(), "confirmation.window_passed")])
        );
        for k in [
            TermKind::Marriage,
            TermKind::Adoption,
            TermKind::PersonalStatus,
        ] {
            let r = check_confirmation(agreed, agreed, &[TermKind::Property, k], &LegalLimits::LAW);
            assert_eq!(
                r.map_err(|e| codes(&e)),
                Err(vec![("terms".into(), "confirmation.personal_status")])
            );
        }
    }

    fn party(name: &str) -> PartyInput {
        PartyInput {
            person_id: None,
            name: name.into(),
            relationship: "夫妻".into(),
        }
    }

    #[test]
    fn an_agreement_needs_parties_terms_and_sensible_dates() {
        let reg = d("2026-04-01");
        let today = d("2026-04-20");
        let good = AgreementInput {
            agreed_on: "2026-04-15".into(),
            parties: vec![party("甲"), party("乙")],
            facts: "双方因赡养费发生争执".into(),
            terms: vec![TermInput {
                kind: "support".into(),
                text: "乙每月给付赡养费500元".into(),
                manner: "按月转账".into(),
                due_on: "2026-05-15".into(),
            }],
            signed: true,
        };
        let v = good.validate(reg, today).map_err(|e| codes(&e));
        assert_eq!(
            v.map(|a| (a.agreed_on, a.terms.len())),
            Ok((d("2026-04-15"), 1))
        );

        let empty = AgreementInput {
            agreed_on: "2026-03-31".into(),
            ..Default::default()
        };
        let e = codes(&empty.validate(reg, today).err().unwrap_or_default());
        for want in [
            ("agreed_on", "date.before_registration"),
            ("parties", "agreement.parties"),
            ("facts", "required"),
            ("signed", "agreement.unsigned"),
            ("terms", "agreement.terms"),
        ] {
            assert!(
                e.contains(&(want.0.into(), want.1)),
                "{want:?} not in {e:?}"
            );
        }

        let mut bad_term = good.clone();
        bad_term.terms[0].due_on = "2026-04-10".into();
        bad_term.terms[0].kind = "nonsense".into();
        let e = codes(&bad_term.validate(reg, today).err().unwrap_or_default());
        assert!(
            e.contains(&("terms[0].due_on".into(), "term.due_before_agreement")),
            "{e:?}"
        );
        assert!(e.contains(&("terms[0].kind".into(), "invalid")), "{e:?}");
    }

    #[test]
    fn intake_and_sessions_are_checked() {
        let today = d("2026-04-20");
        let ok = IntakeInput {
            kind: "elder_support".into(),
            source: "12338".into(),
            risk: "yellow".into(),
            received_on: "2026-04-19".into(),
            parties: vec![party("甲"), party("乙")],
            narrative: "老人反映子女不履行赡养义务".into(),
            consent: true,
            simplified: true,
        };
        let v = ok.validate(today).map_err(|e| codes(&e));
        assert_eq!(
            v.map(|i| (i.kind, i.source, i.risk, i.simplified)),
            Ok((
                DisputeKind::ElderSupport,
                Source::Hotline,
                Risk::Medium,
                false
            ))
        );
        let bad = IntakeInput {
            risk: "none".into(),
            received_on: "2026-04-21".into(),
            parties: vec![party("甲")],
            ..Default::default()
        };
        let e = codes(&bad.validate(today).err().unwrap_or_default());
        for want in [
            ("kind", "required"),
            ("source", "required"),
            ("risk", "dispute.risk"),
            ("received_on", "date.future"),
            ("parties", "dispute.parties"),
            ("narrative", "required"),
            ("consent", "dispute.consent"),
        ] {
            assert!(
                e.contains(&(want.0.into(), want.1)),
                "{want:?} not in {e:?}"
            );
        }
        let session = SessionInput {
            held_on: "2026-03-01".into(),
            place: "街道调解室".into(),
            attendees: "甲、乙、调解员".into(),
            record: "双方各自陈述".into(),
        };
        let e = codes(
            &session
                .validate(d("2026-04-01"), today)
                .err()
                .unwrap_or_default(),
        );
        assert_eq!(e, vec![("held_on".into(), "date.before_registration")]);
    }

    #[test]
    fn coverages_recusal_and_figures() {
        let gaps = three_coverages(
            &[
                ("530181001001".into(), true),
                ("530181001002".into(), false),
            ],
            &[
                TeamFacts {
                    team: "金方".into(),
                    has_woman_lawyer: false,
                    has_executive: true,
                },
                TeamFacts {
                    team: "连然".into(),
                    has_woman_lawyer: true,
                    has_executive: false,
                },
            ],
        );
        assert_eq!(
            gaps,
            vec![
                CoverageGap::VillageWithoutMediator("530181001002".into()),
                CoverageGap::TeamWithoutWomanLawyer("金方".into()),
                CoverageGap::TeamWithoutExecutive("连然".into()),
            ]
        );
        let (me, home) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
        assert!(must_recuse((Some(me), None), &[(Some(me), None)]));
        assert!(must_recuse(
            (None, Some(home)),
            &[(Some(uuid::Uuid::from_u128(3)), Some(home))]
        ));
        assert!(!must_recuse(
            (Some(me), Some(home)),
            &[(None, None), (Some(uuid::Uuid::from_u128(4)), None)]
        ));
        assert_eq!(success_rate(23, 0), Some(1.0));
        assert_eq!(success_rate(0, 0), None);
        assert!(term_overdue(d("2026-05-15"), None, d("2026-05-16")));
        assert!(!term_overdue(
            d("2026-05-15"),
            Some(d("2026-05-16")),
            d("2026-05-20")
        ));
        for k in DisputeKind::ALL {
            assert_eq!(DisputeKind::parse(k.key()), Some(*k));
        }
        for s in Source::ALL {
            assert_eq!(Source::parse(s.key()), Some(*s));
        }
    }
}
