//! Members serving a federation and the rules a new member obeys.

use crate::error::ValidationErrors;
use crate::phone::Mobile;
use crate::place::PlaceLevel;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A member's post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// 执委: serves a federation (city or county, subdistrict, village or community).
    Executive,
    /// 妇女代表: serves a resident group and visits its households.
    Representative,
    /// 家事调解员
    Mediator,
    /// 巾帼志愿者
    Volunteer,
}

kind!(MemberRole);

impl MemberRole {
    pub const ALL: [MemberRole; 4] = [
        MemberRole::Executive,
        MemberRole::Representative,
        MemberRole::Mediator,
        MemberRole::Volunteer,
    ];

    pub fn key(self) -> &'static str {
        match self {
            MemberRole::Executive => "executive",
            MemberRole::Representative => "representative",
            MemberRole::Mediator => "mediator",
            MemberRole::Volunteer => "volunteer",
        }
    }

    pub fn parse(s: &str) -> Option<MemberRole> {
        match s.trim() {
            "执委" => Some(MemberRole::Executive),
            "妇女代表" => Some(MemberRole::Representative),
            "调解员" | "家事调解员" => Some(MemberRole::Mediator),
            "志愿者" | "巾帼志愿者" => Some(MemberRole::Volunteer),
            k => Self::ALL.into_iter().find(|r| r.key() == k),
        }
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        match self {
            MemberRole::Executive => lang.pick("执委", "executive member"),
            MemberRole::Representative => lang.pick("妇女代表", "women's representative"),
            MemberRole::Mediator => lang.pick("家事调解员", "family mediator"),
            MemberRole::Volunteer => lang.pick("巾帼志愿者", "volunteer"),
        }
    }

    /// Where a member of this post serves: representatives in a resident group, the others with
    /// a federation (city or county, subdistrict, village or community).
    pub fn serves_at(self, level: PlaceLevel) -> bool {
        match self {
            MemberRole::Representative => level == PlaceLevel::Group,
            _ => (PlaceLevel::County..=PlaceLevel::Village).contains(&level),
        }
    }
}

/// A new member as entered.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MemberInput {
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub phone: String,
    /// Start of the term, YYYY-MM-DD.
    pub started_on: String,
    /// Planned end of the term, YYYY-MM-DD (optional).
    #[serde(default)]
    pub term_ends_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMember {
    pub name: String,
    pub role: MemberRole,
    pub phone: Option<Mobile>,
    pub started_on: NaiveDate,
    pub term_ends_on: Option<NaiveDate>,
}

fn date(e: &mut ValidationErrors, field: &str, s: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => crate::screening::in_range(e, field, d),
        Err(_) => {
            e.push(field, "date.format");
            None
        }
    }
}

impl MemberInput {
    pub fn validate(&self, today: NaiveDate) -> Result<ValidMember, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = self.name.trim();
        if name.is_empty() {
            e.push("name", "required");
        } else if name.chars().count() > crate::person::NAME_MAX_CHARS {
            e.push("name", "too_long");
        }
        let role = MemberRole::parse(&self.role);
        if role.is_none() {
            e.push(
                "role",
                if self.role.trim().is_empty() {
                    "required"
                } else {
                    "member_role.unknown"
                },
            );
        }
        let phone = if self.phone.trim().is_empty() {
            None
        } else {
            e.check(Mobile::parse(&self.phone))
        };
        let started_on = if self.started_on.trim().is_empty() {
            e.push("started_on", "required");
            None
        } else {
            date(&mut e, "started_on", &self.started_on)
        };
        if started_on.is_some_and(|d| d > today) {
            e.push("started_on", "date.future");
        }
        let term_ends_on = if self.term_ends_on.trim().is_empty() {
            None
        } else {
            date(&mut e, "term_ends_on", &self.term_ends_on)
        };
        if let (Some(s), Some(t)) = (started_on, term_ends_on)
            && t < s
        {
            e.push("term_ends_on", "ends_on.before_start");
        }
        e.into_result()?;
        Ok(ValidMember {
            name: name.to_string(),
            role: role.unwrap_or(MemberRole::Volunteer),
            phone,
            started_on: started_on.unwrap_or(today),
            term_ends_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_rules() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default();
        let ok = MemberInput {
            name: "李梅".into(),
            role: "妇女代表".into(),
            phone: "13812345678".into(),
            started_on: "2026-01-01".into(),
            term_ends_on: "2030-12-31".into(),
        };
        assert_eq!(
            ok.validate(today).map(|m| m.role),
            Ok(MemberRole::Representative)
        );
        let bad = MemberInput {
            name: String::new(),
            role: "chair".into(),
            phone: "123".into(),
            started_on: "2027-01-01".into(),
            term_ends_on: "2026-01-01".into(),
        };
        let codes: Vec<_> = bad
            .validate(today)
            .err()
            .map(|e| e.0.into_iter().map(|f| (f.field, f.code)).collect())
            .unwrap_or_default();
        assert_eq!(
            codes,
            vec![
                ("name".to_string(), "required"),
                ("role".to_string(), "member_role.unknown"),
                ("phone".to_string(), "phone.format"),
                ("started_on".to_string(), "date.future"),
                ("term_ends_on".to_string(), "ends_on.before_start"),
            ]
        );
        assert!(MemberRole::Representative.serves_at(PlaceLevel::Group));
        assert!(!MemberRole::Representative.serves_at(PlaceLevel::Village));
        assert!(MemberRole::Executive.serves_at(PlaceLevel::Township));
        assert!(!MemberRole::Executive.serves_at(PlaceLevel::Group));
    }
}
