//! The case conference (联席会议 / 个案会商): a high-risk case must be heard at the county's
//! next conference within its limit (a `conference_hearing` clock, started when the case
//! becomes high-risk and stopped when a conference hears it); a conference has its date, the
//! departments invited and present and the cases heard; each case heard gets a safety plan of
//! actions, each a department's with a deadline (a `safety_action` clock, escalated along the
//! department's chain like a referral's acknowledgement) and a status. The next conference
//! reviews the open actions. The minutes (a Word file) name the cases by their place, risk and
//! masked victim's name, never their narrative.
//!
//! Who: staff managing the county organise conferences; a department's liaison officers see the
//! actions given to their department (the action, its case's place and risk, nothing of the
//! victim) and mark them done. Every change and every read is audited.

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::linkage::{clock_row, county_path, ms};
use crate::{Caller, ServiceError, Services, clock};
use chrono::{DateTime, NaiveDate, Utc};
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::conference::{
    ActionInput, ActionStatus, ConferenceInput, ConferenceStatus, check_hearing,
};
use jinguo_domain::linkage::DeadlineKind;
use jinguo_domain::mask;
use jinguo_domain::place::PlaceLevel;
use jinguo_domain::screening::Risk;
use jinguo_storage::conference::{self as store, ActionRow, ConferenceRow};
use jinguo_storage::linkage::{self as cases, CaseRow, DepartmentRow};
use jinguo_storage::{StorageError, db_tx};
use uuid::Uuid;

/// Conferences, actions or cases listed at most.
pub const LIST_LIMIT: i64 = 500;

/// An action of a safety plan.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionView {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub case_id: Uuid,
    pub department: String,
    pub department_name: String,
    pub action: String,
    pub due_on: NaiveDate,
    pub status: ActionStatus,
    pub done_at: Option<DateTime<Utc>>,
    pub overdue: bool,
}

/// A case heard at a conference, as the minutes name it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeardCase {
    pub id: Uuid,
    pub place_path: String,
    /// The name of the case's place.
    pub place_name: String,
    pub victim: String,
    pub risk: Risk,
}

/// A county's figures of high-risk work: its open cases by risk, its conferences, and its
/// safety plans' actions done on time or late, open and overdue. Counts only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConferenceFigures {
    /// Open cases: (risk, count), low to high.
    pub cases_by_risk: Vec<(Risk, i64)>,
    pub conferences_held: i64,
    pub conferences_planned: i64,
    /// Done by the end of their day.
    pub actions_on_time: i64,
    /// Done after it.
    pub actions_late: i64,
    /// Not done, their day not past.
    pub actions_open: i64,
    /// Not done, their day past.
    pub actions_overdue: i64,
}

/// A high-risk case still to be heard, with its clock.
#[derive(Debug, Clone, PartialEq)]
pub struct AwaitingCase {
    pub id: Uuid,
    /// The name of the case's place (its village or community).
    pub place_name: String,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConferenceLine {
    pub id: Uuid,
    pub conference_on: NaiveDate,
    pub status: ConferenceStatus,
}

/// A conference with its agenda: the cases heard and their actions, the open actions of earlier
/// conferences, and the high-risk cases still to be heard.
#[derive(Debug, Clone, PartialEq)]
pub struct ConferenceView {
    pub id: Uuid,
    /// The county's path.
    pub path: String,
    pub conference_on: NaiveDate,
    pub status: ConferenceStatus,
    pub invited: Vec<(String, String)>,
    pub present: Vec<(String, String)>,
    pub version: i64,
    pub cases: Vec<HeardCase>,
    pub actions: Vec<ActionView>,
    pub open_before: Vec<ActionView>,
    pub awaiting: Vec<AwaitingCase>,
}

fn keys_of(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

fn named(keys: &[String], deps: &[DepartmentRow]) -> Vec<(String, String)> {
    keys.iter()
        .map(|k| {
            let name = deps
                .iter()
                .find(|d| &d.key == k)
                .map(|d| d.name.clone())
                .unwrap_or_default();
            (k.clone(), name)
        })
        .collect()
}

/// Every day a record may carry: the figures without a period.
const ALL_DAYS: (NaiveDate, NaiveDate) = (
    NaiveDate::from_ymd_opt(1, 1, 1).unwrap(),
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
);

impl Services {
    /// The county a caller organises conferences for: staff managing the whole county.
    async fn conference_county(&self, caller: &Caller, code: &str) -> Result<String, ServiceError> {
        let place = self.managed_place(caller, code).await?;
        if place.level() != PlaceLevel::County {
            return Err(ServiceError::Forbidden);
        }
        Ok(place.code.clone())
    }

    /// A conference the caller organises (staff managing its county); else not found.
    async fn own_conference(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<ConferenceRow, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::NotFound);
        }
        let counties = self
            .cached_figures()
            .counties(&caller.manage_scope())
            .await?;
        let c = store::conference(&self.db, &counties, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !(caller.has_role(Role::Staff) && caller.manage_scope().covers_all(&c.path)) {
            return Err(ServiceError::NotFound);
        }
        Ok(c)
    }

    fn action_view(
        &self,
        a: &ActionRow,
        deps: &[DepartmentRow],
    ) -> Result<ActionView, ServiceError> {
        let dep = deps.iter().find(|d| d.id == a.department_id);
        let status = ActionStatus::stored(&a.status)?;
        Ok(ActionView {
            id: a.id,
            conference_id: a.conference_id,
            case_id: a.case_id,
            department: dep.map(|d| d.key.clone()).unwrap_or_default(),
            department_name: dep.map(|d| d.name.clone()).unwrap_or_default(),
            action: self.open("safety_action", "action", &a.id, &a.action)?,
            due_on: a.due_on,
            status,
            done_at: a.done_at,
            overdue: status == ActionStatus::Open && clock::today() > a.due_on,
        })
    }

    /// Plans a conference of the county: its date and the departments invited.
    pub async fn plan_conference(
        &self,
        caller: &Caller,
        county: &str,
        input: &ConferenceInput,
    ) -> Result<Uuid, ServiceError> {
        let county = self.conference_county(caller, county).await?;
        let deps = cases::departments(&self.db, &county).await?;
        let known: Vec<String> = deps.iter().map(|d| d.key.clone()).collect();
        let v = input.validate(&known)?;
        let id = Uuid::now_v7();
        let row = ConferenceRow {
            county_code: county.clone(),
            id,
            path: county_path(&county).ok_or(ServiceError::NotFound)?,
            held_on: v.conference_on,
            status: ConferenceStatus::Planned.key().into(),
            invited: v.invited.join(","),
            present: String::new(),
            created_by: caller.username.clone(),
            version: 1,
        };
        let now = clock::now();
        let entry = Record::new("conference.plan")
            .target(format!("conference:{id}"))
            .place(row.path.clone())
            .detail(format!(
                "conference_on={} invited={}",
                v.conference_on, row.invited
            ));
        db_tx!(&self.db, tx => {
            store::insert_conference(tx, &row, now).await?;
            record(tx, &self.keys, caller, entry.clone()).await
        })?;
        Ok(id)
    }

    /// The county's conferences, newest first.
    pub async fn conferences(
        &self,
        caller: &Caller,
        county: &str,
    ) -> Result<Vec<ConferenceLine>, ServiceError> {
        let county = self.conference_county(caller, county).await?;
        store::conferences(&self.db, &county, LIST_LIMIT)
            .await?
            .into_iter()
            .map(|c| {
                Ok(ConferenceLine {
                    id: c.id,
                    conference_on: c.held_on,
                    status: ConferenceStatus::stored(&c.status)?,
                })
            })
            .collect()
    }

    /// A conference with its agenda. Audited.
    pub async fn conference(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<ConferenceView, ServiceError> {
        let c = self.own_conference(caller, id).await?;
        let deps = cases::departments(&self.db, &c.county_code).await?;
        let reader = caller.reader();
        let mut heard = Vec::new();
        for case in store::cases_of(&self.db, &c.county_code, c.id).await? {
            if let Some(k) = cases::case(&self.db, &reader, case).await? {
                let mut h = self.heard_case(&k)?;
                h.place_name = self.place_name_of(&h.place_path).await?;
                heard.push(h);
            }
        }
        let actions = store::actions_of(&self.db, &c.county_code, c.id)
            .await?
            .iter()
            .map(|a| self.action_view(a, &deps))
            .collect::<Result<Vec<_>, _>>()?;
        let open_before =
            store::open_actions_before(&self.db, &c.county_code, c.held_on, LIST_LIMIT)
                .await?
                .iter()
                .map(|a| self.action_view(a, &deps))
                .collect::<Result<Vec<_>, _>>()?;
        let awaiting = self.awaiting(&c.county_code).await?;
        self.note_read(
            caller,
            Record::new("conference.read")
                .target(format!("conference:{id}"))
                .place(c.path.clone()),
        )
        .await?;
        Ok(ConferenceView {
            id: c.id,
            path: c.path.clone(),
            conference_on: c.held_on,
            status: ConferenceStatus::stored(&c.status)?,
            invited: named(&keys_of(&c.invited), &deps),
            present: named(&keys_of(&c.present), &deps),
            version: c.version,
            cases: heard,
            actions,
            open_before,
            awaiting,
        })
    }

    /// The county's high-risk cases not yet heard, by their hearing clock.
    async fn awaiting(&self, county: &str) -> Result<Vec<AwaitingCase>, ServiceError> {
        let now = clock::now();
        let mut names: std::collections::HashMap<String, String> = Default::default();
        let mut out = Vec::new();
        for (id, due, path) in store::awaiting_hearing(&self.db, county, LIST_LIMIT).await? {
            let due_at = crate::linkage::from_ms(due);
            let place_name = match names.get(&path) {
                Some(n) => n.clone(),
                None => {
                    let n = self.place_name_of(&path).await?;
                    names.insert(path, n.clone());
                    n
                }
            };
            out.push(AwaitingCase {
                id,
                place_name,
                due_at,
                overdue: now > due_at,
            });
        }
        Ok(out)
    }

    /// The name of the place at the end of a path (empty when unknown).
    async fn place_name_of(&self, path: &str) -> Result<String, ServiceError> {
        Ok(match path.trim_end_matches('/').rsplit('/').next() {
            Some(code) => self
                .cached()
                .place(code)
                .await?
                .map(|pl| pl.name)
                .unwrap_or_default(),
            None => String::new(),
        })
    }

    /// The county's figures of high-risk work (staff managing the county): counts, nobody
    /// named.
    pub async fn conference_figures(
        &self,
        caller: &Caller,
        county: &str,
    ) -> Result<ConferenceFigures, ServiceError> {
        self.conference_figures_in(caller, county, None).await
    }

    /// The same over a period: the cases received in it by risk (open or closed), the
    /// conferences on its days, the actions due in it. Without one: the open cases, every
    /// conference and action.
    pub async fn conference_figures_in(
        &self,
        caller: &Caller,
        county: &str,
        period: Option<jinguo_domain::period::Period>,
    ) -> Result<ConferenceFigures, ServiceError> {
        let county = self.conference_county(caller, county).await?;
        let mut f = ConferenceFigures::default();
        let (days, only_open) = match period {
            Some(p) => ((p.from, p.to), false),
            None => (ALL_DAYS, true),
        };
        let by_risk = store::cases_by_risk(&self.db, &county, days, only_open).await?;
        for r in [Risk::Low, Risk::Medium, Risk::High] {
            let n = by_risk
                .iter()
                .find(|(k, _)| k == r.key())
                .map(|(_, n)| *n)
                .unwrap_or(0);
            f.cases_by_risk.push((r, n));
        }
        for (status, n) in store::conferences_by_status(&self.db, &county, days).await? {
            if status == ConferenceStatus::Held.key() {
                f.conferences_held = n;
            } else {
                f.conferences_planned += n;
            }
        }
        let now = clock::now();
        for (due_on, done_at) in store::action_times(&self.db, &county, days).await? {
            // Due by the end of its day in China.
            let end = clock::day_start(due_on + chrono::Days::new(1));
            match done_at {
                Some(t) if t <= end => f.actions_on_time += 1,
                Some(_) => f.actions_late += 1,
                None if now > end => f.actions_overdue += 1,
                None => f.actions_open += 1,
            }
        }
        Ok(f)
    }

    /// The county's high-risk cases waiting to be heard, with their hearing deadlines, for
    /// staff managing the county.
    pub async fn awaiting_hearings(
        &self,
        caller: &Caller,
        county: &str,
    ) -> Result<Vec<AwaitingCase>, ServiceError> {
        let county = self.conference_county(caller, county).await?;
        self.awaiting(&county).await
    }

    fn heard_case(&self, k: &CaseRow) -> Result<HeardCase, ServiceError> {
        let name = self.open("dv_case", "victim_name", &k.id, &k.victim_name)?;
        Ok(HeardCase {
            id: k.id,
            place_path: k.path.clone(),
            place_name: String::new(),
            victim: mask::name(&name),
            risk: Risk::stored(&k.risk)?,
        })
    }

    /// Records that a conference was held, with the departments present (among those invited).
    pub async fn conference_held(
        &self,
        caller: &Caller,
        id: Uuid,
        present: &[String],
        expected_version: i64,
    ) -> Result<(), ServiceError> {
        let c = self.own_conference(caller, id).await?;
        if c.status == ConferenceStatus::Held.key() {
            return Err(invalid("conference", "conference.held"));
        }
        let invited = keys_of(&c.invited);
        let mut e = jinguo_domain::ValidationErrors::new();
        let present = jinguo_domain::conference::departments(&mut e, "present", present, &invited);
        e.into_result()?;
        let entry = Record::new("conference.held")
            .target(format!("conference:{id}"))
            .place(c.path.clone())
            .detail(format!("present={}", present.join(",")));
        db_tx!(&self.db, tx => {
            if !store::set_held(tx, &c.county_code, id, &present.join(","), expected_version).await? {
                return Err(StorageError::Conflict("conference changed".into()));
            }
            record(tx, &self.keys, caller, entry.clone()).await
        })
        .map_err(crate::error::conflict)?;
        Ok(())
    }

    /// Puts a high-risk case on a conference's agenda: heard that day, which stops its hearing
    /// clock. A conference dated in the past takes no new case.
    pub async fn hear_case(
        &self,
        caller: &Caller,
        id: Uuid,
        case: Uuid,
    ) -> Result<(), ServiceError> {
        let c = self.own_conference(caller, id).await?;
        let k = self.staff_case(caller, case).await?;
        if k.county_code != c.county_code {
            return Err(ServiceError::NotFound);
        }
        if k.risk != Risk::High.key() {
            return Err(invalid("case", "conference.not_high"));
        }
        check_hearing(c.held_on, clock::today())?;
        let now = clock::now();
        let entry = Record::new("conference.hear")
            .target(format!("case:{case}"))
            .place(k.path.clone())
            .detail(format!("conference={id}"));
        db_tx!(&self.db, tx => {
            if store::add_case(tx, &c.county_code, id, case, &caller.username, now).await? {
                cases::complete_deadlines(tx, case, Some(DeadlineKind::ConferenceHearing.key()), ms(now)).await?;
                record(tx, &self.keys, caller, entry.clone()).await?;
            }
            Ok::<(), ServiceError>(())
        })?;
        Ok(())
    }

    /// Adds an action to the safety plan of a case heard at a conference; its clock starts.
    pub async fn add_action(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &ActionInput,
    ) -> Result<Uuid, ServiceError> {
        let c = self.own_conference(caller, id).await?;
        let deps = cases::departments(&self.db, &c.county_code).await?;
        let known: Vec<String> = deps.iter().map(|d| d.key.clone()).collect();
        let v = input.validate(&known, clock::today())?;
        let heard = store::cases_of(&self.db, &c.county_code, id).await?;
        if !heard.contains(&v.case) {
            return Err(invalid("case", "conference.not_heard"));
        }
        let k = cases::case(&self.db, &caller.reader(), v.case)
            .await?
            .ok_or_else(|| invalid("case", "conference.not_heard"))?;
        let dep = deps
            .iter()
            .find(|d| d.key == v.department)
            .ok_or_else(|| invalid("department", "referral.unknown_department"))?;
        let action_id = Uuid::now_v7();
        let row = ActionRow {
            county_code: c.county_code.clone(),
            id: action_id,
            conference_id: id,
            case_id: k.id,
            path: k.path.clone(),
            department_id: dep.id,
            action: self.seal("safety_action", "action", &action_id, &v.action)?,
            due_on: v.due_on,
            status: ActionStatus::Open.key().into(),
            done_at: None,
            created_by: caller.username.clone(),
        };
        // Due by the end of its day in China.
        let due = clock::day_start(v.due_on + chrono::Days::new(1));
        let deadline = clock_row(&k, DeadlineKind::SafetyAction, action_id, Some(dep.id), due);
        let now = clock::now();
        let entry = Record::new("conference.action")
            .target(format!("action:{action_id}"))
            .place(k.path.clone())
            .detail(format!(
                "conference={id} case={} department={} due_on={}",
                k.id, dep.key, v.due_on
            ));
        db_tx!(&self.db, tx => {
            store::insert_action(tx, &row, now).await?;
            cases::insert_deadline(tx, &deadline, ms(now)).await?;
            record(tx, &self.keys, caller, entry.clone()).await
        })?;
        Ok(action_id)
    }

    /// Marks an action done, by staff organising its conference or an officer of its
    /// department; its clock stops.
    pub async fn complete_action(&self, caller: &Caller, id: Uuid) -> Result<(), ServiceError> {
        // Her counties: those she manages as staff, and her departments'.
        let mut counties = if caller.has_role(Role::Staff) {
            self.cached_figures()
                .counties(&caller.manage_scope())
                .await?
        } else {
            Vec::new()
        };
        counties.extend(caller.departments.iter().map(|p| p.county_code.clone()));
        counties.sort();
        counties.dedup();
        let a = store::action(&self.db, &counties, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let c = store::conference(
            &self.db,
            std::slice::from_ref(&a.county_code),
            a.conference_id,
        )
        .await?
        .ok_or(ServiceError::NotFound)?;
        let staff = caller.has_role(Role::Staff) && caller.manage_scope().covers_all(&c.path);
        let officer = caller.has_role(Role::Liaison)
            && caller
                .departments
                .iter()
                .any(|p| p.county_code == a.county_code && p.department_id == a.department_id);
        if !(staff || officer) {
            return Err(ServiceError::NotFound);
        }
        let now = clock::now();
        let entry = Record::new("conference.action_done")
            .target(format!("action:{id}"))
            .place(a.path.clone());
        db_tx!(&self.db, tx => {
            if !store::complete_action(tx, &a.county_code, id, now).await? {
                return Err(invalid("action", "referral.already"));
            }
            cases::complete_deadlines(tx, id, Some(DeadlineKind::SafetyAction.key()), ms(now)).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), ServiceError>(())
        })?;
        Ok(())
    }

    /// The actions given to the caller's departments, open ones first. Audited.
    pub async fn my_actions(&self, caller: &Caller) -> Result<Vec<ActionView>, ServiceError> {
        if !caller.has_role(Role::Liaison) {
            return Err(ServiceError::Forbidden);
        }
        let mut out = Vec::new();
        for p in &caller.departments {
            let deps = cases::departments(&self.db, &p.county_code).await?;
            for a in
                store::actions_of_department(&self.db, &p.county_code, p.department_id, LIST_LIMIT)
                    .await?
            {
                out.push(self.action_view(&a, &deps)?);
            }
        }
        self.note_read(
            caller,
            Record::new("conference.actions_read").detail(format!("count={}", out.len())),
        )
        .await?;
        Ok(out)
    }

    /// The minutes of a conference as a Word file, for the departments: its date, the
    /// departments invited and present, each case heard (place, risk, masked name) with its
    /// actions, the open actions reviewed. Never a narrative. Audited.
    pub async fn conference_minutes(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<(String, Vec<u8>), ServiceError> {
        self.conference_minutes_as(caller, id, crate::DocFormat::Docx)
            .await
    }

    /// The minutes as a Word document or as PDF (the same paragraphs). Audited.
    pub async fn conference_minutes_as(
        &self,
        caller: &Caller,
        id: Uuid,
        format: crate::DocFormat,
    ) -> Result<(String, Vec<u8>), ServiceError> {
        use jinguo_interchange::docx::{Paragraph, write};
        let v = self.conference(caller, id).await?;
        let names = |l: &[(String, String)]| {
            l.iter()
                .map(|(k, n)| if n.is_empty() { k.clone() } else { n.clone() })
                .collect::<Vec<_>>()
                .join("、")
        };
        let mut p = vec![
            Paragraph::title("反家庭暴力个案会商会议纪要"),
            Paragraph::new(format!(
                "会议日期：{}",
                v.conference_on.format("%Y年%m月%d日")
            )),
            Paragraph::new(format!("邀请单位：{}", names(&v.invited))),
            Paragraph::new(format!("出席单位：{}", names(&v.present))),
            Paragraph::heading("会商个案"),
        ];
        for (i, k) in v.cases.iter().enumerate() {
            p.push(Paragraph::new(format!(
                "{}. {} {}（风险：{}）",
                i + 1,
                k.place_name,
                k.victim,
                k.risk.label(jinguo_domain::Lang::Zh)
            )));
            for a in v.actions.iter().filter(|a| a.case_id == k.id) {
                p.push(Paragraph::new(format!(
                    "    {}：{}，{}前完成（{}）",
                    a.department_name,
                    a.action,
                    a.due_on.format("%Y年%m月%d日"),
                    a.status.label(jinguo_domain::Lang::Zh)
                )));
            }
        }
        if !v.open_before.is_empty() {
            p.push(Paragraph::heading("前次会议未完成的措施"));
            for a in &v.open_before {
                p.push(Paragraph::new(format!(
                    "{}：{}，{}前完成{}",
                    a.department_name,
                    a.action,
                    a.due_on.format("%Y年%m月%d日"),
                    if a.overdue { "（已逾期）" } else { "" }
                )));
            }
        }
        let bytes = match format {
            crate::DocFormat::Docx => {
                write(&p).map_err(|e| ServiceError::Internal(e.to_string()))?
            }
            crate::DocFormat::Pdf => self.pdf_of("反家庭暴力个案会商会议纪要", &p)?,
        };
        self.note_read(
            caller,
            Record::new("conference.minutes")
                .target(format!("conference:{id}"))
                .place(v.path.clone()),
        )
        .await?;
        Ok((
            format!("会商纪要-{}.{}", v.conference_on, format.extension()),
            bytes,
        ))
    }

    /// Gives the open high-risk cases that were high before the hearing clock existed (never
    /// clocked, never heard) their clock, from now: 14 days, or 72 hours when a danger to life
    /// was named. Run at every start; once done it finds nothing, so no case gets two. Each
    /// clock is written with its audit entry. Returns how many were started.
    pub async fn backfill_hearing_clocks(&self) -> Result<u64, ServiceError> {
        use crate::audit::{Actor, record_as};
        let mut started = 0;
        loop {
            let ids = store::unclocked_high_cases(&self.db, LIST_LIMIT).await?;
            if ids.is_empty() {
                break;
            }
            let now = clock::now();
            for id in &ids {
                let Some(c) = cases::case(&self.db, &jinguo_storage::Reader::system(), *id).await?
                else {
                    continue;
                };
                let factors: Vec<&str> = c.risk_factors.split(',').collect();
                let due =
                    jinguo_domain::conference::hearing_due(now, lethal(&factors), &self.hearing);
                let d = clock_row(&c, DeadlineKind::ConferenceHearing, c.id, None, due);
                let entry = Record::new("conference.hearing_backfill")
                    .target(format!("case:{}", c.id))
                    .place(c.path.clone());
                db_tx!(&self.db, tx => {
                    cases::insert_deadline(tx, &d, ms(now)).await?;
                    record_as(tx, &self.keys, &Actor::Worker, entry.clone()).await
                })?;
                started += 1;
            }
            if (ids.len() as i64) < LIST_LIMIT {
                break;
            }
        }
        Ok(started)
    }

    /// Starts the hearing clock of a case that became high-risk, unless one is running.
    /// `urgent`: a danger to life was named (72 hours instead of 14 days).
    pub(crate) async fn hearing_clock(
        &self,
        c: &CaseRow,
        urgent: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<jinguo_storage::linkage::DeadlineRow>, ServiceError> {
        let running = cases::deadlines_of_subject(&self.db, c.id)
            .await?
            .iter()
            .any(|d| d.kind == DeadlineKind::ConferenceHearing.key() && d.done_ms.is_none());
        if running {
            return Ok(None);
        }
        let due = jinguo_domain::conference::hearing_due(now, urgent, &self.hearing);
        Ok(Some(clock_row(
            c,
            DeadlineKind::ConferenceHearing,
            c.id,
            None,
            due,
        )))
    }
}

/// Whether answers name a danger to life (the lethal factors of the short assessment).
pub fn lethal(keys: &[&str]) -> bool {
    jinguo_domain::linkage::RiskFactor::ALL
        .iter()
        .filter(|f| f.is_lethal())
        .any(|f| keys.contains(&f.key()))
}
