//! Most-beautiful families (最美家庭): a family is nominated at a village (by itself, by others or
//! by an organisation), reviewed by the village, put on public notice for at least a minimum of
//! days (objections recorded and answered), reviewed by the subdistrict and named by the county
//! with a year and a level. Its story is published only with its recorded consent. Family events
//! with their participants. Pure rules, no I/O.

use crate::typical::required_or_invalid;
use crate::{Lang, ValidationErrors, screening};
use chrono::NaiveDate;

catalog!(
    /// Who nominated a family.
    Nominator {
        Family = "family", "家庭自荐", "the family itself";
        Others = "others", "他人推荐", "others";
        Organisation = "organisation", "组织推荐", "an organisation";
    }
);

catalog!(
    /// Where a nomination stands.
    FamilyStatus {
        Nominated = "nominated", "已提名", "nominated";
        VillagePassed = "village_passed", "村（社区）审核通过", "passed by the village";
        Notice = "notice", "公示中", "on public notice";
        SubdistrictPassed = "subdistrict_passed", "乡镇（街道）审核通过", "passed by the subdistrict";
        Awarded = "awarded", "已命名", "named";
        Rejected = "rejected", "未通过", "not passed";
    }
);

catalog!(
    /// The level a family is named at.
    AwardLevel {
        County = "county", "县级", "county";
        City = "city", "市级", "city";
        Province = "province", "省级", "province";
        National = "national", "全国", "national";
    }
);

catalog!(
    /// A step on a nomination.
    FamilyStep {
        VillagePass = "village_pass", "村（社区）审核通过", "passed by the village";
        Notice = "notice", "开始公示", "public notice started";
        SubdistrictPass = "subdistrict_pass", "乡镇（街道）审核通过", "passed by the subdistrict";
        Award = "award", "县级审定命名", "named by the county";
        Reject = "reject", "审核不通过", "not passed";
        Consent = "consent", "记录发布同意", "consent to publish recorded";
        Publish = "publish", "发布家庭故事", "story published";
    }
);

catalog!(
    /// What a family event was.
    EventKind {
        Lecture = "lecture", "家庭教育讲座", "family education lecture";
        Activity = "activity", "亲子活动", "parent-child activity";
        Showcase = "showcase", "最美家庭事迹分享", "most-beautiful families' stories";
        Visit = "visit", "走访慰问", "visit";
        Other = "other", "其他", "other";
    }
);

/// The shortest public notice allowed, in days, unless the configuration says more.
pub const NOTICE_DAYS_MIN: i64 = 3;

/// The most online votes may weigh, in percent.
pub const VOTE_WEIGHT_MAX: u8 = 30;

impl FamilyStatus {
    /// The steps the rules allow from here (who may take them is the services' matter).
    pub fn allows(self, step: FamilyStep) -> bool {
        use FamilyStatus as S;
        use FamilyStep as T;
        match step {
            T::VillagePass => self == S::Nominated,
            T::Notice => self == S::VillagePassed,
            T::SubdistrictPass => self == S::Notice,
            T::Award => self == S::SubdistrictPassed,
            T::Reject => matches!(
                self,
                S::Nominated | S::VillagePassed | S::Notice | S::SubdistrictPassed
            ),
            T::Consent => self != S::Rejected,
            T::Publish => self == S::Awarded,
        }
    }
}

/// A nomination as entered.
#[derive(Debug, Clone, Default)]
pub struct NominationInput {
    /// The village or community (a division code).
    pub place: String,
    /// How the family is called (`张建国家庭`).
    pub family_name: String,
    pub nominated_by: String,
    /// Who nominated it, when not the family itself (a person or an organisation).
    pub nominator: String,
    /// What the family did (事迹).
    pub deeds: String,
    /// The year of the selection.
    pub year: String,
}

/// A nomination checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidNomination {
    pub place: String,
    pub family_name: String,
    pub nominated_by: Nominator,
    pub nominator: String,
    pub deeds: String,
    pub year: i32,
}

impl NominationInput {
    /// Checks every field and names each refused one: a family name, who nominated it (named
    /// unless the family itself), the deeds, the year not after this one.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidNomination, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let place = self.place.trim().to_string();
        if place.is_empty() {
            e.push("place", "required");
        }
        let family_name = self.family_name.trim().to_string();
        if family_name.is_empty() {
            e.push("family_name", "required");
        } else if family_name.chars().count() > 50 {
            e.push("family_name", "too_long");
        }
        let nominated_by = Nominator::parse(&self.nominated_by);
        let nominator = self.nominator.trim().to_string();
        match nominated_by {
            None if self.nominated_by.trim().is_empty() => e.push("nominated_by", "required"),
            None => e.push("nominated_by", "invalid"),
            Some(Nominator::Others | Nominator::Organisation) if nominator.is_empty() => {
                e.push("nominator", "required")
            }
            _ => {}
        }
        if nominator.chars().count() > 100 {
            e.push("nominator", "too_long");
        }
        let deeds = self.deeds.trim().to_string();
        if deeds.is_empty() {
            e.push("deeds", "required");
        } else if deeds.chars().count() > 5000 {
            e.push("deeds", "too_long");
        }
        let year = crate::typical::year(&mut e, "year", &self.year, today);
        e.into_result()?;
        match (nominated_by, year) {
            (Some(nominated_by), Some(year)) => Ok(ValidNomination {
                place,
                family_name,
                nominator: if nominated_by == Nominator::Family {
                    String::new()
                } else {
                    nominator
                },
                nominated_by,
                deeds,
                year,
            }),
            _ => {
                let mut e = ValidationErrors::new();
                e.push("body", "invalid");
                Err(e)
            }
        }
    }
}

/// The days of a public notice: from the first to the last, both counted; at least `min_days`
/// and in order. Names `notice_from` or `notice_until`.
pub fn notice(
    from: &str,
    until: &str,
    min_days: i64,
) -> Result<(NaiveDate, NaiveDate), ValidationErrors> {
    let mut e = ValidationErrors::new();
    let from = screening::date(&mut e, "notice_from", from);
    let until = screening::date(&mut e, "notice_until", until);
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            e.push("notice_until", "family.notice_order");
        } else if (u - f).num_days() + 1 < min_days.max(NOTICE_DAYS_MIN) {
            e.push("notice_until", "family.notice_short");
        }
    }
    e.into_result()?;
    match (from, until) {
        (Some(f), Some(u)) => Ok((f, u)),
        _ => {
            let mut e = ValidationErrors::new();
            e.push("body", "invalid");
            Err(e)
        }
    }
}

/// A family event as entered.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub place: String,
    pub held_on: String,
    pub kind: String,
    pub title: String,
    /// How many took part.
    pub participants: String,
    /// The nominated or named families that took part.
    pub families: Vec<uuid::Uuid>,
}

/// A family event checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidEvent {
    pub place: String,
    pub held_on: NaiveDate,
    pub kind: EventKind,
    pub title: String,
    pub participants: i64,
    pub families: Vec<uuid::Uuid>,
}

impl EventInput {
    /// Checks every field: the day not after today, a kind, a title, the participants a count
    /// from 1 to 100,000 and no fewer than the families named.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidEvent, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let place = self.place.trim().to_string();
        if place.is_empty() {
            e.push("place", "required");
        }
        let held_on = screening::date(&mut e, "held_on", &self.held_on);
        if held_on.is_some_and(|d| d > today) {
            e.push("held_on", "date.future");
        }
        let kind = EventKind::parse(&self.kind);
        if kind.is_none() {
            e.push("kind", required_or_invalid(&self.kind));
        }
        let title = self.title.trim().to_string();
        if title.is_empty() {
            e.push("title", "required");
        } else if title.chars().count() > 100 {
            e.push("title", "too_long");
        }
        let mut families = self.families.clone();
        families.sort();
        families.dedup();
        let participants = match self.participants.trim().parse::<i64>() {
            Ok(n) if (1..=100_000).contains(&n) && n >= families.len() as i64 => Some(n),
            Ok(_) => {
                e.push("participants", "invalid");
                None
            }
            Err(_) => {
                e.push("participants", required_or_invalid(&self.participants));
                None
            }
        };
        e.into_result()?;
        match (held_on, kind, participants) {
            (Some(held_on), Some(kind), Some(participants)) => Ok(ValidEvent {
                place,
                held_on,
                kind,
                title,
                participants,
                families,
            }),
            _ => {
                let mut e = ValidationErrors::new();
                e.push("body", "invalid");
                Err(e)
            }
        }
    }
}

/// How a family is called on the page anyone may open: its name masked (张建国家庭 → 张*国家庭)
/// unless it consented to be named.
pub fn public_name(name: &str, consented: bool) -> String {
    if consented {
        return name.to_string();
    }
    let name = name.trim();
    match name.strip_suffix("家庭") {
        Some(head) if !head.is_empty() => format!("{}家庭", crate::mask::name(head)),
        _ => crate::mask::name(name),
    }
}

/// An objection to a family on public notice, as the public sends it.
#[derive(Debug, Clone, Default)]
pub struct ObjectionInput {
    pub text: String,
    /// A mobile number to answer to, if she wants an answer.
    pub contact: String,
}

impl ObjectionInput {
    /// The text (1–1,000 characters) and a contact that is a mobile number when given.
    pub fn validate(&self) -> Result<(String, String), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let text = self.text.trim().to_string();
        if text.is_empty() {
            e.push("text", "required");
        } else if text.chars().count() > 1000 {
            e.push("text", "too_long");
        }
        let contact = self.contact.trim();
        let contact = if contact.is_empty() {
            String::new()
        } else {
            match crate::phone::Mobile::parse(contact) {
                Ok(m) => m.as_str().to_string(),
                Err(_) => {
                    e.push("contact", "invalid");
                    String::new()
                }
            }
        };
        e.into_result()?;
        Ok((text, contact))
    }
}

/// The family's consent to publication as recorded by the staff.
#[derive(Debug, Clone, Default)]
pub struct ConsentInput {
    /// The day it was given, not in the future.
    pub consent_on: String,
    /// Who in the family gave it.
    pub given_by: String,
    /// The family may be named on the public page.
    pub names: bool,
    /// Its story may be published.
    pub story: bool,
}

impl ConsentInput {
    pub fn validate(&self, today: NaiveDate) -> Result<(NaiveDate, String), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let on = screening::date(&mut e, "consent_on", &self.consent_on);
        if on.is_some_and(|d| d > today) {
            e.push("consent_on", "date.future");
        }
        let by = self.given_by.trim().to_string();
        if by.is_empty() {
            e.push("given_by", "required");
        } else if by.chars().count() > 50 {
            e.push("given_by", "too_long");
        }
        e.into_result()?;
        match on {
            Some(on) => Ok((on, by)),
            None => {
                let mut e = ValidationErrors::new();
                e.push("consent_on", "invalid");
                Err(e)
            }
        }
    }
}

/// The county's naming: a level and, when online votes count, the reviewers' score (0–100).
pub fn award(
    level: &str,
    score: &str,
    score_needed: bool,
) -> Result<(AwardLevel, Option<i64>), ValidationErrors> {
    let mut e = ValidationErrors::new();
    let level_v = AwardLevel::parse(level);
    if level_v.is_none() {
        e.push("level", required_or_invalid(level));
    }
    let score = match score.trim() {
        "" if score_needed => {
            e.push("score", "required");
            None
        }
        "" => None,
        v => match v.parse::<i64>() {
            Ok(n) if (0..=100).contains(&n) => Some(n),
            _ => {
                e.push("score", "invalid");
                None
            }
        },
    };
    e.into_result()?;
    match level_v {
        Some(l) => Ok((l, score)),
        None => {
            let mut e = ValidationErrors::new();
            e.push("level", "invalid");
            Err(e)
        }
    }
}

/// A family's score once votes count: the reviewers' score (0–100) weighing `100 − weight`
/// percent and its share of the most votes any family of the round got weighing `weight` (at
/// most [`VOTE_WEIGHT_MAX`]). Without voting, the reviewers' score alone.
pub fn weighted_score(review: u8, votes: i64, most_votes: i64, weight: u8) -> f64 {
    let w = f64::from(weight.min(VOTE_WEIGHT_MAX)) / 100.0;
    let share = if most_votes > 0 {
        (votes.max(0) as f64) / (most_votes as f64) * 100.0
    } else {
        0.0
    };
    f64::from(review.min(100)) * (1.0 - w) + share * w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_notice_is_at_least_three_days_and_in_order() {
        assert!(notice("2021-05-01", "2021-05-03", 3).is_ok());
        let e = notice("2021-05-01", "2021-05-02", 3)
            .err()
            .unwrap_or_default();
        assert_eq!(
            (e.0[0].field.as_str(), e.0[0].code),
            ("notice_until", "family.notice_short")
        );
        // The configuration may ask for more, never for less than three.
        assert!(notice("2021-05-01", "2021-05-05", 7).is_err());
        assert!(notice("2021-05-01", "2021-05-03", 1).is_ok());
        assert!(notice("2021-05-01", "2021-05-02", 1).is_err());
        let e = notice("2021-05-03", "2021-05-01", 3)
            .err()
            .unwrap_or_default();
        assert_eq!(e.0[0].code, "family.notice_order");
    }

    #[test]
    fn steps_follow_the_order_of_selection() {
        assert!(FamilyStatus::Nominated.allows(FamilyStep::VillagePass));
        assert!(!FamilyStatus::Nominated.allows(FamilyStep::Notice));
        assert!(!FamilyStatus::VillagePassed.allows(FamilyStep::SubdistrictPass));
        assert!(FamilyStatus::Notice.allows(FamilyStep::SubdistrictPass));
        assert!(!FamilyStatus::SubdistrictPassed.allows(FamilyStep::Publish));
        assert!(FamilyStatus::Awarded.allows(FamilyStep::Publish));
        assert!(!FamilyStatus::Awarded.allows(FamilyStep::Reject));
    }

    #[test]
    fn a_nomination_names_each_bad_field() {
        let n = NominationInput {
            place: "530181001001".into(),
            family_name: String::new(),
            nominated_by: "organisation".into(),
            nominator: String::new(),
            deeds: "孝老爱亲".into(),
            year: "2031".into(),
        };
        let e = n.validate(day("2026-01-01")).err().unwrap_or_default();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["family_name", "nominator", "year"]);
    }

    #[test]
    fn a_public_name_is_masked_unless_consented() {
        assert_eq!(public_name("张建国家庭", false), "张*国家庭");
        assert_eq!(public_name("张建国家庭", true), "张建国家庭");
        assert_eq!(public_name("欧阳", false), "欧*");
        let e = ObjectionInput {
            text: String::new(),
            contact: "12345".into(),
        }
        .validate()
        .err()
        .unwrap_or_default();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["text", "contact"]);
    }

    #[test]
    fn votes_weigh_at_most_thirty_percent() {
        assert_eq!(weighted_score(80, 0, 0, 0), 80.0);
        assert!((weighted_score(80, 50, 100, 30) - (56.0 + 15.0)).abs() < 1e-9);
        // A weight above the cap counts as the cap.
        assert_eq!(
            weighted_score(80, 50, 100, 90),
            weighted_score(80, 50, 100, 30)
        );
    }
}
