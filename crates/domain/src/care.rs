//! Care (关爱): registries of people in difficulty built by door-to-door survey, each entry's
//! life cycle (proposed → verified → active → left, with a reason) and review date, and the
//! services delivered to registered people (health checks, the medical green channel, visits and
//! relief, legal aid).

use crate::Lang;
use crate::error::{FieldError, ValidationErrors};
use chrono::NaiveDate;

/// The registries a county starts with: (key, Chinese name, English name, months between reviews).
pub const REGISTRIES: [(&str, &str, &str, i64); 6] = [
    (
        "mothers_in_difficulty",
        "困难母亲",
        "mothers in difficulty",
        12,
    ),
    (
        "bereaved_mothers",
        "失独母亲",
        "mothers who lost their only child",
        12,
    ),
    ("left_behind_women", "留守妇女", "left-behind women", 12),
    ("migrant_women", "流动妇女", "migrant women", 12),
    (
        "children_in_difficulty",
        "困境儿童",
        "children in difficulty",
        6,
    ),
    (
        "sanitation_workers",
        "环卫女工",
        "women sanitation workers",
        12,
    ),
];

/// Longest text kept (criteria, evidence, a result, a note), in characters.
pub const TEXT_MAX_CHARS: usize = 2000;
/// The largest relief in cash recorded at once, in yuan.
pub const MAX_AMOUNT_YUAN: i64 = 1_000_000;

catalog!(
    /// Where an entry stands.
    EntryStatus {
        Proposed = "proposed", "待核实", "proposed";
        Verified = "verified", "已核实", "verified";
        Active = "active", "在册", "active";
        Left = "left", "已退出", "left";
    }
);

catalog!(
    /// A step of an entry's life.
    EntryStep {
        Verify = "verify", "核实", "verify";
        Activate = "activate", "纳入", "activate";
        Review = "review", "复核", "review";
        Leave = "leave", "退出", "leave";
    }
);

/// The status an entry moves to, if the step is allowed where it stands.
pub fn after(status: EntryStatus, step: EntryStep) -> Option<EntryStatus> {
    use EntryStatus as S;
    use EntryStep as T;
    match (status, step) {
        (S::Proposed, T::Verify) => Some(S::Verified),
        (S::Verified, T::Activate) => Some(S::Active),
        (S::Active, T::Review) => Some(S::Active),
        (S::Proposed | S::Verified | S::Active, T::Leave) => Some(S::Left),
        _ => None,
    }
}

/// Whether an entry's review is due on `today`.
pub fn review_due(status: EntryStatus, next_review_on: NaiveDate, today: NaiveDate) -> bool {
    status != EntryStatus::Left && next_review_on <= today
}

catalog!(
    /// What was delivered.
    ServiceKind {
        HealthCheck = "health_check", "健康体检", "health check";
        GreenChannel = "green_channel", "就医绿色通道", "medical green channel";
        Relief = "relief", "走访慰问", "visit and relief";
        LegalAid = "legal_aid", "法律援助", "legal aid";
    }
);

fn text(e: &mut ValidationErrors, field: &str, s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() > max {
        e.push(field, "too_long");
    }
    s.to_string()
}

fn date(e: &mut ValidationErrors, field: &str, s: &str) -> Option<NaiveDate> {
    crate::screening::date(e, field, s)
}

pub use crate::period::Period;

/// A registry a county adds to the six it starts with.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RegistryInput {
    #[serde(default)]
    pub name_zh: String,
    /// Empty: the Chinese name.
    #[serde(default)]
    pub name_en: String,
    /// Months between two reviews of an entry (1 to 60).
    #[serde(default)]
    pub review_months: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidRegistry {
    pub name_zh: String,
    pub name_en: String,
    pub review_months: i64,
}

impl RegistryInput {
    pub fn validate(&self) -> Result<ValidRegistry, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name_zh = text(&mut e, "name_zh", &self.name_zh, 20);
        if name_zh.is_empty() {
            e.push("name_zh", "required");
        }
        let mut name_en = text(&mut e, "name_en", &self.name_en, 60);
        if name_en.is_empty() {
            name_en = name_zh.clone();
        }
        if !(1..=60).contains(&self.review_months) {
            e.push("review_months", "out_of_range");
        }
        e.into_result()?;
        Ok(ValidRegistry {
            name_zh,
            name_en,
            review_months: self.review_months,
        })
    }
}

/// The key of a registry a county adds: its English name in lower case with `_` between words
/// (`women_farmers`), or empty when that leaves nothing.
pub fn registry_key(name_en: &str) -> String {
    let mut key = String::new();
    for word in name_en
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !key.is_empty() {
            key.push('_');
        }
        key.push_str(&word.to_ascii_lowercase());
    }
    key.truncate(40);
    if key.starts_with(|c: char| c.is_ascii_digit()) {
        key.insert_str(0, "r_");
    }
    key.trim_end_matches('_').to_string()
}

/// An entry as proposed after a survey.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EntryInput {
    #[serde(default)]
    pub person_id: Option<uuid::Uuid>,
    /// The registry's key.
    #[serde(default)]
    pub registry: String,
    /// The criteria met (低保、重病、单亲 …).
    #[serde(default)]
    pub criteria: String,
    /// What proves them (a certificate's number, a survey's record).
    #[serde(default)]
    pub evidence: String,
    /// Who surveyed.
    #[serde(default)]
    pub surveyed_by: String,
    #[serde(default)]
    pub next_review_on: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidEntry {
    pub person_id: uuid::Uuid,
    pub registry: String,
    pub criteria: String,
    pub evidence: String,
    pub surveyed_by: String,
    pub next_review_on: NaiveDate,
}

impl EntryInput {
    pub fn validate(&self, today: NaiveDate) -> Result<ValidEntry, ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.person_id.is_none() {
            e.push("person_id", "required");
        }
        let registry = self.registry.trim().to_string();
        if registry.is_empty() {
            e.push("registry", "required");
        }
        let criteria = text(&mut e, "criteria", &self.criteria, 500);
        if criteria.is_empty() {
            e.push("criteria", "required");
        }
        let evidence = text(&mut e, "evidence", &self.evidence, TEXT_MAX_CHARS);
        let surveyed_by = text(&mut e, "surveyed_by", &self.surveyed_by, 50);
        if surveyed_by.is_empty() {
            e.push("surveyed_by", "required");
        }
        let next_review_on = date(&mut e, "next_review_on", &self.next_review_on);
        if next_review_on.is_some_and(|d| d < today) {
            e.push("next_review_on", "entry.review_before_entry");
        }
        e.into_result()?;
        match (self.person_id, next_review_on) {
            (Some(person_id), Some(next_review_on)) => Ok(ValidEntry {
                person_id,
                registry,
                criteria,
                evidence,
                surveyed_by,
                next_review_on,
            }),
            _ => Err(ValidationErrors::new()),
        }
    }
}

/// A service as recorded, for one person or many (a health-check day).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ServiceInput {
    #[serde(default)]
    pub kind: String,
    /// The registry the people are served as members of.
    #[serde(default)]
    pub registry: String,
    #[serde(default)]
    pub on: String,
    /// Green channel: the hospital.
    #[serde(default)]
    pub hospital: String,
    /// Green channel: open until.
    #[serde(default)]
    pub valid_until: String,
    /// Relief: the goods given.
    #[serde(default)]
    pub goods: String,
    /// Relief: cash in yuan (`200`, `150.50`).
    #[serde(default)]
    pub amount: String,
    /// Relief: who visited.
    #[serde(default)]
    pub visited_by: String,
    /// Health check: the result (sensitive, sealed).
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidService {
    pub kind: ServiceKind,
    pub registry: String,
    pub on: NaiveDate,
    pub hospital: String,
    pub valid_until: Option<NaiveDate>,
    pub goods: String,
    pub amount_cents: Option<i64>,
    pub visited_by: String,
    pub result: String,
    pub note: String,
}

/// Yuan as written (`200`, `150.5`, `150.50`) in cents; none for a malformed or negative amount.
pub fn cents(s: &str) -> Result<Option<i64>, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.starts_with('-') {
        return Err("amount.negative");
    }
    let (yuan, fen) = s.split_once('.').unwrap_or((s, ""));
    if yuan.is_empty()
        || !yuan.chars().all(|c| c.is_ascii_digit())
        || fen.len() > 2
        || !fen.chars().all(|c| c.is_ascii_digit())
    {
        return Err("invalid");
    }
    let y: i64 = yuan.parse().map_err(|_| "invalid")?;
    if y > MAX_AMOUNT_YUAN {
        return Err("out_of_range");
    }
    let f: i64 = format!("{fen:0<2}").parse().map_err(|_| "invalid")?;
    Ok(Some(y * 100 + f))
}

impl ServiceInput {
    pub fn validate(&self, today: NaiveDate) -> Result<ValidService, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = ServiceKind::parse(&self.kind);
        if kind.is_none() {
            e.push(
                "kind",
                if self.kind.trim().is_empty() {
                    "required"
                } else {
                    "invalid"
                },
            );
        }
        let registry = self.registry.trim().to_string();
        if registry.is_empty() {
            e.push("registry", "required");
        }
        let on = date(&mut e, "on", &self.on);
        if on.is_some_and(|d| d > today) {
            e.push("on", "date.future");
        }
        let hospital = text(&mut e, "hospital", &self.hospital, 100);
        let valid_until = match self.valid_until.trim() {
            "" => None,
            v => date(&mut e, "valid_until", v),
        };
        let goods = text(&mut e, "goods", &self.goods, 200);
        let amount_cents = match cents(&self.amount) {
            Ok(c) => c,
            Err(code) => {
                e.push("amount", code);
                None
            }
        };
        let visited_by = text(&mut e, "visited_by", &self.visited_by, 50);
        let result = text(&mut e, "result", &self.result, TEXT_MAX_CHARS);
        let note = text(&mut e, "note", &self.note, TEXT_MAX_CHARS);
        match kind {
            Some(ServiceKind::GreenChannel) => {
                if hospital.is_empty() {
                    e.push("hospital", "required");
                }
                match (on, valid_until) {
                    (_, None) if !e.0.iter().any(|f| f.field == "valid_until") => {
                        e.push("valid_until", "required")
                    }
                    (Some(on), Some(u)) if u < on => e.push("valid_until", "service.until_before"),
                    _ => {}
                }
            }
            Some(ServiceKind::Relief) => {
                if goods.is_empty()
                    && amount_cents.is_none()
                    && !e.0.iter().any(|f| f.field == "amount")
                {
                    e.push("amount", "service.relief_empty");
                }
                if visited_by.is_empty() {
                    e.push("visited_by", "required");
                }
            }
            _ => {}
        }
        e.into_result()?;
        match (kind, on) {
            (Some(kind), Some(on)) => Ok(ValidService {
                kind,
                registry,
                on,
                hospital,
                valid_until,
                goods,
                amount_cents,
                visited_by,
                result,
                note,
            }),
            _ => Err(ValidationErrors::new()),
        }
    }
}

/// Refuses a reason that is empty or too long (leaving a registry).
pub fn reason(s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    if s.chars().count() < 2 {
        return Err(FieldError::new("reason", "required"));
    }
    if s.chars().count() > 500 {
        return Err(FieldError::new("reason", "too_long"));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn registries_added_are_checked_and_keyed() {
        assert_eq!(registry_key("Women farmers"), "women_farmers");
        assert_eq!(
            registry_key("  3rd-child  families "),
            "r_3rd_child_families"
        );
        assert_eq!(registry_key("农村妇女"), "");
        let v = RegistryInput {
            name_zh: "农村留守老人".into(),
            name_en: String::new(),
            review_months: 6,
        }
        .validate()
        .unwrap();
        assert_eq!((v.name_en.as_str(), v.review_months), ("农村留守老人", 6));
        let e = RegistryInput {
            review_months: 0,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        let codes: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            codes,
            vec![("name_zh", "required"), ("review_months", "out_of_range")]
        );
    }

    #[test]
    fn an_entry_goes_forward_and_leaves_with_a_reason() {
        use EntryStatus as S;
        use EntryStep as T;
        assert_eq!(after(S::Proposed, T::Verify), Some(S::Verified));
        assert_eq!(after(S::Verified, T::Activate), Some(S::Active));
        assert_eq!(after(S::Proposed, T::Activate), None, "verified first");
        assert_eq!(after(S::Active, T::Leave), Some(S::Left));
        assert_eq!(after(S::Left, T::Verify), None);
        assert_eq!(after(S::Left, T::Leave), None);
        assert!(reason(" ").is_err());
        assert!(review_due(S::Active, d("2026-03-01"), d("2026-03-01")));
        assert!(!review_due(S::Left, d("2026-03-01"), d("2026-04-01")));
        assert!(!review_due(S::Active, d("2026-03-02"), d("2026-03-01")));
    }

    #[test]
    fn entries_and_services_are_checked() {
        let today = d("2026-03-01");
        let e = EntryInput {
            next_review_on: "2026-02-28".into(),
            ..Default::default()
        }
        .validate(today)
        .err()
        .unwrap_or_default();
        let fields: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        for want in [
            ("person_id", "required"),
            ("registry", "required"),
            ("criteria", "required"),
            ("surveyed_by", "required"),
            ("next_review_on", "entry.review_before_entry"),
        ] {
            assert!(fields.contains(&want), "{want:?} in {fields:?}");
        }
        assert_eq!(cents("200"), Ok(Some(20_000)));
        assert_eq!(cents("150.5"), Ok(Some(15_050)));
        assert_eq!(cents("-1"), Err("amount.negative"));
        assert_eq!(cents("1.234"), Err("invalid"));
        let relief = ServiceInput {
            kind: "relief".into(),
            registry: "mothers_in_difficulty".into(),
            on: "2026-03-01".into(),
            amount: "-50".into(),
            ..Default::default()
        }
        .validate(today)
        .err()
        .unwrap_or_default();
        let fields: Vec<_> = relief
            .0
            .iter()
            .map(|f| (f.field.as_str(), f.code))
            .collect();
        assert!(
            fields.contains(&("amount", "amount.negative")),
            "{fields:?}"
        );
        assert!(fields.contains(&("visited_by", "required")), "{fields:?}");
        let green = ServiceInput {
            kind: "green_channel".into(),
            registry: "bereaved_mothers".into(),
            on: "2026-03-01".into(),
            hospital: "安宁市人民医院".into(),
            valid_until: "2026-02-01".into(),
            ..Default::default()
        }
        .validate(today)
        .err()
        .unwrap_or_default();
        assert_eq!(green.0[0].code, "service.until_before");
    }
}

/// Checks a unified social credit code (GB 32100-2015): 18 characters of
/// `0-9A-HJ-NPQRTUWXY`, the last a check character over the first 17 (weights 3^i mod 31).
pub fn credit_code(s: &str) -> Result<String, FieldError> {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let code: String = s.trim().to_ascii_uppercase();
    if code.chars().count() != 18 {
        return Err(FieldError::new("credit_code", "credit_code.length"));
    }
    let values: Option<Vec<u32>> = code
        .chars()
        .map(|c| CHARS.find(c).map(|i| i as u32))
        .collect();
    let Some(values) = values else {
        return Err(FieldError::new("credit_code", "credit_code.characters"));
    };
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    if values.get(17) == Some(&check) {
        Ok(code)
    } else {
        Err(FieldError::new("credit_code", "credit_code.checksum"))
    }
}

catalog!(
    /// Where a micro-wish stands.
    WishStatus {
        Proposed = "proposed", "待审核", "proposed";
        Published = "published", "待认领", "waiting for a donor";
        Claimed = "claimed", "已认领", "claimed";
        Fulfilled = "fulfilled", "已实现", "fulfilled";
        Confirmed = "confirmed", "已确认", "confirmed";
        Withdrawn = "withdrawn", "已撤回", "withdrawn";
    }
);

catalog!(
    /// A step of a wish, by the federation.
    WishStep {
        Approve = "approve", "审核发布", "approve and publish";
        Fulfil = "fulfil", "已实现", "fulfilled";
        Confirm = "confirm", "确认", "confirm";
        Withdraw = "withdraw", "撤回", "withdraw";
    }
);

/// The status a wish moves to, if the step is allowed where it stands.
pub fn wish_after(status: WishStatus, step: WishStep) -> Option<WishStatus> {
    use WishStatus as S;
    use WishStep as T;
    match (status, step) {
        (S::Proposed, T::Approve) => Some(S::Published),
        (S::Claimed, T::Fulfil) => Some(S::Fulfilled),
        (S::Fulfilled, T::Confirm) => Some(S::Confirmed),
        (S::Proposed | S::Published, T::Withdraw) => Some(S::Withdrawn),
        _ => None,
    }
}

/// Days a donor has to fulfil a wish she claimed, unless configured otherwise.
pub const CLAIM_DAYS: i64 = 30;

/// A child's wish as her representative proposes it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct WishInput {
    #[serde(default)]
    pub person_id: Option<uuid::Uuid>,
    /// The wish, as the public page shows it ("一套课外书"): no name, no address.
    #[serde(default)]
    pub wish: String,
    /// The guardian agreed (required) …
    #[serde(default)]
    pub guardian_consent: bool,
    /// … named …
    #[serde(default)]
    pub guardian_name: String,
    /// … with her relationship to the child: recorded as the consent to publish.
    #[serde(default)]
    pub guardian_relationship: String,
}

/// A wish as checked: the child, the wish, and who consented to its publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidWish {
    pub person_id: uuid::Uuid,
    pub wish: String,
    pub guardian_name: String,
    pub guardian_relationship: String,
}

impl WishInput {
    pub fn validate(&self) -> Result<ValidWish, ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.person_id.is_none() {
            e.push("person_id", "required");
        }
        let wish = text(&mut e, "wish", &self.wish, 50);
        if wish.is_empty() {
            e.push("wish", "required");
        }
        if wish.chars().any(|c| c.is_ascii_digit()) {
            // Numbers on a public page could be an address or a phone.
            e.push("wish", "wish.digits");
        }
        if !self.guardian_consent {
            e.push("guardian_consent", "wish.consent");
        }
        let guardian_name = text(&mut e, "guardian_name", &self.guardian_name, 50);
        if guardian_name.is_empty() {
            e.push("guardian_name", "consent.guardian_required");
        }
        let guardian_relationship = text(
            &mut e,
            "guardian_relationship",
            &self.guardian_relationship,
            20,
        );
        if guardian_relationship.is_empty() {
            e.push("guardian_relationship", "required");
        }
        e.into_result()?;
        match self.person_id {
            Some(person_id) => Ok(ValidWish {
                person_id,
                wish,
                guardian_name,
                guardian_relationship,
            }),
            None => Err(ValidationErrors::new()),
        }
    }
}

/// A donor as she claims a wish on the public page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ClaimInput {
    /// A person's or an organisation's name.
    #[serde(default)]
    pub donor: String,
    #[serde(default)]
    pub phone: String,
    /// An organisation's unified social credit code (empty for a person).
    #[serde(default)]
    pub credit_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidClaim {
    pub donor: String,
    pub phone: String,
    pub credit_code: Option<String>,
}

impl ClaimInput {
    pub fn validate(&self) -> Result<ValidClaim, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let donor = text(&mut e, "donor", &self.donor, 100);
        if donor.chars().count() < 2 {
            e.push("donor", "required");
        }
        let phone = e.check(
            crate::phone::Mobile::parse(&self.phone)
                .map(|m| m.as_str().to_string())
                .map_err(|f| FieldError::new("phone", f.code)),
        );
        let credit = match self.credit_code.trim() {
            "" => None,
            c => e.check(credit_code(c)),
        };
        e.into_result()?;
        Ok(ValidClaim {
            donor,
            phone: phone.unwrap_or_default(),
            credit_code: credit,
        })
    }
}

#[cfg(test)]
mod wish_tests {
    use super::*;

    #[test]
    fn credit_codes_are_checked() {
        // The example code of GB 32100-2015, in lower case too.
        assert_eq!(
            credit_code("91350100m000100y43").map_err(|e| e.code),
            Ok("91350100M000100Y43".to_string())
        );
        let e = |s: &str| credit_code(s).err().map(|e| e.code);
        assert_eq!(e("91350100M000100Y44"), Some("credit_code.checksum"));
        assert_eq!(e("9135"), Some("credit_code.length"));
        assert_eq!(e("91350100M000100YI3"), Some("credit_code.characters"));
    }

    #[test]
    fn a_wish_goes_forward() {
        use WishStatus as S;
        use WishStep as T;
        assert_eq!(wish_after(S::Proposed, T::Approve), Some(S::Published));
        assert_eq!(wish_after(S::Published, T::Fulfil), None, "claimed first");
        assert_eq!(wish_after(S::Claimed, T::Fulfil), Some(S::Fulfilled));
        assert_eq!(wish_after(S::Fulfilled, T::Confirm), Some(S::Confirmed));
        assert_eq!(wish_after(S::Claimed, T::Withdraw), None);
        let w = WishInput {
            person_id: Some(uuid::Uuid::nil()),
            wish: "家住3号楼".into(),
            guardian_consent: false,
            ..Default::default()
        }
        .validate()
        .err()
        .unwrap_or_default();
        let codes: Vec<_> = w.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert!(codes.contains(&("wish", "wish.digits")), "{codes:?}");
        assert!(
            codes.contains(&("guardian_consent", "wish.consent")),
            "{codes:?}"
        );
        assert!(
            codes.contains(&("guardian_name", "consent.guardian_required"))
                && codes.contains(&("guardian_relationship", "required")),
            "{codes:?}"
        );
        let c = ClaimInput {
            donor: "安宁爱心企业".into(),
            phone: "13800138000".into(),
            credit_code: "91350100M000100Y44".into(),
        }
        .validate();
        assert!(c.is_err());
    }
}

catalog!(
    /// What an event is.
    EventKind {
        BringLoveHome = "bring_love_home", "把爱带回家", "bring love home";
        FamilyEducation = "family_education", "家庭教育", "family education";
        Legal = "legal", "普法宣传", "legal education";
        Other = "other", "其他活动", "other event";
    }
);

/// Largest number of participants counted without names at one event.
pub const MAX_ANONYMOUS: i64 = 100_000;

/// An event as recorded: its registered participants by person, the others counted.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EventInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    /// The day it was held (YYYY-MM-DD).
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub organiser: String,
    /// Participants counted without names …
    #[serde(default)]
    pub anonymous: i64,
    /// … of whom children.
    #[serde(default)]
    pub anonymous_children: i64,
    /// Registered participants.
    #[serde(default)]
    pub persons: Vec<uuid::Uuid>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidEvent {
    pub kind: EventKind,
    pub name: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub organiser: String,
    pub anonymous: i64,
    pub anonymous_children: i64,
    pub persons: Vec<uuid::Uuid>,
}

impl EventInput {
    pub fn validate(&self, today: NaiveDate) -> Result<ValidEvent, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = EventKind::parse(&self.kind);
        if kind.is_none() {
            e.push(
                "kind",
                if self.kind.trim().is_empty() {
                    "required"
                } else {
                    "invalid"
                },
            );
        }
        let name = text(&mut e, "name", &self.name, 100);
        if name.is_empty() {
            e.push("name", "required");
        }
        let held_on = date(&mut e, "on", &self.on);
        if held_on.is_some_and(|d| d > today) {
            e.push("on", "date.future");
        }
        // Where it was held: "venue", not the division ("place") of other forms.
        let place = text(&mut e, "venue", &self.place, 100);
        if place.is_empty() {
            e.push("venue", "required");
        }
        let organiser = text(&mut e, "organiser", &self.organiser, 100);
        if organiser.is_empty() {
            e.push("organiser", "required");
        }
        if !(0..=MAX_ANONYMOUS).contains(&self.anonymous) {
            e.push("anonymous", "out_of_range");
        }
        if !(0..=self.anonymous.max(0)).contains(&self.anonymous_children) {
            e.push("anonymous_children", "out_of_range");
        }
        let mut persons = self.persons.clone();
        persons.sort();
        persons.dedup();
        if persons.is_empty() && self.anonymous <= 0 {
            e.push("anonymous", "event.nobody");
        }
        e.into_result()?;
        match (kind, held_on) {
            (Some(kind), Some(held_on)) => Ok(ValidEvent {
                kind,
                name,
                held_on,
                place,
                organiser,
                anonymous: self.anonymous,
                anonymous_children: self.anonymous_children,
                persons,
            }),
            _ => Err(ValidationErrors::new()),
        }
    }
}
