//! Screening campaigns (排查): the checklist items a visit looks at, the risk rubric, and the rules a
//! campaign and a visit obey.

use crate::error::ValidationErrors;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU32, Ordering};

pub const CAMPAIGN_NAME_MAX_CHARS: usize = 100;
pub const NOTE_MAX_CHARS: usize = 1000;

/// Risk of marriage and family conflict, graded by colour in Yunnan's practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// 无
    None,
    /// 低（蓝）
    Low,
    /// 中（黄）
    Medium,
    /// 高（红）
    High,
}

kind!(Risk);

impl Risk {
    pub const ALL: [Risk; 4] = [Risk::None, Risk::Low, Risk::Medium, Risk::High];

    pub fn key(self) -> &'static str {
        match self {
            Risk::None => "none",
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Risk> {
        match s.trim() {
            "none" | "无" => Some(Risk::None),
            "low" | "blue" | "低" | "蓝" => Some(Risk::Low),
            "medium" | "yellow" | "中" | "黄" => Some(Risk::Medium),
            "high" | "red" | "高" | "红" => Some(Risk::High),
            _ => None,
        }
    }

    /// Medium and high risk open a dispute for mediation.
    pub fn opens_dispute(self) -> bool {
        matches!(self, Risk::Medium | Risk::High)
    }

    /// The colour of the rubric, as a CSS class and a word.
    pub fn colour(self) -> &'static str {
        match self {
            Risk::None => "none",
            Risk::Low => "blue",
            Risk::Medium => "yellow",
            Risk::High => "red",
        }
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        match self {
            Risk::None => lang.pick("无风险", "no risk"),
            Risk::Low => lang.pick("低风险（蓝）", "low (blue)"),
            Risk::Medium => lang.pick("中风险（黄）", "medium (yellow)"),
            Risk::High => lang.pick("高风险（红）", "high (red)"),
        }
    }
}

/// The items a campaign's checklist may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    MaritalConflict,
    ViolenceSigns,
    Property,
    ElderSupport,
    ChildCustody,
    Neighbours,
    Other,
}

impl Item {
    pub const ALL: [Item; 7] = [
        Item::MaritalConflict,
        Item::ViolenceSigns,
        Item::Property,
        Item::ElderSupport,
        Item::ChildCustody,
        Item::Neighbours,
        Item::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Item::MaritalConflict => "marital_conflict",
            Item::ViolenceSigns => "violence_signs",
            Item::Property => "property",
            Item::ElderSupport => "elder_support",
            Item::ChildCustody => "child_custody",
            Item::Neighbours => "neighbours",
            Item::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Item> {
        Self::ALL.into_iter().find(|i| i.key() == s.trim())
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        match self {
            Item::MaritalConflict => lang.pick("婚姻矛盾", "marital conflict"),
            Item::ViolenceSigns => lang.pick("家庭暴力迹象", "signs of violence"),
            Item::Property => lang.pick("财产纠纷", "property dispute"),
            Item::ElderSupport => lang.pick("赡养老人", "support of elders"),
            Item::ChildCustody => lang.pick("子女抚养", "custody of children"),
            Item::Neighbours => lang.pick("邻里纠纷", "neighbours"),
            Item::Other => lang.pick("其他", "other"),
        }
    }

    /// A checklist as stored: item keys separated by commas.
    pub fn join(items: &[Item]) -> String {
        items.iter().map(|i| i.key()).collect::<Vec<_>>().join(",")
    }

    /// The stored form back; unknown keys are skipped.
    pub fn split(s: &str) -> Vec<Item> {
        s.split(',').filter_map(Item::parse).collect()
    }
}

/// A new campaign as entered.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CampaignInput {
    pub name: String,
    /// The place whose households are screened (its whole subtree).
    pub place: String,
    pub starts_on: String,
    pub ends_on: String,
    /// Checklist item keys.
    pub checklist: Vec<String>,
}

/// A campaign input that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCampaign {
    pub name: String,
    pub place: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub checklist: Vec<Item>,
}

/// The earliest date accepted anywhere: nothing the federation records happened before it.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Years ahead of today of the latest date accepted anywhere (a deadline or a validity far ahead
/// is a typing mistake); set once at start from the configuration (`date_horizon_years`).
static HORIZON_YEARS: AtomicU32 = AtomicU32::new(DEFAULT_HORIZON_YEARS);

/// The horizon when the configuration sets none.
pub const DEFAULT_HORIZON_YEARS: u32 = 10;

/// Sets how many years ahead of today dates are accepted.
pub fn set_horizon_years(years: u32) {
    HORIZON_YEARS.store(years, Ordering::Relaxed);
}

/// The latest date accepted anywhere: today in China (UTC+8) and the configured years ahead.
pub fn latest() -> NaiveDate {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let months = HORIZON_YEARS.load(Ordering::Relaxed).saturating_mul(12);
    today
        .checked_add_months(chrono::Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// A date given by a user, as `YYYY-MM-DD`, between [`EARLIEST`] and [`latest`]; else the field
/// is refused (`required`, `date.format` or `date.range`). Every date accepted from users goes
/// through here (or [`in_range`] when it arrives already parsed).
pub fn date(errors: &mut ValidationErrors, field: &str, s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        errors.push(field, "required");
        return None;
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => in_range(errors, field, d),
        Err(_) => {
            errors.push(field, "date.format");
            None
        }
    }
}

/// `d` when it lies between [`EARLIEST`] and [`latest`]; else the field is refused (`date.range`).
pub fn in_range(errors: &mut ValidationErrors, field: &str, d: NaiveDate) -> Option<NaiveDate> {
    if (EARLIEST..=latest()).contains(&d) {
        Some(d)
    } else {
        errors.push(field, "date.range");
        None
    }
}

impl CampaignInput {
    pub fn validate(&self) -> Result<ValidCampaign, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = self.name.trim();
        if name.is_empty() {
            e.push("campaign_name", "required");
        } else if name.chars().count() > CAMPAIGN_NAME_MAX_CHARS {
            e.push("campaign_name", "too_long");
        }
        if self.place.trim().is_empty() {
            e.push("place", "required");
        }
        let starts = date(&mut e, "starts_on", &self.starts_on);
        let ends = date(&mut e, "ends_on", &self.ends_on);
        if let (Some(s), Some(t)) = (starts, ends)
            && t < s
        {
            e.push("ends_on", "ends_on.before_start");
        }
        let mut checklist = Vec::new();
        for k in &self.checklist {
            match Item::parse(k) {
                Some(i) if !checklist.contains(&i) => checklist.push(i),
                Some(_) => {}
                None => {
                    e.push("checklist", "checklist.unknown");
                    break;
                }
            }
        }
        if self.checklist.is_empty() {
            e.push("checklist", "required");
        }
        e.into_result()?;
        Ok(ValidCampaign {
            name: name.to_string(),
            place: self.place.trim().to_string(),
            starts_on: starts.unwrap_or_default(),
            ends_on: ends.unwrap_or_default(),
            checklist,
        })
    }
}

/// A visit as entered on the phone.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct VisitInput {
    pub visited_on: String,
    /// Checklist item keys found present.
    #[serde(default)]
    pub findings: Vec<String>,
    pub risk: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub followup: bool,
    /// Made by the form when it is first shown: a retried submit carries the same key and is not
    /// recorded twice.
    pub request_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidVisit {
    pub visited_on: NaiveDate,
    pub findings: Vec<Item>,
    pub risk: Risk,
    pub note: Option<String>,
    pub followup: bool,
    pub request_key: String,
}

/// A request key: 16 to 64 letters, digits, `-` or `_`.
pub fn valid_request_key(s: &str) -> bool {
    (16..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl VisitInput {
    /// Checks the visit against its campaign: the date lies in the campaign's period and not after
    /// `today`, the findings are items of the checklist.
    pub fn validate(
        &self,
        checklist: &[Item],
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<ValidVisit, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let visited_on = date(&mut e, "visited_on", &self.visited_on);
        if let Some(d) = visited_on {
            if d > today {
                e.push("visited_on", "date.future");
            } else if d < starts_on || d > ends_on {
                e.push("visited_on", "visited_on.outside_campaign");
            }
        }
        let mut findings = Vec::new();
        for k in &self.findings {
            match Item::parse(k) {
                Some(i) if checklist.contains(&i) => {
                    if !findings.contains(&i) {
                        findings.push(i)
                    }
                }
                _ => {
                    e.push("findings", "checklist.unknown");
                    break;
                }
            }
        }
        let risk = if self.risk.trim().is_empty() {
            e.push("risk", "required");
            None
        } else {
            let r = Risk::parse(&self.risk);
            if r.is_none() {
                e.push("risk", "risk.unknown");
            }
            r
        };
        let note = self.note.trim();
        if note.chars().count() > NOTE_MAX_CHARS {
            e.push("note", "too_long");
        }
        if !valid_request_key(&self.request_key) {
            e.push("request_key", "invalid");
        }
        e.into_result()?;
        Ok(ValidVisit {
            visited_on: visited_on.unwrap_or_default(),
            findings,
            risk: risk.unwrap_or(Risk::None),
            note: (!note.is_empty()).then(|| note.to_string()),
            followup: self.followup,
            request_key: self.request_key.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn campaign_rules() {
        let ok = CampaignInput {
            name: " 2021年排查 ".into(),
            place: "530181".into(),
            starts_on: "2021-03-01".into(),
            ends_on: "2021-11-30".into(),
            checklist: vec!["marital_conflict".into(), "violence_signs".into()],
        };
        let v = ok.validate().map_err(|e| e.0).unwrap_or_else(|e| {
            unreachable!("{e:?}");
        });
        assert_eq!(v.name, "2021年排查");
        assert_eq!(
            v.checklist,
            vec![Item::MaritalConflict, Item::ViolenceSigns]
        );
        let bad = CampaignInput {
            ends_on: "2021-01-01".into(),
            checklist: vec!["gossip".into()],
            name: String::new(),
            ..ok.clone()
        };
        let fields: Vec<_> = bad
            .validate()
            .err()
            .map(|e| e.0.into_iter().map(|f| (f.field, f.code)).collect())
            .unwrap_or_default();
        assert_eq!(
            fields,
            vec![
                ("campaign_name".to_string(), "required"),
                ("ends_on".to_string(), "ends_on.before_start"),
                ("checklist".to_string(), "checklist.unknown"),
            ]
        );
    }

    #[test]
    fn visit_rules() {
        let list = [Item::MaritalConflict, Item::ViolenceSigns];
        let v = VisitInput {
            visited_on: "2021-05-02".into(),
            findings: vec!["marital_conflict".into()],
            risk: "黄".into(),
            note: "  ".into(),
            followup: true,
            request_key: "0123456789abcdef".into(),
        };
        let ok = v.validate(&list, d("2021-03-01"), d("2021-11-30"), d("2021-06-01"));
        assert_eq!(ok.as_ref().map(|v| v.risk), Ok(Risk::Medium));
        assert_eq!(ok.map(|v| v.note), Ok(None));
        let codes = |v: &VisitInput, today: &str| -> Vec<&'static str> {
            v.validate(&list, d("2021-03-01"), d("2021-11-30"), d(today))
                .err()
                .map(|e| e.0.into_iter().map(|f| f.code).collect())
                .unwrap_or_default()
        };
        assert_eq!(codes(&v, "2021-05-01"), vec!["date.future"]);
        let early = VisitInput {
            visited_on: "2021-02-28".into(),
            findings: vec!["property".into()],
            risk: "purple".into(),
            request_key: "short".into(),
            ..v.clone()
        };
        assert_eq!(
            codes(&early, "2021-06-01"),
            vec![
                "visited_on.outside_campaign",
                "checklist.unknown",
                "risk.unknown",
                "invalid"
            ]
        );
    }

    #[test]
    fn rubric() {
        assert!(Risk::Medium.opens_dispute() && Risk::High.opens_dispute());
        assert!(!Risk::Low.opens_dispute() && !Risk::None.opens_dispute());
        for r in Risk::ALL {
            assert_eq!(Risk::parse(r.key()), Some(r));
        }
        assert_eq!(Item::split(&Item::join(&Item::ALL)), Item::ALL.to_vec());
    }
}
