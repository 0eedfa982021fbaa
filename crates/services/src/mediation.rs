//! Family mediation (家事调解): intake of a dispute, its workflow (accept or refuse, assign and
//! reassign, sessions, agreement or none, follow-up, closing, escalation to the police), its due
//! date, judicial confirmation, the lists and the figures.
//!
//! Who may do what: federation staff register disputes within their place and take the
//! federation's steps (accept, refuse, assign, close, escalate); the mediator a dispute is
//! assigned to (a member linked to her account) records its sessions, its agreement or its
//! failure, follow-ups and escalations. Staff see their subtree's disputes with the narrative and
//! records masked; the assigned mediator sees them whole. Every read of a dispute and every step
//! is on the audit log.

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::{Caller, ServiceError, Services, clock};
use chrono::NaiveDate;
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::limits::LegalLimits;
use jinguo_domain::mask;
use jinguo_domain::mediation::{
    self as rules, AgreementInput, DisputeKind, IntakeInput, Outcome, SessionInput, Source, Status,
    Step, TermKind,
};
use jinguo_domain::period::Period;
use jinguo_domain::place::PlaceCode;
use jinguo_domain::screening::Risk;
use jinguo_storage::mediation::{
    self as store, AgreementRow, DisputeRow, PartyRow, SessionRow, StepRow, TermRow,
};
use jinguo_storage::{Seen, StorageError, db_tx};
use uuid::Uuid;

pub use jinguo_storage::mediation::OpenCounts;

/// Disputes listed at most on one page.
pub const LIST_LIMIT: i64 = 500;

/// What the caller may do with a dispute: she is its assigned mediator (a mediator member linked
/// to her account), or staff managing its place. Seeing it takes one of the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Access {
    pub assigned: bool,
    pub staff: bool,
}

impl Access {
    pub fn of(caller: &Caller, d: &DisputeRow) -> Self {
        Self {
            assigned: caller.has_role(Role::Mediator)
                && d.mediator_id.is_some_and(|m| caller.members.contains(&m)),
            staff: caller.has_role(Role::Staff)
                && caller.household_write_scope().covers_all(&d.path),
        }
    }

    /// Whether her role lets her take this step (whether the dispute's stage allows it is
    /// [`rules::after`]'s to say): the federation's steps are staff's, sessions and the
    /// agreement the mediator's, the rest either's.
    pub fn may(self, step: Step) -> bool {
        match step {
            Step::Accept | Step::Refuse | Step::Assign | Step::Close => self.staff,
            Step::Session | Step::Agree => self.assigned,
            Step::NotAgree | Step::FollowUp | Step::Escalate => self.assigned || self.staff,
        }
    }
}

/// What a step writes besides the dispute, its history and the audit entry.
enum Written<'a> {
    Nothing,
    Session(&'a SessionRow),
    Agreement(&'a AgreementRow, &'a [TermRow]),
}

/// A dispute registered, with the open disputes of the same parties found at intake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub id: Uuid,
    pub due_on: NaiveDate,
}

/// One dispute as a caller sees it.
#[derive(Debug, Clone)]
pub struct DisputeView {
    pub id: Uuid,
    pub place_path: String,
    pub household_id: Option<Uuid>,
    pub kind: DisputeKind,
    pub source: Source,
    pub risk: Risk,
    pub status: Status,
    pub outcome: Option<Outcome>,
    pub opened_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub concluded_on: Option<NaiveDate>,
    pub due_on: NaiveDate,
    pub overdue: bool,
    pub mediator_id: Option<Uuid>,
    pub version: i64,
    /// The parties consented to mediation at intake.
    pub intake_consent: bool,
    /// Whole for the assigned mediator, masked for everyone else.
    pub narrative: String,
    pub parties: Vec<PartyView>,
    /// What the caller may do with it.
    pub access: Access,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyView {
    pub person_id: Option<Uuid>,
    pub name: String,
    pub relationship: String,
}

impl DisputeView {
    /// The steps the caller may take on it now: her role allows them and its stage does.
    pub fn open_steps(&self) -> Vec<Step> {
        Step::ALL
            .iter()
            .copied()
            .filter(|st| self.access.may(*st) && rules::after(self.status, *st).is_some())
            .collect()
    }
}

/// The history and records of a dispute.
#[derive(Debug, Clone)]
pub struct DisputeRecords {
    pub steps: Vec<StepView>,
    pub sessions: Vec<SessionView>,
    pub agreement: Option<AgreementView>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepView {
    pub step: String,
    pub taken_on: NaiveDate,
    pub mediator_id: Option<Uuid>,
    pub note: String,
    pub taken_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    pub held_on: NaiveDate,
    pub place: String,
    pub attendees: String,
    pub record: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementView {
    pub agreed_on: NaiveDate,
    pub parties: Vec<PartyView>,
    pub facts: String,
    pub terms: Vec<TermView>,
    pub confirmation_on: Option<NaiveDate>,
    /// The last day to apply for judicial confirmation.
    pub confirmation_ends_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermView {
    /// Its number in the agreement (1, 2, …).
    pub seq: i64,
    pub kind: TermKind,
    pub text: String,
    pub manner: String,
    pub due_on: NaiveDate,
    pub performed_on: Option<NaiveDate>,
    pub overdue: bool,
}

/// A step as a user asks for it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct StepInput {
    pub step: String,
    /// The version of the dispute she read.
    pub expected_version: i64,
    /// For `assign`: the member (a family mediator) the dispute goes to.
    #[serde(default)]
    pub mediator_id: Option<Uuid>,
    /// The reason (refusal, escalation) or what was found (follow-up).
    #[serde(default)]
    pub note: String,
    /// The day it was taken; today when empty.
    #[serde(default)]
    pub taken_on: String,
}

/// The mediators below a place and the gaps in the three full coverages.
#[derive(Debug, Clone, PartialEq)]
pub struct MediationCoverage {
    pub villages: i64,
    /// Villages with at least one serving family mediator.
    pub villages_covered: i64,
    /// Subdistrict teams.
    pub teams: i64,
    pub gaps: Vec<rules::CoverageGap>,
    pub mediators: Vec<MediatorLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediatorLine {
    pub id: Uuid,
    pub name: String,
    pub place_code: String,
    /// None until her profile is recorded.
    pub kind: Option<rules::MediatorKind>,
    pub woman: Option<bool>,
    pub court_appointed: bool,
}

/// What a family mediator is, as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct MediatorProfileInput {
    /// lawyer, executive, psychologist, volunteer.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub woman: bool,
    /// Appointed jointly with the court.
    #[serde(default)]
    pub court_appointed: bool,
}

/// Disputes counted below a place.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DisputeFigures {
    pub total: i64,
    pub open: i64,
    pub overdue: i64,
    pub by_kind: Vec<(DisputeKind, i64)>,
    pub by_source: Vec<(Source, i64)>,
    pub by_risk: Vec<(Risk, i64)>,
    pub agreed: i64,
    pub not_agreed: i64,
    pub refused: i64,
    /// Agreements reached over disputes concluded by mediation.
    pub success_rate: Option<f64>,
    pub average_days_to_conclude: Option<f64>,
}

impl Services {
    /// Registers a dispute at a place the caller manages (federation staff). A dispute naming a
    /// registered person who is already a party to an open dispute is refused with
    /// [`ServiceError::PossibleDuplicate`] naming the open disputes unless `confirmed` (the user
    /// saw them and goes on).
    pub async fn register_dispute(
        &self,
        caller: &Caller,
        place: &str,
        input: &IntakeInput,
        confirmed: bool,
    ) -> Result<Registered, ServiceError> {
        let today = clock::today();
        let v = input.validate(today)?;
        let place = self.managed_place(caller, place).await?;
        let county = PlaceCode::parse(&place.code)
            .ok()
            .and_then(|c| c.county().map(str::to_string))
            .ok_or_else(|| invalid("place", "invalid"))?;
        // Parties who are registered persons must be persons the caller may see.
        let scope = caller.household_read_scope();
        let mut household_id = None;
        let mut persons = Vec::new();
        // A registered person's name is the register's, whatever was typed.
        let mut names: Vec<String> = Vec::new();
        for p in &v.parties {
            let mut name = p.name.clone();
            if let Some(pid) = p.person_id {
                let (found, person) = self
                    .registered_person(&county, pid, &scope)
                    .await?
                    .ok_or_else(|| invalid("parties", "not_found"))?;
                household_id.get_or_insert(found.id);
                persons.push(self.person_ref("dispute_party", &pid));
                name = person.name;
            }
            names.push(name);
        }
        if !confirmed {
            let open = store::open_with_persons(&self.db, &county, &persons).await?;
            if !open.is_empty() {
                return Err(ServiceError::PossibleDuplicate(open));
            }
        }
        let id = Uuid::now_v7();
        let due_on = rules::due_on(v.source, v.simplified, v.received_on, None, &self.limits);
        let row = DisputeRow {
            county_code: county.clone(),
            id,
            household_id,
            path: place.path.clone(),
            source: v.source.key().into(),
            visit_id: None,
            kind: v.kind.key().into(),
            risk: v.risk.key().into(),
            status: Status::Registered.key().into(),
            outcome: None,
            opened_on: v.received_on,
            accepted_on: None,
            concluded_on: None,
            due_on,
            simplified: v.simplified,
            narrative: self.seal("dispute", "narrative", &id, &v.narrative)?,
            mediator_id: None,
            created_by: caller.username.clone(),
            version: 1,
            // Checked by the intake (refused without it), and kept with the dispute.
            intake_consent: true,
        };
        let mut parties = Vec::new();
        for (i, p) in v.parties.iter().enumerate() {
            parties.push(PartyRow {
                seq: i as i64 + 1,
                person: match p.person_id {
                    Some(pid) => {
                        Some(self.seal("dispute", "party_person", &id, &pid.to_string())?)
                    }
                    None => None,
                },
                person_ref: p
                    .person_id
                    .map(|pid| self.person_ref("dispute_party", &pid)),
                name: self.seal("dispute", "party_name", &id, &names[i])?,
                relationship: p.relationship.clone(),
            });
        }
        let now = clock::now();
        let step = StepRow::new("register", v.received_on, &caller.username);
        let entry = Record::new("dispute.register")
            .target(format!("dispute:{id}"))
            .place(place.path.clone())
            .detail(format!("kind={} source={}", v.kind.key(), v.source.key()));
        db_tx!(&self.db, tx => {
            store::insert(tx, &row, &parties, now).await?;
            store::add_step(tx, &county, id, &step, now).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        Ok(Registered { id, due_on })
    }

    /// The dispute if the caller may see it: staff within their place, or its assigned mediator.
    async fn visible_dispute(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<(Seen<DisputeRow>, Access), ServiceError> {
        let d = store::dispute(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let access = Access::of(caller, &d);
        if access.assigned || access.staff {
            Ok((d, access))
        } else {
            Err(ServiceError::NotFound)
        }
    }

    fn dispute_view(
        &self,
        d: &DisputeRow,
        parties: &[PartyRow],
        access: Access,
    ) -> Result<DisputeView, ServiceError> {
        let assigned = access.assigned;
        // A dispute a screening visit opened has no narrative of its own (the visit's findings
        // are its record).
        let narrative = if d.narrative.is_empty() {
            String::new()
        } else {
            self.open("dispute", "narrative", &d.id, &d.narrative)?
        };
        let mut shown = Vec::new();
        for p in parties {
            let name = self.open("dispute", "party_name", &d.id, &p.name)?;
            shown.push(PartyView {
                person_id: self.party_person(d.id, p)?,
                name: if assigned { name } else { mask::name(&name) },
                relationship: p.relationship.clone(),
            });
        }
        let status = Status::stored(&d.status)?;
        Ok(DisputeView {
            id: d.id,
            place_path: d.path.clone(),
            household_id: d.household_id,
            kind: DisputeKind::stored(&d.kind)?,
            source: Source::stored(&d.source)?,
            risk: Risk::stored(&d.risk)?,
            status,
            outcome: d.outcome.as_deref().and_then(Outcome::parse),
            opened_on: d.opened_on,
            accepted_on: d.accepted_on,
            concluded_on: d.concluded_on,
            due_on: d.due_on,
            overdue: rules::is_overdue(status, d.due_on, clock::today()),
            mediator_id: d.mediator_id,
            version: d.version,
            intake_consent: d.intake_consent,
            narrative: if assigned {
                narrative
            } else {
                mask_text(&narrative)
            },
            parties: shown,
            access,
        })
    }

    /// One dispute with its history and records. Audited.
    pub async fn dispute(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<(DisputeView, DisputeRecords), ServiceError> {
        let (d, access) = self.visible_dispute(caller, id).await?;
        let assigned = access.assigned;
        let parties = store::parties(&self.db, &d).await?;
        let view = self.dispute_view(&d, &parties, access)?;
        let today = clock::today();
        let shown = |s: String| if assigned { s } else { mask_text(&s) };
        let mut steps = Vec::new();
        for s in store::steps(&self.db, &d).await? {
            let note = if s.note.is_empty() {
                String::new()
            } else {
                shown(self.open("dispute", "step_note", &d.id, &s.note)?)
            };
            steps.push(StepView {
                step: s.step,
                taken_on: s.taken_on,
                mediator_id: s.mediator_id,
                note,
                taken_by: s.taken_by,
            });
        }
        let mut sessions = Vec::new();
        for s in store::sessions(&self.db, &d).await? {
            sessions.push(SessionView {
                held_on: s.held_on,
                place: s.place,
                attendees: shown(self.open(
                    "mediation_session",
                    "attendees",
                    &s.id,
                    &s.attendees,
                )?),
                record: shown(self.open("mediation_session", "record", &s.id, &s.record)?),
                recorded_by: s.recorded_by,
            });
        }
        let agreement = match store::agreement(&self.db, &d).await? {
            None => None,
            Some((a, terms)) => {
                let parties_json = self.open("agreement", "parties", &a.id, &a.parties)?;
                let parties: Vec<jinguo_domain::mediation::PartyInput> =
                    serde_json::from_str(&parties_json).unwrap_or_default();
                let mut term_views = Vec::new();
                for t in terms {
                    term_views.push(TermView {
                        seq: t.seq,
                        kind: TermKind::stored(&t.kind)?,
                        text: shown(self.open("agreement", "term", &a.id, &t.text)?),
                        manner: t.manner,
                        due_on: t.due_on,
                        performed_on: t.performed_on,
                        overdue: rules::term_overdue(t.due_on, t.performed_on, today),
                    });
                }
                Some(AgreementView {
                    agreed_on: a.agreed_on,
                    parties: parties
                        .into_iter()
                        .map(|p| PartyView {
                            person_id: p.person_id,
                            name: if assigned {
                                p.name
                            } else {
                                mask::name(&p.name)
                            },
                            relationship: p.relationship,
                        })
                        .collect(),
                    facts: shown(self.open("agreement", "facts", &a.id, &a.facts)?),
                    terms: term_views,
                    confirmation_on: a.confirmation_on,
                    confirmation_ends_on: rules::confirmation_ends_on(a.agreed_on, &self.limits),
                })
            }
        };
        self.note_read(
            caller,
            Record::new(if assigned {
                "dispute.read"
            } else {
                "dispute.read_masked"
            })
            .target(format!("dispute:{id}"))
            .place(d.path.clone()),
        )
        .await?;
        Ok((
            view,
            DisputeRecords {
                steps,
                sessions,
                agreement,
            },
        ))
    }

    /// Disputes below a place the caller manages (open ones first, by due date), or, for a
    /// mediator without such a place, those assigned to her.
    pub async fn disputes(
        &self,
        caller: &Caller,
        place: Option<&str>,
        only_open: bool,
    ) -> Result<Vec<DisputeView>, ServiceError> {
        let rows = match place {
            Some(code) => {
                let place = self.managed_place(caller, code).await?;
                store::list(
                    &self.db,
                    &caller.reader(),
                    &place.subtree(),
                    only_open,
                    LIST_LIMIT,
                )
                .await?
            }
            None if caller.has_role(Role::Mediator) => {
                store::assigned(&self.db, &caller.reader()).await?
            }
            None => return Err(ServiceError::NotFound),
        };
        // The parties of the whole list, a query per county (one, as a rule), not per dispute.
        let mut parties: std::collections::HashMap<Uuid, Vec<PartyRow>> = Default::default();
        let mut counties: Vec<&str> = rows.iter().map(|d| d.county_code.as_str()).collect();
        counties.sort_unstable();
        counties.dedup();
        for county in counties {
            let seen: Vec<&Seen<DisputeRow>> = rows.iter().collect();
            for (id, p) in store::parties_of(&self.db, county, &seen).await? {
                parties.entry(id).or_default().push(p);
            }
        }
        let mut out = Vec::new();
        for d in &rows {
            let own = parties.get(&d.id).map(Vec::as_slice).unwrap_or_default();
            let v = self.dispute_view(d, own, Access::of(caller, d))?;
            if !only_open || v.status.is_open() {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// Takes one step of the workflow on a dispute, if it is allowed there and by the caller,
    /// and the dispute is still at the version she read.
    pub async fn dispute_step(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &StepInput,
    ) -> Result<DisputeView, ServiceError> {
        let step = Step::parse(&input.step).ok_or_else(|| invalid("step", "invalid"))?;
        let (d, access) = self.visible_dispute(caller, id).await?;
        // Sessions and agreements have their own calls.
        if !access.may(step) || matches!(step, Step::Session | Step::Agree) {
            return Err(ServiceError::Forbidden);
        }
        let status = Status::stored(&d.status)?;
        let next = rules::check_step(status, step).map_err(|e| ServiceError::Invalid(e.into()))?;
        let today = clock::today();
        let taken_on = if input.taken_on.trim().is_empty() {
            today
        } else {
            let mut e = jinguo_domain::ValidationErrors::new();
            let d2 = NaiveDate::parse_from_str(input.taken_on.trim(), "%Y-%m-%d").ok();
            match d2 {
                None => e.push("taken_on", "date.format"),
                Some(x) if x < d.opened_on => e.push("taken_on", "date.before_registration"),
                Some(x) if x > today => e.push("taken_on", "date.future"),
                _ => {}
            }
            e.into_result()?;
            d2.unwrap_or(today)
        };
        let note = input.note.trim();
        if matches!(step, Step::Refuse | Step::NotAgree | Step::Escalate) && note.is_empty() {
            return Err(invalid("note", "required"));
        }
        let mut row = DisputeRow::clone(&d);
        row.status = next.key().into();
        let mut mediator = None;
        match step {
            Step::Accept => {
                row.accepted_on = Some(taken_on);
                let source = Source::stored(&d.source)?;
                row.due_on = rules::due_on(
                    source,
                    d.simplified,
                    d.opened_on,
                    Some(taken_on),
                    &self.limits,
                );
            }
            Step::Refuse => {
                row.outcome = Some(Outcome::Refused.key().into());
                row.concluded_on = Some(taken_on);
            }
            Step::NotAgree => {
                row.outcome = Some(Outcome::NotAgreed.key().into());
                row.concluded_on = Some(taken_on);
            }
            Step::Assign => {
                let m = input
                    .mediator_id
                    .ok_or_else(|| invalid("mediator_id", "required"))?;
                let member =
                    jinguo_storage::member::mediator_for(&self.db, &caller.manage_scope(), &d, m)
                        .await?
                        .ok_or_else(|| invalid("mediator_id", "dispute.not_a_mediator"))?;
                // A mediator who is a party withdraws (recusal).
                let parties = store::parties(&self.db, &d).await?;
                for p in &parties {
                    if self.open("dispute", "party_name", &d.id, &p.name)?
                        == self.open("member", "name", &member.id, &member.name)?
                    {
                        return Err(invalid("mediator_id", "dispute.recusal"));
                    }
                }
                row.mediator_id = Some(m);
                mediator = Some(m);
            }
            _ => {}
        }
        let sealed_note = if note.is_empty() {
            String::new()
        } else {
            self.seal("dispute", "step_note", &d.id, note)?
        };
        let step_row = StepRow {
            mediator_id: mediator,
            note: sealed_note,
            ..StepRow::new(step.key(), taken_on, &caller.username)
        };
        let entry = Record::new(if step == Step::Escalate {
            "dispute.escalate"
        } else {
            "dispute.step"
        })
        .target(format!("dispute:{id}"))
        .place(d.path.clone())
        .detail(format!("step={} status={}", step.key(), next.key()));
        self.write_step(
            caller,
            &row,
            input.expected_version,
            &step_row,
            entry,
            Written::Nothing,
        )
        .await?;
        // What was written is what the dispute now is, one version on.
        row.version = input.expected_version + 1;
        let parties = store::parties(&self.db, &d).await?;
        self.dispute_view(&row, &parties, access)
    }

    /// A family mediator who finds that the violence of a dispute she mediates may become a
    /// crime reports it to the police (People's Mediation Law art. 25): a domestic-violence case
    /// is opened at the dispute's place and referred to the county's police on that legal duty,
    /// its acknowledgement clock running. Her dispute's report, once. Audited.
    pub async fn report_crime(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &jinguo_domain::linkage::CrimeReportInput,
    ) -> Result<(Uuid, Uuid), ServiceError> {
        let (d, access) = self.visible_dispute(caller, id).await?;
        if !access.assigned {
            return Err(ServiceError::Forbidden);
        }
        let parties = store::parties(&self.db, &d).await?;
        let seqs: Vec<i64> = parties.iter().map(|p| p.seq).collect();
        let v = input.validate(&seqs)?;
        if store::report_of(&self.db, &d).await?.is_some() {
            return Err(invalid("dispute", "dispute.reported"));
        }
        let name = |p: &jinguo_storage::mediation::PartyRow| {
            self.open("dispute", "party_name", &d.id, &p.name)
        };
        let victim = parties
            .iter()
            .find(|p| p.seq == v.victim_party)
            .ok_or_else(|| invalid("victim_party", "invalid"))?;
        let other = parties.iter().find(|p| p.seq != v.victim_party);
        use jinguo_domain::linkage::CaseSource;
        let source = match Source::stored(&d.source)? {
            Source::Hotline => CaseSource::Hotline,
            Source::Screening => CaseSource::Screening,
            Source::Police => CaseSource::Police,
            _ => CaseSource::WalkIn,
        };
        let report = crate::linkage::PoliceReport {
            county: d.county_code.clone(),
            path: d.path.clone(),
            dispute: d.id,
            source,
            victim_name: name(victim)?,
            abuser_name: match other {
                Some(p) => name(p)?,
                None => String::new(),
            },
            relationship: other.map(|p| p.relationship.clone()).unwrap_or_default(),
            violence: v.violence,
            note: v.note,
        };
        self.report_to_police(caller, &report).await
    }

    /// When a dispute was reported to the police, and by whom, if it was.
    pub async fn dispute_report(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Option<(chrono::DateTime<chrono::Utc>, String)>, ServiceError> {
        let (d, _) = self.visible_dispute(caller, id).await?;
        Ok(store::report_of(&self.db, &d)
            .await?
            .map(|r| (r.reported_at, r.reported_by)))
    }

    /// Writes a step: the dispute's new state if it is still at `expected` (409 otherwise), what
    /// the step made, its line of history and its audit entry, in one transaction.
    async fn write_step(
        &self,
        caller: &Caller,
        row: &DisputeRow,
        expected: i64,
        step: &StepRow,
        entry: Record<'_>,
        also: Written<'_>,
    ) -> Result<(), ServiceError> {
        let now = clock::now();
        let (county, id) = (row.county_code.as_str(), row.id);
        db_tx!(&self.db, tx => {
            if !store::update(tx, row, expected, now).await? {
                return Err(StorageError::Conflict("dispute".into()));
            }
            match also {
                Written::Nothing => {}
                Written::Session(s) => store::insert_session(tx, county, id, s, now).await?,
                Written::Agreement(a, t) => {
                    store::insert_agreement(tx, county, id, a, t, now).await?;
                    // A clock per day on which terms fall due: it escalates if they are not
                    // performed by then.
                    let mut days: Vec<NaiveDate> = t.iter().map(|t| t.due_on).collect();
                    days.sort();
                    days.dedup();
                    for day in days {
                        let clock = term_clock(row, day);
                        jinguo_storage::linkage::insert_deadline(tx, &clock, now.timestamp_millis()).await?;
                    }
                }
            }
            store::add_step(tx, county, id, step, now).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })
        .map_err(conflict)
    }

    /// Records a session (the assigned mediator).
    pub async fn record_session(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i64,
        input: &SessionInput,
    ) -> Result<(), ServiceError> {
        let (d, access) = self.visible_dispute(caller, id).await?;
        if !access.may(Step::Session) {
            return Err(ServiceError::Forbidden);
        }
        let v = input.validate(d.opened_on, clock::today())?;
        let status = Status::stored(&d.status)?;
        let next = rules::check_step(status, Step::Session)
            .map_err(|e| ServiceError::Invalid(e.into()))?;
        let sid = Uuid::now_v7();
        let session = SessionRow {
            id: sid,
            held_on: v.held_on,
            place: v.place.clone(),
            attendees: self.seal("mediation_session", "attendees", &sid, &v.attendees)?,
            record: self.seal("mediation_session", "record", &sid, &v.record)?,
            recorded_by: caller.username.clone(),
        };
        let mut row = DisputeRow::clone(&d);
        row.status = next.key().into();
        let step_row = StepRow::new(Step::Session.key(), v.held_on, &caller.username);
        let entry = Record::new("dispute.session")
            .target(format!("dispute:{id}"))
            .place(d.path.clone());
        self.write_step(
            caller,
            &row,
            expected_version,
            &step_row,
            entry,
            Written::Session(&session),
        )
        .await
    }

    /// Records the agreement reached (the assigned mediator): the dispute is concluded, agreed.
    pub async fn record_agreement(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i64,
        input: &AgreementInput,
    ) -> Result<(), ServiceError> {
        let (d, access) = self.visible_dispute(caller, id).await?;
        if !access.may(Step::Agree) {
            return Err(ServiceError::Forbidden);
        }
        let v = input.validate(d.opened_on, clock::today())?;
        let status = Status::stored(&d.status)?;
        let next =
            rules::check_step(status, Step::Agree).map_err(|e| ServiceError::Invalid(e.into()))?;
        let aid = Uuid::now_v7();
        let parties_json =
            serde_json::to_string(&v.parties).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let agreement = AgreementRow {
            id: aid,
            agreed_on: v.agreed_on,
            parties: self.seal("agreement", "parties", &aid, &parties_json)?,
            facts: self.seal("agreement", "facts", &aid, &v.facts)?,
            confirmation_on: None,
            recorded_by: caller.username.clone(),
        };
        let mut terms = Vec::new();
        for (i, t) in v.terms.iter().enumerate() {
            terms.push(TermRow {
                seq: i as i64 + 1,
                kind: t.kind.key().into(),
                text: self.seal("agreement", "term", &aid, &t.text)?,
                manner: t.manner.clone(),
                due_on: t.due_on,
                performed_on: None,
            });
        }
        let mut row = DisputeRow::clone(&d);
        row.status = next.key().into();
        row.outcome = Some(Outcome::Agreed.key().into());
        row.concluded_on = Some(v.agreed_on);
        let step_row = StepRow::new(Step::Agree.key(), v.agreed_on, &caller.username);
        let entry = Record::new("dispute.agreement")
            .target(format!("dispute:{id}"))
            .place(d.path.clone())
            .detail(format!("terms={}", terms.len()));
        let written = Written::Agreement(&agreement, &terms);
        self.write_step(caller, &row, expected_version, &step_row, entry, written)
            .await
    }

    /// Records that judicial confirmation of the dispute's agreement was applied for: within 30
    /// days of the agreement, never for terms on marriage, adoption or personal status.
    pub async fn request_confirmation(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<NaiveDate, ServiceError> {
        // Whoever sees the dispute (its mediator, the staff managing its place) may record it.
        let (d, _) = self.visible_dispute(caller, id).await?;
        let (a, terms) = store::agreement(&self.db, &d)
            .await?
            .ok_or_else(|| invalid("confirmation", "dispute.no_agreement"))?;
        if a.confirmation_on.is_some() {
            return Err(invalid("confirmation", "confirmation.already"));
        }
        let kinds: Vec<TermKind> = terms
            .iter()
            .filter_map(|t| TermKind::parse(&t.kind))
            .collect();
        let today = clock::today();
        rules::check_confirmation(a.agreed_on, today, &kinds, &self.limits)?;
        let step_row = StepRow::new("confirmation", today, &caller.username);
        let entry = Record::new("dispute.confirmation")
            .target(format!("dispute:{id}"))
            .place(d.path.clone());
        let now = clock::now();
        let county = d.county_code.clone();
        db_tx!(&self.db, tx => {
            if !store::set_confirmation(tx, &county, a.id, today).await? {
                return Err(StorageError::Conflict("agreement".into()));
            }
            store::add_step(tx, &county, id, &step_row, now).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })
        .map_err(conflict)?;
        Ok(today)
    }

    /// The serving family mediators the caller may assign to a dispute, for the assignment
    /// form: those of the dispute's place and the places above it (its village's mediator, its
    /// subdistrict's team), nearest first, then those of the places she manages — exactly those
    /// the assignment accepts. (member id, name and place); none unless she manages the dispute.
    pub async fn dispute_mediators(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Vec<(Uuid, String)>, ServiceError> {
        let (d, access) = self.visible_dispute(caller, id).await?;
        if !access.staff {
            return Ok(Vec::new());
        }
        let mut rows =
            jinguo_storage::member::mediators_for(&self.db, &caller.manage_scope(), &d, None)
                .await?;
        // Above the dispute first, the nearest first; then the others by path.
        rows.sort_by_key(|m| {
            let above = d.path.starts_with(&m.path);
            let depth = if above { m.path.len() } else { 0 };
            (!above, std::cmp::Reverse(depth), m.path.clone())
        });
        let read = self.cached();
        let mut out = Vec::with_capacity(rows.len());
        for m in rows {
            let name = self.open("member", "name", &m.id, &m.name)?;
            let place = read
                .place(&m.place_code)
                .await?
                .map(|p| p.name)
                .unwrap_or_default();
            out.push((m.id, format!("{name}（{place}）")));
        }
        Ok(out)
    }

    /// For the dashboard: the open disputes below a place, how many are overdue, and the terms of
    /// agreements past their deadline and not performed (a reminder), when the caller manages the
    /// place (`None` otherwise).
    pub async fn dispute_counts(
        &self,
        caller: &Caller,
        place: &jinguo_storage::place::Place,
    ) -> Result<Option<OpenCounts>, ServiceError> {
        if !caller.manages(&place.path) {
            return Ok(None);
        }
        Ok(Some(
            self.cached_figures()
                .dispute_counts(&place.subtree(), clock::today())
                .await?,
        ))
    }

    /// The agreement of a dispute as a Word document in Chinese, for the office to print and
    /// keep (the assigned mediator). Audited.
    pub async fn agreement_document(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<(String, Vec<u8>), ServiceError> {
        self.agreement_document_as(caller, id, crate::DocFormat::Docx)
            .await
    }

    /// The agreement as a Word document or as PDF (the same paragraphs). Audited.
    pub async fn agreement_document_as(
        &self,
        caller: &Caller,
        id: Uuid,
        format: crate::DocFormat,
    ) -> Result<(String, Vec<u8>), ServiceError> {
        let (v, r) = self.dispute(caller, id).await?;
        if !v.access.assigned {
            return Err(ServiceError::Forbidden);
        }
        let a = r.agreement.ok_or(ServiceError::NotFound)?;
        let doc = AgreementDoc {
            parties: a
                .parties
                .iter()
                .map(|p| (p.name.clone(), p.relationship.clone()))
                .collect(),
            facts: a.facts.clone(),
            terms: a
                .terms
                .iter()
                .map(|t| (t.kind, t.text.clone(), t.manner.clone(), t.due_on))
                .collect(),
            agreed_on: a.agreed_on,
            confirmation_days: self.limits.confirmation_days,
        };
        let bytes = match format {
            crate::DocFormat::Docx => doc.write(id)?,
            crate::DocFormat::Pdf => self.pdf_of("调解协议书", &doc.paragraphs(id))?,
        };
        self.note_read(
            caller,
            Record::new("dispute.agreement_document")
                .target(format!("dispute:{id}"))
                .place(v.place_path.clone()),
        )
        .await?;
        Ok((
            format!("调解协议书-{}.{}", a.agreed_on, format.extension()),
            bytes,
        ))
    }

    /// The agreement as typed, not yet saved, as the Word document the parties sign (the
    /// assigned mediator, while the agreement may be recorded): every field is checked as when
    /// saving, but the signatures, which come after. Nothing is written but the audit entry.
    pub async fn agreement_draft_document(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &AgreementInput,
    ) -> Result<(String, Vec<u8>), ServiceError> {
        let (d, access) = self.visible_dispute(caller, id).await?;
        if !access.may(Step::Agree) {
            return Err(ServiceError::Forbidden);
        }
        let status = Status::stored(&d.status)?;
        rules::check_step(status, Step::Agree).map_err(|e| ServiceError::Invalid(e.into()))?;
        let mut to_sign = input.clone();
        to_sign.signed = true;
        let v = to_sign.validate(d.opened_on, clock::today())?;
        let doc = AgreementDoc {
            parties: v
                .parties
                .iter()
                .map(|p| (p.name.trim().to_string(), p.relationship.trim().to_string()))
                .collect(),
            facts: v.facts.clone(),
            terms: v
                .terms
                .iter()
                .map(|t| (t.kind, t.text.clone(), t.manner.clone(), t.due_on))
                .collect(),
            agreed_on: v.agreed_on,
            confirmation_days: self.limits.confirmation_days,
        };
        let bytes = doc.write(id)?;
        self.note_read(
            caller,
            Record::new("dispute.agreement_draft")
                .target(format!("dispute:{id}"))
                .place(d.path.clone()),
        )
        .await?;
        Ok((format!("调解协议书-待签-{}.docx", v.agreed_on), bytes))
    }

    /// Records that a term of the dispute's agreement was performed (the assigned mediator or
    /// staff managing the place): on a day not before the agreement and not after today.
    pub async fn term_performed(
        &self,
        caller: &Caller,
        id: Uuid,
        seq: i64,
        performed_on: &str,
    ) -> Result<(), ServiceError> {
        // Whoever sees the dispute (its mediator, the staff managing its place) may record it.
        let (d, _) = self.visible_dispute(caller, id).await?;
        let (a, terms) = store::agreement(&self.db, &d)
            .await?
            .ok_or_else(|| invalid("terms", "dispute.no_agreement"))?;
        if !terms.iter().any(|t| t.seq == seq) {
            return Err(ServiceError::NotFound);
        }
        let today = clock::today();
        let on = if performed_on.trim().is_empty() {
            today
        } else {
            NaiveDate::parse_from_str(performed_on.trim(), "%Y-%m-%d")
                .map_err(|_| invalid("performed_on", "date.format"))?
        };
        if on < a.agreed_on {
            return Err(invalid("performed_on", "term.due_before_agreement"));
        }
        if on > today {
            return Err(invalid("performed_on", "date.future"));
        }
        let entry = Record::new("dispute.term_performed")
            .target(format!("dispute:{id}"))
            .place(d.path.clone())
            .detail(format!("term={seq}"));
        let county = d.county_code.clone();
        // The clock of the term's day stops once every term due that day is performed.
        let due_on = terms
            .iter()
            .find(|t| t.seq == seq)
            .map(|t| t.due_on)
            .unwrap_or(a.agreed_on);
        let day_done = terms
            .iter()
            .filter(|t| t.due_on == due_on && t.seq != seq)
            .all(|t| t.performed_on.is_some());
        let clock = term_clock(&d, due_on);
        let now_ms = clock::now().timestamp_millis();
        db_tx!(&self.db, tx => {
            if !store::set_performed(tx, &county, a.id, seq, on).await? {
                return Err(StorageError::Conflict("term".into()));
            }
            if day_done {
                jinguo_storage::linkage::complete_deadline_due(tx, d.id, &clock.kind, clock.due_ms, now_ms).await?;
            }
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })
        .map_err(conflict)?;
        Ok(())
    }

    /// The family mediators below a place the caller manages and the "three full coverages":
    /// every village federation has a mediator, every subdistrict team (the mediators serving at
    /// the subdistrict) has a woman lawyer and a federation executive. Gaps listed like coverage gaps.
    pub async fn mediation_coverage(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<MediationCoverage, ServiceError> {
        use jinguo_domain::place::PlaceLevel;
        let place = self.managed_place(caller, code).await?;
        let within = place.subtree();
        let mediators = store::mediators_below(&self.db, &within).await?;
        let villages =
            jinguo_storage::place::below_at_level(&self.db, &within, PlaceLevel::Village).await?;
        let townships =
            jinguo_storage::place::below_at_level(&self.db, &within, PlaceLevel::Township).await?;
        let village_pairs: Vec<(String, bool)> = villages
            .iter()
            .map(|v| {
                (
                    v.code.clone(),
                    mediators.iter().any(|m| m.place_code == v.code),
                )
            })
            .collect();
        let teams: Vec<rules::TeamFacts> = townships
            .iter()
            .map(|t| {
                let team = mediators.iter().filter(|m| m.place_code == t.code);
                let kind = |m: &&store::MediatorRow, k: rules::MediatorKind| {
                    m.kind.as_deref() == Some(k.key())
                };
                rules::TeamFacts {
                    team: t.code.clone(),
                    has_woman_lawyer: team
                        .clone()
                        .any(|m| kind(&m, rules::MediatorKind::Lawyer) && m.woman == Some(true)),
                    has_executive: team
                        .clone()
                        .any(|m| kind(&m, rules::MediatorKind::Executive)),
                }
            })
            .collect();
        Ok(MediationCoverage {
            villages: villages.len() as i64,
            villages_covered: village_pairs.iter().filter(|v| v.1).count() as i64,
            teams: townships.len() as i64,
            gaps: rules::three_coverages(&village_pairs, &teams),
            mediators: mediators
                .into_iter()
                .map(|m| {
                    Ok(MediatorLine {
                        id: m.id,
                        name: self.open("member", "name", &m.id, &m.name)?,
                        place_code: m.place_code,
                        kind: m.kind.as_deref().and_then(rules::MediatorKind::parse),
                        woman: m.woman,
                        court_appointed: m.court_appointed.unwrap_or(false),
                    })
                })
                .collect::<Result<_, ServiceError>>()?,
        })
    }

    /// Records what a family mediator is (federation staff managing her place). Audited.
    pub async fn set_mediator_profile(
        &self,
        caller: &Caller,
        member: Uuid,
        input: &MediatorProfileInput,
    ) -> Result<(), ServiceError> {
        let kind = rules::MediatorKind::parse(&input.kind).ok_or_else(|| {
            invalid(
                "kind",
                if input.kind.trim().is_empty() {
                    "required"
                } else {
                    "invalid"
                },
            )
        })?;
        let m = jinguo_storage::member::get(&self.db, &caller.manage_scope(), member)
            .await?
            .filter(|m| m.ended_on.is_none() && m.role == "mediator")
            .ok_or(ServiceError::NotFound)?;
        let entry = Record::new("mediator.profile")
            .target(format!("member:{member}"))
            .place(m.path.clone())
            .detail(format!(
                "kind={} woman={} court_appointed={}",
                kind.key(),
                input.woman,
                input.court_appointed
            ));
        let now = clock::now();
        let (county, woman, court) = (m.county_code.clone(), input.woman, input.court_appointed);
        db_tx!(&self.db, tx => {
            store::set_profile(tx, &county, member, kind.key(), woman, court, now).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        Ok(())
    }

    /// The figures of the disputes below a place the caller manages, of all time.
    pub async fn dispute_figures(
        &self,
        caller: &Caller,
        place: &str,
    ) -> Result<DisputeFigures, ServiceError> {
        self.dispute_figures_in(caller, place, None).await
    }

    /// The figures of the disputes opened in `period` (all time without) below a place the
    /// caller manages. Open and overdue counts are those of today, whatever the period.
    pub async fn dispute_figures_in(
        &self,
        caller: &Caller,
        place: &str,
        period: Option<Period>,
    ) -> Result<DisputeFigures, ServiceError> {
        let opened = period.map(|p| (p.from, p.to)).unwrap_or_else(all_time);
        let place = self.managed_place(caller, place).await?;
        let within = place.subtree();
        let mut f = DisputeFigures::default();
        let mut kinds: std::collections::BTreeMap<DisputeKind, i64> = Default::default();
        let mut sources: std::collections::BTreeMap<Source, i64> = Default::default();
        let mut risks: std::collections::BTreeMap<String, i64> = Default::default();
        for r in store::figures(self.figures_db(), &within, opened).await? {
            f.total += r.n;
            if Status::parse(&r.status).is_some_and(Status::is_open) {
                f.open += r.n;
            }
            *kinds.entry(DisputeKind::stored(&r.kind)?).or_default() += r.n;
            if let Some(s) = Source::parse(&r.source) {
                *sources.entry(s).or_default() += r.n;
            }
            *risks.entry(r.risk.clone()).or_default() += r.n;
            match r.outcome.as_deref().and_then(Outcome::parse) {
                Some(Outcome::Agreed) => f.agreed += r.n,
                Some(Outcome::NotAgreed) => f.not_agreed += r.n,
                Some(Outcome::Refused) => f.refused += r.n,
                None => {}
            }
        }
        let today = clock::today();
        // Counted by the database, as for the dashboard (not by reading every open dispute).
        f.overdue = store::open_counts(self.figures_db(), &within, today)
            .await?
            .overdue;
        f.by_kind = kinds.into_iter().collect();
        f.by_source = sources.into_iter().collect();
        f.by_risk = Risk::ALL
            .iter()
            .filter_map(|r| risks.get(r.key()).map(|n| (*r, *n)))
            .collect();
        f.success_rate = rules::success_rate(f.agreed as u64, f.not_agreed as u64);
        let concluded = store::concluded(self.figures_db(), &within, opened).await?;
        if !concluded.is_empty() {
            let days: i64 = concluded.iter().map(|(a, b)| (*b - *a).num_days()).sum();
            f.average_days_to_conclude = Some(days as f64 / concluded.len() as f64);
        }
        Ok(f)
    }

    /// The disputes opened in `period` (all time without) of each unit one level below a place
    /// the caller manages: how many, how many open, agreements reached and the success rate,
    /// counted in the database.
    pub async fn dispute_units(
        &self,
        caller: &Caller,
        place: &str,
        period: Option<Period>,
    ) -> Result<Vec<UnitDisputes>, ServiceError> {
        let opened = period.map(|p| (p.from, p.to)).unwrap_or_else(all_time);
        let place = self.managed_place(caller, place).await?;
        let children = self.cached().children(&place.code).await?;
        let mut out = Vec::with_capacity(children.len());
        for c in children.iter() {
            let mut u = UnitDisputes {
                code: c.code.clone(),
                name: c.name.clone(),
                ..Default::default()
            };
            let mut not_agreed = 0;
            for r in store::figures(self.figures_db(), &c.subtree(), opened).await? {
                u.total += r.n;
                if Status::parse(&r.status).is_some_and(Status::is_open) {
                    u.open += r.n;
                }
                match r.outcome.as_deref().and_then(Outcome::parse) {
                    Some(Outcome::Agreed) => u.agreed += r.n,
                    Some(Outcome::NotAgreed) => not_agreed += r.n,
                    _ => {}
                }
            }
            u.success_rate = rules::success_rate(u.agreed as u64, not_agreed as u64);
            out.push(u);
        }
        Ok(out)
    }
}

/// The disputes of one unit below a place.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitDisputes {
    pub code: String,
    pub name: String,
    pub total: i64,
    pub open: i64,
    pub agreed: i64,
    pub success_rate: Option<f64>,
}

/// The clock of a dispute's agreement terms due on `day`: it falls due when the day is over (in
/// China's time) with a term of that day not performed.
fn term_clock(d: &DisputeRow, day: NaiveDate) -> jinguo_storage::linkage::DeadlineRow {
    let next = day.succ_opt().unwrap_or(day);
    let due = next
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(clock::CHINA).single())
        .map(|t| t.timestamp_millis())
        .unwrap_or_default();
    jinguo_storage::linkage::DeadlineRow {
        id: Uuid::now_v7(),
        county_code: d.county_code.clone(),
        path: d.path.clone(),
        kind: jinguo_domain::linkage::DeadlineKind::TermDue.key().into(),
        subject_id: d.id,
        case_id: None,
        department_id: None,
        due_ms: due,
        level: 0,
        next_ms: Some(due),
        done_ms: None,
    }
}

/// A narrative or record as staff see it: its length, nothing of its content.
pub(crate) fn mask_text(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("＊＊＊（{}）", s.chars().count())
    }
}

use crate::error::conflict;

/// 1 → 一, 12 → 十二 (up to 99), for numbering the terms of an agreement.
/// What the agreement's document says: parties (name, relationship), facts, terms (kind,
/// text, manner, due date) and the day agreed.
struct AgreementDoc {
    parties: Vec<(String, String)>,
    facts: String,
    terms: Vec<(TermKind, String, String, NaiveDate)>,
    agreed_on: NaiveDate,
    /// The days within which judicial confirmation is applied for.
    confirmation_days: i64,
}

impl AgreementDoc {
    fn write(&self, id: Uuid) -> Result<Vec<u8>, ServiceError> {
        jinguo_interchange::docx::write(&self.paragraphs(id))
            .map_err(|e| ServiceError::Internal(e.to_string()))
    }

    fn paragraphs(&self, id: Uuid) -> Vec<jinguo_interchange::docx::Paragraph> {
        use jinguo_interchange::docx::Paragraph;
        let number = id.simple().to_string();
        let mut p = vec![
            Paragraph::title("调解协议书"),
            Paragraph {
                text: format!("编号：{}", &number[number.len().saturating_sub(12)..]),
                centered: true,
                ..Default::default()
            },
            Paragraph::heading("当事人"),
        ];
        for (name, relationship) in &self.parties {
            p.push(Paragraph::new(format!("{name}（{relationship}）")));
        }
        p.push(Paragraph::heading("纠纷事实及争议事项"));
        p.push(Paragraph::new(self.facts.clone()));
        p.push(Paragraph::heading("经调解，双方当事人自愿达成如下协议："));
        for (i, (_, text, manner, due_on)) in self.terms.iter().enumerate() {
            p.push(Paragraph::new(format!(
                "{}、{}（履行方式：{}；履行期限：{}）",
                chinese_number(i + 1),
                text,
                manner,
                due_on.format("%Y年%m月%d日")
            )));
        }
        p.push(Paragraph::new(
            "本协议自双方当事人签名之日起生效。本协议一式三份，双方当事人各执一份，调解组织留存一份。",
        ));
        if self.terms.iter().all(|t| t.0.confirmable()) {
            p.push(Paragraph::new(format!(
                "双方当事人可以自本协议生效之日起{}日内（{}前）共同向人民法院申请司法确认。",
                chinese_number(usize::try_from(self.confirmation_days).unwrap_or(30)),
                rules::confirmation_ends_on(
                    self.agreed_on,
                    &LegalLimits {
                        confirmation_days: self.confirmation_days,
                        ..LegalLimits::LAW
                    }
                )
                .format("%Y年%m月%d日")
            )));
        }
        for line in [
            "当事人（签名）：____________　　____________",
            "调解员（签名）：____________",
            "调解组织（盖章）：____________",
        ] {
            p.push(Paragraph::new(line));
        }
        p.push(Paragraph::new(
            self.agreed_on.format("%Y年%m月%d日").to_string(),
        ));
        p
    }
}

fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[n - 10] }),
        20..=99 => format!(
            "{}十{}",
            DIGITS[n / 10],
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[n % 10]
            }
        ),
        _ => n.to_string(),
    }
}

impl Services {
    /// The registered person a party names, opened.
    fn party_person(&self, dispute: Uuid, p: &PartyRow) -> Result<Option<Uuid>, ServiceError> {
        let Some(sealed) = &p.person else {
            return Ok(None);
        };
        let plain = self.open("dispute", "party_person", &dispute, sealed)?;
        Uuid::parse_str(&plain)
            .map(Some)
            .map_err(|_| ServiceError::Internal("stored party person is not an id".into()))
    }
}

/// Every day both databases store and compare as dates (SQLite as ISO text): a period that
/// leaves nothing out.
fn all_time() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default(),
    )
}
