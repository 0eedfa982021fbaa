//! Care (关爱): the registries of people in difficulty, their entries' life cycle and review
//! reminders, and the services delivered to registered people, one by one or a whole day at once.
//!
//! Who may do what: whoever may change a household (its representative, staff above it) proposes
//! its persons for a registry after a survey; staff managing the place verify, activate, review
//! and end entries and record services. Everyone sees the entries of the households she may read,
//! names masked; the evidence and a health check's result are sealed at rest and shown to staff
//! managing the place. Every change and every read of an entry is audited.

use crate::audit::{Record, record};
use crate::error::{conflict, invalid};
use crate::{Caller, ServiceError, Services, clock};
use chrono::{Months, NaiveDate};
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::care::{
    self as rules, EntryInput, EntryStatus, EntryStep, Period, ServiceInput, ServiceKind,
};
use jinguo_domain::mask;
pub use jinguo_storage::care::RegistryRow;
use jinguo_storage::care::{self as store, EntryFilter, EntryRow, ServiceRow};
use jinguo_storage::{StorageError, db_tx};
use uuid::Uuid;

/// Entries listed at most on one page.
pub const LIST_LIMIT: i64 = 1000;
/// People served at most in one batch (a health-check day).
pub const BATCH_MAX: usize = 2000;

/// An entry as its reader sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryView {
    pub id: Uuid,
    pub registry: String,
    pub person_id: Uuid,
    pub household_id: Uuid,
    /// Masked.
    pub name: String,
    pub status: EntryStatus,
    pub criteria: String,
    pub surveyed_by: String,
    pub verified_by: Option<String>,
    pub entered_on: NaiveDate,
    pub next_review_on: NaiveDate,
    pub review_due: bool,
    pub left_reason: String,
    pub version: i64,
}

/// A service as listed with its entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceView {
    pub kind: ServiceKind,
    pub on: NaiveDate,
    pub hospital: String,
    pub valid_until: Option<NaiveDate>,
    pub goods: String,
    pub amount_cents: Option<i64>,
    pub visited_by: String,
    /// A health check's result: staff managing the place only.
    pub result: String,
    pub note: String,
}

/// The entries of one registry in one status.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryTally {
    /// The registry's key.
    pub registry: String,
    pub status: EntryStatus,
    pub entries: i64,
}

/// One entry with the services delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryDetail {
    pub entry: EntryView,
    /// Opened, for staff managing the entry; empty for anyone else.
    pub evidence: String,
    pub services: Vec<ServiceView>,
}

/// The figures of care below a place over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct CareFigures {
    pub period: Period,
    /// People served in the period, each once whatever she received.
    pub people_served: i64,
    pub by_kind: Vec<(ServiceKind, i64)>,
    pub entries: Vec<EntryTally>,
    /// Wishes by where they stand (all time).
    pub wishes: Vec<(String, i64)>,
    /// Wishes fulfilled in the period.
    pub wishes_fulfilled: i64,
    /// Events, participants and children reached in the period.
    pub events: EventFigures,
}

impl Services {
    /// Creates the county's six registries that do not exist yet; how many were created.
    pub async fn ensure_registries(
        &self,
        caller: &Caller,
        county: &str,
    ) -> Result<u64, ServiceError> {
        self.managed_place(caller, county).await?;
        self.seed_registries(caller, county, "").await
    }

    /// Writes the six registries a county starts with, those it lacks; how many.
    async fn seed_registries(
        &self,
        caller: &Caller,
        county: &str,
        why: &str,
    ) -> Result<u64, ServiceError> {
        self.write_registries(Some(caller), county, why).await
    }

    /// Gives every county with households the built-in registries it lacks (a county of an
    /// earlier version gets those added since): at start, before any request. How many were
    /// written. Audited as the server's own work.
    pub async fn builtin_registries(&self) -> Result<u64, ServiceError> {
        let mut created = 0;
        for county in jinguo_storage::place::counties_with_households(&self.db, 100_000).await? {
            let have = store::registries(&self.db, &county).await?;
            if rules::REGISTRIES
                .iter()
                .all(|(key, ..)| have.iter().any(|r| r.key == *key))
            {
                continue;
            }
            created += self.write_registries(None, &county, " at_start").await?;
        }
        Ok(created)
    }

    async fn write_registries(
        &self,
        caller: Option<&Caller>,
        county: &str,
        why: &str,
    ) -> Result<u64, ServiceError> {
        let now = clock::now();
        let created = db_tx!(&self.db, tx => {
            let mut created = 0;
            for (key, zh, en, months) in rules::REGISTRIES {
                let row = RegistryRow {
                    county_code: county.to_string(),
                    key: key.into(),
                    name_zh: zh.into(),
                    name_en: en.into(),
                    review_months: months,
                };
                if store::insert_registry(tx, &row, now).await? {
                    created += 1;
                }
            }
            if created > 0 {
                let entry = Record::new("registry.create")
                    .target(format!("county:{county}"))
                    .detail(format!("created={created}{why}"));
                match caller {
                    Some(caller) => record(tx, &self.keys, caller, entry).await?,
                    None => crate::audit::record_as(tx, &self.keys, &crate::audit::Actor::Worker, entry).await?,
                };
            }
            Ok::<u64, StorageError>(created)
        })?;
        Ok(created)
    }

    /// The registries of the place's county. A county without any starts with the six of
    /// [`rules::REGISTRIES`], created at its first use.
    pub async fn registries(
        &self,
        caller: &Caller,
        place: &str,
    ) -> Result<Vec<RegistryRow>, ServiceError> {
        if caller.household_read_scope().is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let county = county_of_code(place)?;
        self.county_registries(caller, &county).await
    }

    /// A county's registries, the six it starts with created when it has none.
    async fn county_registries(
        &self,
        caller: &Caller,
        county: &str,
    ) -> Result<Vec<RegistryRow>, ServiceError> {
        let list = store::registries(&self.db, county).await?;
        if !list.is_empty() {
            return Ok(list);
        }
        self.seed_registries(caller, county, " first_use").await?;
        Ok(store::registries(&self.db, county).await?)
    }

    /// Whether the caller may add a registry to the county of `place`.
    pub async fn may_add_registry(&self, caller: &Caller, place: &str) -> bool {
        match county_of_code(place) {
            Ok(county) => self.managed_place(caller, &county).await.is_ok(),
            Err(_) => false,
        }
    }

    /// Adds a registry to the county of `place`, by staff managing the county: its names and
    /// months between reviews; its key comes from the English name. Two registries of a county
    /// may not share a Chinese name.
    pub async fn create_registry(
        &self,
        caller: &Caller,
        place: &str,
        input: &jinguo_domain::care::RegistryInput,
    ) -> Result<RegistryRow, ServiceError> {
        let county = county_of_code(place)?;
        let county_place = self.managed_place(caller, &county).await?;
        let v = input.validate()?;
        let existing = self.county_registries(caller, &county).await?;
        if existing.iter().any(|r| r.name_zh == v.name_zh) {
            return Err(invalid("name_zh", "registry.duplicate"));
        }
        let taken = |k: &str| k.is_empty() || existing.iter().any(|r| r.key == k);
        let mut key = rules::registry_key(&v.name_en);
        let mut n = existing.len() + 1;
        while taken(&key) {
            key = format!("registry_{n}");
            n += 1;
        }
        let row = RegistryRow {
            county_code: county.clone(),
            key: key.clone(),
            name_zh: v.name_zh,
            name_en: v.name_en,
            review_months: v.review_months,
        };
        let entry = Record::new("registry.create")
            .target(format!("registry:{county}:{key}"))
            .place(county_place.path.clone())
            .detail(format!("review_months={}", row.review_months));
        let now = clock::now();
        let written = db_tx!(&self.db, tx => {
            if !store::insert_registry(tx, &row, now).await? {
                return Ok::<bool, StorageError>(false);
            }
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok(true)
        })?;
        if !written {
            return Err(ServiceError::Conflict);
        }
        Ok(row)
    }

    /// Proposes a person for a registry after a survey: whoever may change her household.
    pub async fn propose_entry(
        &self,
        caller: &Caller,
        place: &str,
        input: &EntryInput,
    ) -> Result<Uuid, ServiceError> {
        let today = clock::today();
        let scope = caller.household_write_scope();
        if scope.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let v = input.validate(today)?;
        let county = county_of_code(place)?;
        let household =
            jinguo_storage::household::person_household(&self.db, &county, v.person_id, &scope)
                .await?
                .ok_or_else(|| invalid("person_id", "not_found"))?;
        let household = jinguo_storage::household::get(&self.db, household, &scope)
            .await?
            .ok_or_else(|| invalid("person_id", "not_found"))?;
        if !self
            .county_registries(caller, &county)
            .await?
            .iter()
            .any(|r| r.key == v.registry)
        {
            return Err(invalid("registry", "invalid"));
        }
        let id = Uuid::now_v7();
        let row = EntryRow {
            county_code: county.clone(),
            id,
            registry_key: v.registry.clone(),
            person: self.seal_id("registry_entry", "person", &id, &v.person_id)?,
            person_ref: self.person_ref("registry_entry", &v.person_id),
            household: self.seal_id("registry_entry", "household", &id, &household.id)?,
            household_ref: self.household_ref("registry_entry", &household.id),
            path: household.path.clone(),
            status: EntryStatus::Proposed.key().into(),
            criteria: v.criteria.clone(),
            evidence: if v.evidence.is_empty() {
                String::new()
            } else {
                self.seal("registry_entry", "evidence", &id, &v.evidence)?
            },
            surveyed_by: v.surveyed_by.clone(),
            verified_by: None,
            entered_on: today,
            next_review_on: v.next_review_on,
            left_on: None,
            left_reason: String::new(),
            version: 1,
        };
        let entry = Record::new("entry.propose")
            .target(format!("entry:{id}"))
            .place(household.path.clone())
            .detail(format!("registry={}", v.registry));
        let now = clock::now();
        db_tx!(&self.db, tx => {
            store::insert_entry(tx, &row, &caller.username, now).await?;
            record(tx, &self.keys, caller, entry.clone()).await
        })
        .map_err(|e| match e {
            StorageError::Conflict(_) => invalid("registry", "entry.duplicate"),
            e => e.into(),
        })?;
        Ok(id)
    }

    /// A step of an entry's life, by staff managing its place: verify (she becomes its
    /// verifier), activate, review (the next review moves on by the registry's interval), leave
    /// (with the reason). 409 if it changed meanwhile.
    pub async fn entry_step(
        &self,
        caller: &Caller,
        id: Uuid,
        step: &str,
        expected_version: i64,
        reason: &str,
    ) -> Result<EntryView, ServiceError> {
        let e = store::entry(&self.db, &caller.reader(), id, &self.entry_household_ref())
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !(caller.has_role(Role::Staff) && caller.manage_scope().covers_all(&e.path)) {
            return Err(ServiceError::NotFound);
        }
        let step = EntryStep::parse(step).ok_or_else(|| invalid("step", "invalid"))?;
        let status = EntryStatus::stored(&e.status)?;
        let next = rules::after(status, step).ok_or_else(|| invalid("step", "entry.step"))?;
        let today = clock::today();
        let mut row = EntryRow::clone(&e);
        row.status = next.key().into();
        let mut left_reason = String::new();
        match step {
            EntryStep::Verify => row.verified_by = Some(caller.username.clone()),
            EntryStep::Review => {
                let months = store::registries(&self.db, &e.county_code)
                    .await?
                    .into_iter()
                    .find(|r| r.key == e.registry_key)
                    .map(|r| r.review_months)
                    .unwrap_or(12);
                row.next_review_on = today
                    .checked_add_months(Months::new(months as u32))
                    .unwrap_or(today);
            }
            EntryStep::Leave => {
                left_reason = rules::reason(reason)?;
                row.left_reason = self.seal("registry_entry", "left_reason", &id, &left_reason)?;
                row.left_on = Some(today);
            }
            EntryStep::Activate => {}
        }
        let entry = Record::new("entry.step")
            .target(format!("entry:{id}"))
            .place(e.path.clone())
            .detail(format!("step={}", step.key()))
            .reason(left_reason);
        let now = clock::now();
        db_tx!(&self.db, tx => {
            if !store::update_entry(tx, &row, expected_version, now).await? {
                return Err(StorageError::Conflict("entry".into()));
            }
            record(tx, &self.keys, caller, entry.clone()).await
        })
        .map_err(conflict)?;
        row.version = expected_version + 1;
        self.entry_view(&row, String::new(), today)
    }

    /// The entries below a place that the caller may read (a representative: her households),
    /// names masked; at most `limit` (and [`LIST_LIMIT`]).
    pub async fn entries(
        &self,
        caller: &Caller,
        place: &str,
        registry: Option<&str>,
        review_due: bool,
        limit: i64,
    ) -> Result<Vec<EntryView>, ServiceError> {
        let scope = caller.household_read_scope();
        if scope.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let place = self
            .cached()
            .place(place)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let today = clock::today();
        let filter = EntryFilter {
            registry,
            review_due_by: review_due.then_some(today),
            serving: false,
        };
        let limit = limit.clamp(1, LIST_LIMIT);
        let rows = store::entries(
            &self.db,
            &caller.reader(),
            &place.subtree(),
            &filter,
            limit,
            &self.entry_household_ref(),
        )
        .await?;
        let persons = rows
            .iter()
            .map(|e| {
                Ok((
                    e.county_code.clone(),
                    self.open_id("registry_entry", "person", &e.id, &e.person)?,
                ))
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        let names = self.linked_names(&persons).await?;
        rows.iter()
            .zip(&persons)
            .map(|(e, (_, person))| {
                let name = names.get(person).cloned().unwrap_or_default();
                self.entry_view(e, mask::name(&name), today)
            })
            .collect()
    }

    /// The pseudonym entries keep of a household, for the reach of a representative.
    fn entry_household_ref(&self) -> impl Fn(&Uuid) -> String + Sync + '_ {
        |h| self.household_ref("registry_entry", h)
    }

    /// The names (opened) of the persons the care tables link to, by id.
    async fn linked_names(
        &self,
        persons: &[(String, Uuid)],
    ) -> Result<std::collections::HashMap<Uuid, String>, ServiceError> {
        let mut out = std::collections::HashMap::new();
        for p in self.linked_persons(persons).await? {
            out.insert(p.id, self.open("person", "name", &p.id, &p.name)?);
        }
        Ok(out)
    }

    /// The persons (as stored) the care tables link to, read by county.
    async fn linked_persons(
        &self,
        persons: &[(String, Uuid)],
    ) -> Result<Vec<store::LinkedPerson>, ServiceError> {
        let mut by_county: std::collections::BTreeMap<&str, Vec<Uuid>> = Default::default();
        for (county, id) in persons {
            by_county.entry(county.as_str()).or_default().push(*id);
        }
        let mut out = Vec::new();
        for (county, mut ids) in by_county {
            ids.sort();
            ids.dedup();
            out.extend(store::linked_persons(&self.db, county, &ids).await?);
        }
        Ok(out)
    }

    /// One entry with the services delivered; evidence and results for staff managing it.
    /// Audited.
    pub async fn entry(&self, caller: &Caller, id: Uuid) -> Result<EntryDetail, ServiceError> {
        let reader = caller.reader();
        let e = store::entry(&self.db, &reader, id, &self.entry_household_ref())
            .await?
            .ok_or(ServiceError::NotFound)?;
        let person = self.open_id("registry_entry", "person", &id, &e.person)?;
        let name = self
            .linked_names(&[(e.county_code.clone(), person)])
            .await?
            .remove(&person)
            .ok_or(ServiceError::NotFound)?;
        let staff =
            caller.has_role(Role::Staff) && caller.household_write_scope().covers_all(&e.path);
        let evidence = if staff && !e.evidence.is_empty() {
            self.open("registry_entry", "evidence", &id, &e.evidence)?
        } else {
            String::new()
        };
        let mut services = Vec::new();
        for s in store::services_of_entry(&self.db, &e).await? {
            let result = if staff && !s.result.is_empty() {
                self.open("care_service", "result", &s.id, &s.result)?
            } else {
                String::new()
            };
            services.push(ServiceView {
                kind: ServiceKind::stored(&s.kind)?,
                on: s.on_date,
                hospital: s.hospital,
                valid_until: s.valid_until,
                goods: s.goods,
                amount_cents: s.amount_cents,
                visited_by: s.visited_by,
                result,
                note: if s.note.is_empty() {
                    s.note
                } else {
                    self.open("care_service", "note", &s.id, &s.note)?
                },
            });
        }
        self.note_read(
            caller,
            Record::new("entry.read")
                .target(format!("entry:{id}"))
                .place(e.path.clone()),
        )
        .await?;
        Ok(EntryDetail {
            entry: self.entry_view(&e, mask::name(&name), clock::today())?,
            evidence,
            services,
        })
    }

    /// Records a service for people of a registry (one, or a whole day of them) by staff managing
    /// their places: each must be in the registry (verified or active). All or nothing: a person
    /// who is not refuses the whole batch, naming her place in the list. The batch's id.
    pub async fn record_services(
        &self,
        caller: &Caller,
        place: &str,
        input: &ServiceInput,
        persons: &[Uuid],
    ) -> Result<Uuid, ServiceError> {
        let v = input.validate(clock::today())?;
        if persons.is_empty() {
            return Err(invalid("persons", "required"));
        }
        if persons.len() > BATCH_MAX {
            return Err(invalid("persons", "out_of_range"));
        }
        let place = self.managed_place(caller, place).await?;
        let county = county_of_code(&place.code)?;
        let reader = caller.reader();
        let mut entries = Vec::with_capacity(persons.len());
        let mut errors = jinguo_domain::ValidationErrors::new();
        for (i, p) in persons.iter().enumerate() {
            let person_ref = self.person_ref("registry_entry", p);
            match store::serving_entry(&self.db, &reader, &county, &v.registry, &person_ref).await?
            {
                Some(e) if e.path.starts_with(&place.path) => entries.push((e, *p)),
                _ => errors.push(format!("persons[{i}]"), "service.not_in_registry"),
            }
        }
        errors.into_result()?;
        let batch = Uuid::now_v7();
        let mut rows = Vec::with_capacity(entries.len());
        for (e, person) in &entries {
            let id = Uuid::now_v7();
            rows.push(ServiceRow {
                county_code: county.clone(),
                id,
                entry_id: e.id,
                person_ref: self.person_ref("care_service", person),
                path: e.path.clone(),
                kind: v.kind.key().into(),
                on_date: v.on,
                hospital: v.hospital.clone(),
                valid_until: v.valid_until,
                goods: v.goods.clone(),
                amount_cents: v.amount_cents,
                visited_by: v.visited_by.clone(),
                result: if v.result.is_empty() {
                    String::new()
                } else {
                    self.seal("care_service", "result", &id, &v.result)?
                },
                note: if v.note.is_empty() {
                    String::new()
                } else {
                    self.seal("care_service", "note", &id, &v.note)?
                },
                batch_id: Some(batch),
                created_by: caller.username.clone(),
            });
        }
        let detail = format!(
            "kind={} registry={} people={}",
            v.kind.key(),
            v.registry,
            rows.len()
        );
        self.write_services(caller, &place.path, batch, &rows, false, detail)
            .await?;
        Ok(batch)
    }

    /// Writes a batch of services in one transaction with its audit entry.
    pub(crate) async fn write_services(
        &self,
        caller: &Caller,
        place_path: &str,
        batch: Uuid,
        rows: &[ServiceRow],
        once: bool,
        detail: String,
    ) -> Result<u64, ServiceError> {
        let now = clock::now();
        let written = db_tx!(&self.db, tx => {
            let mut written = 0u64;
            for r in rows {
                if !once {
                    store::insert_service(tx, r, now).await?;
                    written += 1;
                } else if store::insert_service_once(tx, r, now).await? {
                    written += 1;
                }
            }
            let entry = Record::new("care.service")
                .target(format!("batch:{batch}"))
                .place(place_path.to_string())
                .detail(format!("{detail} written={written}"));
            record(tx, &self.keys, caller, entry).await?;
            Ok::<u64, StorageError>(written)
        })?;
        Ok(written)
    }

    /// The figures of care below a place the caller manages, over a period.
    pub async fn care_figures(
        &self,
        caller: &Caller,
        place: &str,
        period: Period,
    ) -> Result<CareFigures, ServiceError> {
        let place = self.managed_place(caller, place).await?;
        let store::CareCounts {
            people,
            kinds,
            entries,
        } = store::figures(self.figures_db(), &place.subtree(), period.from, period.to).await?;
        let wishes = store::wish_counts(self.figures_db(), &place.subtree()).await?;
        let wishes_fulfilled =
            store::wishes_fulfilled(self.figures_db(), &place.subtree(), period.from, period.to)
                .await?;
        let events = self.event_figures(caller, &place.code, period).await?;
        Ok(CareFigures {
            wishes,
            wishes_fulfilled,
            events,
            period,
            people_served: people,
            by_kind: kinds
                .into_iter()
                .filter_map(|(k, n)| ServiceKind::parse(&k).map(|k| (k, n)))
                .collect(),
            entries: entries
                .into_iter()
                .filter_map(|e| {
                    EntryStatus::parse(&e.status).map(|status| EntryTally {
                        registry: e.registry_key,
                        status,
                        entries: e.entries,
                    })
                })
                .collect(),
        })
    }
}

fn county_of_code(code: &str) -> Result<String, ServiceError> {
    jinguo_domain::place::PlaceCode::parse(code)
        .ok()
        .and_then(|c| c.county().map(str::to_string))
        .ok_or(ServiceError::NotFound)
}

impl Services {
    /// An entry as shown, its reason for leaving opened.
    fn entry_view(
        &self,
        e: &EntryRow,
        name: String,
        today: NaiveDate,
    ) -> Result<EntryView, ServiceError> {
        let left_reason = if e.left_reason.is_empty() {
            String::new()
        } else {
            self.open("registry_entry", "left_reason", &e.id, &e.left_reason)?
        };
        let person_id = self.open_id("registry_entry", "person", &e.id, &e.person)?;
        let household_id = self.open_id("registry_entry", "household", &e.id, &e.household)?;
        view(e, (person_id, household_id), name, left_reason, today)
    }
}

fn view(
    e: &EntryRow,
    (person_id, household_id): (Uuid, Uuid),
    name: String,
    left_reason: String,
    today: NaiveDate,
) -> Result<EntryView, ServiceError> {
    let status = EntryStatus::stored(&e.status)?;
    Ok(EntryView {
        id: e.id,
        registry: e.registry_key.clone(),
        person_id,
        household_id,
        name,
        status,
        criteria: e.criteria.clone(),
        surveyed_by: e.surveyed_by.clone(),
        verified_by: e.verified_by.clone(),
        entered_on: e.entered_on,
        next_review_on: e.next_review_on,
        review_due: rules::review_due(status, e.next_review_on, today),
        left_reason,
        version: e.version,
    })
}

/// The settings of care (configuration, with these defaults).
#[derive(Debug, Clone)]
pub struct CarePolicy {
    /// Days a donor has to fulfil a wish she claimed before it is offered again.
    pub claim_days: i64,
    /// Wishes one address may claim in an hour: a donor claims a few; more is someone emptying
    /// the list.
    pub claims_per_hour: i64,
}

impl Default for CarePolicy {
    fn default() -> Self {
        Self {
            claim_days: rules::CLAIM_DAYS,
            claims_per_hour: 10,
        }
    }
}

/// A wish as the federation sees it (the child's name masked) or the public page (nothing
/// personal: `child` is empty).
#[derive(Debug, Clone, PartialEq)]
pub struct WishView {
    pub id: Uuid,
    pub wish: String,
    pub age: i64,
    pub place: String,
    pub status: WishStatus,
    /// Masked; empty on the public page.
    pub child: String,
    /// Masked; empty on the public page.
    pub donor: String,
    pub claim_expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub fulfilled_on: Option<NaiveDate>,
    pub version: i64,
}

use jinguo_domain::care::{ClaimInput, WishInput, WishStatus, WishStep};
use jinguo_storage::care::WishRow;

impl Services {
    /// A child's wish, proposed by whoever may change her household (her representative), with
    /// her guardian's consent.
    pub async fn propose_wish(
        &self,
        caller: &Caller,
        place: &str,
        input: &WishInput,
    ) -> Result<Uuid, ServiceError> {
        let scope = caller.household_write_scope();
        if scope.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let valid = input.validate()?;
        let (person, wish) = (valid.person_id, valid.wish.clone());
        let county = county_of_code(place)?;
        let (household, child) = self
            .registered_person(&county, person, &scope)
            .await?
            .ok_or_else(|| invalid("person_id", "not_found"))?;
        let today = clock::today();
        let age = i64::from(crate::households::age(child.birth_date, today));
        if age >= 18 {
            return Err(invalid("person_id", "wish.not_a_child"));
        }
        let township = self
            .cached()
            .place(household.group_code.get(..9).unwrap_or_default())
            .await?
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let id = Uuid::now_v7();
        let row = WishRow {
            county_code: county,
            id,
            person: self.seal_id("wish", "person", &id, &person)?,
            household: self.seal_id("wish", "household", &id, &household.id)?,
            household_ref: self.household_ref("wish", &household.id),
            path: household.path.clone(),
            public_place: township,
            age,
            wish,
            status: WishStatus::Proposed.key().into(),
            guardian_consent: true,
            proposed_by: caller.username.clone(),
            approved_by: None,
            donor: None,
            donor_phone: None,
            credit_code: None,
            claimed_at: None,
            claim_expires_at: None,
            fulfilled_on: None,
            confirm_note: String::new(),
            version: 1,
        };
        let entry = Record::new("wish.propose")
            .target(format!("wish:{id}"))
            .place(household.path.clone());
        let now = clock::now();
        // The guardian's consent to publish, named, is a record of its own: the public page
        // shows the wish only while it is in force.
        let consent = Uuid::now_v7();
        let consent = jinguo_storage::consent::ConsentRow {
            county_code: row.county_code.clone(),
            id: consent,
            person: self.seal_id("consent", "person", &consent, &person)?,
            person_ref: self.person_ref("consent", &person),
            purpose: "publish".into(),
            basis: "consent".into(),
            given_by: "guardian".into(),
            guardian_name: Some(self.seal(
                "consent",
                "guardian_name",
                &consent,
                &valid.guardian_name,
            )?),
            guardian_relationship: Some(valid.guardian_relationship.clone()),
            recorded_by: caller.account_id,
            recorded_at: now,
            withdrawn_at: None,
        };
        db_tx!(&self.db, tx => {
            store::insert_wish(tx, &row, now).await?;
            jinguo_storage::consent::insert(tx, &consent).await?;
            record(tx, &self.keys, caller, Record::new("consent.record").target(format!("person:{person}"))
                .place(household.path.clone()).detail("purpose=publish basis=consent given_by=guardian")).await?;
            record(tx, &self.keys, caller, entry.clone()).await
        })?;
        Ok(id)
    }

    /// A step of a wish by staff managing its place: approve (it is published), fulfilled,
    /// confirm (with a note), withdraw. 409 if it changed meanwhile.
    pub async fn wish_step(
        &self,
        caller: &Caller,
        id: Uuid,
        step: &str,
        expected_version: i64,
        note: &str,
    ) -> Result<(), ServiceError> {
        let w = store::wish(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::NotFound);
        }
        let step = WishStep::parse(step).ok_or_else(|| invalid("step", "invalid"))?;
        let mut status = WishStatus::stored(&w.status)?;
        // An expired claim no longer holds the wish.
        if status == WishStatus::Claimed && w.claim_expires_at.is_some_and(|t| t < clock::now()) {
            status = WishStatus::Published;
        }
        let next = rules::wish_after(status, step).ok_or_else(|| invalid("step", "wish.step"))?;
        let mut row = WishRow::clone(&w);
        row.status = next.key().into();
        // Published only under a consent to publish in force (it may have been withdrawn since
        // the wish was proposed).
        if step == WishStep::Approve && !self.may_publish(&w).await? {
            return Err(invalid("guardian_consent", "consent.publish_needs_consent"));
        }
        match step {
            WishStep::Approve => row.approved_by = Some(caller.username.clone()),
            WishStep::Fulfil => row.fulfilled_on = Some(clock::today()),
            WishStep::Confirm => {
                let note = note.trim();
                if note.is_empty() {
                    return Err(invalid("note", "required"));
                }
                let note: String = note.chars().take(rules::TEXT_MAX_CHARS).collect();
                row.confirm_note = self.seal("wish", "confirm_note", &id, &note)?;
            }
            WishStep::Withdraw => {}
        }
        let entry = Record::new("wish.step")
            .target(format!("wish:{id}"))
            .place(w.path.clone())
            .detail(format!("step={}", step.key()));
        let now = clock::now();
        db_tx!(&self.db, tx => {
            if !store::update_wish(tx, &row, expected_version, now).await? {
                return Err(StorageError::Conflict("wish".into()));
            }
            record(tx, &self.keys, caller, entry.clone()).await
        })
        .map_err(conflict)?;
        Ok(())
    }

    /// The wishes below a place the caller may read, the child's and donor's names masked,
    /// newest first; with `open_only`, those still to be taken forward (not confirmed nor
    /// withdrawn); at most `limit` (and [`LIST_LIMIT`]).
    pub async fn wishes(
        &self,
        caller: &Caller,
        place: &str,
        open_only: bool,
        limit: i64,
    ) -> Result<Vec<WishView>, ServiceError> {
        let scope = caller.household_read_scope();
        if scope.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let place = self
            .cached()
            .place(place)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut out = Vec::new();
        let limit = limit.clamp(1, LIST_LIMIT);
        let rows = store::wishes(
            &self.db,
            &caller.reader(),
            &place.subtree(),
            open_only,
            limit,
            &|h| self.household_ref("wish", h),
        )
        .await?;
        let children = rows
            .iter()
            .map(|w| {
                Ok((
                    w.county_code.clone(),
                    self.open_id("wish", "person", &w.id, &w.person)?,
                ))
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        let names = self.linked_names(&children).await?;
        for (w, (_, child)) in rows.iter().zip(&children) {
            let donor = match &w.donor {
                Some(d) => mask::name(&self.open("wish", "donor", &w.id, d)?),
                None => String::new(),
            };
            let child = names.get(child).map(|n| mask::name(n)).unwrap_or_default();
            out.push(wish_view(w, child, donor)?);
        }
        Ok(out)
    }

    /// Whether the child of a wish has a consent to publish in force (it may have been withdrawn
    /// since the wish was proposed).
    async fn may_publish(&self, w: &WishRow) -> Result<bool, ServiceError> {
        let child = self.open_id("wish", "person", &w.id, &w.person)?;
        Ok(jinguo_storage::consent::of_person(
            &self.db,
            &w.county_code,
            &self.person_ref("consent", &child),
        )
        .await?
        .iter()
        .any(|c| c.purpose == "publish" && c.withdrawn_at.is_none()))
    }

    /// The wishes donors may claim now: nothing personal (the wish, the child's age, her
    /// subdistrict). For anyone, logged in or not.
    pub async fn public_wishes(&self) -> Result<Vec<WishView>, ServiceError> {
        const SHOWN: usize = 200;
        let now = clock::now();
        let mut out = Vec::new();
        let mut after = Uuid::nil();
        while out.len() < SHOWN {
            let page = store::open_wishes(&self.db, now, after, SHOWN as i64).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for w in &page {
                if out.len() == SHOWN || !self.may_publish(w).await? {
                    continue;
                }
                let mut v = wish_view(w, String::new(), String::new())?;
                v.status = WishStatus::Published;
                v.claim_expires_at = None;
                out.push(v);
            }
        }
        Ok(out)
    }

    /// A donor claims a published wish (or one whose claim expired). Of two claims at the same
    /// moment, one wins; the other is told the wish was just taken.
    pub async fn claim_wish(
        &self,
        id: Uuid,
        input: &ClaimInput,
        ip: &str,
    ) -> Result<chrono::DateTime<chrono::Utc>, ServiceError> {
        let v = input.validate()?;
        let w = store::public_wish(&self.db, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !self.may_publish(&w).await? {
            return Err(ServiceError::NotFound);
        }
        let now = clock::now();
        let hour_ago = now - chrono::Duration::hours(1);
        if jinguo_storage::audit::count_from_ip_since(&self.db, ip, "wish.claim", hour_ago).await?
            >= self.care.claims_per_hour
        {
            return Err(ServiceError::RateLimited);
        }
        let expires = now + chrono::Duration::days(self.care.claim_days);
        let donor = self.seal("wish", "donor", &id, &v.donor)?;
        let phone = self.seal("wish", "donor_phone", &id, &v.phone)?;
        let donor_actor = crate::audit::Actor::Anonymous {
            name: "donor",
            ip: ip.to_string(),
        };
        let entry = Record::new("wish.claim")
            .target(format!("wish:{id}"))
            .place(w.path.clone())
            .detail(format!("organisation={}", v.credit_code.is_some()));
        let won = db_tx!(&self.db, tx => {
            if !store::claim_wish(tx, id, &donor, &phone, v.credit_code.as_deref(), now, expires).await? {
                return Ok::<bool, StorageError>(false);
            }
            crate::audit::record_as(tx, &self.keys, &donor_actor, entry.clone()).await?;
            Ok(true)
        })?;
        if won {
            Ok(expires)
        } else {
            Err(invalid("wish", "wish.taken"))
        }
    }

    /// Frees the wishes whose claim expired (the server's worker runs it each round).
    pub async fn expire_claims(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, ServiceError> {
        // Read first: most rounds find nothing, and a write would make every cache read again.
        if !store::claims_expired(&self.db, now).await? {
            return Ok(0);
        }
        Ok(db_tx!(&self.db, tx => store::expire_claims(tx, now).await)?)
    }

    /// Reminds the representatives answering for the households of entries due for review by
    /// `today` (in their inbox, linking to the entry, no name in it), once per review date: an
    /// entry reviewed gets a new date and will remind again when that comes. The server's worker
    /// runs it; how many entries were reminded about.
    pub async fn remind_reviews(
        &self,
        today: NaiveDate,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, ServiceError> {
        let mut reminded = 0;
        let mut names: std::collections::HashMap<(String, String), (String, String)> =
            Default::default();
        loop {
            let due = store::entries_to_remind(&self.db, today, REMIND_BATCH).await?;
            if due.is_empty() {
                break;
            }
            // Who to tell of each, read first; then the batch written in one transaction (a
            // commit per entry would cost a county's first round thousands of commits, each
            // making every cache read again).
            let mut batch = Vec::with_capacity(due.len());
            for store::EntryToRemind {
                county_code: county,
                id,
                registry_key: registry,
                household,
                path,
                next_review_on: review_on,
            } in due
            {
                let household = self.open_id("registry_entry", "household", &id, &household)?;
                if !names.contains_key(&(county.clone(), registry.clone())) {
                    for r in store::registries(&self.db, &county).await? {
                        names.insert((county.clone(), r.key), (r.name_zh, r.name_en));
                    }
                }
                let (zh, en) = names
                    .get(&(county.clone(), registry.clone()))
                    .cloned()
                    .unwrap_or_else(|| (registry.clone(), registry.clone()));
                let accounts =
                    store::responsible_accounts(&self.db, &county, household, &path).await?;
                let params = format!("{zh}|{en}|{review_on}");
                batch.push((county, id, review_on, accounts, params));
            }
            let marked = db_tx!(&self.db, tx => {
                let mut marked = 0u64;
                for (county, id, review_on, accounts, params) in &batch {
                    if !store::mark_reminded(tx, county, *id, *review_on).await? {
                        continue;
                    }
                    marked += 1;
                    for a in accounts {
                        jinguo_storage::linkage::insert_notification(
                            tx,
                            &jinguo_storage::linkage::NotificationRow {
                                id: Uuid::now_v7(),
                                account_id: *a,
                                kind: "entry.review_due".into(),
                                title: params.clone(),
                                link: format!("/registry-entries/{id}"),
                                level: 0,
                                created_at: now,
                                read_at: None,
                            },
                        )
                        .await?;
                    }
                }
                Ok::<u64, StorageError>(marked)
            })?;
            reminded += marked;
            if marked == 0 {
                break;
            }
        }
        Ok(reminded)
    }
}

/// Entries reminded about in one read.
const REMIND_BATCH: i64 = 200;

fn wish_view(w: &WishRow, child: String, donor: String) -> Result<WishView, ServiceError> {
    Ok(WishView {
        id: w.id,
        wish: w.wish.clone(),
        age: w.age,
        place: w.public_place.clone(),
        status: WishStatus::stored(&w.status)?,
        child,
        donor,
        claim_expires_at: w.claim_expires_at,
        fulfilled_on: w.fulfilled_on,
        version: w.version,
    })
}

/// An event as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct EventView {
    pub id: Uuid,
    pub kind: jinguo_domain::care::EventKind,
    pub name: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub organiser: String,
    /// Registered and counted participants.
    pub participants: i64,
    pub children: i64,
}

/// Events and their participants over a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFigures {
    pub events: i64,
    pub participants: i64,
    pub children: i64,
}

impl Services {
    /// Records an event at a place the caller manages: its registered participants must be
    /// persons she may read.
    pub async fn record_event(
        &self,
        caller: &Caller,
        place: &str,
        input: &jinguo_domain::care::EventInput,
    ) -> Result<Uuid, ServiceError> {
        let place = self.managed_place(caller, place).await?;
        let v = input.validate(clock::today())?;
        let county = county_of_code(&place.code)?;
        let scope = caller.household_read_scope();
        let mut errors = jinguo_domain::ValidationErrors::new();
        for (i, p) in v.persons.iter().enumerate() {
            if jinguo_storage::household::person_household(&self.db, &county, *p, &scope)
                .await?
                .is_none()
            {
                errors.push(format!("persons[{i}]"), "not_found");
            }
        }
        errors.into_result()?;
        let id = Uuid::now_v7();
        let participants = v
            .persons
            .iter()
            .map(|p| {
                Ok(store::Participant {
                    person: self.seal_id("care_event", "person", &id, p)?,
                    person_ref: self.person_ref("care_event", p),
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        let row = jinguo_storage::care::EventRow {
            county_code: county,
            id,
            path: place.path.clone(),
            kind: v.kind.key().into(),
            name: v.name.clone(),
            held_on: v.held_on,
            place_text: v.place.clone(),
            organiser: v.organiser.clone(),
            anonymous: v.anonymous,
            anonymous_children: v.anonymous_children,
            created_by: caller.username.clone(),
        };
        let entry = Record::new("care.event")
            .target(format!("event:{id}"))
            .place(place.path.clone())
            .detail(format!(
                "kind={} registered={} counted={}",
                v.kind.key(),
                v.persons.len(),
                v.anonymous
            ));
        let now = clock::now();
        db_tx!(&self.db, tx => {
            store::insert_event(tx, &row, &participants, now).await?;
            record(tx, &self.keys, caller, entry.clone()).await
        })?;
        Ok(id)
    }

    /// The events below a place the caller manages, over a period, newest first.
    pub async fn events(
        &self,
        caller: &Caller,
        place: &str,
        period: Period,
    ) -> Result<Vec<EventView>, ServiceError> {
        let place = self.managed_place(caller, place).await?;
        let lines =
            store::events(self.figures_db(), &place.subtree(), period.from, period.to).await?;
        // Every event's participants opened, then their persons read at once (a read a county,
        // not a read an event) and each birth date opened once.
        let mut opened = Vec::with_capacity(lines.len());
        for line in &lines {
            let e = &line.event;
            let mut ids = line
                .persons
                .iter()
                .map(|p| self.open_id("care_event", "person", &e.id, p))
                .collect::<Result<Vec<_>, ServiceError>>()?;
            ids.sort();
            ids.dedup();
            opened.push(ids);
        }
        let wanted: Vec<(String, Uuid)> = lines
            .iter()
            .zip(&opened)
            .flat_map(|(l, ids)| ids.iter().map(|id| (l.event.county_code.clone(), *id)))
            .collect();
        let mut born: std::collections::HashMap<Uuid, NaiveDate> = Default::default();
        for p in self.linked_persons(&wanted).await? {
            born.insert(p.id, self.open_birth_date(&p.id, &p.birth_date)?);
        }
        let mut out = Vec::with_capacity(lines.len());
        for (store::EventLine { event: e, persons }, ids) in lines.into_iter().zip(opened) {
            let registered = persons.len() as i64;
            // Children: under 18 on the day.
            let children = ids
                .iter()
                .filter_map(|id| born.get(id))
                .filter(|b| {
                    b.checked_add_months(chrono::Months::new(18 * 12))
                        .is_some_and(|d| d > e.held_on)
                })
                .count() as i64;
            out.push(EventView {
                id: e.id,
                kind: jinguo_domain::care::EventKind::parse(&e.kind)
                    .unwrap_or(jinguo_domain::care::EventKind::Other),
                name: e.name,
                held_on: e.held_on,
                place: e.place_text,
                organiser: e.organiser,
                participants: registered + e.anonymous,
                children: children + e.anonymous_children,
            });
        }
        Ok(out)
    }

    /// Events, participants and children reached below a place over a period.
    pub async fn event_figures(
        &self,
        caller: &Caller,
        place: &str,
        period: Period,
    ) -> Result<EventFigures, ServiceError> {
        let list = self.events(caller, place, period).await?;
        Ok(EventFigures {
            events: list.len() as i64,
            participants: list.iter().map(|e| e.participants).sum(),
            children: list.iter().map(|e| e.children).sum(),
        })
    }
}

impl Services {
    /// The overview's line of care, for staff managing the place: people served this year (each
    /// once) and entries due for review; none for anyone else.
    pub async fn care_counts(
        &self,
        caller: &Caller,
        place: &jinguo_storage::place::Place,
    ) -> Result<Option<(i64, i64)>, ServiceError> {
        if !caller.manages(&place.path) {
            return Ok(None);
        }
        let today = clock::today();
        let year = Period::year(chrono::Datelike::year(&today))?;
        Ok(Some(
            self.cached_figures()
                .care_counts(&place.subtree(), year, today)
                .await?,
        ))
    }
}
