//! Most-beautiful families (最美家庭): federation staff enter a nomination at a village (made by
//! the family, by others or by an organisation); the village reviews it and puts it on public
//! notice for at least the configured days; anyone may object from the public page (no account,
//! a few an hour from one address) and the staff answer; the subdistrict reviews it once the
//! notice is over and every objection answered; the county names it with a year and a level.
//! Nobody reviews a nomination she entered. The public page shows only what the family consented
//! to: its name masked unless it agreed to be named, its deeds and story only with its recorded
//! consent. Online votes are off unless the county turns them on: then one vote a day per
//! logged-in person, weighing at most 30% of the score. Family events with participants.

use crate::audit::{Actor, Record, record, record_as};
use crate::error::{conflict, invalid};
use crate::linkage::{county_path, from_ms, ms};
use crate::{Caller, ServiceError, Services, clock};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::family::{
    AwardLevel, ConsentInput, EventInput, EventKind, FamilyStatus, FamilyStep, NominationInput,
    Nominator, ObjectionInput, VOTE_WEIGHT_MAX, award, notice, public_name, weighted_score,
};
use jinguo_storage::family::{self as store, EventRow, FamilyRow, ObjectionRow, Search};
use jinguo_storage::{StorageError, Subtree, db_tx};
use uuid::Uuid;

/// At most this many nominations or events in a list.
const LIST_MAX: i64 = 500;

/// The selection's settings.
#[derive(Debug, Clone, Copy)]
pub struct FamilyPolicy {
    /// The shortest public notice, in days (never fewer than three).
    pub notice_days: i64,
    /// Objections one address may send in an hour from the public page.
    pub objections_per_hour: i64,
}

impl Default for FamilyPolicy {
    fn default() -> Self {
        FamilyPolicy {
            notice_days: jinguo_domain::family::NOTICE_DAYS_MIN,
            objections_per_hour: 5,
        }
    }
}

/// An objection as the staff see it: the contact masked.
#[derive(Debug, Clone)]
pub struct ObjectionView {
    pub id: Uuid,
    pub received_at: DateTime<Utc>,
    pub text: String,
    pub contact: String,
    pub answer: String,
    pub answered_by: Option<String>,
}

/// A nomination as the staff managing it see it.
#[derive(Debug, Clone)]
pub struct FamilyView {
    pub id: Uuid,
    pub place_code: String,
    pub place_name: String,
    pub year: i64,
    pub family_name: String,
    pub nominated_by: Nominator,
    pub nominator: String,
    /// Empty on lists.
    pub deeds: String,
    pub status: FamilyStatus,
    pub notice_from: Option<String>,
    pub notice_until: Option<String>,
    pub level: Option<AwardLevel>,
    pub review_score: Option<i64>,
    pub consent_on: Option<String>,
    pub consent_by: String,
    pub consent_names: bool,
    pub consent_story: bool,
    pub story: String,
    pub story_published: bool,
    pub reject_note: String,
    pub created_by: String,
    pub village_by: Option<String>,
    pub subdistrict_by: Option<String>,
    pub awarded_by: Option<String>,
    pub decided_by: Option<String>,
    pub version: i64,
    pub objections: Vec<ObjectionView>,
    /// Whether the county counts online votes, the family's votes and its weighted score.
    pub voting: bool,
    pub votes: i64,
    pub score: Option<f64>,
    /// The steps the caller may take now.
    pub steps: Vec<FamilyStep>,
    /// Whether she may answer the objections.
    pub can_answer: bool,
}

/// A family on the page anyone may open: only what it consented to.
#[derive(Debug, Clone)]
pub struct PublicFamily {
    pub id: Uuid,
    /// Masked unless it consented to be named.
    pub name: String,
    pub place_name: String,
    pub year: i64,
    pub status: FamilyStatus,
    pub level: Option<AwardLevel>,
    pub notice_from: Option<String>,
    pub notice_until: Option<String>,
    /// Its deeds, only with its consent to publication.
    pub deeds: Option<String>,
    /// Its published story.
    pub story: Option<String>,
    /// Whether logged-in people may vote for it today.
    pub voting: bool,
}

/// A family event as shown.
#[derive(Debug, Clone)]
pub struct FamilyEventView {
    pub id: Uuid,
    pub place_code: String,
    pub place_name: String,
    pub held_on: String,
    pub kind: EventKind,
    pub title: String,
    pub participants: i64,
    pub families: i64,
}

/// The staff's list: by year and status.
#[derive(Debug, Clone, Default)]
pub struct FamilyQuery {
    pub year: Option<String>,
    pub status: Option<String>,
}

/// A step on a nomination, with what each step needs.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    /// A [`FamilyStep`]'s key, or `answer` (an objection answered).
    pub step: String,
    pub notice_from: String,
    pub notice_until: String,
    pub level: String,
    pub score: String,
    /// Why it did not pass.
    pub note: String,
    pub consent: ConsentInput,
    pub story: String,
    pub objection: Option<Uuid>,
    pub answer: String,
}

/// The path of the ancestor of `path` with `depth` parts (3 the county, 4 the subdistrict).
fn ancestor(path: &str, depth: usize) -> String {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if parts.len() < depth {
        return "\u{0}".into();
    }
    format!("{}/", parts[..depth].join("/"))
}

fn year_of(s: Option<&str>) -> Result<Option<i64>, ServiceError> {
    match s.map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => y
            .parse::<i64>()
            .ok()
            .filter(|y| (1900..=9999).contains(y))
            .map(Some)
            .ok_or_else(|| invalid("year", "invalid")),
        None => Ok(None),
    }
}

impl Services {
    /// Enters a nomination at a village she manages as staff. Returns its id.
    pub async fn nominate_family(
        &self,
        caller: &Caller,
        input: &NominationInput,
    ) -> Result<Uuid, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let v = input.validate(clock::today())?;
        let place = self
            .managed_place(caller, &v.place)
            .await
            .map_err(|e| match e {
                ServiceError::NotFound => invalid("place", "not_found"),
                e => e,
            })?;
        if place.code.len() != 12 {
            return Err(invalid("place", "family.village"));
        }
        let id = Uuid::now_v7();
        let row = FamilyRow {
            county_code: place.code[..6].to_string(),
            id,
            path: place.path.clone(),
            place_code: place.code.clone(),
            year: i64::from(v.year),
            family_name: self.seal("family_award", "family_name", &id, &v.family_name)?,
            nominated_by: v.nominated_by.key().into(),
            nominator: self.seal_opt("family_award", "nominator", &id, &v.nominator)?,
            deeds: self.seal("family_award", "deeds", &id, &v.deeds)?,
            status: FamilyStatus::Nominated.key().into(),
            notice_from: None,
            notice_until: None,
            level: None,
            review_score: None,
            consent_on: None,
            consent_by: String::new(),
            consent_names: false,
            consent_story: false,
            story: String::new(),
            story_ms: None,
            reject_note: String::new(),
            created_by: caller.username.clone(),
            created_ms: ms(clock::now()),
            village_by: None,
            subdistrict_by: None,
            awarded_by: None,
            awarded_ms: None,
            decided_by: None,
            version: 1,
        };
        let entry = Record::new("family.nominate")
            .target(format!("family_award:{id}"))
            .place(place.path.clone())
            .detail(format!("nominated_by={}", v.nominated_by.key()));
        db_tx!(&self.db, tx => {
            store::insert(tx, &row).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        Ok(id)
    }

    /// Takes a step on a nomination she manages (or answers one of its objections). A stale
    /// version writes nothing.
    pub async fn family_step(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i64,
        input: &StepInput,
    ) -> Result<(), ServiceError> {
        let f = self.managed_family(caller, id).await?;
        if input.step.trim() == "answer" {
            return self.answer_objection(caller, &f, input).await;
        }
        let step = FamilyStep::parse(&input.step).ok_or_else(|| {
            invalid(
                "step",
                if input.step.trim().is_empty() {
                    "required"
                } else {
                    "invalid"
                },
            )
        })?;
        let status = FamilyStatus::stored(&f.status)?;
        if !status.allows(step) {
            return Err(invalid("step", "family.status"));
        }
        let (level, own) = step_level(&f, status, step);
        if !caller.manage_scope().covers_all(&level) {
            return Err(invalid("step", "family.level"));
        }
        if own && f.created_by == caller.username {
            return Err(invalid("step", "family.own_review"));
        }
        let today = clock::today();
        let now_ms = ms(clock::now());
        let who = Some(caller.username.clone());
        let mut row = f.clone();
        match step {
            FamilyStep::VillagePass => {
                row.status = FamilyStatus::VillagePassed.key().into();
                row.village_by = who;
            }
            FamilyStep::Notice => {
                let (from, until) = notice(
                    &input.notice_from,
                    &input.notice_until,
                    self.family.notice_days,
                )?;
                row.status = FamilyStatus::Notice.key().into();
                row.notice_from = Some(from.to_string());
                row.notice_until = Some(until.to_string());
            }
            FamilyStep::SubdistrictPass => {
                let until = f
                    .notice_until
                    .as_deref()
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
                if until.is_none_or(|u| u >= today) {
                    return Err(invalid("step", "family.notice_running"));
                }
                let seen = store::family(&self.db, &caller.reader(), id)
                    .await?
                    .ok_or(ServiceError::NotFound)?;
                let open = store::objections(&self.db, &seen)
                    .await?
                    .iter()
                    .any(|o| o.answered_ms.is_none());
                if open {
                    return Err(invalid("step", "family.objections_open"));
                }
                row.status = FamilyStatus::SubdistrictPassed.key().into();
                row.subdistrict_by = who;
            }
            FamilyStep::Award => {
                let (voting, _) = self.voting_of(&f.county_code).await?;
                let (level, score) = award(&input.level, &input.score, voting)?;
                row.status = FamilyStatus::Awarded.key().into();
                row.level = Some(level.key().into());
                row.review_score = score;
                row.awarded_by = who;
                row.awarded_ms = Some(now_ms);
            }
            FamilyStep::Reject => {
                let note = input.note.trim();
                if note.is_empty() {
                    return Err(invalid("note", "required"));
                }
                if note.chars().count() > 1000 {
                    return Err(invalid("note", "too_long"));
                }
                row.status = FamilyStatus::Rejected.key().into();
                row.reject_note = self.seal("family_award", "reject_note", &id, note)?;
                row.decided_by = who;
            }
            FamilyStep::Consent => {
                let (on, by) = input.consent.validate(today)?;
                row.consent_on = Some(on.to_string());
                row.consent_by = self.seal("family_award", "consent_by", &id, &by)?;
                row.consent_names = input.consent.names;
                row.consent_story = input.consent.story;
            }
            FamilyStep::Publish => {
                if !f.consent_story {
                    return Err(invalid("consent", "family.consent_required"));
                }
                let story = input.story.trim();
                if story.is_empty() {
                    return Err(invalid("story", "required"));
                }
                if story.chars().count() > 5000 {
                    return Err(invalid("story", "too_long"));
                }
                row.story = self.seal("family_award", "story", &id, story)?;
                row.story_ms = Some(now_ms);
            }
        }
        let entry = Record::new("family.step")
            .target(format!("family_award:{id}"))
            .place(f.path.clone())
            .detail(format!("step={}", step.key()));
        let county = f.county_code.clone();
        db_tx!(&self.db, tx => {
            if !store::save(tx, &row, expected_version).await? {
                return Err(StorageError::Conflict(format!("family_award {county}")));
            }
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })
        .map_err(conflict)?;
        Ok(())
    }

    async fn answer_objection(
        &self,
        caller: &Caller,
        f: &FamilyRow,
        input: &StepInput,
    ) -> Result<(), ServiceError> {
        let Some(objection) = input.objection else {
            return Err(invalid("objection", "required"));
        };
        let answer = input.answer.trim();
        if answer.is_empty() {
            return Err(invalid("answer", "required"));
        }
        if answer.chars().count() > 1000 {
            return Err(invalid("answer", "too_long"));
        }
        let sealed = self.seal("family_objection", "answer", &objection, answer)?;
        let entry = Record::new("family.answer")
            .target(format!("family_award:{}", f.id))
            .place(f.path.clone());
        let (county, family) = (f.county_code.clone(), f.id);
        let now_ms = ms(clock::now());
        let done = db_tx!(&self.db, tx => {
            if !store::answer_objection(tx, &county, family, objection, &sealed, &caller.username, now_ms).await? {
                return Ok::<bool, StorageError>(false);
            }
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok(true)
        })?;
        if done {
            Ok(())
        } else {
            Err(invalid("objection", "family.answered"))
        }
    }

    /// The nominations of her places, by year and status: names, never deeds.
    pub async fn family_awards(
        &self,
        caller: &Caller,
        q: &FamilyQuery,
    ) -> Result<Vec<FamilyView>, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                FamilyStatus::parse(s)
                    .ok_or_else(|| invalid("status", "invalid"))?
                    .key()
                    .to_string(),
            ),
            None => None,
        };
        let search = Search {
            year: year_of(q.year.as_deref())?,
            status,
        };
        let rows = store::families(&self.db, &caller.reader(), &search, LIST_MAX).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.family_view(caller, r, false).await?);
        }
        self.note_read(
            caller,
            Record::new("family.read").detail(format!("list={}", out.len())),
        )
        .await?;
        Ok(out)
    }

    /// One nomination she manages, with its deeds, objections and votes; the read is audited.
    pub async fn family_award(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<FamilyView, ServiceError> {
        let f = self.managed_family(caller, id).await?;
        let mut v = self.family_view(caller, &f, true).await?;
        let seen = store::family(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        for o in store::objections(&self.db, &seen).await? {
            v.objections.push(self.objection_view(&o)?);
        }
        let (voting, weight) = self.voting_of(&f.county_code).await?;
        if voting {
            let (votes, most) = store::votes(&self.db, &f).await?;
            v.votes = votes;
            v.score = f.review_score.map(|r| {
                weighted_score(
                    u8::try_from(r.clamp(0, 100)).unwrap_or(0),
                    votes,
                    most,
                    u8::try_from(weight.clamp(0, 30)).unwrap_or(0),
                )
            });
        }
        self.note_read(
            caller,
            Record::new("family.read")
                .target(format!("family_award:{id}"))
                .place(f.path.clone()),
        )
        .await?;
        Ok(v)
    }

    /// The families on public notice today and those named in `year` (the latest year any was
    /// named, when not given), for anyone: only what each consented to.
    pub async fn public_families(
        &self,
        year: Option<&str>,
    ) -> Result<(Option<i64>, Vec<PublicFamily>), ServiceError> {
        let year = match year_of(year)? {
            Some(y) => Some(y),
            None => store::latest_award_year(&self.db).await?,
        };
        let today = clock::today().to_string();
        let rows = store::public_families(&self.db, &today, year, LIST_MAX).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.public_family_view(r, false).await?);
        }
        Ok((year, out))
    }

    /// One family on public notice today or named, for anyone.
    pub async fn public_family(&self, id: Uuid) -> Result<PublicFamily, ServiceError> {
        let today = clock::today().to_string();
        let r = store::public_family(&self.db, id, &today)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.public_family_view(&r, true).await
    }

    /// An objection to a family on public notice, from the public page: no account; at most
    /// `objections_per_hour` from one address in an hour.
    pub async fn object_to_family(
        &self,
        id: Uuid,
        input: &ObjectionInput,
        ip: &str,
    ) -> Result<(), ServiceError> {
        let (text, contact) = input.validate()?;
        let today = clock::today().to_string();
        let f = store::public_family(&self.db, id, &today)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if FamilyStatus::stored(&f.status)? != FamilyStatus::Notice {
            return Err(invalid("family", "family.not_on_notice"));
        }
        let now = clock::now();
        if jinguo_storage::audit::count_from_ip_since(
            &self.db,
            ip,
            "family.objection",
            now - chrono::Duration::hours(1),
        )
        .await?
            >= self.family.objections_per_hour
        {
            return Err(ServiceError::RateLimited);
        }
        let oid = Uuid::now_v7();
        let row = ObjectionRow {
            county_code: f.county_code.clone(),
            id: oid,
            family_id: id,
            received_ms: ms(now),
            text: self.seal("family_objection", "text", &oid, &text)?,
            contact: self.seal_opt("family_objection", "contact", &oid, &contact)?,
            answer: String::new(),
            answered_by: None,
            answered_ms: None,
        };
        let actor = Actor::Anonymous {
            name: "public",
            ip: ip.to_string(),
        };
        let entry = Record::new("family.objection")
            .target(format!("family_award:{id}"))
            .place(f.path.clone());
        db_tx!(&self.db, tx => {
            store::insert_objection(tx, &row).await?;
            record_as(tx, &self.keys, &actor, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        Ok(())
    }

    /// A logged-in person's vote for a family on public notice, when its county counts online
    /// votes: one a day.
    pub async fn vote_family(&self, caller: &Caller, id: Uuid) -> Result<(), ServiceError> {
        if caller.account_id.is_none() {
            return Err(ServiceError::Forbidden);
        }
        let today = clock::today().to_string();
        let f = store::public_family(&self.db, id, &today)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if FamilyStatus::stored(&f.status)? != FamilyStatus::Notice {
            return Err(invalid("family", "family.not_on_notice"));
        }
        if !self.voting_of(&f.county_code).await?.0 {
            return Err(invalid("family", "family.voting_off"));
        }
        let entry = Record::new("family.vote")
            .target(format!("family_award:{id}"))
            .place(f.path.clone());
        let county = f.county_code.clone();
        let now_ms = ms(clock::now());
        let voted = db_tx!(&self.db, tx => {
            if !store::vote(tx, &county, &caller.username, &today, id, now_ms).await? {
                return Ok::<bool, StorageError>(false);
            }
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok(true)
        })?;
        if voted {
            Ok(())
        } else {
            Err(invalid("family", "family.voted_today"))
        }
    }

    /// Whether a county she manages counts online votes, and their weight in percent.
    pub async fn family_voting(
        &self,
        caller: &Caller,
        county: &str,
    ) -> Result<(bool, i64), ServiceError> {
        let place = self.managed_county(caller, county).await?;
        self.voting_of(&place.code).await
    }

    /// Turns online votes on or off for a county she manages as its staff; their weight at most
    /// 30%.
    pub async fn set_family_voting(
        &self,
        caller: &Caller,
        county: &str,
        voting: bool,
        weight: &str,
    ) -> Result<(), ServiceError> {
        let place = self.managed_county(caller, county).await?;
        let weight = match weight.trim() {
            "" => i64::from(VOTE_WEIGHT_MAX),
            w => match w.parse::<i64>() {
                Ok(n) if (0..=i64::from(VOTE_WEIGHT_MAX)).contains(&n) => n,
                Ok(n) if n > 0 => return Err(invalid("vote_weight", "family.vote_weight")),
                _ => return Err(invalid("vote_weight", "invalid")),
            },
        };
        let entry = Record::new("family.voting")
            .place(place.path.clone())
            .detail(format!("voting={voting} weight={weight}"));
        let now_ms = ms(clock::now());
        db_tx!(&self.db, tx => {
            store::set_setting(tx, &place.code, voting, weight, &caller.username, now_ms).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        Ok(())
    }

    /// Records a family event at a place she manages, with the nominated or named families of
    /// her places that took part. Returns its id.
    pub async fn record_family_event(
        &self,
        caller: &Caller,
        input: &EventInput,
    ) -> Result<Uuid, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let v = input.validate(clock::today())?;
        let place = self
            .managed_place(caller, &v.place)
            .await
            .map_err(|e| match e {
                ServiceError::NotFound => invalid("place", "not_found"),
                e => e,
            })?;
        if place.code.len() < 6 {
            return Err(invalid("place", "not_found"));
        }
        let county = place.code[..6].to_string();
        let reader = caller.reader();
        for f in &v.families {
            let found = store::family(&self.db, &reader, *f).await?;
            if found.is_none_or(|f| f.county_code != county) {
                return Err(invalid("families", "not_found"));
            }
        }
        let id = Uuid::now_v7();
        let row = EventRow {
            county_code: county,
            id,
            path: place.path.clone(),
            place_code: place.code.clone(),
            held_on: v.held_on.to_string(),
            kind: v.kind.key().into(),
            title: v.title.clone(),
            participants: v.participants,
            created_by: caller.username.clone(),
            created_ms: ms(clock::now()),
        };
        let entry = Record::new("family.event")
            .target(format!("family_event:{id}"))
            .place(place.path.clone())
            .detail(format!(
                "kind={} families={}",
                v.kind.key(),
                v.families.len()
            ));
        db_tx!(&self.db, tx => {
            store::insert_event(tx, &row, &v.families).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        Ok(id)
    }

    /// The family events of a year (this one by default) within her places, newest first.
    pub async fn family_events(
        &self,
        caller: &Caller,
        year: Option<&str>,
    ) -> Result<(i64, Vec<FamilyEventView>), ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let year = year_of(year)?.unwrap_or_else(|| i64::from(clock::today().year()));
        let rows = store::events(
            &self.db,
            &caller.reader(),
            &format!("{year:04}-01-01"),
            &format!("{:04}-01-01", year + 1),
            LIST_MAX,
        )
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (e, families) in rows {
            out.push(FamilyEventView {
                id: e.id,
                place_code: e.place_code.clone(),
                place_name: self.place_name(&e.place_code).await?,
                held_on: e.held_on.clone(),
                kind: EventKind::stored(&e.kind)?,
                title: e.title.clone(),
                participants: e.participants,
                families,
            });
        }
        Ok((year, out))
    }

    /// A year's figures within a subtree and her reach: nominations, families on notice,
    /// families named, events and their participants.
    pub async fn family_figures(
        &self,
        caller: &Caller,
        within: &Subtree,
        year: i64,
    ) -> Result<[i64; 5], ServiceError> {
        Ok(store::figures(self.figures_db(), &caller.reader(), within, year).await?)
    }

    /// The villages and communities where she may enter nominations: those below the places
    /// she manages as staff, as (code, name).
    pub async fn family_villages(
        &self,
        caller: &Caller,
    ) -> Result<Vec<(String, String)>, ServiceError> {
        let mut out = Vec::new();
        let mut todo: Vec<String> = caller
            .grants
            .iter()
            .filter(|g| g.role == Role::Staff)
            .filter_map(|g| g.scope_path.trim_end_matches('/').rsplit('/').next())
            .map(str::to_string)
            .collect();
        while let Some(code) = todo.pop() {
            if code.len() == 12 {
                if let Some(p) = self.cached().place(&code).await? {
                    out.push((p.code.clone(), p.name.clone()));
                }
            } else if (6..12).contains(&code.len()) {
                for c in self.cached().children(&code).await?.iter() {
                    todo.push(c.code.clone());
                }
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    async fn voting_of(&self, county: &str) -> Result<(bool, i64), ServiceError> {
        Ok(store::setting(&self.db, county)
            .await?
            .unwrap_or((false, i64::from(VOTE_WEIGHT_MAX))))
    }

    async fn managed_county(
        &self,
        caller: &Caller,
        county: &str,
    ) -> Result<jinguo_storage::place::Place, ServiceError> {
        let place = self.managed_place(caller, county).await?;
        if place.code.len() != 6 {
            return Err(invalid("place", "not_found"));
        }
        Ok(place)
    }

    /// A nomination she manages as staff.
    async fn managed_family(&self, caller: &Caller, id: Uuid) -> Result<FamilyRow, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        Ok(store::family(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?
            .into_inner())
    }

    async fn place_name(&self, code: &str) -> Result<String, ServiceError> {
        Ok(self
            .cached()
            .place(code)
            .await?
            .map(|p| p.name.clone())
            .unwrap_or_default())
    }

    fn seal_opt(
        &self,
        table: &str,
        column: &str,
        id: &Uuid,
        value: &str,
    ) -> Result<String, ServiceError> {
        if value.is_empty() {
            Ok(String::new())
        } else {
            self.seal(table, column, id, value)
        }
    }

    fn open_opt(
        &self,
        table: &str,
        column: &str,
        id: &Uuid,
        value: &str,
    ) -> Result<String, ServiceError> {
        if value.is_empty() {
            Ok(String::new())
        } else {
            self.open(table, column, id, value)
        }
    }

    fn objection_view(&self, o: &ObjectionRow) -> Result<ObjectionView, ServiceError> {
        Ok(ObjectionView {
            id: o.id,
            received_at: from_ms(o.received_ms),
            text: self.open("family_objection", "text", &o.id, &o.text)?,
            contact: jinguo_domain::mask::phone(&self.open_opt(
                "family_objection",
                "contact",
                &o.id,
                &o.contact,
            )?),
            answer: self.open_opt("family_objection", "answer", &o.id, &o.answer)?,
            answered_by: o.answered_by.clone(),
        })
    }

    async fn family_view(
        &self,
        caller: &Caller,
        f: &FamilyRow,
        full: bool,
    ) -> Result<FamilyView, ServiceError> {
        let status = FamilyStatus::stored(&f.status)?;
        let open = |column: &str, v: &str| self.open_opt("family_award", column, &f.id, v);
        let steps = FamilyStep::ALL
            .iter()
            .copied()
            .filter(|s| status.allows(*s))
            .filter(|s| {
                let (level, own) = step_level(f, status, *s);
                caller.manage_scope().covers_all(&level)
                    && !(own && f.created_by == caller.username)
            })
            .filter(|s| *s != FamilyStep::Publish || f.consent_story)
            .collect();
        Ok(FamilyView {
            id: f.id,
            place_code: f.place_code.clone(),
            place_name: self.place_name(&f.place_code).await?,
            year: f.year,
            family_name: open("family_name", &f.family_name)?,
            nominated_by: Nominator::stored(&f.nominated_by)?,
            nominator: open("nominator", &f.nominator)?,
            deeds: if full {
                open("deeds", &f.deeds)?
            } else {
                String::new()
            },
            status,
            notice_from: f.notice_from.clone(),
            notice_until: f.notice_until.clone(),
            level: f.level.as_deref().map(AwardLevel::stored).transpose()?,
            review_score: f.review_score,
            consent_on: f.consent_on.clone(),
            consent_by: if full {
                jinguo_domain::mask::name(&open("consent_by", &f.consent_by)?)
            } else {
                String::new()
            },
            consent_names: f.consent_names,
            consent_story: f.consent_story,
            story: if full {
                open("story", &f.story)?
            } else {
                String::new()
            },
            story_published: f.story_ms.is_some(),
            reject_note: if full {
                open("reject_note", &f.reject_note)?
            } else {
                String::new()
            },
            created_by: f.created_by.clone(),
            village_by: f.village_by.clone(),
            subdistrict_by: f.subdistrict_by.clone(),
            awarded_by: f.awarded_by.clone(),
            decided_by: f.decided_by.clone(),
            version: f.version,
            objections: Vec::new(),
            voting: false,
            votes: 0,
            score: None,
            can_answer: caller.manage_scope().covers_all(&f.path),
            steps,
        })
    }

    async fn public_family_view(
        &self,
        f: &FamilyRow,
        full: bool,
    ) -> Result<PublicFamily, ServiceError> {
        let status = FamilyStatus::stored(&f.status)?;
        let name = self.open("family_award", "family_name", &f.id, &f.family_name)?;
        let voting = status == FamilyStatus::Notice && self.voting_of(&f.county_code).await?.0;
        Ok(PublicFamily {
            id: f.id,
            name: public_name(&name, f.consent_names),
            place_name: self.place_name(&f.place_code).await?,
            year: f.year,
            status,
            level: f.level.as_deref().map(AwardLevel::stored).transpose()?,
            notice_from: f.notice_from.clone(),
            notice_until: f.notice_until.clone(),
            deeds: if full && f.consent_story {
                Some(self.open("family_award", "deeds", &f.id, &f.deeds)?)
            } else {
                None
            },
            story: if full && f.consent_story && f.story_ms.is_some() {
                Some(self.open("family_award", "story", &f.id, &f.story)?)
            } else {
                None
            },
            voting,
        })
    }
}

/// The place whose staff take a step (its path), and whether whoever entered the nomination is
/// kept from it: the village passes it, puts it on notice and records consent; the subdistrict
/// passes it after the notice; the county names it and publishes its story. A refusal belongs to
/// the level whose review is next.
fn step_level(f: &FamilyRow, status: FamilyStatus, step: FamilyStep) -> (String, bool) {
    let county = county_path(&f.county_code).unwrap_or_else(|| "\u{0}".into());
    match step {
        FamilyStep::VillagePass => (f.path.clone(), true),
        FamilyStep::Notice | FamilyStep::Consent => (f.path.clone(), false),
        FamilyStep::SubdistrictPass => (ancestor(&f.path, 4), true),
        FamilyStep::Award => (county, true),
        FamilyStep::Publish => (county, false),
        FamilyStep::Reject => match status {
            FamilyStatus::Nominated | FamilyStatus::VillagePassed => (f.path.clone(), true),
            FamilyStatus::Notice => (ancestor(&f.path, 4), true),
            _ => (county, true),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::ancestor;

    #[test]
    fn ancestors_of_a_village() {
        let p = "53/5301/530181/530181001/530181001001/";
        assert_eq!(ancestor(p, 4), "53/5301/530181/530181001/");
        assert_eq!(ancestor(p, 3), "53/5301/530181/");
        assert_eq!(ancestor("53/", 4), "\u{0}");
    }
}
