//! Supervision tasks (督办): federation staff issue a task (from a case, a dispute, a
//! public-opinion topic they can read, a meeting or a leader's instruction) to a lead unit — a
//! department of the county's linkage or a federation below — with co-units and a named person.
//! The unit signs for it, reports progress at its cadence, asks for more time before the
//! deadline, and reports it done; the issuing side approves or refuses the extension, returns
//! the report or closes the task (never the task's owner nor whoever reported it done), then
//! visits again and rates. The deadline is a `deadline` row the escalation worker climbs: a
//! reminder the day after it passed, copied to the unit's head, then a written notice
//! `notice_working_days` working days later. Lights and the figures per unit come from the clock.

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::inbox::Chain;
use crate::linkage::{county_path, from_ms, ms};
use crate::{Caller, ServiceError, Services, clock};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::linkage::DeadlineKind;
use jinguo_domain::period::Period;
use jinguo_domain::place::PlaceCode;
use jinguo_domain::supervision::{
    self as rules, Cadence, Light, Policy, Rating, Source, Status, Step, TaskInput,
};
use jinguo_storage::linkage::{self as linkage_store, DeadlineRow};
use jinguo_storage::place::Place;
use jinguo_storage::supervision::{self as store, StepRow, TaskFilter, TaskRow, UnitRow};
use jinguo_storage::{DbConn, Reader, Seen, StorageError, Subtree, db_tx};
use uuid::Uuid;

/// The hour of the day (China's) at which a reminder or a notice goes out.
const MORNING_HOURS: i64 = 9;

/// When the day after `due` begins (China's), in milliseconds: the deadline's instant.
pub fn due_ms(due: NaiveDate) -> i64 {
    ms(clock::day_start(due + Duration::days(1)))
}

/// When the reminder goes out: the morning of the day after the deadline.
fn remind_ms(due: NaiveDate) -> i64 {
    due_ms(due) + MORNING_HOURS * 3_600_000
}

/// When the written notice goes out: the morning `n` working days after the reminder's day.
pub fn notice_ms(due: NaiveDate, p: &Policy) -> i64 {
    let day = rules::add_working_days(due + Duration::days(1), p.notice_working_days);
    ms(clock::day_start(day)) + MORNING_HOURS * 3_600_000
}

/// A unit a task may be sent to, for the issuer's form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitChoice {
    /// A department's key or a federation's division code.
    pub key: String,
    pub name: String,
}

/// What an issuer may send a task to from a place: the county's departments and the places
/// below hers.
#[derive(Debug, Clone, Default)]
pub struct UnitChoices {
    pub place_code: String,
    pub place_name: String,
    pub departments: Vec<UnitChoice>,
    pub places: Vec<UnitChoice>,
}

/// A task in a list, as shown.
#[derive(Debug, Clone)]
pub struct TaskLine {
    pub id: Uuid,
    pub title: String,
    pub source: Source,
    pub place_code: String,
    pub unit_name: String,
    pub status: Status,
    pub light: Light,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub returns: i64,
    /// The day the next progress report is due (the cadence from the last one), when one is.
    pub report_due_on: Option<NaiveDate>,
}

/// The figures of one lead unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitFigures {
    pub unit_name: String,
    pub total: i64,
    pub open: i64,
    pub yellow: i64,
    pub red: i64,
    pub on_time: i64,
    pub late: i64,
    pub returned: i64,
}

/// The supervision board: tasks open by light, the lines, the figures per unit.
#[derive(Debug, Clone, Default)]
pub struct Board {
    pub green: i64,
    pub yellow: i64,
    pub red: i64,
    pub lines: Vec<TaskLine>,
    pub units: Vec<UnitFigures>,
    /// The period the tasks were issued in, when one was asked for.
    pub period: Option<Period>,
}

/// A step as shown.
#[derive(Debug, Clone)]
pub struct StepView {
    pub kind: Step,
    pub at: DateTime<Utc>,
    pub by: String,
    pub note: String,
    pub new_due_on: Option<String>,
}

/// A task with its units and steps, and what the caller may do on it.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub line: TaskLine,
    pub version: i64,
    pub matter: String,
    pub source_id: Option<Uuid>,
    pub owner_name: String,
    pub cadence: Cadence,
    pub co_units: Vec<String>,
    pub extension_on: Option<String>,
    pub rating: Option<Rating>,
    pub created_by: String,
    pub steps: Vec<StepView>,
    /// The steps the caller may take now.
    pub may: Vec<Step>,
}

/// A step on a task, as given.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub step: String,
    pub expected_version: i64,
    pub note: String,
    /// For `extend_request`: the day asked for.
    pub new_due_on: String,
    /// For `revisit`: the rating.
    pub rating: String,
}

/// Which side of a task the caller is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sides {
    issuer: bool,
    unit: bool,
}

fn sides(caller: &Caller, t: &TaskRow, co: &[UnitRow]) -> Sides {
    let manage = caller.manage_scope();
    let issuer = caller.has_role(Role::Staff) && manage.covers_all(&t.path);
    let departments: Vec<Uuid> = if caller.has_role(Role::Liaison) {
        caller
            .departments
            .iter()
            .filter(|d| d.county_code == t.county_code)
            .map(|d| d.department_id)
            .collect()
    } else {
        Vec::new()
    };
    let by_department = t.department_id.is_some_and(|d| departments.contains(&d))
        || co
            .iter()
            .any(|u| u.department_id.is_some_and(|d| departments.contains(&d)));
    let by_place = !issuer
        && caller.has_role(Role::Staff)
        && (t.unit_path.as_deref().is_some_and(|p| manage.covers_all(p))
            || co
                .iter()
                .any(|u| u.unit_path.as_deref().is_some_and(|p| manage.covers_all(p))));
    Sides {
        issuer,
        unit: by_department || by_place,
    }
}

fn date_of(s: &str) -> Result<NaiveDate, ServiceError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ServiceError::Internal(format!("a stored date that is not one: {s}")))
}

impl Services {
    /// The place a caller issues from: one she manages as staff.
    async fn issuing_place(&self, caller: &Caller, code: &str) -> Result<Place, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let scope = caller.manage_scope();
        let code = PlaceCode::parse(code).map_err(|_| ServiceError::NotFound)?;
        self.cached()
            .place(code.as_str())
            .await?
            .filter(|p| scope.covers_all(&p.path) && p.code.len() >= 6)
            .ok_or(ServiceError::NotFound)
    }

    /// The units a task issued at `place` may go to: the county's departments and the
    /// federations one level below (for a county, its townships; for a township, its villages).
    pub async fn supervision_units(
        &self,
        caller: &Caller,
        place: &str,
    ) -> Result<UnitChoices, ServiceError> {
        let p = self.issuing_place(caller, place).await?;
        let county = p.code[..6].to_string();
        let departments = linkage_store::departments(&self.db, &county)
            .await?
            .into_iter()
            .map(|d| UnitChoice {
                key: d.key,
                name: d.name,
            })
            .collect();
        let places = jinguo_storage::place::children(&self.db, &p.code)
            .await?
            .into_iter()
            .map(|c| UnitChoice {
                key: c.code,
                name: c.name,
            })
            .collect();
        Ok(UnitChoices {
            place_code: p.code.clone(),
            place_name: p.name.clone(),
            departments,
            places,
        })
    }

    /// A unit named by a department's key or a place's code: (department, path, name).
    async fn unit_of(
        &self,
        county: &str,
        issuer: &Place,
        department: Option<&str>,
        place: Option<&str>,
        field: &str,
    ) -> Result<(Option<Uuid>, Option<String>, String), ServiceError> {
        if let Some(key) = department {
            let d = linkage_store::department_by_key(&self.db, county, key)
                .await?
                .ok_or_else(|| invalid(field, "not_found"))?;
            return Ok((Some(d.id), None, d.name));
        }
        if let Some(code) = place {
            let code = PlaceCode::parse(code).map_err(|_| invalid(field, "not_found"))?;
            let p = self
                .cached()
                .place(code.as_str())
                .await?
                .filter(|p| p.path.starts_with(&issuer.path) && p.path != issuer.path)
                .ok_or_else(|| invalid(field, "not_found"))?;
            return Ok((None, Some(p.path), p.name));
        }
        Err(invalid(field, "required"))
    }

    /// Issues a task from `place` (a place she manages as staff). The record it was raised
    /// from must be one she can read; the unit a department of the county or a federation
    /// below. Starts its clock and tells the unit. Returns the task's id.
    pub async fn issue_task(
        &self,
        caller: &Caller,
        place: &str,
        input: &TaskInput,
    ) -> Result<Uuid, ServiceError> {
        let issuer = self.issuing_place(caller, place).await?;
        let county = issuer.code[..6].to_string();
        let today = clock::today();
        let v = input.validate(today)?;
        let reader = caller.reader();
        if let (Some(id), true) = (v.source_id, v.source.has_record()) {
            let found = match v.source {
                Source::Case => linkage_store::case(&self.db, &reader, id).await?.is_some(),
                Source::Dispute => jinguo_storage::mediation::dispute(&self.db, &reader, id)
                    .await?
                    .is_some(),
                Source::Topic => jinguo_storage::opinion::topic(&self.db, &reader, id)
                    .await?
                    .is_some(),
                Source::Meeting | Source::Instruction => true,
            };
            if !found {
                return Err(invalid("source_id", "not_found"));
            }
        }
        let (department_id, unit_path, unit_name) = self
            .unit_of(
                &county,
                &issuer,
                v.lead_department.as_deref(),
                v.lead_place.as_deref(),
                "lead_unit",
            )
            .await?;
        let mut co = Vec::new();
        for k in &v.co_departments {
            let (d, p, n) = self
                .unit_of(&county, &issuer, Some(k), None, "co_units")
                .await?;
            co.push((d, p, n));
        }
        for k in &v.co_places {
            let (d, p, n) = self
                .unit_of(&county, &issuer, None, Some(k), "co_units")
                .await?;
            co.push((d, p, n));
        }
        let id = Uuid::now_v7();
        let now = clock::now();
        let now_ms = ms(now);
        let t = TaskRow {
            county_code: county.clone(),
            id,
            path: issuer.path.clone(),
            place_code: issuer.code.clone(),
            title: self.seal("supervision_task", "title", &id, &v.title)?,
            matter: if v.matter.is_empty() {
                String::new()
            } else {
                self.seal("supervision_task", "matter", &id, &v.matter)?
            },
            source: v.source.key().into(),
            source_id: v.source_id,
            department_id,
            unit_path: unit_path.clone(),
            unit_name: unit_name.clone(),
            owner_name: self.seal("supervision_task", "owner_name", &id, &v.owner_name)?,
            cadence: v.cadence.key().into(),
            issued_on: v.issued_on.to_string(),
            due_on: v.due_on.to_string(),
            due_ms: due_ms(v.due_on),
            status: Status::Issued.key().into(),
            extension_on: None,
            signed_ms: None,
            last_report_ms: None,
            submitted_ms: None,
            submitted_by: String::new(),
            closed_ms: None,
            returns: 0,
            rating: None,
            created_ms: now_ms,
            created_by: caller.username.clone(),
            version: 1,
        };
        let clock_row = self.task_clock(&t, v.due_on, now_ms);
        let chain = self.unit_chain(&t, false).await?;
        let params = format!("{}|{}", issuer.name, v.due_on);
        let entry = Record::new("supervision.issue")
            .target(format!("supervision_task:{id}"))
            .place(issuer.path.clone())
            .detail(format!("source={} unit={unit_name}", v.source.key()));
        db_tx!(&self.db, tx => {
            store::insert_task(tx, &t).await?;
            for (i, (d, p, n)) in co.iter().enumerate() {
                store::insert_unit(tx, &county, id, &UnitRow {
                    seq: i as i64 + 1, department_id: *d, unit_path: p.clone(), name: n.clone(),
                }).await?;
            }
            linkage_store::insert_deadline(tx, &clock_row, now_ms).await?;
            store::add_step(tx, &county, id, &StepRow {
                seq: 0, kind: Step::Issue.key().into(), at_ms: now_ms,
                by_account: caller.username.clone(), note: String::new(), new_due_on: None,
            }).await?;
            self.tell(tx, &chain, "supervision.issued", &params, &format!("/supervision/{id}"), 0, now).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        self.wake_delivery();
        Ok(id)
    }

    /// The clock of a task falling due at the end of `due`: the reminder the morning after.
    fn task_clock(&self, t: &TaskRow, due: NaiveDate, now_ms: i64) -> DeadlineRow {
        DeadlineRow {
            id: Uuid::now_v7(),
            county_code: t.county_code.clone(),
            path: t.path.clone(),
            kind: DeadlineKind::SupervisionDue.key().into(),
            subject_id: t.id,
            case_id: None,
            department_id: t.department_id,
            due_ms: due_ms(due),
            level: 0,
            next_ms: Some(remind_ms(due).max(now_ms)),
            done_ms: None,
        }
    }

    /// Who answers for a task in its lead unit: a department's liaison officers and heads (or
    /// the heads only), or the staff of the federation below.
    async fn unit_chain(&self, t: &TaskRow, heads_only: bool) -> Result<Chain, ServiceError> {
        let mut accounts = Vec::new();
        let mut webhook = None;
        if let Some(dep) = t.department_id {
            for o in linkage_store::liaisons(&self.db, &t.county_code, dep).await? {
                if !heads_only || o.position == "head" {
                    accounts.push(o.account_id);
                }
            }
            webhook = linkage_store::department(&self.db, &t.county_code, dep)
                .await?
                .map(|d| d.webhook_url)
                .filter(|u| !u.is_empty());
        }
        if let Some(p) = &t.unit_path {
            accounts.extend(linkage_store::accounts_at(&self.db, Role::Staff.key(), p).await?);
        }
        Ok(Chain {
            accounts,
            webhook,
            sms: None,
        })
    }

    /// Who the escalation of a task's clock tells at `level`: the reminder goes to the unit
    /// (its officers and, copied, its heads) and the task's owner; the written notice to the
    /// unit's heads, the owner and the county federation's chair.
    pub(crate) async fn supervision_chain(
        &self,
        d: &DeadlineRow,
        level: i64,
    ) -> Result<Option<Chain>, ServiceError> {
        let Some(t) = store::task(&self.db, &Reader::system(), d.subject_id).await? else {
            return Ok(None);
        };
        let owner = jinguo_storage::account::by_username(&self.db, &t.created_by)
            .await?
            .map(|a| a.id);
        let mut chain = match level {
            1 => self.unit_chain(&t, false).await?,
            2 => {
                let mut c = self.unit_chain(&t, true).await?;
                let county = county_path(&t.county_code).unwrap_or_default();
                c.accounts.extend(
                    linkage_store::accounts_at(&self.db, Role::Staff.key(), &county).await?,
                );
                c
            }
            _ => return Ok(None),
        };
        chain.accounts.extend(owner);
        chain.accounts.sort();
        chain.accounts.dedup();
        Ok(Some(chain))
    }

    /// When a task's clock next climbs after reaching `level`: the notice after the reminder,
    /// then nothing.
    pub(crate) fn supervision_next(&self, d: &DeadlineRow, level: i64) -> Option<i64> {
        (level == 1).then(|| {
            let due = clock::china_day(from_ms(d.due_ms - 1));
            notice_ms(due, &self.supervision)
        })
    }

    /// The step the worker writes on a task when its clock climbs: a reminder, then a notice.
    pub(crate) async fn supervision_escalated(
        &self,
        tx: &mut DbConn<'_>,
        d: &DeadlineRow,
        level: i64,
        now_ms: i64,
    ) -> Result<(), StorageError> {
        let kind = if level >= 2 {
            Step::Notice
        } else {
            Step::Remind
        };
        store::add_step(
            tx,
            &d.county_code,
            d.subject_id,
            &StepRow {
                seq: 0,
                kind: kind.key().into(),
                at_ms: now_ms,
                by_account: "worker".into(),
                note: String::new(),
                new_due_on: None,
            },
        )
        .await
    }

    fn line_of(&self, t: &TaskRow, today: NaiveDate) -> Result<TaskLine, ServiceError> {
        let status = Status::stored(&t.status)?;
        let due_on = date_of(&t.due_on)?;
        let cadence = Cadence::stored(&t.cadence)?;
        let report_due_on = match (cadence.days(), status) {
            (Some(days), Status::Signed | Status::Returned) => {
                let from = t.last_report_ms.or(t.signed_ms).unwrap_or(t.created_ms);
                Some(clock::china_day(from_ms(from)) + Duration::days(days))
            }
            _ => None,
        };
        Ok(TaskLine {
            id: t.id,
            title: self.open("supervision_task", "title", &t.id, &t.title)?,
            source: Source::stored(&t.source)?,
            place_code: t.place_code.clone(),
            unit_name: t.unit_name.clone(),
            status,
            light: rules::light(status, due_on, today, &self.supervision),
            issued_on: date_of(&t.issued_on)?,
            due_on,
            returns: t.returns,
            report_due_on,
        })
    }

    /// The supervision board: the tasks she issued (within her places) and those sent to her
    /// units, open ones by deadline, with the lights and the figures per lead unit. `place`
    /// narrows to the tasks issued below a place; `light` to the open tasks of one light.
    pub async fn supervision_board(
        &self,
        caller: &Caller,
        place: Option<&str>,
        light: Option<&str>,
    ) -> Result<Board, ServiceError> {
        self.supervision_board_in(caller, place, light, None).await
    }

    /// The supervision board over the tasks issued in `period` (all of them without one): the
    /// lights, the lines and the figures per lead unit count those tasks only.
    pub async fn supervision_board_in(
        &self,
        caller: &Caller,
        place: Option<&str>,
        light: Option<&str>,
        period: Option<Period>,
    ) -> Result<Board, ServiceError> {
        let reader = caller.reader();
        if !caller.has_role(Role::Staff) && !caller.has_role(Role::Liaison) {
            return Err(ServiceError::Forbidden);
        }
        let within = match place.map(str::trim).filter(|p| !p.is_empty()) {
            Some(code) => self.issuing_place(caller, code).await?.subtree(),
            None => Subtree::all(),
        };
        let light = match light.map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) => Some(Light::parse(l).ok_or_else(|| invalid("light", "invalid"))?),
            None => None,
        };
        let today = clock::today();
        // A task is red when its deadline's instant is before the one of a task due today,
        // yellow when before the one of a task due `yellow_days` after today.
        let now_ms = due_ms(today);
        let yellow_ms = due_ms(today + Duration::days(self.supervision.yellow_days + 1));
        let issued = period.map(|p| (p.from.to_string(), p.to.to_string()));
        let figures = store::unit_figures(
            &self.db,
            &reader,
            &within,
            issued.clone(),
            now_ms,
            yellow_ms,
        )
        .await?;
        let mut board = Board {
            period,
            ..Board::default()
        };
        for f in &figures {
            board.yellow += f.yellow;
            board.red += f.red;
            board.green += f.open - f.yellow - f.red;
        }
        board.units = figures
            .into_iter()
            .map(|f| UnitFigures {
                unit_name: f.unit_name,
                total: f.total,
                open: f.open,
                yellow: f.yellow,
                red: f.red,
                on_time: f.on_time,
                late: f.late,
                returned: f.returned,
            })
            .collect();
        let filter = match light {
            Some(Light::Red) => TaskFilter {
                open: true,
                due_before_ms: Some(now_ms),
                due_from_ms: None,
                issued,
            },
            Some(Light::Yellow) => TaskFilter {
                open: true,
                due_before_ms: Some(yellow_ms),
                due_from_ms: Some(now_ms),
                issued,
            },
            Some(Light::Green) => TaskFilter {
                open: true,
                due_before_ms: None,
                due_from_ms: Some(yellow_ms),
                issued,
            },
            Some(Light::Done) | None => TaskFilter {
                issued,
                ..TaskFilter::default()
            },
        };
        for t in store::tasks(&self.db, &reader, &within, &filter, 100).await? {
            let line = self.line_of(&t, today)?;
            if light == Some(Light::Done) && line.light != Light::Done {
                continue;
            }
            board.lines.push(line);
        }
        Ok(board)
    }

    /// A task with its co-units and steps; reading it is audited.
    pub async fn supervision_task(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<TaskView, ServiceError> {
        if !caller.has_role(Role::Staff) && !caller.has_role(Role::Liaison) {
            return Err(ServiceError::Forbidden);
        }
        let t = store::task(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let co = store::units(&self.db, &t).await?;
        let side = sides(caller, &t, &co);
        let line = self.line_of(&t, clock::today())?;
        let mut steps = Vec::new();
        for s in store::steps(&self.db, &t).await? {
            steps.push(StepView {
                kind: Step::stored(&s.kind)?,
                at: from_ms(s.at_ms),
                by: s.by_account,
                note: if s.note.is_empty() {
                    String::new()
                } else {
                    self.open("supervision_step", "note", &t.id, &s.note)?
                },
                new_due_on: s.new_due_on,
            });
        }
        let asked = t.extension_on.is_some();
        let may = Step::ALL
            .iter()
            .copied()
            .filter(|s| rules::step_fits(*s, line.status, asked))
            .filter(|s| {
                if rules::unit_step(*s) {
                    side.unit
                } else {
                    side.issuer
                        && !(matches!(s, Step::Return | Step::Close) && self.own_review(caller, &t))
                }
            })
            .collect();
        self.note_read(
            caller,
            Record::new("supervision.read")
                .target(format!("supervision_task:{id}"))
                .place(t.path.clone()),
        )
        .await?;
        Ok(TaskView {
            version: t.version,
            matter: if t.matter.is_empty() {
                String::new()
            } else {
                self.open("supervision_task", "matter", &t.id, &t.matter)?
            },
            source_id: t.source_id,
            owner_name: self.open("supervision_task", "owner_name", &t.id, &t.owner_name)?,
            cadence: Cadence::stored(&t.cadence)?,
            co_units: co.into_iter().map(|u| u.name).collect(),
            extension_on: t.extension_on.clone(),
            rating: match &t.rating {
                Some(r) => Some(Rating::stored(r)?),
                None => None,
            },
            created_by: t.created_by.clone(),
            steps,
            may,
            line,
        })
    }

    /// Whether a review by the caller would be her own: she issued the task (its owner) or
    /// reported it done.
    fn own_review(&self, caller: &Caller, t: &TaskRow) -> bool {
        caller.username == t.created_by || caller.username == t.submitted_by
    }

    /// One step on a task by the side it belongs to. A stale version writes nothing.
    pub async fn supervision_step(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &StepInput,
    ) -> Result<(), ServiceError> {
        if !caller.has_role(Role::Staff) && !caller.has_role(Role::Liaison) {
            return Err(ServiceError::Forbidden);
        }
        let seen: Seen<TaskRow> = store::task(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let co = store::units(&self.db, &seen).await?;
        let side = sides(caller, &seen, &co);
        let step = Step::parse(&input.step).ok_or_else(|| {
            invalid(
                "step",
                if input.step.trim().is_empty() {
                    "required"
                } else {
                    "invalid"
                },
            )
        })?;
        let status = Status::stored(&seen.status)?;
        let mut t = seen.clone().into_inner();
        if !rules::step_fits(step, status, t.extension_on.is_some()) {
            return Err(invalid("step", "supervision.step"));
        }
        if rules::unit_step(step) {
            if !side.unit {
                return Err(invalid("step", "supervision.not_unit"));
            }
        } else if !side.issuer {
            return Err(invalid("step", "supervision.not_issuer"));
        }
        let note = input.note.trim().to_string();
        if note.chars().count() > 5000 {
            return Err(invalid("note", "too_long"));
        }
        let now = clock::now();
        let now_ms = ms(now);
        let today = clock::today();
        let due = date_of(&t.due_on)?;
        let mut new_due_on = None;
        let mut clock_change: Option<Option<NaiveDate>> = None;
        match step {
            Step::Sign => {
                t.status = Status::Signed.key().into();
                t.signed_ms = Some(now_ms);
            }
            Step::Progress => {
                if note.is_empty() {
                    return Err(invalid("note", "required"));
                }
                t.last_report_ms = Some(now_ms);
            }
            Step::ExtendRequest => {
                let mut e = jinguo_domain::ValidationErrors::new();
                let asked = jinguo_domain::screening::date(&mut e, "new_due_on", &input.new_due_on);
                if note.is_empty() {
                    e.push("note", "required");
                }
                if today > due {
                    e.push("new_due_on", "supervision.after_deadline");
                } else if let Some(a) = asked
                    && a <= due
                {
                    e.push("new_due_on", "supervision.not_later");
                }
                e.into_result()?;
                let asked = asked.ok_or_else(|| invalid("new_due_on", "required"))?;
                t.extension_on = Some(asked.to_string());
                new_due_on = Some(asked.to_string());
            }
            Step::ExtendApprove => {
                let asked = date_of(t.extension_on.as_deref().unwrap_or_default())?;
                t.due_on = asked.to_string();
                t.due_ms = due_ms(asked);
                t.extension_on = None;
                new_due_on = Some(asked.to_string());
                clock_change = Some(Some(asked));
            }
            Step::ExtendRefuse => {
                t.extension_on = None;
            }
            Step::Submit => {
                if note.is_empty() {
                    return Err(invalid("note", "required"));
                }
                t.status = Status::Submitted.key().into();
                t.submitted_ms = Some(now_ms);
                t.submitted_by = caller.username.clone();
                clock_change = Some(None);
            }
            Step::Return | Step::Close => {
                if self.own_review(caller, &t) {
                    return Err(invalid("step", "supervision.own_review"));
                }
                if step == Step::Return {
                    if note.is_empty() {
                        return Err(invalid("note", "required"));
                    }
                    t.status = Status::Returned.key().into();
                    t.returns += 1;
                    clock_change = Some(Some(due));
                } else {
                    t.status = Status::Closed.key().into();
                    t.closed_ms = Some(now_ms);
                }
            }
            Step::Revisit => {
                let rating = Rating::parse(&input.rating).ok_or_else(|| {
                    invalid(
                        "rating",
                        if input.rating.trim().is_empty() {
                            "required"
                        } else {
                            "invalid"
                        },
                    )
                })?;
                t.rating = Some(rating.key().into());
            }
            Step::Issue | Step::Remind | Step::Notice => {
                return Err(invalid("step", "invalid"));
            }
        }
        let sealed_note = if note.is_empty() {
            String::new()
        } else {
            self.seal("supervision_step", "note", &t.id, &note)?
        };
        let new_clock = match clock_change {
            Some(Some(d)) => Some(self.task_clock(&t, d, now_ms)),
            _ => None,
        };
        let entry = Record::new("supervision.step")
            .target(format!("supervision_task:{}", t.id))
            .place(t.path.clone())
            .detail(format!("step={}", step.key()));
        let county = t.county_code.clone();
        db_tx!(&self.db, tx => {
            if !store::update_task(tx, &t, input.expected_version).await? {
                return Err(StorageError::Conflict("supervision_task".into()));
            }
            if clock_change.is_some() {
                linkage_store::complete_deadlines(tx, t.id, Some(DeadlineKind::SupervisionDue.key()), now_ms).await?;
            }
            if let Some(c) = &new_clock {
                linkage_store::insert_deadline(tx, c, now_ms).await?;
            }
            store::add_step(tx, &county, t.id, &StepRow {
                seq: 0, kind: step.key().into(), at_ms: now_ms,
                by_account: caller.username.clone(), note: sealed_note.clone(),
                new_due_on: new_due_on.clone(),
            }).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })
        .map_err(crate::error::conflict)?;
        Ok(())
    }
}

/// The overview's line of supervision and of the work around it, for staff managing a place:
/// counted from the records of its subtree within her reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCounts {
    /// Supervision tasks issued in the subtree: in all, closed by their deadline, late (closed
    /// after it or open past it), returned at least once.
    pub tasks: i64,
    pub on_time: i64,
    pub late: i64,
    pub returned: i64,
    /// Typical cases proposed, and published.
    pub typical: i64,
    pub typical_published: i64,
    /// Most-beautiful families named this year, and on public notice now.
    pub families_named: i64,
    pub families_notice: i64,
    /// Volunteers, and their hours of service in all (tenths).
    pub volunteers: i64,
    pub volunteer_hours_tenths: i64,
    /// Training and legal-education sessions this year, and their hours (tenths).
    pub trainings: i64,
    pub training_hours_tenths: i64,
    /// Calls to the 12338 hotline this year.
    pub calls: i64,
    /// Records on a "1+N+1+1" chain, and those with a step still to do.
    pub chain_runs: i64,
    pub chain_runs_open: i64,
}

impl Services {
    /// The overview's counts of supervision, typical cases, families, volunteers, training, the
    /// hotline's calls and the records on a chain for staff managing `place`, within her reach;
    /// `None` for anyone else.
    pub async fn work_counts(
        &self,
        caller: &Caller,
        place: &Place,
    ) -> Result<Option<WorkCounts>, ServiceError> {
        if !caller.has_role(Role::Staff) || !caller.manages(&place.path) {
            return Ok(None);
        }
        // Kept a moment, as the overview's other counts, by reader and place (her reach decides
        // what is counted).
        let key = format!("{}|{}", caller.username, place.path);
        let counts = self
            .caches
            .work_counts
            .get(&key, || self.count_work(caller, place))
            .await?;
        Ok(Some(counts.as_ref().clone()))
    }

    async fn count_work(&self, caller: &Caller, place: &Place) -> Result<WorkCounts, ServiceError> {
        let reader = caller.reader();
        let within = place.subtree();
        let db = self.figures_db();
        let today = clock::today();
        let now_ms = due_ms(today);
        let yellow_ms = due_ms(today + Duration::days(self.supervision.yellow_days + 1));
        let mut c = WorkCounts::default();
        for f in store::unit_figures(db, &reader, &within, None, now_ms, yellow_ms).await? {
            c.tasks += f.total;
            c.on_time += f.on_time;
            c.late += f.late;
            c.returned += f.returned;
        }
        (c.typical, c.typical_published) =
            jinguo_storage::typical::figures(db, &reader, &within).await?;
        let year = i64::from(chrono::Datelike::year(&today));
        let families = jinguo_storage::family::figures(db, &reader, &within, year).await?;
        (c.families_notice, c.families_named) = (families[1], families[2]);
        (c.volunteers, c.volunteer_hours_tenths) =
            jinguo_storage::volunteer::figures(db, &reader, &within).await?;
        (c.trainings, c.training_hours_tenths) = jinguo_storage::training::figures(
            db,
            &reader,
            &within,
            &format!("{year:04}-01-01"),
            &format!("{:04}-01-01", year + 1),
        )
        .await?;
        let (jan, next_jan) = (
            NaiveDate::from_ymd_opt(year as i32, 1, 1).unwrap_or(today),
            NaiveDate::from_ymd_opt(year as i32 + 1, 1, 1).unwrap_or(today),
        );
        c.calls = jinguo_storage::hotline::count(
            db,
            &reader,
            &within,
            ms(clock::day_start(jan)),
            ms(clock::day_start(next_jan)),
        )
        .await?;
        (c.chain_runs, c.chain_runs_open) =
            jinguo_storage::chain::run_counts(db, &reader, &within).await?;
        Ok(c)
    }
}
