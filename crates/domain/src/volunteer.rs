//! Women volunteers (巾帼志愿者): who they are (name and phone kept sealed), where they serve and
//! what they can do; each service they give — at a family event, a training, for a woman in a
//! care registry, a dispute's follow-up — with its day and hours. Pure rules, no I/O.

use crate::typical::required_or_invalid;
use crate::{Lang, ValidationErrors, screening};
use chrono::NaiveDate;

catalog!(
    /// What a volunteer can do.
    Skill {
        Legal = "legal", "法律咨询", "legal advice";
        Psychology = "psychology", "心理疏导", "counselling";
        Medical = "medical", "医疗护理", "medical care";
        Education = "education", "家庭教育", "family education";
        Mediation = "mediation", "矛盾调解", "mediation";
        Care = "care", "关爱帮扶", "care and support";
        Other = "other", "其他", "other";
    }
);

catalog!(
    /// What a volunteer's service was for.
    ServiceFor {
        FamilyEvent = "family_event", "家庭活动", "a family event";
        Training = "training", "培训和普法", "a training or legal education session";
        CareEntry = "care_entry", "关爱服务", "a care service";
        Followup = "followup", "纠纷回访", "a dispute's follow-up";
    }
);

/// A volunteer as entered.
#[derive(Debug, Clone, Default)]
pub struct VolunteerInput {
    /// Where she serves (a division code).
    pub place: String,
    pub name: String,
    /// A mobile number, optional.
    pub phone: String,
    /// Skills' keys (or Chinese names).
    pub skills: Vec<String>,
}

/// A volunteer checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidVolunteer {
    pub place: String,
    pub name: String,
    pub phone: String,
    pub skills: Vec<Skill>,
}

impl VolunteerInput {
    /// A place, a name (≤ 50), a mobile number when one is given, at least one known skill.
    pub fn validate(&self) -> Result<ValidVolunteer, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let place = self.place.trim().to_string();
        if place.is_empty() {
            e.push("place", "required");
        }
        let name = self.name.trim().to_string();
        if name.is_empty() {
            e.push("name", "required");
        } else if name.chars().count() > 50 {
            e.push("name", "too_long");
        }
        let phone = match self.phone.trim() {
            "" => String::new(),
            p => match crate::phone::Mobile::parse(p) {
                Ok(m) => m.as_str().to_string(),
                Err(_) => {
                    e.push("phone", "invalid");
                    String::new()
                }
            },
        };
        let mut skills = Vec::new();
        for s in self
            .skills
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            match Skill::parse(s) {
                Some(k) if !skills.contains(&k) => skills.push(k),
                Some(_) => {}
                None => e.push("skills", "invalid"),
            }
        }
        if skills.is_empty() && e.0.iter().all(|f| f.field != "skills") {
            e.push("skills", "required");
        }
        e.into_result()?;
        skills.sort();
        Ok(ValidVolunteer {
            place,
            name,
            phone,
            skills,
        })
    }
}

/// The skills' keys as stored: `legal,care`.
pub fn join_skills(skills: &[Skill]) -> String {
    skills.iter().map(|s| s.key()).collect::<Vec<_>>().join(",")
}

/// Hours as entered (`2`, `1.5`): more than 0 and at most 24, in tenths of an hour.
pub fn hours_tenths(e: &mut ValidationErrors, field: &str, s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        e.push(field, "required");
        return None;
    }
    match s.parse::<f64>() {
        Ok(h) if h.is_finite() && h > 0.0 && h <= 24.0 => Some((h * 10.0).round() as i64),
        _ => {
            e.push(field, "invalid");
            None
        }
    }
}

/// A service a volunteer gave, as entered.
#[derive(Debug, Clone, Default)]
pub struct ServiceInput {
    pub service_for: String,
    /// The event, training, registry entry or dispute it was for.
    pub subject: Option<uuid::Uuid>,
    pub served_on: String,
    pub hours: String,
}

/// A service checked: what for, the record, the day (not in the future), tenths of an hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidService {
    pub service_for: ServiceFor,
    pub subject: uuid::Uuid,
    pub served_on: NaiveDate,
    pub hours_tenths: i64,
}

impl ServiceInput {
    pub fn validate(&self, today: NaiveDate) -> Result<ValidService, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let service_for = ServiceFor::parse(&self.service_for);
        if service_for.is_none() {
            e.push("service_for", required_or_invalid(&self.service_for));
        }
        if self.subject.is_none() {
            e.push("subject", "required");
        }
        let served_on = screening::date(&mut e, "served_on", &self.served_on);
        if served_on.is_some_and(|d| d > today) {
            e.push("served_on", "date.future");
        }
        let hours = hours_tenths(&mut e, "hours", &self.hours);
        e.into_result()?;
        match (service_for, self.subject, served_on, hours) {
            (Some(service_for), Some(subject), Some(served_on), Some(hours_tenths)) => {
                Ok(ValidService {
                    service_for,
                    subject,
                    served_on,
                    hours_tenths,
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

/// Tenths of an hour shown: `15` → `1.5`.
pub fn show_hours(tenths: i64) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_volunteer_names_each_bad_field() {
        let v = VolunteerInput {
            place: "530181001".into(),
            name: String::new(),
            phone: "12345".into(),
            skills: vec!["juggling".into()],
        };
        let e = v.validate().err().unwrap_or_default();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "phone", "skills"]);
    }

    #[test]
    fn hours_are_tenths_up_to_a_day() {
        let mut e = ValidationErrors::new();
        assert_eq!(hours_tenths(&mut e, "hours", "1.5"), Some(15));
        assert_eq!(hours_tenths(&mut e, "hours", "25"), None);
        assert_eq!(hours_tenths(&mut e, "hours", "0"), None);
        assert_eq!(show_hours(15), "1.5");
    }
}
