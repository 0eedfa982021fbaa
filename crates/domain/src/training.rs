//! Training and legal education (培训、普法): sessions online or in person, with their day, place,
//! topic, trainer, hours, the members who attended (or a count of the public), the typical
//! cases used and the materials (files). Pure rules, no I/O.

use crate::typical::required_or_invalid;
use crate::volunteer::hours_tenths;
use crate::{Lang, ValidationErrors, screening};
use chrono::NaiveDate;

catalog!(
    /// What a session was.
    TrainingKind {
        Training = "training", "业务培训", "training";
        LegalEducation = "legal_education", "普法宣传", "legal education";
    }
);

catalog!(
    /// How it was held.
    Mode {
        InPerson = "in_person", "线下", "in person";
        Online = "online", "线上", "online";
    }
);

/// A session as entered.
#[derive(Debug, Clone, Default)]
pub struct TrainingInput {
    /// The federation holding it (a division code).
    pub place: String,
    pub kind: String,
    pub mode: String,
    pub held_on: String,
    /// Where (a hall, or the online platform).
    pub venue: String,
    pub topic: String,
    pub trainer: String,
    pub hours: String,
    /// Members who attended.
    pub members: Vec<uuid::Uuid>,
    /// Others who attended, counted.
    pub counted: String,
    /// Typical cases used.
    pub cases: Vec<uuid::Uuid>,
}

/// A session checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidTraining {
    pub place: String,
    pub kind: TrainingKind,
    pub mode: Mode,
    pub held_on: NaiveDate,
    pub venue: String,
    pub topic: String,
    pub trainer: String,
    pub hours_tenths: i64,
    pub members: Vec<uuid::Uuid>,
    pub counted: i64,
    pub cases: Vec<uuid::Uuid>,
}

fn text(e: &mut ValidationErrors, field: &str, s: &str, max: usize) -> String {
    let s = s.trim().to_string();
    if s.is_empty() {
        e.push(field, "required");
    } else if s.chars().count() > max {
        e.push(field, "too_long");
    }
    s
}

impl TrainingInput {
    /// Every field checked and each refused one named: a kind and a mode, a day (any day in the
    /// accepted range: a session may be planned), the venue, topic and trainer, hours from 0.1 to
    /// 24, somebody attending (members or a count up to 100,000).
    pub fn validate(&self) -> Result<ValidTraining, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let place = self.place.trim().to_string();
        if place.is_empty() {
            e.push("place", "required");
        }
        let kind = TrainingKind::parse(&self.kind);
        if kind.is_none() {
            e.push("kind", required_or_invalid(&self.kind));
        }
        let mode = Mode::parse(&self.mode);
        if mode.is_none() {
            e.push("mode", required_or_invalid(&self.mode));
        }
        let held_on = screening::date(&mut e, "held_on", &self.held_on);
        let venue = text(&mut e, "venue", &self.venue, 100);
        let topic = text(&mut e, "topic", &self.topic, 200);
        let trainer = text(&mut e, "trainer", &self.trainer, 100);
        let hours = hours_tenths(&mut e, "hours", &self.hours);
        let mut members = self.members.clone();
        members.sort();
        members.dedup();
        let mut cases = self.cases.clone();
        cases.sort();
        cases.dedup();
        let counted = match self.counted.trim() {
            "" => Some(0),
            c => match c.parse::<i64>() {
                Ok(n) if (0..=100_000).contains(&n) => Some(n),
                _ => {
                    e.push("counted", "invalid");
                    None
                }
            },
        };
        if counted == Some(0) && members.is_empty() {
            e.push("counted", "required");
        }
        e.into_result()?;
        match (kind, mode, held_on, hours, counted) {
            (Some(kind), Some(mode), Some(held_on), Some(hours_tenths), Some(counted)) => {
                Ok(ValidTraining {
                    place,
                    kind,
                    mode,
                    held_on,
                    venue,
                    topic,
                    trainer,
                    hours_tenths,
                    members,
                    counted,
                    cases,
                })
            }
            _ => {
                let mut e = ValidationErrors::new();
                e.push("body", "invalid");
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_names_each_bad_field() {
        let t = TrainingInput {
            place: "530181".into(),
            kind: "party".into(),
            mode: "online".into(),
            held_on: "2021-13-01".into(),
            venue: "线上".into(),
            topic: String::new(),
            trainer: "李律师".into(),
            hours: "30".into(),
            ..TrainingInput::default()
        };
        let e = t.validate().err().unwrap_or_default();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["kind", "held_on", "topic", "hours", "counted"]);
        let _ = Lang::Zh;
    }
}
