//! Households and persons: the drill-down to one household, and adding a person to it.

use crate::audit::{Record, record};
use crate::sealed::PersonFields;
use crate::{Caller, ServiceError, Services, clock};
use jinguo_domain::Kind as _;
use jinguo_domain::audit::AuditEntry;
use jinguo_domain::ids::PersonId;
use jinguo_domain::person::{PersonInput, Relationship, Sex};
use jinguo_domain::{ValidationErrors, mask};
use jinguo_storage::db_tx;
use jinguo_storage::household::{self as store, Household, HouseholdLine};
use jinguo_storage::place::Place;
use uuid::Uuid;

pub const PAGE_SIZE: i64 = 50;

/// A person as shown to someone without need to know: name, ID and phone masked.
#[derive(Debug, Clone)]
pub struct PersonView {
    pub id: Uuid,
    pub name: String,
    pub sex: Sex,
    pub age: i32,
    pub id_number: String,
    pub phone: Option<String>,
    pub relationship: Relationship,
}

#[derive(Debug, Clone)]
pub struct HouseholdView {
    pub household: Household,
    pub lineage: Vec<Place>,
    pub persons: Vec<PersonView>,
    /// Whether the values are shown unmasked.
    pub revealed: bool,
}

/// How many households one account may reveal in an hour.
pub const REVEALS_PER_HOUR: i64 = 20;

/// One page of a resident group's households.
#[derive(Debug, Clone)]
pub struct HouseholdPage {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub lines: Vec<HouseholdLine>,
}

impl Services {
    /// A resident group's households, page by page (1-based), heads' names masked.
    pub async fn group_households(
        &self,
        caller: &Caller,
        group_code: &str,
        page: i64,
    ) -> Result<HouseholdPage, ServiceError> {
        let scope = caller.household_read_scope();
        let group = self
            .cached()
            .place_scoped(group_code, &scope)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let visible = scope.within(&group.subtree());
        if !scope.covers_all(&group.path) {
            // A representative: the households she answers for, read for her alone (never
            // from, nor into, the page every member of the group's federation shares).
            return self.read_household_page(&group, page, &visible).await;
        }
        // The whole group: the same page for everyone who may see all of it, kept a moment, masked.
        let key = format!("{}|{page}", group.path);
        let found = self
            .caches
            .household_pages
            .get(&key, || self.read_household_page(&group, page, &visible))
            .await?;
        Ok(found.as_ref().clone())
    }

    async fn read_household_page(
        &self,
        group: &Place,
        page: i64,
        visible: &jinguo_storage::Scope,
    ) -> Result<HouseholdPage, ServiceError> {
        let within = group.subtree();
        let total = if visible.covers_all(&group.path) {
            store::count(&self.db, &within).await?
        } else {
            store::count_visible(&self.db, &within, visible).await?
        };
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        if page < 1 || page > pages {
            let mut e = ValidationErrors::new();
            e.push("page", "page.range");
            return Err(e.into());
        }
        let mut lines = store::list_in_group(
            &self.db,
            &group.code,
            visible,
            (page - 1) * PAGE_SIZE,
            PAGE_SIZE,
        )
        .await?;
        for l in &mut lines {
            l.head_name = match (&l.head_name, l.head_id) {
                (Some(sealed), Some(head)) => {
                    Some(mask::name(&self.open("person", "name", &head, sealed)?))
                }
                _ => None,
            };
            l.address = mask::address(&self.open("household", "address", &l.id, &l.address)?);
        }
        Ok(HouseholdPage {
            page,
            pages,
            total,
            lines,
        })
    }

    /// The household of a resident, found by her ID number within the caller's place (a
    /// representative: within her households). The number is checked first, and a refusal names
    /// the field; the search is audited, with the household found but never the number.
    pub async fn find_household(
        &self,
        caller: &Caller,
        id_number: &str,
    ) -> Result<Household, ServiceError> {
        let id = jinguo_domain::resident_id::ResidentId::parse(id_number, clock::today())
            .map_err(|e| ServiceError::Invalid(e.into()))?;
        let index = self.id_number_index(id.as_str());
        let found =
            store::by_person_index(&self.db, &index, &caller.household_read_scope()).await?;
        let entry = match &found {
            Some(h) => Record::new("household.search")
                .target(format!("household:{}", h.id))
                .place(h.path.clone())
                .detail("found"),
            None => Record::new("household.search").detail("not found"),
        };
        self.note_read(caller, entry).await?;
        found.ok_or(ServiceError::NotFound)
    }

    /// One household with its persons, masked. The read is audited.
    pub async fn household_view(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<HouseholdView, ServiceError> {
        self.household_read(caller, id, None).await
    }

    /// The same with every value shown: an explicit act with a stated reason, audited and
    /// limited to a number of reveals per hour.
    pub async fn household_reveal(
        &self,
        caller: &Caller,
        id: Uuid,
        reason: &str,
    ) -> Result<HouseholdView, ServiceError> {
        let reason = self.reveal_allowed(caller, reason).await?;
        self.household_read(caller, id, Some(reason)).await
    }

    /// A household's page: the household with its persons (masked, or shown when `reveal`
    /// gives a reason, as [`Self::household_reveal`]) and its screening, the reads of both
    /// recorded together (one commit to wait for, not two).
    pub async fn household_page(
        &self,
        caller: &Caller,
        id: Uuid,
        reveal: Option<&str>,
    ) -> Result<(HouseholdView, crate::screening::HouseholdScreening), ServiceError> {
        let reveal = match reveal {
            Some(reason) => Some(self.reveal_allowed(caller, reason).await?),
            None => None,
        };
        let (view, read) = self.read_household(caller, id, reveal).await?;
        let (screening, visits) = self
            .screening_unnoted(caller, &view.household, &view.lineage)
            .await?;
        self.note_reads([Some(read), visits].into_iter().flatten().collect())
            .await?;
        Ok((view, screening))
    }

    /// The reason given to show a household's values in clear, trimmed, when it is long enough
    /// and the caller has not shown too many in the last hour.
    async fn reveal_allowed<'r>(
        &self,
        caller: &Caller,
        reason: &'r str,
    ) -> Result<&'r str, ServiceError> {
        let reason = reason.trim();
        if reason.chars().count() < 4 {
            let mut e = ValidationErrors::new();
            e.push("reason", "reason.required");
            return Err(e.into());
        }
        if let Some(actor) = caller.account_id {
            let hour_ago = clock::now() - chrono::Duration::hours(1);
            if self.reveals_since(actor, hour_ago).await? >= REVEALS_PER_HOUR {
                return Err(ServiceError::RateLimited);
            }
        }
        Ok(reason)
    }

    async fn household_read(
        &self,
        caller: &Caller,
        id: Uuid,
        reveal: Option<&str>,
    ) -> Result<HouseholdView, ServiceError> {
        let (view, read) = self.read_household(caller, id, reveal).await?;
        self.note_reads(vec![read]).await?;
        Ok(view)
    }

    /// A household read for the caller, and the audit entry of the read (not yet recorded: the
    /// caller of this records it before anything read is answered).
    async fn read_household(
        &self,
        caller: &Caller,
        id: Uuid,
        reveal: Option<&str>,
    ) -> Result<(HouseholdView, AuditEntry), ServiceError> {
        let read = self.cached();
        let (household, stored_persons) = read
            .household_with_persons(id, &caller.household_read_scope())
            .await?
            .ok_or(ServiceError::NotFound)?;
        // The household's path is its group's: the group and its ancestors in one read.
        let mut lineage = read.lineage_at(&household.path).await?;
        if lineage
            .last()
            .is_none_or(|g| g.code != household.group_code)
        {
            let group = read
                .place(&household.group_code)
                .await?
                .ok_or(ServiceError::NotFound)?;
            lineage = read.lineage(&group).await?;
        }
        let lineage = lineage.as_ref().clone();
        // Under emergency access: the household, or one person of it (no one else of it).
        let mut emergency = caller
            .emergency_for(crate::access::EmergencyTarget::Household(household.id))
            .map(|e| e.id);
        let mut only = None;
        if emergency.is_none()
            && let Some((grant, person)) = caller.emergency_person_in(household.id)
            && read
                .household(id, &caller.own_household_scope())
                .await?
                .is_none()
        {
            emergency = Some(grant);
            only = Some(person);
        }
        let today = clock::today();
        let shown = |masked: String, plain: &str| {
            if reveal.is_some() {
                plain.to_string()
            } else {
                masked
            }
        };
        let mut persons = Vec::new();
        for p in self.open_persons(&stored_persons)? {
            if only.is_some_and(|o| o != p.id) {
                continue;
            }
            let id_number = self.open("person", "id_number", &p.id, &p.id_number)?;
            let phone = match &p.phone {
                Some(sealed) => Some(self.open("person", "phone", &p.id, sealed)?),
                None => None,
            };
            persons.push(PersonView {
                id: p.id,
                name: shown(mask::name(&p.name), &p.name),
                sex: Sex::stored(&p.sex)?,
                age: age(p.birth_date, today),
                id_number: shown(mask::id_number(&id_number), &id_number),
                phone: phone.as_deref().map(|ph| shown(mask::phone(ph), ph)),
                relationship: Relationship::stored(&p.relationship)?,
            });
        }
        let mut household = household;
        let address = self.open("household", "address", &household.id, &household.address)?;
        household.address = shown(mask::address(&address), &address);
        // Read under emergency access: its own entry, naming the grant.
        let (action, reason) = match (reveal, emergency) {
            (Some(r), None) => ("household.reveal", r.to_string()),
            (None, None) => ("household.read", String::new()),
            (Some(r), Some(_)) => ("emergency.reveal", r.to_string()),
            (None, Some(_)) => ("emergency.read", String::new()),
        };
        let target = format!("household:{}", household.id);
        let place = household.path.clone();
        let entry = crate::audit::entry(
            caller,
            Record::new(action)
                .target(target)
                .place(place)
                .reason(reason)
                .detail(
                    emergency
                        .map(|e| format!("emergency={e}"))
                        .unwrap_or_default(),
                ),
        );
        let view = HouseholdView {
            household,
            lineage,
            persons,
            revealed: reveal.is_some(),
        };
        Ok((view, entry))
    }

    /// Adds a person to a household. Every field is checked (the ID number's checksum, and sex
    /// and birth date against it); a number already registered in the county is refused; when
    /// the household changed since `expected_version` was read, nothing is written.
    pub async fn add_person(
        &self,
        caller: &Caller,
        household_id: Uuid,
        expected_version: i64,
        input: &PersonInput,
    ) -> Result<PersonId, ServiceError> {
        let valid = input.validate(clock::today())?;
        let household = store::get(&self.db, household_id, &caller.household_write_scope())
            .await?
            .ok_or(ServiceError::NotFound)?;
        let index = self.id_number_index(valid.id_number.as_str());
        if store::person_by_id_number_index(&self.db, &household.county_code, &index)
            .await?
            .is_some()
        {
            let mut e = ValidationErrors::new();
            e.push("id_number", "id_number.duplicate");
            return Err(e.into());
        }
        let id = PersonId::new();
        let row = self.new_person(PersonFields {
            id: id.0,
            county_code: household.county_code.clone(),
            household_id: household.id,
            path: household.path.clone(),
            name: &valid.name,
            sex: valid.sex,
            birth_date: valid.birth_date,
            id_number: valid.id_number.as_str(),
            id_number_index: index,
            phone: valid.phone.as_ref().map(|m| m.as_str()),
            relationship: valid.relationship,
        })?;
        let now = clock::now();
        let target = format!("person:{id}");
        let place = household.path.clone();
        // What changed, by field name only: the values stay out of the log.
        let fields = if row.phone.is_some() {
            "name,sex,birth_date,id_number,phone,relationship"
        } else {
            "name,sex,birth_date,id_number,relationship"
        };
        let written = db_tx!(&self.db, tx => {
            let done = store::add_person(tx, &household, expected_version, &row, now).await?;
            if done {
                record(tx, &self.keys, caller, Record::new("person.create").target(target.clone()).place(place.clone())
                    .detail(format!("household:{} version:{}→{} fields:{fields}", household.id, expected_version, expected_version + 1))).await?;
            }
            Ok::<bool, jinguo_storage::StorageError>(done)
        });
        match written {
            Ok(true) => {
                tracing::info!(household = %household.id, person = %id, "person added");
                Ok(id)
            }
            Ok(false) => Err(ServiceError::Conflict),
            Err(jinguo_storage::StorageError::Conflict(_)) => {
                let mut e = ValidationErrors::new();
                e.push("id_number", "id_number.duplicate");
                Err(e.into())
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Whole years between a birth date and a day.
pub fn age(birth: chrono::NaiveDate, on: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut a = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        a -= 1;
    }
    a
}

impl Services {
    /// Reveals an account made since a moment, under emergency access or not: one limit for both.
    pub(crate) async fn reveals_since(
        &self,
        actor: Uuid,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<i64, ServiceError> {
        let mut n = 0;
        for action in ["household.reveal", "emergency.reveal"] {
            n += jinguo_storage::audit::count_since(&self.db, actor, action, since).await?;
        }
        Ok(n)
    }
}

impl Services {
    /// A registered person of a county, her fields opened, with her household, when the scope
    /// covers it.
    pub(crate) async fn registered_person(
        &self,
        county: &str,
        person: Uuid,
        scope: &jinguo_storage::Scope,
    ) -> Result<Option<(Household, crate::sealed::OpenPerson)>, ServiceError> {
        let Some(household) = store::person_household(&self.db, county, person, scope).await?
        else {
            return Ok(None);
        };
        let Some(household) = store::get(&self.db, household, scope).await? else {
            return Ok(None);
        };
        let Some(p) = store::persons(&self.db, &household)
            .await?
            .into_iter()
            .find(|p| p.id == person)
        else {
            return Ok(None);
        };
        let p = self.open_person(&p)?;
        Ok(Some((household, p)))
    }
}

/// How many persons a search by name answers at most.
pub const NAME_HITS_MAX: i64 = 100;

/// A search by name: the whole name, or a surname with or without the given name.
#[derive(Debug, Clone, Default)]
pub struct NameQuery {
    pub name: String,
    pub surname: String,
    pub given_name: String,
}

/// A person found by name, masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonHit {
    pub id: Uuid,
    pub household_id: Uuid,
    pub household_code: String,
    pub name: String,
    pub sex: Sex,
    pub age: i32,
}

impl Services {
    /// Persons by name within the caller's read scope, through the keyed blind indexes of the
    /// name (exact, after removing white space) and of the surname: `name` alone finds that
    /// whole name; `surname` and `given_name` find that name split there; `surname` alone every
    /// person of that surname. At most [`NAME_HITS_MAX`], in household order, names masked.
    /// Audited with the number found, never the name.
    pub async fn find_persons(
        &self,
        caller: &Caller,
        query: &NameQuery,
    ) -> Result<Vec<PersonHit>, ServiceError> {
        let scope = caller.household_read_scope();
        if scope.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let name = jinguo_domain::person::normalize_name(&query.name);
        let surname = jinguo_domain::person::normalize_name(&query.surname);
        let given = jinguo_domain::person::normalize_name(&query.given_name);
        let mut e = ValidationErrors::new();
        for (field, v) in [
            ("name", &name),
            ("surname", &surname),
            ("given_name", &given),
        ] {
            if v.chars().count() > jinguo_domain::person::NAME_MAX_CHARS {
                e.push(field, "too_long");
            }
        }
        if name.is_empty() && surname.is_empty() {
            e.push("name", "required");
        }
        if !e.is_empty() {
            return Err(e.into());
        }
        let keys = self.keys.get();
        let full = if !name.is_empty() {
            Some(name.clone())
        } else if !given.is_empty() {
            Some(format!("{surname}{given}"))
        } else {
            None
        };
        let name_index = full.map(|n| keys.blind_index("person_name", &n));
        let surname_index =
            (!surname.is_empty()).then(|| keys.blind_index("person_surname", &surname));
        let rows = store::by_name_index(
            &self.db,
            name_index.as_deref(),
            surname_index.as_deref(),
            &scope,
            NAME_HITS_MAX,
        )
        .await?;
        let today = clock::today();
        let mut hits = Vec::with_capacity(rows.len());
        for r in rows {
            hits.push(PersonHit {
                name: mask::name(&self.open("person", "name", &r.id, &r.name)?),
                sex: Sex::stored(&r.sex)?,
                age: age(self.open_birth_date(&r.id, &r.birth_date)?, today),
                id: r.id,
                household_id: r.household_id,
                household_code: r.household_code,
            });
        }
        self.note_read(
            caller,
            Record::new("person.search").detail(format!("found={}", hits.len())),
        )
        .await?;
        Ok(hits)
    }
}
