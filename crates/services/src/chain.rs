//! The "1+N+1+1" chain: county federation staff define a chain — named steps, each taken by a
//! unit (a department of the county's linkage or a federation below) within a number of days —
//! and attach a dispute or a domestic-violence case of their reach to it. The steps follow one
//! another: the first one's clock starts when the record is attached, each next one's when the
//! one before it is done, and each clock is a `deadline` row the escalation worker climbs (the
//! unit and whoever attached the record, then the county's chair). A step is done by the unit's
//! person — a liaison officer of the department, or staff of the federation — who is recorded
//! with the time.

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::inbox::Chain;
use crate::linkage::{county_path, from_ms, ms};
use crate::supervision::due_ms;
use crate::{Caller, ServiceError, Services, clock};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::chain::{ChainInput, StepRole, Subject};
use jinguo_domain::linkage::DeadlineKind;
use jinguo_domain::place::PlaceCode;
use jinguo_domain::supervision::Light;
use jinguo_storage::chain::{self as store, ChainRow, RunRow, RunStepRow, StepRow};
use jinguo_storage::linkage::{self as linkage_store, DeadlineRow};
use jinguo_storage::place::Place;
use jinguo_storage::{Reader, StorageError, db_tx};
use uuid::Uuid;

/// At most this many chains or attached records in a list.
const LIST_MAX: i64 = 200;

/// A step of a chain as shown.
#[derive(Debug, Clone)]
pub struct StepView {
    pub seq: i64,
    pub role: StepRole,
    pub name: String,
    pub unit_name: String,
    pub days: i64,
}

/// A chain with its steps.
#[derive(Debug, Clone)]
pub struct ChainView {
    pub id: Uuid,
    pub place_code: String,
    pub name: String,
    pub created_by: String,
    pub steps: Vec<StepView>,
}

/// A record attached to a chain, in a list.
#[derive(Debug, Clone)]
pub struct RunLine {
    pub id: Uuid,
    pub chain_id: Uuid,
    pub subject: Subject,
    pub subject_id: Uuid,
    pub started_at: DateTime<Utc>,
    /// Steps done of all.
    pub done: i64,
    pub steps: i64,
    /// The light of the step to take now (done when none is left).
    pub light: Light,
}

/// A step of an attached record: its clock, and who took it when.
#[derive(Debug, Clone)]
pub struct RunStepView {
    pub seq: i64,
    pub role: StepRole,
    pub name: String,
    pub unit_name: String,
    pub days: i64,
    pub due_on: Option<NaiveDate>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: String,
    pub light: Option<Light>,
}

/// An attached record with its steps and the step the caller may take now.
#[derive(Debug, Clone)]
pub struct RunView {
    pub line: RunLine,
    pub chain_name: String,
    pub created_by: String,
    pub steps: Vec<RunStepView>,
    pub may_take: Option<i64>,
}

/// Whether the caller is the unit's person for a step: a liaison officer of its department (in
/// its county), or staff managing its federation's place.
fn takes(caller: &Caller, county: &str, s: &RunStepRow) -> bool {
    let by_department = caller.has_role(Role::Liaison)
        && s.department_id.is_some_and(|d| {
            caller
                .departments
                .iter()
                .any(|p| p.county_code == county && p.department_id == d)
        });
    let by_place = caller.has_role(Role::Staff)
        && s.unit_path
            .as_deref()
            .is_some_and(|p| caller.manage_scope().covers_all(p));
    by_department || by_place
}

/// Whether she may see a chain and attach records to it: staff of its county, of a place in it,
/// or above it.
fn reaches(caller: &Caller, c: &ChainRow) -> bool {
    let m = caller.manage_scope();
    caller.has_role(Role::Staff)
        && (m.covers_all(&c.path) || m.counties().0.contains(&c.county_code))
}

/// The step to take now: the first not done.
fn current(steps: &[RunStepRow]) -> Option<&RunStepRow> {
    steps.iter().find(|s| s.done_ms.is_none())
}

impl Services {
    /// The county a chain is defined at: one she manages as staff.
    async fn chain_county(&self, caller: &Caller, code: &str) -> Result<Place, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let p = self
            .managed_place(caller, code)
            .await
            .map_err(|e| match e {
                ServiceError::NotFound => invalid("place", "not_found"),
                e => e,
            })?;
        if p.code.len() != 6 {
            return Err(invalid("place", "not_found"));
        }
        Ok(p)
    }

    /// A step's unit: a federation's division code below the county, or a department's key in
    /// it: (department, path, name).
    async fn chain_unit(
        &self,
        county: &Place,
        unit: &str,
        field: &str,
    ) -> Result<(Option<Uuid>, Option<String>, String), ServiceError> {
        if let Ok(code) = PlaceCode::parse(unit) {
            return self
                .cached()
                .place(code.as_str())
                .await?
                .filter(|p| p.path.starts_with(&county.path) && p.path != county.path)
                .map(|p| (None, Some(p.path), p.name))
                .ok_or_else(|| invalid(field, "not_found"));
        }
        linkage_store::department_by_key(&self.db, &county.code, unit)
            .await?
            .map(|d| (Some(d.id), None, d.name))
            .ok_or_else(|| invalid(field, "not_found"))
    }

    /// Defines a chain at a county she manages as staff. Returns its id.
    pub async fn define_chain(
        &self,
        caller: &Caller,
        input: &ChainInput,
    ) -> Result<Uuid, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let v = input.validate()?;
        let county = self.chain_county(caller, &v.place).await?;
        let mut steps = Vec::with_capacity(v.steps.len());
        for (i, s) in v.steps.iter().enumerate() {
            let (department_id, unit_path, unit_name) = self
                .chain_unit(&county, &s.unit, &format!("steps[{i}].step_unit"))
                .await?;
            steps.push(StepRow {
                seq: i as i64 + 1,
                role: s.role.key().into(),
                name: s.name.clone(),
                department_id,
                unit_path,
                unit_name,
                days: s.days,
            });
        }
        let id = Uuid::now_v7();
        let row = ChainRow {
            county_code: county.code.clone(),
            id,
            path: county.path.clone(),
            place_code: county.code.clone(),
            name: v.name.clone(),
            created_ms: ms(clock::now()),
            created_by: caller.username.clone(),
        };
        let entry = Record::new("chain.define")
            .target(format!("chain:{id}"))
            .place(county.path.clone())
            .detail(format!("steps={}", steps.len()));
        db_tx!(&self.db, tx => {
            store::insert_chain(tx, &row, &steps).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        Ok(id)
    }

    fn chain_view(&self, c: &ChainRow, steps: &[StepRow]) -> Result<ChainView, ServiceError> {
        let mut out = Vec::with_capacity(steps.len());
        for s in steps {
            out.push(StepView {
                seq: s.seq,
                role: StepRole::stored(&s.role)?,
                name: s.name.clone(),
                unit_name: s.unit_name.clone(),
                days: s.days,
            });
        }
        Ok(ChainView {
            id: c.id,
            place_code: c.place_code.clone(),
            name: c.name.clone(),
            created_by: c.created_by.clone(),
            steps: out,
        })
    }

    /// The chains of her counties (staff of a county or of a place in one), and the records attached to chains within her
    /// reach (her places', or those with a step of her unit's).
    pub async fn chains(
        &self,
        caller: &Caller,
    ) -> Result<(Vec<ChainView>, Vec<RunLine>), ServiceError> {
        if !caller.has_role(Role::Staff) && !caller.has_role(Role::Liaison) {
            return Err(ServiceError::Forbidden);
        }
        let reader = caller.reader();
        let mut chains = Vec::new();
        let counties = if caller.has_role(Role::Staff) {
            caller.manage_scope().counties().0
        } else {
            Vec::new()
        };
        for c in store::chains(&self.db, &reader, &counties, LIST_MAX).await? {
            let steps = store::steps(&self.db, &c).await?;
            chains.push(self.chain_view(&c, &steps)?);
        }
        let runs = self.run_lines(&reader, None).await?;
        self.note_read(
            caller,
            Record::new("chain.read").detail(format!(
                "chains={} runs={}",
                chains.len(),
                runs.len()
            )),
        )
        .await?;
        Ok((chains, runs))
    }

    async fn run_lines(
        &self,
        reader: &Reader,
        chain: Option<Uuid>,
    ) -> Result<Vec<RunLine>, ServiceError> {
        let mut out = Vec::new();
        for r in store::runs(&self.db, reader, chain, LIST_MAX).await? {
            let steps = store::run_steps(&self.db, &r).await?;
            out.push(self.run_line(&r, &steps)?);
        }
        Ok(out)
    }

    fn run_line(&self, r: &RunRow, steps: &[RunStepRow]) -> Result<RunLine, ServiceError> {
        let today = clock::today();
        let light = match current(steps) {
            Some(s) => match s.due_ms {
                Some(d) => jinguo_domain::chain::light(
                    false,
                    clock::china_day(from_ms(d - 1)),
                    today,
                    self.supervision.yellow_days,
                ),
                None => Light::Green,
            },
            None => Light::Done,
        };
        Ok(RunLine {
            id: r.id,
            chain_id: r.chain_id,
            subject: Subject::stored(&r.subject)?,
            subject_id: r.subject_id,
            started_at: from_ms(r.started_ms),
            done: steps.iter().filter(|s| s.done_ms.is_some()).count() as i64,
            steps: steps.len() as i64,
            light,
        })
    }

    /// A chain of her county (or one below hers), with the records attached to it within her
    /// reach.
    pub async fn chain_detail(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<(ChainView, Vec<RunLine>), ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let reader = caller.reader();
        let c = store::chain(&self.db, id)
            .await?
            .filter(|c| reaches(caller, c))
            .ok_or(ServiceError::NotFound)?;
        let steps = store::steps(&self.db, &c).await?;
        let view = self.chain_view(&c, &steps)?;
        let runs = self.run_lines(&reader, Some(id)).await?;
        self.note_read(
            caller,
            Record::new("chain.read")
                .target(format!("chain:{id}"))
                .place(c.path.clone()),
        )
        .await?;
        Ok((view, runs))
    }

    /// Attaches a dispute or a case she can read, in the chain's county, to a chain of her county: the steps are copied and the first one's clock starts. Returns the run's id.
    pub async fn attach_to_chain(
        &self,
        caller: &Caller,
        chain: Uuid,
        subject: &str,
        subject_id: Option<Uuid>,
    ) -> Result<Uuid, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let reader = caller.reader();
        let c = store::chain(&self.db, chain)
            .await?
            .filter(|c| reaches(caller, c))
            .ok_or(ServiceError::NotFound)?;
        let (kind, subject_id) = jinguo_domain::chain::attach_input(subject, subject_id)?;
        let found = match kind {
            Subject::Dispute => jinguo_storage::mediation::dispute(&self.db, &reader, subject_id)
                .await?
                .map(|d| (d.county_code.clone(), d.path.clone())),
            Subject::Case => linkage_store::case(&self.db, &reader, subject_id)
                .await?
                .map(|d| (d.county_code.clone(), d.path.clone())),
        };
        let path = match found {
            Some((county, path)) if county == c.county_code => path,
            _ => return Err(invalid("subject", "not_found")),
        };
        let now = clock::now();
        let now_ms = ms(now);
        let id = Uuid::now_v7();
        let defined = store::steps(&self.db, &c).await?;
        let mut steps: Vec<RunStepRow> = defined
            .iter()
            .map(|s| RunStepRow {
                county_code: c.county_code.clone(),
                run_id: id,
                seq: s.seq,
                id: Uuid::now_v7(),
                role: s.role.clone(),
                name: s.name.clone(),
                department_id: s.department_id,
                unit_path: s.unit_path.clone(),
                unit_name: s.unit_name.clone(),
                days: s.days,
                due_ms: None,
                done_ms: None,
                done_by: String::new(),
            })
            .collect();
        let first = steps
            .first_mut()
            .ok_or_else(|| ServiceError::Internal("a chain without steps".into()))?;
        let due = clock::today() + Duration::days(first.days);
        first.due_ms = Some(due_ms(due));
        let clock_row = self.step_clock(&path, first, now_ms);
        let run = RunRow {
            county_code: c.county_code.clone(),
            id,
            chain_id: c.id,
            path: path.clone(),
            subject: kind.key().into(),
            subject_id,
            started_ms: now_ms,
            created_by: caller.username.clone(),
        };
        let entry = Record::new("chain.attach")
            .target(format!("chain_run:{id}"))
            .place(path.clone())
            .detail(format!(
                "chain={} subject={}:{subject_id}",
                c.id,
                kind.key()
            ));
        let added = db_tx!(&self.db, tx => {
            if !store::insert_run(tx, &run, &steps).await? {
                return Ok::<bool, StorageError>(false);
            }
            linkage_store::insert_deadline(tx, &clock_row, now_ms).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok(true)
        })?;
        if !added {
            return Err(invalid("subject", "chain.attached"));
        }
        Ok(id)
    }

    /// The clock of a run's step, due at its `due_ms`.
    fn step_clock(&self, path: &str, s: &RunStepRow, now_ms: i64) -> DeadlineRow {
        let due = s.due_ms.unwrap_or(now_ms);
        DeadlineRow {
            id: Uuid::now_v7(),
            county_code: s.county_code.clone(),
            path: path.to_string(),
            kind: DeadlineKind::ChainStep.key().into(),
            subject_id: s.id,
            case_id: None,
            department_id: None,
            due_ms: due,
            level: 0,
            next_ms: Some(due.max(now_ms)),
            done_ms: None,
        }
    }

    /// An attached record with its steps, within her reach; reading it is audited.
    pub async fn chain_run(&self, caller: &Caller, id: Uuid) -> Result<RunView, ServiceError> {
        if !caller.has_role(Role::Staff) && !caller.has_role(Role::Liaison) {
            return Err(ServiceError::Forbidden);
        }
        let r = store::run(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let steps = store::run_steps(&self.db, &r).await?;
        let chain_name = store::chain(&self.db, r.chain_id)
            .await?
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let today = clock::today();
        let mut views = Vec::with_capacity(steps.len());
        for s in &steps {
            let due_on = s.due_ms.map(|d| clock::china_day(from_ms(d - 1)));
            views.push(RunStepView {
                seq: s.seq,
                role: StepRole::stored(&s.role)?,
                name: s.name.clone(),
                unit_name: s.unit_name.clone(),
                days: s.days,
                due_on,
                done_at: s.done_ms.map(from_ms),
                done_by: s.done_by.clone(),
                light: due_on.map(|d| {
                    jinguo_domain::chain::light(
                        s.done_ms.is_some(),
                        d,
                        today,
                        self.supervision.yellow_days,
                    )
                }),
            });
        }
        let may_take = current(&steps)
            .filter(|s| takes(caller, &r.county_code, s))
            .map(|s| s.seq);
        self.note_read(
            caller,
            Record::new("chain.read")
                .target(format!("chain_run:{id}"))
                .place(r.path.clone()),
        )
        .await?;
        Ok(RunView {
            line: self.run_line(&r, &steps)?,
            chain_name,
            created_by: r.created_by.clone(),
            steps: views,
            may_take,
        })
    }

    /// The unit's person records a step of an attached record done (the step to take now, and
    /// hers): its clock stops and the next step's starts.
    pub async fn take_chain_step(
        &self,
        caller: &Caller,
        id: Uuid,
        seq: i64,
    ) -> Result<(), ServiceError> {
        if !caller.has_role(Role::Staff) && !caller.has_role(Role::Liaison) {
            return Err(ServiceError::Forbidden);
        }
        let r = store::run(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut steps = store::run_steps(&self.db, &r).await?;
        let Some(now_step) = current(&steps).cloned() else {
            return Err(invalid("seq", "chain.not_current"));
        };
        if now_step.seq != seq {
            return Err(invalid("seq", "chain.not_current"));
        }
        if !takes(caller, &r.county_code, &now_step) {
            return Err(invalid("seq", "chain.not_unit"));
        }
        let now = clock::now();
        let now_ms = ms(now);
        let next = steps.iter_mut().find(|s| s.seq > seq).map(|s| {
            s.due_ms = Some(due_ms(clock::today() + Duration::days(s.days)));
            s.clone()
        });
        let next_clock = next.as_ref().map(|s| self.step_clock(&r.path, s, now_ms));
        let entry = Record::new("chain.step")
            .target(format!("chain_run:{id}"))
            .place(r.path.clone())
            .detail(format!("seq={seq} role={}", now_step.role));
        let county = r.county_code.clone();
        let done = db_tx!(&self.db, tx => {
            if !store::step_done(tx, &county, id, seq, now_ms, &caller.username).await? {
                return Ok::<bool, StorageError>(false);
            }
            linkage_store::complete_deadlines(tx, now_step.id, Some(DeadlineKind::ChainStep.key()), now_ms).await?;
            if let (Some(s), Some(c)) = (&next, &next_clock) {
                store::step_started(tx, &county, id, s.seq, s.due_ms.unwrap_or(now_ms)).await?;
                linkage_store::insert_deadline(tx, c, now_ms).await?;
            }
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok(true)
        })?;
        if done {
            Ok(())
        } else {
            Err(invalid("seq", "chain.not_current"))
        }
    }

    /// Who a step's clock tells: the step's unit (a department's liaison officers, or the staff
    /// of the federation) and whoever attached the record, then the county's chair.
    pub(crate) async fn chain_step_chain(
        &self,
        d: &DeadlineRow,
        level: i64,
    ) -> Result<Option<Chain>, ServiceError> {
        let accounts = match level {
            1 => {
                let Some(s) = store::run_step_by_id(&self.db, d.subject_id).await? else {
                    return Ok(None);
                };
                let mut a = Vec::new();
                if let Some(dep) = s.department_id {
                    a.extend(
                        linkage_store::liaisons(&self.db, &s.county_code, dep)
                            .await?
                            .into_iter()
                            .map(|o| o.account_id),
                    );
                }
                if let Some(p) = &s.unit_path {
                    a.extend(linkage_store::accounts_at(&self.db, Role::Staff.key(), p).await?);
                }
                if let Some(r) = store::run(&self.db, &Reader::system(), s.run_id).await? {
                    a.extend(
                        jinguo_storage::account::by_username(&self.db, &r.created_by)
                            .await?
                            .map(|x| x.id),
                    );
                }
                a.sort();
                a.dedup();
                a
            }
            2 => {
                let county = county_path(&d.county_code).unwrap_or_default();
                linkage_store::accounts_at(&self.db, Role::Staff.key(), &county).await?
            }
            _ => return Ok(None),
        };
        Ok(Some(Chain {
            accounts,
            webhook: None,
            sms: None,
        }))
    }

    /// The page a step's clock links to: its attached record.
    pub(crate) async fn chain_step_link(&self, step: Uuid) -> Result<String, ServiceError> {
        Ok(match store::run_step_by_id(&self.db, step).await? {
            Some(s) => format!("/chain-runs/{}", s.run_id),
            None => String::from("/chains"),
        })
    }
}
