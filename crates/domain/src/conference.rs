//! The case conference (联席会议 / 个案会商) of a county's anti-domestic-violence mechanism, in
//! the spirit of a multi-agency risk assessment conference: a high-risk case must be heard at
//! the county's next conference within a time limit (14 days, 72 hours when urgent); a
//! conference has a date, the departments invited and present and the cases heard; for each
//! case a safety plan of actions, each with a department, a deadline and a status.

use crate::Lang;
use crate::error::ValidationErrors;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Longest action text kept, in characters.
pub const TEXT_MAX_CHARS: usize = 2000;

/// When a high-risk case must be heard (configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HearingLimits {
    /// Days from the case becoming high-risk to its hearing.
    pub days: i64,
    /// Hours when it is urgent (a danger to life was answered "yes").
    pub urgent_hours: i64,
}

impl Default for HearingLimits {
    fn default() -> Self {
        Self {
            days: 14,
            urgent_hours: 72,
        }
    }
}

/// When a case that became high-risk at `at` must have been heard.
pub fn hearing_due(at: DateTime<Utc>, urgent: bool, l: &HearingLimits) -> DateTime<Utc> {
    if urgent {
        at + Duration::hours(l.urgent_hours)
    } else {
        at + Duration::days(l.days)
    }
}

catalog!(
    /// Where a conference stands.
    ConferenceStatus {
        Planned = "planned", "待召开", "planned";
        Held = "held", "已召开", "held";
    }
);

catalog!(
    /// Where an action of a safety plan stands.
    ActionStatus {
        Open = "open", "办理中", "open";
        Done = "done", "已完成", "done";
    }
);

/// A conference as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ConferenceInput {
    /// YYYY-MM-DD.
    #[serde(default)]
    pub conference_on: String,
    /// The departments invited, by key.
    #[serde(default)]
    pub invited: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidConference {
    pub conference_on: NaiveDate,
    pub invited: Vec<String>,
}

impl ConferenceInput {
    /// `known`: the keys of the county's departments.
    pub fn validate(&self, known: &[String]) -> Result<ValidConference, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let conference_on = crate::screening::date(&mut e, "conference_on", &self.conference_on);
        let invited = departments(&mut e, "invited", &self.invited, known);
        if invited.is_empty() && !e.0.iter().any(|f| f.field == "invited") {
            e.push("invited", "required");
        }
        e.into_result()?;
        match conference_on {
            Some(conference_on) => Ok(ValidConference {
                conference_on,
                invited,
            }),
            None => Err(ValidationErrors::new()),
        }
    }
}

/// Department keys, each known and once.
pub fn departments(
    e: &mut ValidationErrors,
    field: &str,
    keys: &[String],
    known: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in keys {
        let k = k.trim();
        if !known.iter().any(|x| x == k) {
            e.push(field, "referral.unknown_department");
        } else if !out.iter().any(|x| x == k) {
            out.push(k.to_string());
        }
    }
    out
}

/// A case newly put on a conference's agenda is heard that day: never in the past.
pub fn check_hearing(conference_on: NaiveDate, today: NaiveDate) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if conference_on < today {
        e.push("conference_on", "conference.past");
    }
    e.into_result()
}

/// An action of a safety plan as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ActionInput {
    #[serde(default)]
    pub case: Option<uuid::Uuid>,
    /// The department that acts, by key.
    #[serde(default)]
    pub department: String,
    /// What it does.
    #[serde(default)]
    pub action: String,
    /// YYYY-MM-DD, not before today.
    #[serde(default)]
    pub due_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAction {
    pub case: uuid::Uuid,
    pub department: String,
    pub action: String,
    pub due_on: NaiveDate,
}

impl ActionInput {
    pub fn validate(
        &self,
        known: &[String],
        today: NaiveDate,
    ) -> Result<ValidAction, ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.case.is_none() {
            e.push("case", "required");
        }
        let department = self.department.trim();
        if department.is_empty() {
            e.push("department", "required");
        } else if !known.iter().any(|k| k == department) {
            e.push("department", "referral.unknown_department");
        }
        let action = self.action.trim();
        if action.is_empty() {
            e.push("action", "required");
        } else if action.chars().count() > TEXT_MAX_CHARS {
            e.push("action", "too_long");
        }
        let due_on = if self.due_on.trim().is_empty() {
            e.push("due_on", "required");
            None
        } else {
            crate::screening::date(&mut e, "due_on", &self.due_on)
        };
        if due_on.is_some_and(|d| d < today) {
            e.push("due_on", "referral.due_past");
        }
        e.into_result()?;
        match (self.case, due_on) {
            (Some(case), Some(due_on)) => Ok(ValidAction {
                case,
                department: department.into(),
                action: action.into(),
                due_on,
            }),
            _ => Err(ValidationErrors::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_hearing_is_due_in_fourteen_days_or_seventy_two_hours() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let l = HearingLimits::default();
        assert_eq!(hearing_due(at, false, &l), at + Duration::days(14));
        assert_eq!(hearing_due(at, true, &l), at + Duration::hours(72));
    }

    #[test]
    fn bad_conferences_and_actions_name_their_fields() {
        let known = vec!["police".to_string(), "court".to_string()];
        let e = ConferenceInput {
            conference_on: "2026-13-01".into(),
            invited: vec!["army".into()],
        }
        .validate(&known)
        .err()
        .map(|e| e.0.into_iter().map(|f| f.field).collect::<Vec<_>>());
        assert_eq!(e, Some(vec!["conference_on".into(), "invited".into()]));
        assert!(check_hearing(d("2026-12-01"), d("2026-12-02")).is_err());
        assert!(check_hearing(d("2026-12-02"), d("2026-12-02")).is_ok());
        let e = ActionInput {
            case: Some(uuid::Uuid::nil()),
            action: "上门核查".into(),
            ..Default::default()
        }
        .validate(&known, d("2026-12-02"))
        .err()
        .map(|e| {
            e.0.into_iter()
                .map(|f| (f.field, f.code))
                .collect::<Vec<_>>()
        });
        assert_eq!(
            e,
            Some(vec![
                ("department".into(), "required"),
                ("due_on".into(), "required")
            ])
        );
        let ok = ActionInput {
            case: Some(uuid::Uuid::nil()),
            department: "police".into(),
            action: "上门核查".into(),
            due_on: "2026-12-09".into(),
        }
        .validate(&known, d("2026-12-02"));
        assert_eq!(ok.map(|a| a.due_on), Ok(d("2026-12-09")));
    }
}
