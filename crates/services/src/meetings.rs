//! Public opinion's review meetings (研判会): a level's chair or opinion officer records a
//! meeting — the day, who attended, the topics reviewed, what was concluded — and its follow-up
//! tasks, each with a stored clock (`deadline` of kind `opinion_task`) that the escalation
//! worker climbs to the level above, then the county's chair, until the task is marked done.

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::linkage::{from_ms, ms};
use crate::opinion::{TopicLine, mask_names};
use crate::{Caller, ServiceError, Services, clock};
use chrono::{DateTime, NaiveDate, Utc};
use jinguo_domain::ValidationErrors;
use jinguo_domain::linkage::DeadlineKind;
use jinguo_domain::screening::date;
use jinguo_storage::linkage::DeadlineRow;
use jinguo_storage::opinion::{self as store, MeetingRow, TaskRow};
use jinguo_storage::{StorageError, Subtree, db_tx};
use uuid::Uuid;

/// The most follow-up tasks and reviewed topics of one meeting.
const MAX_TASKS: usize = 20;
const MAX_TOPICS: usize = 50;

/// A follow-up task as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TaskInput {
    pub task: String,
    #[serde(default)]
    pub owner: String,
    /// `YYYY-MM-DD`: done by the end of that day (China).
    pub due_by: String,
}

/// A review meeting as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct MeetingInput {
    /// `YYYY-MM-DD`, not after today.
    pub met_on: String,
    pub attendees: String,
    pub conclusions: String,
    #[serde(default)]
    pub topics: Vec<Uuid>,
    #[serde(default)]
    pub tasks: Vec<TaskInput>,
}

/// A meeting in a list.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingLine {
    pub id: Uuid,
    pub place_code: String,
    pub place_name: String,
    pub met_on: NaiveDate,
    pub created_by: String,
}

/// A follow-up task as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskView {
    pub id: Uuid,
    pub task: String,
    pub owner: String,
    pub due_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: String,
    pub overdue: bool,
}

/// A meeting with its topics and tasks; texts masked for a role without need to know.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingView {
    pub line: MeetingLine,
    pub attendees: String,
    pub conclusions: String,
    pub topics: Vec<TopicLine>,
    pub tasks: Vec<TaskView>,
    pub clear: bool,
}

/// The end of a day in China (its last minute), in milliseconds.
fn end_of(day: NaiveDate) -> i64 {
    ms(clock::day_start(day + chrono::Days::new(1))) - 60_000
}

fn text(e: &mut ValidationErrors, field: &str, v: &str, max: usize) -> String {
    let v = v.trim();
    if v.is_empty() {
        e.push(field.to_string(), "required");
    } else if v.chars().count() > max {
        e.push(field.to_string(), "too_long");
    }
    v.to_string()
}

impl Services {
    /// Records a review meeting of a place (its chair or an opinion officer over it), with the
    /// topics it reviewed (hers to read) and its follow-up tasks, whose clocks start now.
    pub async fn add_meeting(
        &self,
        caller: &Caller,
        place: &str,
        input: &MeetingInput,
    ) -> Result<Uuid, ServiceError> {
        let place = self.opinion_place(caller, place).await?;
        let county = place.code.get(..6).unwrap_or_default().to_string();
        if county.len() != 6 {
            return Err(invalid("place", "invalid"));
        }
        let reader = caller.reader();
        let mut e = ValidationErrors::new();
        let today = clock::today();
        // Every date a user gives goes through the one check of its format and range.
        let met_on = match date(&mut e, "met_on", &input.met_on) {
            Some(d) if d > today => {
                e.push("met_on", "met_on.future");
                None
            }
            d => d,
        };
        let attendees = text(&mut e, "attendees", &input.attendees, 2000);
        let conclusions = text(&mut e, "conclusions", &input.conclusions, 10_000);
        let mut topics: Vec<Uuid> = Vec::new();
        if input.topics.len() > MAX_TOPICS {
            e.push("topics", "too_long");
        } else {
            for (i, id) in input.topics.iter().enumerate() {
                // A topic she cannot read is not found, as any other.
                match store::topic(&self.db, &reader, *id).await? {
                    Some(_) => {
                        if !topics.contains(id) {
                            topics.push(*id);
                        }
                    }
                    _ => e.push(format!("topics[{i}]"), "not_found"),
                }
            }
        }
        let mut tasks = Vec::new();
        if input.tasks.len() > MAX_TASKS {
            e.push("tasks", "too_long");
        } else {
            for (i, t) in input.tasks.iter().enumerate() {
                let task = text(&mut e, &format!("tasks[{i}].task"), &t.task, 1000);
                let owner = t.owner.trim().to_string();
                if owner.chars().count() > 100 {
                    e.push(format!("tasks[{i}].owner"), "too_long");
                }
                let field = format!("tasks[{i}].due_by");
                let due = match date(&mut e, &field, &t.due_by) {
                    Some(d) if met_on.is_some_and(|h| d < h) => {
                        e.push(field, "opinion.due_before_meeting");
                        None
                    }
                    d => d,
                };
                tasks.push((task, owner, due));
            }
        }
        e.into_result()?;
        let met_on = met_on.ok_or_else(|| invalid("met_on", "required"))?;
        let id = Uuid::now_v7();
        let now_ms = ms(clock::now());
        let row = MeetingRow {
            county_code: county.clone(),
            id,
            path: place.path.clone(),
            place_code: place.code.clone(),
            met_on: met_on.format("%Y-%m-%d").to_string(),
            attendees: self.seal("opinion_meeting", "attendees", &id, &attendees)?,
            conclusions: self.seal("opinion_meeting", "conclusions", &id, &conclusions)?,
            created_ms: now_ms,
            created_by: caller.username.clone(),
        };
        let mut task_rows = Vec::new();
        for (seq, (task, owner, due)) in tasks.into_iter().enumerate() {
            let tid = Uuid::now_v7();
            let due = due.ok_or_else(|| invalid("tasks", "invalid"))?;
            task_rows.push(TaskRow {
                county_code: county.clone(),
                id: tid,
                meeting_id: id,
                seq: seq as i64 + 1,
                task: self.seal("opinion_task", "task", &tid, &task)?,
                owner: if owner.is_empty() {
                    String::new()
                } else {
                    self.seal("opinion_task", "owner", &tid, &owner)?
                },
                due_ms: end_of(due),
                done_ms: None,
                done_by: String::new(),
            });
        }
        let entry = Record::new("opinion.meeting")
            .target(format!("opinion_meeting:{id}"))
            .place(place.path.clone())
            .detail(format!("topics={} tasks={}", topics.len(), task_rows.len()));
        db_tx!(&self.db, tx => {
            store::insert_meeting(tx, &row, &topics, &task_rows).await?;
            for t in &task_rows {
                jinguo_storage::linkage::insert_deadline(tx, &DeadlineRow {
                    id: Uuid::now_v7(),
                    county_code: county.clone(),
                    path: row.path.clone(),
                    kind: DeadlineKind::OpinionTask.key().into(),
                    subject_id: t.id,
                    case_id: None,
                    department_id: None,
                    due_ms: t.due_ms,
                    level: 0,
                    next_ms: Some(t.due_ms),
                    done_ms: None,
                }, now_ms).await?;
            }
            record(tx, &self.keys, caller, entry.clone()).await
        })?;
        Ok(id)
    }

    async fn meeting_line(&self, m: &MeetingRow) -> Result<MeetingLine, ServiceError> {
        Ok(MeetingLine {
            id: m.id,
            place_code: m.place_code.clone(),
            place_name: self
                .cached()
                .place(&m.place_code)
                .await?
                .map(|p| p.name)
                .unwrap_or_default(),
            met_on: NaiveDate::parse_from_str(&m.met_on, "%Y-%m-%d")
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
            created_by: m.created_by.clone(),
        })
    }

    /// The review meetings below a place (or all of hers), the latest first.
    pub async fn meetings(
        &self,
        caller: &Caller,
        place: Option<&str>,
    ) -> Result<Vec<MeetingLine>, ServiceError> {
        let reader = caller.reader();
        if reader.opinion().is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let within = match place.map(str::trim).filter(|p| !p.is_empty()) {
            Some(code) => self.opinion_place(caller, code).await?.subtree(),
            None => Subtree::all(),
        };
        let mut out = Vec::new();
        for m in store::meetings(&self.db, &reader, &within, 200).await? {
            out.push(self.meeting_line(&m).await?);
        }
        Ok(out)
    }

    /// A review meeting with its topics and tasks. Reading the texts in clear is audited.
    pub async fn meeting(
        &self,
        caller: &Caller,
        id: Uuid,
        lang: jinguo_domain::Lang,
    ) -> Result<MeetingView, ServiceError> {
        let reader = caller.reader();
        if reader.opinion().is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let m = store::meeting(&self.db, &reader, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let clear = Self::opinion_clear(caller);
        let shown = |s: String| if clear { s } else { mask_names(&s) };
        let now = clock::now();
        let mut topics = Vec::new();
        for t in store::meeting_topics(&self.db, &m).await? {
            // Only the topics she may read.
            if let Some(t) = store::topic(&self.db, &reader, t).await? {
                topics.push(self.topic_line(&t, clear, lang, now).await?);
            }
        }
        let mut tasks = Vec::new();
        for t in store::tasks(&self.db, &m).await? {
            let owner = if t.owner.is_empty() {
                String::new()
            } else {
                self.open("opinion_task", "owner", &t.id, &t.owner)?
            };
            tasks.push(TaskView {
                id: t.id,
                task: shown(self.open("opinion_task", "task", &t.id, &t.task)?),
                owner,
                due_at: from_ms(t.due_ms),
                done_at: t.done_ms.map(from_ms),
                done_by: t.done_by.clone(),
                overdue: t.done_ms.is_none() && t.due_ms < ms(now),
            });
        }
        let view = MeetingView {
            line: self.meeting_line(&m).await?,
            attendees: self.open("opinion_meeting", "attendees", &m.id, &m.attendees)?,
            conclusions: shown(self.open(
                "opinion_meeting",
                "conclusions",
                &m.id,
                &m.conclusions,
            )?),
            topics,
            tasks,
            clear,
        };
        if clear {
            let entry = Record::new("opinion.read")
                .target(format!("opinion_meeting:{id}"))
                .place(m.path.clone());
            self.note_read(caller, entry).await?;
        }
        Ok(view)
    }

    /// Marks a follow-up task done: its clock stops.
    pub async fn finish_task(
        &self,
        caller: &Caller,
        meeting: Uuid,
        task: Uuid,
    ) -> Result<(), ServiceError> {
        let reader = caller.reader();
        if reader.opinion().is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let m = store::meeting(&self.db, &reader, meeting)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let t = store::tasks(&self.db, &m)
            .await?
            .into_iter()
            .find(|t| t.id == task)
            .ok_or(ServiceError::NotFound)?;
        if t.done_ms.is_some() {
            return Err(invalid("task", "opinion.task_done"));
        }
        let now_ms = ms(clock::now());
        let entry = Record::new("opinion.task")
            .target(format!("opinion_task:{task}"))
            .place(m.path.clone())
            .detail("done");
        let county = m.county_code.clone();
        db_tx!(&self.db, tx => {
            if !store::finish_task(tx, &county, meeting, task, now_ms, &caller.username).await? {
                return Err(StorageError::Conflict("opinion_task".into()));
            }
            jinguo_storage::linkage::complete_deadlines(tx, task, None, now_ms).await?;
            record(tx, &self.keys, caller, entry.clone()).await
        })
        .map_err(crate::error::conflict)?;
        Ok(())
    }
}
