//! The demo's current year, up to today: a screening campaign open all year with its visits,
//! disputes at every stage (some due soon, some overdue), care services, children's wishes open
//! for donors, claimed and fulfilled, and the year's events. Drawn from a generator of its own,
//! seeded by the seed and today's date, so that the year 2021 stays exactly as it was and the same
//! seed on the same day gives the same data, ids included.

use super::{ANNING, Generator, Rng};
use crate::ServiceError;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use jinguo_crypto::Keyring;
use jinguo_domain::person::{Relationship, Sex};
use jinguo_domain::screening::{Item, Risk};
use jinguo_storage::DbConn;
use jinguo_storage::household::NewHousehold;
use jinguo_storage::screening::{Campaign, NewDispute, Visit};
use std::collections::HashMap;
use uuid::Uuid;

/// The share of households visited by the end of the year (per thousand).
const VISITED_PER_MILLE: u64 = 400;
/// Wishes of children, at most.
const MAX_WISHES: usize = 120;
/// New registry entries, at most (when the data set has no care records of 2021).
const MAX_ENTRIES: usize = 40;

/// The name of the current year's screening campaign.
pub fn campaign_name(year: i32) -> String {
    format!("{year}年婚姻家庭矛盾纠纷排查")
}

/// The end of the five-year term a member serving since `started_on` is in today (re-elected at
/// each election since).
pub fn term_end(started_on: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    let mut end = started_on.checked_add_months(chrono::Months::new(60))?;
    while end <= today {
        end = end.checked_add_months(chrono::Months::new(60))?;
    }
    Some(end)
}

/// What the current year needs from the generation of households and persons.
pub(super) struct Year {
    g: Generator,
    pub today: NaiveDate,
    jan1: NaiveDate,
    /// Days from the 1st of January to today.
    span: i64,
    pub campaign: Campaign,
    visit_per_mille: u64,
    medium_every: u64,
    medium_target: u64,
    visit_no: u64,
    /// This year's screening disputes, in the order their visits were drawn.
    disputes: Vec<NewDispute>,
    /// Women aged 25 to 70 today, drawn for new registry entries: (person, household, path).
    women: Vec<(Uuid, Uuid, String)>,
    /// Children aged 6 to 14 today: (person, household, path, age, township code).
    children: Vec<(Uuid, Uuid, String, i64, String)>,
    /// One in so many persons is drawn for the lists above.
    draw_every: u64,
    pub visits: u64,
}

impl Year {
    pub fn new(seed: u64, today: NaiveDate, households: u32, medium_risks: u32) -> Self {
        let jan1 = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        let span = (today - jan1).num_days();
        let day_seed = u64::from(today.num_days_from_ce().unsigned_abs());
        let ms = crate::clock::day_start(jan1).timestamp_millis().max(0) as u64;
        let mut g = Generator {
            rng: Rng(seed ^ day_seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            ref_date: today,
            ms,
            used_seq: HashMap::new(),
        };
        let year_days =
            if NaiveDate::from_ymd_opt(today.year(), 12, 31).is_some_and(|d| d.ordinal() == 366) {
                366
            } else {
                365
            };
        // The year's share of the visits, as far as it has gone.
        let visit_per_mille = (VISITED_PER_MILLE * (span as u64 + 1) / year_days).max(10);
        let expected = u64::from(households) * visit_per_mille / 1000;
        let medium_target = (u64::from(medium_risks) * (span as u64 + 1) / year_days).max(6);
        let campaign = Campaign {
            county_code: ANNING.into(),
            id: g.uuid(),
            name: campaign_name(today.year()),
            place_code: ANNING.into(),
            path: "53/5301/530181/".into(),
            starts_on: jan1,
            ends_on: NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today),
            checklist: Item::join(&Item::ALL),
            created_by: "anning".into(),
        };
        Self {
            g,
            today,
            jan1,
            span,
            campaign,
            visit_per_mille,
            medium_every: (expected / medium_target).max(1),
            medium_target,
            visit_no: 0,
            disputes: Vec::new(),
            women: Vec::new(),
            children: Vec::new(),
            draw_every: (u64::from(households) / 1_500).max(1),
            visits: 0,
        }
    }

    /// A day of this year up to today, `ago` days back (never before the 1st of January).
    fn back(&self, ago: i64) -> NaiveDate {
        self.today - Duration::days(ago.clamp(0, self.span))
    }

    /// Notes a person of the data set: some women and children are drawn for the year's care.
    pub fn person(
        &mut self,
        id: Uuid,
        household: Uuid,
        path: &str,
        (sex, birth, relationship): (Sex, NaiveDate, Relationship),
        township: &str,
    ) {
        let age = i64::from(self.today.year() - birth.year());
        if sex == Sex::Female && (25..=70).contains(&age) && self.women.len() < MAX_ENTRIES {
            if self.g.rng.below(self.draw_every * 20) == 0 {
                self.women.push((id, household, path.to_string()));
            }
        } else if relationship == Relationship::Child
            && (6..=14).contains(&age)
            && self.children.len() < MAX_WISHES
            && self.g.rng.below(self.draw_every * 2) == 0
        {
            self.children
                .push((id, household, path.to_string(), age, township.to_string()));
        }
    }

    /// This year's visits to a group's households by the representatives who answer for them
    /// (`reps[k % reps.len()]` for the k-th household), and the disputes the medium risks open.
    pub async fn visit_group(
        &mut self,
        tx: &mut DbConn<'_>,
        households: &[NewHousehold],
        reps: &[Uuid],
        seal: &impl Fn(&str, &str, &Uuid, &str) -> Result<String, ServiceError>,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let mut visits = Vec::new();
        let mut disputes = Vec::new();
        for (k, h) in households.iter().enumerate() {
            if self.g.rng.below(1000) >= self.visit_per_mille {
                continue;
            }
            let medium = self.visit_no % self.medium_every == self.medium_every / 2
                && (self.visit_no / self.medium_every) < self.medium_target;
            let n = self.disputes.len() as i64 + disputes.len() as i64;
            self.visit_no += 1;
            let risk = if medium {
                Risk::Medium
            } else if self.visit_no % 301 == 7 {
                Risk::Low
            } else {
                Risk::None
            };
            // One dispute in three was found in the last four weeks (still within its month);
            // the others over the year.
            let visited_on = if medium && n % 3 == 0 {
                self.back((n * 5) % 25)
            } else if medium {
                self.back(35 + (n * 37) % (self.span - 34).max(1))
            } else {
                self.jan1 + Duration::days(self.g.rng.below(self.span as u64 + 1) as i64)
            };
            let findings = match risk {
                Risk::Medium => vec![Item::MaritalConflict, Item::Property],
                Risk::Low => vec![Item::Neighbours],
                _ => Vec::new(),
            };
            let id = self.g.uuid();
            visits.push(Visit {
                county_code: ANNING.into(),
                id,
                campaign_id: self.campaign.id,
                household_id: h.id,
                path: h.path.clone(),
                member_id: reps.get(k % reps.len().max(1)).copied(),
                visited_on,
                risk: risk.key().into(),
                findings: seal("visit", "findings", &id, &Item::join(&findings))?,
                note: None,
                followup: risk.opens_dispute(),
                request_key: format!("demo-{}", id.simple()),
                recorded_by: "demo".into(),
            });
            if risk.opens_dispute() {
                disputes.push(NewDispute {
                    county_code: ANNING.into(),
                    id: self.g.uuid(),
                    household_id: h.id,
                    path: h.path.clone(),
                    visit_id: id,
                    risk: risk.key().into(),
                    opened_on: visited_on,
                    due_on: super::screening_due_on(visited_on),
                });
            }
        }
        jinguo_storage::screening::insert_visits(tx, &visits, now).await?;
        jinguo_storage::screening::insert_disputes(tx, &disputes, now).await?;
        self.visits += visits.len() as u64;
        self.disputes.extend(disputes);
        Ok(())
    }

    /// The rest of the year, once every household is written: the disputes taken forward to
    /// where they stand today, the care services, the wishes and the events.
    pub async fn finish(
        mut self,
        tx: &mut DbConn<'_>,
        ctx: Finish<'_>,
        keys: &Keyring,
        seal: &impl Fn(&str, &str, &Uuid, &str) -> Result<String, ServiceError>,
        now: DateTime<Utc>,
    ) -> Result<u64, ServiceError> {
        let disputes = std::mem::take(&mut self.disputes);
        for (n, d) in disputes.iter().enumerate() {
            let village = d
                .path
                .trim_end_matches('/')
                .rsplit('/')
                .nth(1)
                .unwrap_or_default();
            let mediator = ctx.mediators.get(village).copied();
            self.stage_dispute(tx, d, n, mediator, seal, now).await?;
        }
        self.care(tx, &ctx, keys, seal, now).await?;
        self.wishes(tx, &ctx, keys, seal, now).await?;
        self.events(tx, ctx.care_2021, now).await?;
        Ok(self.visits)
    }

    /// Takes a dispute of this year to its stage: those still within their month stand at
    /// every stage from registered to in mediation; of the older ones most were mediated to an
    /// agreement and closed, one in four is still open and overdue.
    async fn stage_dispute(
        &mut self,
        tx: &mut DbConn<'_>,
        d: &NewDispute,
        n: usize,
        mediator: Option<Uuid>,
        seal: &impl Fn(&str, &str, &Uuid, &str) -> Result<String, ServiceError>,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        use jinguo_domain::mediation::{DisputeKind, Source, Status};
        use jinguo_storage::mediation::{self as med, DisputeRow, StepRow};
        let due = d.due_on;
        let within = due >= self.today;
        if !within && n % 4 != 1 {
            return super::mediate_demo_dispute(tx, d, &mut self.g, seal, now).await;
        }
        // Where it stands: 0 registered, 1 accepted, 2 assigned, 3 in mediation.
        let mut stage = if within { n % 4 } else { 3 };
        if stage >= 2 && mediator.is_none() {
            stage = 1;
        }
        let accepted = self.today.min(d.opened_on + Duration::days(1));
        let assigned = self.today.min(d.opened_on + Duration::days(2));
        let session_on = self.today.min(d.opened_on + Duration::days(5));
        let status = [
            Status::Registered,
            Status::Accepted,
            Status::Assigned,
            Status::InMediation,
        ][stage];
        let row = DisputeRow {
            county_code: d.county_code.clone(),
            id: d.id,
            household_id: Some(d.household_id),
            path: d.path.clone(),
            source: Source::Screening.key().into(),
            visit_id: Some(d.visit_id),
            kind: DisputeKind::Marriage.key().into(),
            risk: d.risk.clone(),
            status: status.key().into(),
            outcome: None,
            opened_on: d.opened_on,
            accepted_on: (stage >= 1).then_some(accepted),
            concluded_on: None,
            due_on: due,
            simplified: false,
            narrative: String::new(),
            mediator_id: if stage >= 2 { mediator } else { None },
            created_by: "demo".into(),
            version: 1,
            intake_consent: true,
        };
        if !med::update(tx, &row, 1, now).await? {
            return Err(ServiceError::Internal("demo dispute changed".into()));
        }
        let mut steps = vec![StepRow::new("register", d.opened_on, "demo")];
        if stage >= 1 {
            steps.push(StepRow::new("accept", accepted, "demo"));
        }
        if stage >= 2 {
            let mut s = StepRow::new("assign", assigned, "demo");
            s.mediator_id = mediator;
            steps.push(s);
        }
        if stage >= 3 {
            let session = super::demo_session(
                &mut self.g,
                seal,
                session_on,
                "双方各自陈述，分歧仍在财产分割，约定再次调解",
            )?;
            med::insert_session(tx, &d.county_code, d.id, &session, now).await?;
            steps.push(StepRow::new("session", session_on, "demo"));
        }
        for s in &steps {
            med::add_step(tx, &d.county_code, d.id, s, now).await?;
        }
        Ok(())
    }

    /// Care services given this year: to the entries of 2021 when there are any, else to women
    /// entered in the registries this year.
    async fn care(
        &mut self,
        tx: &mut DbConn<'_>,
        ctx: &Finish<'_>,
        keys: &Keyring,
        seal: &impl Fn(&str, &str, &Uuid, &str) -> Result<String, ServiceError>,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        use jinguo_storage::care as cstore;
        let mut entries: Vec<(Uuid, Uuid, String)> = ctx.entries.to_vec();
        if entries.is_empty() {
            if !ctx.care_2021 {
                for (key, zh, en, months) in jinguo_domain::care::REGISTRIES {
                    let row = cstore::RegistryRow {
                        county_code: ANNING.into(),
                        key: key.into(),
                        name_zh: zh.into(),
                        name_en: en.into(),
                        review_months: months,
                    };
                    cstore::insert_registry(tx, &row, now).await?;
                }
            }
            let registries = [
                "mothers_in_difficulty",
                "left_behind_women",
                "migrant_women",
            ];
            for (k, (pid, hid, path)) in self.women.clone().into_iter().enumerate() {
                let id = self.g.uuid();
                let entered = self.jan1 + Duration::days(((k * 11) as i64) % (self.span + 1));
                let entry = cstore::EntryRow {
                    county_code: ANNING.into(),
                    id,
                    registry_key: registries[k % registries.len()].into(),
                    person: seal("registry_entry", "person", &id, &pid.to_string())?,
                    person_ref: crate::sealed::person_ref(keys, "registry_entry", &pid),
                    household: seal("registry_entry", "household", &id, &hid.to_string())?,
                    household_ref: crate::sealed::household_ref(keys, "registry_entry", &hid),
                    path: path.clone(),
                    status: "active".into(),
                    criteria: "入户调查核实".into(),
                    evidence: String::new(),
                    surveyed_by: "妇女代表".into(),
                    verified_by: Some("anning".into()),
                    entered_on: entered,
                    next_review_on: if k % 10 == 0 {
                        self.today
                    } else {
                        entered + Duration::days(365)
                    },
                    left_on: None,
                    left_reason: String::new(),
                    version: 1,
                };
                cstore::insert_entry(tx, &entry, "demo", now).await?;
                entries.push((id, pid, path));
            }
        }
        for (k, (entry, pid, path)) in entries.iter().enumerate() {
            let kind = match k % 6 {
                0 | 3 => "health_check",
                1 => "green_channel",
                2 => "relief",
                _ => continue,
            };
            let on = self.back(((k * 13) as i64) % (self.span + 1));
            cstore::insert_service(
                tx,
                &cstore::ServiceRow {
                    county_code: ANNING.into(),
                    id: self.g.uuid(),
                    entry_id: *entry,
                    person_ref: crate::sealed::person_ref(keys, "care_service", pid),
                    path: path.clone(),
                    kind: kind.into(),
                    on_date: on,
                    hospital: if kind == "green_channel" {
                        "安宁市第一人民医院".into()
                    } else {
                        String::new()
                    },
                    valid_until: (kind == "green_channel").then(|| on + Duration::days(365)),
                    goods: if kind == "relief" {
                        "米、油".into()
                    } else {
                        String::new()
                    },
                    amount_cents: (kind == "relief").then_some(50_000),
                    visited_by: if kind == "relief" {
                        "妇女代表".into()
                    } else {
                        String::new()
                    },
                    result: String::new(),
                    note: String::new(),
                    batch_id: None,
                    created_by: "demo".into(),
                },
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// This year's children's wishes: two in five published and waiting for a donor, one in
    /// five claimed by a donor who has not fulfilled it yet, the others fulfilled and confirmed.
    async fn wishes(
        &mut self,
        tx: &mut DbConn<'_>,
        ctx: &Finish<'_>,
        keys: &Keyring,
        seal: &impl Fn(&str, &str, &Uuid, &str) -> Result<String, ServiceError>,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        use jinguo_storage::care as cstore;
        let wishes = [
            "一套课外书",
            "一个新书包",
            "一双运动鞋",
            "一套画笔",
            "一个篮球",
            "一件羽绒服",
            "一盏护眼台灯",
            "一本新华字典",
        ];
        let children = self.children.clone();
        for (k, (pid, hid, path, age, township)) in children.into_iter().enumerate() {
            let id = self.g.uuid();
            let proposed = self.back(((k * 17) as i64) % (self.span + 1) + 5);
            let (status, claimed_on, fulfilled_on) = match k % 5 {
                0 | 1 => ("published", None, None),
                2 => ("claimed", Some(self.back((k % 20) as i64)), None),
                _ => {
                    let fulfilled = self.back(((k * 17) as i64) % (self.span + 1) - 10);
                    let claimed = (fulfilled - Duration::days(7)).max(self.jan1);
                    ("confirmed", Some(claimed), Some(fulfilled))
                }
            };
            let claimed_at = claimed_on
                .and_then(|d| d.and_hms_opt(2, 0, 0))
                .map(|t| t.and_utc());
            let claimed = claimed_at.is_some();
            let row = cstore::WishRow {
                county_code: ANNING.into(),
                id,
                person: seal("wish", "person", &id, &pid.to_string())?,
                household: seal("wish", "household", &id, &hid.to_string())?,
                household_ref: crate::sealed::household_ref(keys, "wish", &hid),
                path,
                public_place: ctx.place_names.get(&township).cloned().unwrap_or_default(),
                age,
                wish: wishes[k % wishes.len()].into(),
                status: status.into(),
                guardian_consent: true,
                proposed_by: "daibiao".into(),
                approved_by: Some("anning".into()),
                donor: if claimed {
                    Some(seal("wish", "donor", &id, "爱心人士")?)
                } else {
                    None
                },
                donor_phone: if claimed {
                    Some(seal("wish", "donor_phone", &id, "13800138000")?)
                } else {
                    None
                },
                credit_code: None,
                claimed_at,
                claim_expires_at: claimed_at.map(|t| t + Duration::days(30)),
                fulfilled_on,
                confirm_note: if fulfilled_on.is_some() {
                    seal("wish", "confirm_note", &id, "心愿已送达")?
                } else {
                    String::new()
                },
                version: 1,
            };
            cstore::insert_wish(tx, &row, now).await?;
            // The guardian's consent to publish, without which no donor sees the wish.
            let consent = self.g.uuid();
            jinguo_storage::consent::insert(
                tx,
                &jinguo_storage::consent::ConsentRow {
                    county_code: ANNING.into(),
                    id: consent,
                    person: seal("consent", "person", &consent, &pid.to_string())?,
                    person_ref: crate::sealed::person_ref(keys, "consent", &pid),
                    purpose: "publish".into(),
                    basis: "consent".into(),
                    given_by: "guardian".into(),
                    guardian_name: Some(seal("consent", "guardian_name", &consent, "监护人")?),
                    guardian_relationship: Some("母亲".into()),
                    recorded_by: None,
                    recorded_at: crate::clock::day_start(proposed),
                    withdrawn_at: None,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// This year's "bring love home" events and lectures, as many as the year has gone (at
    /// least three).
    async fn events(
        &mut self,
        tx: &mut DbConn<'_>,
        full: bool,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        use jinguo_storage::care as cstore;
        let per_year = if full { 120 } else { 6 };
        let n = (per_year * (self.span + 1) / 365).max(3);
        for k in 0..n {
            let children = 20 + (k * 7) % 20;
            let (kind, name) = if k % 3 == 2 {
                ("family_education", "家庭教育讲座")
            } else {
                ("bring_love_home", "把爱带回家")
            };
            let row = cstore::EventRow {
                county_code: ANNING.into(),
                id: self.g.uuid(),
                path: "53/5301/530181/".into(),
                kind: kind.into(),
                name: name.into(),
                held_on: self.back(self.span - (k * self.span) / n),
                place_text: "社区儿童之家".into(),
                organiser: "安宁市妇联".into(),
                anonymous: children,
                anonymous_children: children,
                created_by: "demo".into(),
            };
            cstore::insert_event(tx, &row, &[], now).await?;
        }
        Ok(())
    }
}

/// What the rest of the generation hands to [`Year::finish`].
pub(super) struct Finish<'a> {
    /// The registry entries of 2021: (entry, person, path).
    pub entries: &'a [(Uuid, Uuid, String)],
    /// Whether the data set has the care records of 2021 (and so the registries).
    pub care_2021: bool,
    /// The family mediator of each village, by its code.
    pub mediators: &'a HashMap<String, Uuid>,
    /// Place names by code.
    pub place_names: &'a HashMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_covers_today() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default();
        assert_eq!(term_end(d(2019, 3, 1), d(2026, 12, 5)), Some(d(2029, 3, 1)));
        assert_eq!(term_end(d(2021, 6, 1), d(2026, 5, 31)), Some(d(2026, 6, 1)));
        assert_eq!(term_end(d(2021, 6, 1), d(2026, 6, 1)), Some(d(2031, 6, 1)));
    }
}
