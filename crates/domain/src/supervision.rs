//! Supervision tasks (督办): raised from a case, a dispute, a public-opinion topic, a meeting or a
//! leader's instruction, sent to a lead unit (a department of the linkage or a lower federation)
//! with co-units and a named person, signed for, reported on at a set cadence, extended when
//! asked before the deadline and approved, reported done, reviewed by someone other than its
//! owner (returned or closed), visited again and rated. The light is the clock's: green, yellow
//! within a few days of the deadline, red once it has passed. Pure rules, no I/O.

use crate::{Lang, ValidationErrors, screening};
use chrono::{Datelike, Duration, NaiveDate, Weekday};

catalog!(
    /// What a task was raised from.
    Source {
        Case = "case", "家暴个案", "domestic-violence case";
        Dispute = "dispute", "矛盾纠纷", "dispute";
        Topic = "topic", "舆情事件", "public-opinion topic";
        Meeting = "meeting", "会议部署", "meeting";
        Instruction = "instruction", "领导批示", "leader's instruction";
    }
);

impl Source {
    /// Whether the task names the record it was raised from.
    pub fn has_record(self) -> bool {
        matches!(self, Source::Case | Source::Dispute | Source::Topic)
    }
}

catalog!(
    /// Where a task stands.
    Status {
        Issued = "issued", "已交办", "issued";
        Signed = "signed", "已签收", "signed for";
        Submitted = "submitted", "已报办结", "reported done";
        Returned = "returned", "退回重办", "returned";
        Closed = "closed", "已销号", "closed";
    }
);

catalog!(
    /// A step taken on a task, with who and when.
    Step {
        Issue = "issue", "交办", "issued";
        Sign = "sign", "签收", "signed for";
        Progress = "progress", "报送进展", "progress reported";
        ExtendRequest = "extend_request", "申请延期", "extension requested";
        ExtendApprove = "extend_approve", "批准延期", "extension approved";
        ExtendRefuse = "extend_refuse", "不予延期", "extension refused";
        Submit = "submit", "报送办结报告", "completion reported";
        Return = "return", "退回重办", "returned";
        Close = "close", "审核销号", "closed";
        Revisit = "revisit", "回访评价", "visited again and rated";
        Remind = "remind", "催办通知", "reminder sent";
        Notice = "notice", "书面通报", "written notice";
    }
);

catalog!(
    /// How often the unit reports progress.
    Cadence {
        Weekly = "weekly", "每周", "weekly";
        Monthly = "monthly", "每月", "monthly";
        Quarterly = "quarterly", "每季度", "quarterly";
        Deadline = "deadline", "办结时报送", "at the deadline";
    }
);

impl Cadence {
    /// Days between two progress reports; none: only the completion report.
    pub fn days(self) -> Option<i64> {
        match self {
            Cadence::Weekly => Some(7),
            Cadence::Monthly => Some(30),
            Cadence::Quarterly => Some(91),
            Cadence::Deadline => None,
        }
    }
}

catalog!(
    /// The light of a task, from its clock.
    Light {
        Green = "green", "绿灯", "green";
        Yellow = "yellow", "黄灯", "yellow";
        Red = "red", "红灯", "red";
        Done = "done", "已办结", "done";
    }
);

catalog!(
    /// The issuer's rating at the follow-up visit.
    Rating {
        Satisfied = "satisfied", "满意", "satisfied";
        Basic = "basic", "基本满意", "fairly satisfied";
        Unsatisfied = "unsatisfied", "不满意", "unsatisfied";
    }
);

/// The rules with numbers (configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The light turns yellow this many days before the deadline.
    pub yellow_days: i64,
    /// The written notice follows the reminder after this many working days.
    pub notice_working_days: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            yellow_days: 3,
            notice_working_days: 5,
        }
    }
}

/// The light of an open task due on `due` seen on `today`; a closed one is done.
pub fn light(status: Status, due: NaiveDate, today: NaiveDate, p: &Policy) -> Light {
    if status == Status::Closed {
        Light::Done
    } else if today > due {
        Light::Red
    } else if (due - today).num_days() <= p.yellow_days {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// The day `n` working days (Monday to Friday) after `from`.
pub fn add_working_days(from: NaiveDate, n: i64) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// A task as entered by its issuer.
#[derive(Debug, Clone, Default)]
pub struct TaskInput {
    pub title: String,
    pub matter: String,
    pub source: String,
    /// The case, dispute or topic it was raised from.
    pub source_id: Option<uuid::Uuid>,
    /// The lead unit: a department's key, or a lower federation's division code.
    pub lead_department: String,
    pub lead_place: String,
    /// Co-units: departments' keys and federations' codes.
    pub co_departments: Vec<String>,
    pub co_places: Vec<String>,
    /// The named person answering for it in the lead unit.
    pub owner_name: String,
    pub cadence: String,
    pub issued_on: String,
    /// The last day (the field `deadline`).
    pub deadline: String,
}

/// A task checked: every field valid, dates in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidTask {
    pub title: String,
    pub matter: String,
    pub source: Source,
    pub source_id: Option<uuid::Uuid>,
    pub lead_department: Option<String>,
    pub lead_place: Option<String>,
    pub co_departments: Vec<String>,
    pub co_places: Vec<String>,
    pub owner_name: String,
    pub cadence: Cadence,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
}

fn text(e: &mut ValidationErrors, field: &str, s: &str, max: usize, required: bool) -> String {
    let s = s.trim();
    if required && s.is_empty() {
        e.push(field, "required");
    } else if s.chars().count() > max {
        e.push(field, "too_long");
    }
    s.to_string()
}

fn keys(list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in list.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
        if !out.iter().any(|o| o == k) {
            out.push(k.to_string());
        }
    }
    out
}

impl TaskInput {
    /// Checks every field and names each refused one: the dates in order (issued on or before
    /// today, due after it was issued), exactly one lead unit, the record of a case, dispute or
    /// topic named.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidTask, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let title = text(&mut e, "title", &self.title, 200, true);
        let matter = text(&mut e, "matter", &self.matter, 5000, false);
        let owner_name = text(&mut e, "owner_name", &self.owner_name, 50, true);
        let source = match Source::parse(&self.source) {
            Some(s) => Some(s),
            None => {
                e.push(
                    "source",
                    if self.source.trim().is_empty() {
                        "required"
                    } else {
                        "invalid"
                    },
                );
                None
            }
        };
        if let Some(s) = source
            && s.has_record()
            && self.source_id.is_none()
        {
            e.push("source_id", "required");
        }
        let cadence = match self.cadence.trim() {
            "" => Some(Cadence::Monthly),
            c => Cadence::parse(c).or_else(|| {
                e.push("cadence", "invalid");
                None
            }),
        };
        let dept = self.lead_department.trim();
        let place = self.lead_place.trim();
        match (dept.is_empty(), place.is_empty()) {
            (true, true) => e.push("lead_unit", "required"),
            (false, false) => e.push("lead_unit", "supervision.one_lead"),
            _ => {}
        }
        let issued_on = screening::date(&mut e, "issued_on", &self.issued_on);
        let due_on = screening::date(&mut e, "deadline", &self.deadline);
        if let Some(i) = issued_on
            && i > today
        {
            e.push("issued_on", "date.future");
        }
        if let (Some(i), Some(d)) = (issued_on, due_on)
            && d <= i
        {
            e.push("deadline", "supervision.due_before_issue");
        }
        let co_departments = keys(&self.co_departments);
        let co_places = keys(&self.co_places);
        if co_departments.iter().any(|k| k == dept) && !dept.is_empty()
            || co_places.iter().any(|k| k == place) && !place.is_empty()
        {
            e.push("co_units", "supervision.lead_is_co");
        }
        if co_departments.len() + co_places.len() > 20 {
            e.push("co_units", "too_long");
        }
        e.into_result()?;
        let (Some(source), Some(cadence), Some(issued_on), Some(due_on)) =
            (source, cadence, issued_on, due_on)
        else {
            let mut e = ValidationErrors::new();
            e.push("body", "invalid");
            return Err(e);
        };
        Ok(ValidTask {
            title,
            matter,
            source,
            source_id: if source.has_record() {
                self.source_id
            } else {
                None
            },
            lead_department: (!dept.is_empty()).then(|| dept.to_string()),
            lead_place: (!place.is_empty()).then(|| place.to_string()),
            co_departments,
            co_places,
            owner_name,
            cadence,
            issued_on,
            due_on,
        })
    }
}

/// Which side of a task takes a step: the issuer's (approve an extension, return, close,
/// revisit) or the unit's (sign, report progress, ask for more time, report done).
pub fn unit_step(step: Step) -> bool {
    matches!(
        step,
        Step::Sign | Step::Progress | Step::ExtendRequest | Step::Submit
    )
}

/// Whether `step` may be taken on a task in `status` (with an extension asked or not).
pub fn step_fits(step: Step, status: Status, extension_asked: bool) -> bool {
    use Status as S;
    match step {
        Step::Sign => status == S::Issued,
        Step::Progress => matches!(status, S::Signed | S::Returned),
        Step::ExtendRequest => matches!(status, S::Signed | S::Returned) && !extension_asked,
        Step::ExtendApprove | Step::ExtendRefuse => status != S::Closed && extension_asked,
        Step::Submit => matches!(status, S::Signed | S::Returned),
        Step::Return | Step::Close => status == S::Submitted,
        Step::Revisit => status == S::Closed,
        Step::Issue | Step::Remind | Step::Notice => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(e: &ValidationErrors, field: &str) -> bool {
        e.0.iter().any(|f| f.field == field)
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn input() -> TaskInput {
        TaskInput {
            title: "督办某村家暴个案".into(),
            source: "meeting".into(),
            lead_department: "police".into(),
            owner_name: "李警官".into(),
            issued_on: "2026-03-01".into(),
            deadline: "2026-03-31".into(),
            ..TaskInput::default()
        }
    }

    #[test]
    fn lights_follow_the_clock() {
        let p = Policy::default();
        let due = d("2026-03-31");
        assert_eq!(
            light(Status::Signed, due, d("2026-03-27"), &p),
            Light::Green
        );
        assert_eq!(
            light(Status::Signed, due, d("2026-03-28"), &p),
            Light::Yellow
        );
        assert_eq!(
            light(Status::Signed, due, d("2026-03-31"), &p),
            Light::Yellow
        );
        assert_eq!(light(Status::Signed, due, d("2026-04-01"), &p), Light::Red);
        assert_eq!(light(Status::Closed, due, d("2026-04-01"), &p), Light::Done);
    }

    #[test]
    fn working_days_skip_the_weekend() {
        // 2026-04-01 is a Wednesday: five working days later is the next Wednesday.
        assert_eq!(add_working_days(d("2026-04-01"), 5), d("2026-04-08"));
        assert_eq!(add_working_days(d("2026-04-03"), 1), d("2026-04-06"));
    }

    #[test]
    fn dates_out_of_order_name_the_field() {
        let mut i = input();
        i.deadline = "2026-02-01".into();
        let e = i.validate(d("2026-03-10")).err().unwrap_or_default();
        assert!(has(&e, "deadline"), "{e:?}");
        let mut i = input();
        i.lead_place = "530181001".into();
        let e = i.validate(d("2026-03-10")).err().unwrap_or_default();
        assert!(has(&e, "lead_unit"), "{e:?}");
        let mut i = input();
        i.source = "case".into();
        let e = i.validate(d("2026-03-10")).err().unwrap_or_default();
        assert!(has(&e, "source_id"), "{e:?}");
        assert!(input().validate(d("2026-03-10")).is_ok());
    }

    #[test]
    fn steps_fit_the_status() {
        assert!(step_fits(Step::Sign, Status::Issued, false));
        assert!(!step_fits(Step::Submit, Status::Issued, false));
        assert!(step_fits(Step::Close, Status::Submitted, false));
        assert!(!step_fits(Step::ExtendApprove, Status::Signed, false));
        assert!(step_fits(Step::Revisit, Status::Closed, false));
    }
}
