//! The "1+N+1+1" chain (一个牵头、N个成员单位、一个法院联动、一个跟踪回访): the model has no
//! published definition, so a county defines its own chains — named steps, each taken by a unit
//! (a department of the linkage or a federation below) within a number of days — and attaches a
//! dispute or a domestic-violence case to one. The steps follow one another: each one's clock
//! starts when the one before it is done. Pure rules, no I/O.

use crate::typical::required_or_invalid;
use crate::{Lang, ValidationErrors};

catalog!(
    /// What a step of a chain stands for in the model.
    StepRole {
        Lead = "lead", "牵头单位", "lead body";
        Member = "member", "成员单位", "member unit";
        Court = "court", "法院联动", "court link";
        Followup = "followup", "跟踪回访", "follow-up";
    }
);

catalog!(
    /// What a record attached to a chain is.
    Subject {
        Dispute = "dispute", "矛盾纠纷", "a dispute";
        Case = "case", "家暴个案", "a domestic-violence case";
    }
);

/// At most this many steps in a chain (one lead, members, a court link, a follow-up).
pub const MAX_STEPS: usize = 30;
/// The longest time limit of a step, in days.
pub const MAX_DAYS: i64 = 365;

/// A step as entered.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub role: String,
    pub name: String,
    /// A department's key or a federation's division code.
    pub unit: String,
    /// The time limit in days, more than 0.
    pub days: String,
}

/// A chain as entered.
#[derive(Debug, Clone, Default)]
pub struct ChainInput {
    /// The county (a division code) defining it.
    pub place: String,
    pub name: String,
    pub steps: Vec<StepInput>,
}

/// A step checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidStep {
    pub role: StepRole,
    pub name: String,
    pub unit: String,
    pub days: i64,
}

/// A chain checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidChain {
    pub place: String,
    pub name: String,
    pub steps: Vec<ValidStep>,
}

impl ChainInput {
    /// A place, a name (≤ 100), one step at least and at most [`MAX_STEPS`], each with a known
    /// role, a name (≤ 100), a unit and a time limit of 1 to [`MAX_DAYS`] days; a refused field of
    /// a step is named with its position (`steps[2].days`). Steps wholly empty (a form's spare
    /// rows) are left out.
    pub fn validate(&self) -> Result<ValidChain, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let place = self.place.trim().to_string();
        if place.is_empty() {
            e.push("place", "required");
        }
        let name = self.name.trim().to_string();
        if name.is_empty() {
            e.push("chain_name", "required");
        } else if name.chars().count() > 100 {
            e.push("chain_name", "too_long");
        }
        let given: Vec<&StepInput> = self
            .steps
            .iter()
            .filter(|s| {
                !(s.role.trim().is_empty()
                    && s.name.trim().is_empty()
                    && s.unit.trim().is_empty()
                    && s.days.trim().is_empty())
            })
            .collect();
        if given.is_empty() {
            e.push("steps", "required");
        } else if given.len() > MAX_STEPS {
            e.push("steps", "too_long");
        }
        let mut steps = Vec::new();
        for (i, s) in given.iter().enumerate() {
            let at = |f: &str| format!("steps[{i}].{f}");
            let role = StepRole::parse(&s.role);
            if role.is_none() {
                e.push(at("step_role"), required_or_invalid(&s.role));
            }
            let name = s.name.trim().to_string();
            if name.is_empty() {
                e.push(at("step_name"), "required");
            } else if name.chars().count() > 100 {
                e.push(at("step_name"), "too_long");
            }
            let unit = s.unit.trim().to_string();
            if unit.is_empty() {
                e.push(at("step_unit"), "required");
            }
            let days = match s.days.trim() {
                "" => {
                    e.push(at("limit_days"), "required");
                    None
                }
                d => match d.parse::<i64>() {
                    Ok(n) if n > 0 && n <= MAX_DAYS => Some(n),
                    Ok(_) => {
                        e.push(at("limit_days"), "chain.days");
                        None
                    }
                    Err(_) => {
                        e.push(at("limit_days"), "invalid");
                        None
                    }
                },
            };
            if let (Some(role), Some(days)) = (role, days) {
                steps.push(ValidStep {
                    role,
                    name,
                    unit,
                    days,
                });
            }
        }
        e.into_result()?;
        Ok(ValidChain { place, name, steps })
    }
}

/// A record to attach, as given: its kind and id.
pub fn attach_input(
    subject: &str,
    id: Option<uuid::Uuid>,
) -> Result<(Subject, uuid::Uuid), ValidationErrors> {
    let mut e = ValidationErrors::new();
    let kind = Subject::parse(subject);
    if kind.is_none() {
        e.push("subject_kind", required_or_invalid(subject));
    }
    if id.is_none() {
        e.push("subject", "required");
    }
    e.into_result()?;
    match (kind, id) {
        (Some(k), Some(id)) => Ok((k, id)),
        _ => {
            let mut e = ValidationErrors::new();
            e.push("subject", "required");
            Err(e)
        }
    }
}

/// The light of a step due at the end of `due` seen on `today`: done, red past it, yellow
/// within `yellow_days` of it, else green.
pub fn light(
    done: bool,
    due: chrono::NaiveDate,
    today: chrono::NaiveDate,
    yellow_days: i64,
) -> crate::supervision::Light {
    use crate::supervision::Light;
    if done {
        Light::Done
    } else if today > due {
        Light::Red
    } else if (due - today).num_days() <= yellow_days {
        Light::Yellow
    } else {
        Light::Green
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(role: &str, days: &str) -> StepInput {
        StepInput {
            role: role.into(),
            name: "受理".into(),
            unit: "court".into(),
            days: days.into(),
        }
    }

    #[test]
    fn a_chain_names_each_bad_field() {
        let c = ChainInput {
            place: "530181".into(),
            name: " ".into(),
            steps: vec![step("lead", "0"), step("judge", "-3"), step("court", "x")],
        };
        let e = c.validate().err().unwrap_or_default();
        let fields: Vec<(&str, &str)> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("chain_name", "required"),
                ("steps[0].limit_days", "chain.days"),
                ("steps[1].step_role", "invalid"),
                ("steps[1].limit_days", "chain.days"),
                ("steps[2].limit_days", "invalid"),
            ]
        );
    }

    #[test]
    fn a_chain_without_steps_is_refused() {
        let c = ChainInput {
            place: "530181".into(),
            name: "1+N+1+1".into(),
            steps: vec![StepInput::default()],
        };
        let e = c.validate().err().unwrap_or_default();
        assert_eq!(e.0.len(), 1);
        assert_eq!((e.0[0].field.as_str(), e.0[0].code), ("steps", "required"));
        let ok = ChainInput {
            steps: vec![step("lead", "5"), step("followup", "30")],
            ..c
        }
        .validate();
        assert_eq!(ok.map(|v| v.steps.len()).ok(), Some(2));
    }
}
