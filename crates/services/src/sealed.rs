//! Fields encrypted at rest. Values are sealed with the active key and bound (as associated data)
//! to the table, column and row they live in; exact-match search uses a keyed blind index.
//! The key ring comes from a file or the environment, never from the database, and is reloaded
//! when a value names a key this process does not know yet (after `jinguo keys rotate`).

use crate::{ServiceError, Services};
use chrono::NaiveDate;
use jinguo_crypto::{CryptoError, Keyring};
use jinguo_domain::person::{Relationship, Sex, normalize_name, split_name};
use jinguo_storage::household::{NewPerson, Person};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

/// The key ring in use, and where it came from.
#[derive(Debug)]
pub struct KeyStore {
    current: RwLock<Arc<Keyring>>,
    path: Option<PathBuf>,
}

impl KeyStore {
    /// Keys read from a file, which `jinguo keys rotate` may replace.
    pub fn from_file(ring: Keyring, path: PathBuf) -> KeyStore {
        KeyStore {
            current: RwLock::new(Arc::new(ring)),
            path: Some(path),
        }
    }

    /// Keys given some other way (environment, tests); they cannot be rotated in place.
    pub fn fixed(ring: Keyring) -> KeyStore {
        KeyStore {
            current: RwLock::new(Arc::new(ring)),
            path: None,
        }
    }

    pub fn get(&self) -> Arc<Keyring> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, ring: Keyring) {
        match self.current.write() {
            Ok(mut g) => *g = Arc::new(ring),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(ring),
        }
    }

    /// Reads the key file again; `false` when there is no file.
    pub fn reload(&self) -> Result<bool, CryptoError> {
        let Some(path) = &self.path else {
            return Ok(false);
        };
        self.set(Keyring::load(path)?);
        Ok(true)
    }

    /// Adds a new key, makes it active and saves the file. Returns the new key id.
    pub fn rotate(&self) -> Result<String, CryptoError> {
        let Some(path) = &self.path else {
            return Err(CryptoError::InvalidKeyring(
                "the keys come from JINGUO_KEYS; rotate them there".into(),
            ));
        };
        let mut ring = Keyring::load(path)?;
        let kid = ring.rotate()?;
        ring.save(path)?;
        self.set(ring);
        Ok(kid)
    }
}

pub fn aad(table: &str, column: &str, id: &uuid::Uuid) -> String {
    format!("{table}/{column}/{id}")
}

fn internal(e: CryptoError) -> ServiceError {
    ServiceError::Internal(format!("field encryption: {e}"))
}

impl Services {
    /// Seals a value for `table.column` of row `id`.
    pub fn seal(
        &self,
        table: &str,
        column: &str,
        id: &uuid::Uuid,
        plain: &str,
    ) -> Result<String, ServiceError> {
        self.keys
            .get()
            .encrypt(plain, &aad(table, column, id))
            .map_err(internal)
    }

    /// Seals bytes (a file) for `table.column` of row `id`.
    pub fn seal_bytes(
        &self,
        table: &str,
        column: &str,
        id: &uuid::Uuid,
        plain: &[u8],
    ) -> Result<String, ServiceError> {
        self.keys
            .get()
            .encrypt_bytes(plain, &aad(table, column, id))
            .map_err(internal)
    }

    /// Opens sealed bytes.
    pub fn open_bytes(
        &self,
        table: &str,
        column: &str,
        id: &uuid::Uuid,
        sealed: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let a = aad(table, column, id);
        match self.keys.get().decrypt_bytes(sealed, &a) {
            Err(CryptoError::UnknownKid { .. }) if self.keys.reload().unwrap_or(false) => {
                self.keys.get().decrypt_bytes(sealed, &a).map_err(internal)
            }
            r => r.map_err(internal),
        }
    }

    /// Opens a sealed value; a value under a key not yet known makes the key file be read again.
    pub fn open(
        &self,
        table: &str,
        column: &str,
        id: &uuid::Uuid,
        sealed: &str,
    ) -> Result<String, ServiceError> {
        let a = aad(table, column, id);
        match self.keys.get().decrypt(sealed, &a) {
            Err(CryptoError::UnknownKid { .. }) if self.keys.reload().unwrap_or(false) => {
                self.keys.get().decrypt(sealed, &a).map_err(internal)
            }
            r => r.map_err(internal),
        }
    }

    /// The blind index of a resident ID number (already normalised to 18 characters).
    pub fn id_number_index(&self, id_number: &str) -> String {
        self.keys.get().blind_index("id_number", id_number)
    }

    /// A keyed pseudonym of a person for one purpose (`dispute_party` …): equal for the same
    /// person and purpose, unlinkable to her row without the key.
    pub fn person_ref(&self, purpose: &str, person: &uuid::Uuid) -> String {
        person_ref(&self.keys.get(), purpose, person)
    }

    /// A keyed pseudonym of a household for one purpose (`registry_entry`, `wish`), as
    /// [`Services::person_ref`] is of a person: the reach of a representative matches on it.
    pub fn household_ref(&self, purpose: &str, household: &uuid::Uuid) -> String {
        household_ref(&self.keys.get(), purpose, household)
    }

    /// Seals an id (a link to a person or a household) for `table.column` of row `row`.
    pub fn seal_id(
        &self,
        table: &str,
        column: &str,
        row: &uuid::Uuid,
        id: &uuid::Uuid,
    ) -> Result<String, ServiceError> {
        self.seal(table, column, row, &id.to_string())
    }

    /// Opens a sealed id; an id still in clear (hex or text, as a migration copied it before
    /// the step at start sealed it) is read as it is.
    pub fn open_id(
        &self,
        table: &str,
        column: &str,
        row: &uuid::Uuid,
        value: &str,
    ) -> Result<uuid::Uuid, ServiceError> {
        let plain = if jinguo_crypto::kid_of(value).is_some() {
            self.open(table, column, row, value)?
        } else {
            value.to_string()
        };
        uuid::Uuid::parse_str(&plain)
            .map_err(|_| ServiceError::Internal(format!("{table}.{column}: not an id")))
    }

    /// Opens a person's sealed fields (the ID number and phone stay sealed: few views need them).
    pub fn open_person(&self, p: &Person) -> Result<OpenPerson, ServiceError> {
        Ok(OpenPerson {
            id: p.id,
            household_id: p.household_id,
            name: self.open("person", "name", &p.id, &p.name)?,
            sex: p.sex.clone(),
            birth_date: self.open_birth_date(&p.id, &p.birth_date)?,
            relationship: self.open("person", "relationship", &p.id, &p.relationship)?,
            head: p.head != 0,
            id_number: p.id_number.clone(),
            phone: p.phone.clone(),
            version: p.version,
        })
    }

    /// Opens persons as [`Services::open_person`] does, keeping the households in the order read
    /// and each household's persons head first, then by birth date (a sealed value cannot be
    /// sorted by the database).
    pub fn open_persons(&self, persons: &[Person]) -> Result<Vec<OpenPerson>, ServiceError> {
        let mut out = persons
            .iter()
            .map(|p| self.open_person(p))
            .collect::<Result<Vec<_>, _>>()?;
        let mut start = 0;
        while start < out.len() {
            let household = out[start].household_id;
            let end = out[start..]
                .iter()
                .position(|p| p.household_id != household)
                .map_or(out.len(), |n| start + n);
            out[start..end].sort_by_key(|p| (!p.head, p.birth_date, p.id));
            start = end;
        }
        Ok(out)
    }

    /// Opens a sealed birth date.
    pub fn open_birth_date(
        &self,
        person: &uuid::Uuid,
        sealed: &str,
    ) -> Result<NaiveDate, ServiceError> {
        let plain = self.open("person", "birth_date", person, sealed)?;
        NaiveDate::parse_from_str(&plain, "%Y-%m-%d")
            .map_err(|_| ServiceError::Internal("stored birth date does not parse".into()))
    }

    /// A person's row, every personal field sealed and her name indexed for search.
    pub fn new_person(&self, fields: PersonFields<'_>) -> Result<NewPerson, ServiceError> {
        new_person(&self.keys.get(), fields)
    }
}

/// A person as stored, her name, birth date and relationship opened.
#[derive(Debug, Clone)]
pub struct OpenPerson {
    pub id: uuid::Uuid,
    pub household_id: uuid::Uuid,
    pub name: String,
    pub sex: String,
    pub birth_date: NaiveDate,
    pub relationship: String,
    pub head: bool,
    /// Still sealed.
    pub id_number: String,
    /// Still sealed.
    pub phone: Option<String>,
    pub version: i64,
}

/// What a new person's row is made of, in clear.
#[derive(Debug, Clone)]
pub struct PersonFields<'a> {
    pub id: uuid::Uuid,
    pub county_code: String,
    pub household_id: uuid::Uuid,
    pub path: String,
    pub name: &'a str,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub id_number: &'a str,
    /// The ID number's blind index (computed already, to look the number up).
    pub id_number_index: String,
    pub phone: Option<&'a str>,
    pub relationship: Relationship,
}

/// The blind indexes of a name: of the whole (normalised) name, and of its surname.
pub fn name_indexes(keys: &Keyring, name: &str) -> (String, String) {
    let name = normalize_name(name);
    let (surname, _) = split_name(&name);
    (
        keys.blind_index("person_name", &name),
        keys.blind_index("person_surname", surname),
    )
}

/// See [`Services::person_ref`].
pub fn person_ref(keys: &Keyring, purpose: &str, person: &uuid::Uuid) -> String {
    keys.blind_index(&format!("person_ref/{purpose}"), &person.to_string())
}

/// See [`Services::household_ref`].
pub fn household_ref(keys: &Keyring, purpose: &str, household: &uuid::Uuid) -> String {
    keys.blind_index(&format!("household_ref/{purpose}"), &household.to_string())
}

/// See [`Services::new_person`]; with the key ring at hand (the demo seals off the async
/// threads).
pub fn new_person(keys: &Keyring, f: PersonFields<'_>) -> Result<NewPerson, ServiceError> {
    let id = f.id;
    let seal = |column: &str, plain: &str| {
        keys.encrypt(plain, &aad("person", column, &id))
            .map_err(internal)
    };
    let (name_index, surname_index) = name_indexes(keys, f.name);
    Ok(NewPerson {
        id,
        county_code: f.county_code,
        household_id: f.household_id,
        path: f.path,
        name: seal("name", f.name)?,
        name_index,
        surname_index,
        sex: f.sex.key(),
        birth_date: seal("birth_date", &f.birth_date.to_string())?,
        id_number: seal("id_number", f.id_number)?,
        id_number_index: f.id_number_index,
        phone: match f.phone {
            Some(p) => Some(seal("phone", p)?),
            None => None,
        },
        relationship: seal("relationship", f.relationship.key())?,
        head: f.relationship == Relationship::Head,
    })
}

/// What a key rotation did.
#[derive(Debug, Clone, Default)]
pub struct RotationReport {
    pub kid: String,
    pub persons: u64,
    pub households: u64,
    pub accounts: u64,
    pub visits: u64,
    pub members: u64,
    /// Values of the mediation and linkage tables (narratives, names, records, agreements,
    /// referrals, instruments, evidence).
    pub mediation: u64,
    /// Free texts of emergency-access requests (reasons, decisions, reviews).
    pub emergency: u64,
}

impl Services {
    /// Adds a new key, makes it active, and re-encrypts every sealed value under it, a batch per
    /// transaction. A running server keeps working: it reads the key file again when it meets the
    /// new key. Interrupted, it can be run again; values already under the new key are skipped.
    pub async fn rotate_keys(
        &self,
        caller: &crate::Caller,
    ) -> Result<RotationReport, ServiceError> {
        use jinguo_storage::{account, db_tx, household};
        if !caller.is_operator() {
            return Err(ServiceError::Forbidden);
        }
        let kid = self.keys.rotate().map_err(internal)?;
        let mut report = RotationReport {
            kid: kid.clone(),
            ..Default::default()
        };
        let stale = |v: &str| jinguo_crypto::kid_of(v) != Some(kid.as_str());
        for which in [household::SealedPair::Person, household::SealedPair::Visit] {
            let household::SealedPairColumns {
                table,
                first: first_col,
                second: second_col,
            } = which.columns();
            let mut after = uuid::Uuid::nil();
            loop {
                let rows = household::sealed_pairs(&self.db, which, after, 1000).await?;
                let Some(last) = rows.last() else { break };
                after = last.id;
                let mut updates = Vec::new();
                for household::SealedPairRow {
                    county_code: county,
                    id,
                    first,
                    second,
                } in rows
                {
                    if !stale(&first) && second.as_deref().is_none_or(|p| !stale(p)) {
                        continue;
                    }
                    let first = self.seal(
                        table,
                        first_col,
                        &id,
                        &self.open(table, first_col, &id, &first)?,
                    )?;
                    let second = match second {
                        Some(p) => Some(self.seal(
                            table,
                            second_col,
                            &id,
                            &self.open(table, second_col, &id, &p)?,
                        )?),
                        None => None,
                    };
                    updates.push((county, id, first, second));
                }
                match which {
                    household::SealedPair::Person => report.persons += updates.len() as u64,
                    household::SealedPair::Visit => report.visits += updates.len() as u64,
                }
                db_tx!(&self.db, tx => {
                    for (county, id, first, second) in &updates {
                        household::reseal_pair(tx, which, county, *id, first, second.as_deref()).await?;
                    }
                    Ok::<(), ServiceError>(())
                })?;
            }
        }
        let mut after = uuid::Uuid::nil();
        loop {
            let rows = household::sealed_members(&self.db, after, 1000).await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            let mut updates = Vec::new();
            for household::SealedMemberPhone {
                county_code: county,
                id,
                phone,
            } in rows
            {
                if let Some(p) = phone.filter(|p| stale(p)) {
                    let plain = self.open("member", "phone", &id, &p)?;
                    updates.push((county, id, self.seal("member", "phone", &id, &plain)?));
                }
            }
            report.members += updates.len() as u64;
            db_tx!(&self.db, tx => {
                for (county, id, phone) in &updates {
                    household::reseal_member(tx, county, *id, phone).await?;
                }
                Ok::<(), ServiceError>(())
            })?;
        }
        let mut after = uuid::Uuid::nil();
        loop {
            let rows = household::sealed_households(&self.db, after, 1000).await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            let mut updates = Vec::new();
            for household::SealedAddress {
                county_code: county,
                id,
                address,
            } in rows
            {
                if stale(&address) {
                    let plain = self.open("household", "address", &id, &address)?;
                    updates.push((county, id, self.seal("household", "address", &id, &plain)?));
                }
            }
            report.households += updates.len() as u64;
            db_tx!(&self.db, tx => {
                for (county, id, address) in &updates {
                    household::reseal_household(tx, county, *id, address).await?;
                }
                Ok::<(), ServiceError>(())
            })?;
        }
        for which in jinguo_storage::mediation::SealedColumn::ALL {
            use jinguo_storage::mediation::{SealedValue, reseal_value, sealed_values};
            let (table, column) = which.sealed_for();
            let mut after = (uuid::Uuid::nil(), -1_i64);
            loop {
                let rows = sealed_values(&self.db, which, after, 1000).await?;
                let Some(last) = rows.last() else { break };
                after = (last.id, last.seq);
                let mut updates = Vec::new();
                for SealedValue {
                    county_code: county,
                    id,
                    seq,
                    value,
                } in rows
                {
                    if stale(&value) {
                        // As bytes: some values are files.
                        let plain = self.open_bytes(table, column, &id, &value)?;
                        updates.push((
                            county,
                            id,
                            seq,
                            self.seal_bytes(table, column, &id, &plain)?,
                        ));
                    }
                }
                report.mediation += updates.len() as u64;
                db_tx!(&self.db, tx => {
                    for (county, id, seq, value) in &updates {
                        reseal_value(tx, which, county, *id, *seq, value).await?;
                    }
                    Ok::<(), ServiceError>(())
                })?;
            }
        }
        report.emergency = self.reseal_emergency(&kid).await?;
        for a in account::list(&self.db).await? {
            if let Some(sealed) = a.totp_secret.as_deref().filter(|v| stale(v)) {
                let plain = self.open("account", "totp_secret", &a.id, sealed)?;
                let resealed = self.seal("account", "totp_secret", &a.id, &plain)?;
                let now = crate::clock::now();
                db_tx!(&self.db, tx => account::set_totp(tx, a.id, Some(&resealed), a.totp_last_step, now).await)?;
                report.accounts += 1;
            }
        }
        let detail = format!(
            "kid={} persons={} households={} accounts={} visits={} members={} mediation={} emergency={}",
            report.kid,
            report.persons,
            report.households,
            report.accounts,
            report.visits,
            report.members,
            report.mediation,
            report.emergency
        );
        db_tx!(&self.db, tx => crate::audit::record(tx, &self.keys, caller, crate::audit::Record::new("keys.rotate").detail(detail.clone())).await)?;
        Ok(report)
    }
}

/// What the one-time sealing of values written in clear did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SealReport {
    /// Values sealed (names, birth dates, relationships, links to persons, notes).
    pub sealed: u64,
    /// Persons whose name got its blind indexes.
    pub indexed: u64,
    /// Dispute parties that got the pseudonym of their person.
    pub referenced: u64,
    /// Rows of the care tables (entries, services, wishes, event participants) and consents
    /// that got the pseudonyms of their person or household.
    pub linked: u64,
}

impl Services {
    /// Seals what a database made before names, notes and links were sealed holds in clear
    /// (migrations 0027, 0028, 0031 and 0055 left a row in `pending_seal`): every value of the columns sealed since, the blind indexes of
    /// names and the pseudonyms of dispute parties' persons, a batch per transaction. Run at
    /// every start; it does nothing once done. Interrupted, it is run again: sealed values are
    /// left alone.
    pub async fn seal_clear_values(&self) -> Result<SealReport, ServiceError> {
        use jinguo_storage::{db_tx, household, mediation};
        let mut report = SealReport::default();
        if !household::seal_pending(&self.db).await? {
            return Ok(report);
        }
        for which in mediation::SealedColumn::SEALED_SINCE_0027
            .into_iter()
            .chain(mediation::SealedColumn::SEALED_SINCE_0028)
            .chain(mediation::SealedColumn::SEALED_SINCE_0031)
            .chain(mediation::SealedColumn::SEALED_SINCE_0055)
        {
            let (table, column) = which.sealed_for();
            let mut after = (uuid::Uuid::nil(), -1_i64);
            loop {
                let rows = mediation::sealed_values(&self.db, which, after, 1000).await?;
                let Some(last) = rows.last() else { break };
                after = (last.id, last.seq);
                let mut updates = Vec::new();
                for v in rows {
                    if jinguo_crypto::kid_of(&v.value).is_some() {
                        continue;
                    }
                    // Ids copied by the migration (hex on SQLite, text on PostgreSQL).
                    let plain = if which.holds_ids() {
                        uuid::Uuid::parse_str(&v.value)
                            .map_err(|_| {
                                ServiceError::Internal(format!("{table}.{column}: not an id"))
                            })?
                            .to_string()
                    } else {
                        v.value
                    };
                    updates.push((
                        v.county_code,
                        v.id,
                        v.seq,
                        self.seal(table, column, &v.id, &plain)?,
                    ));
                }
                report.sealed += updates.len() as u64;
                db_tx!(&self.db, tx => {
                    for (county, id, seq, value) in &updates {
                        mediation::reseal_value(tx, which, county, *id, *seq, value).await?;
                    }
                    Ok::<(), ServiceError>(())
                })?;
            }
        }
        let keys = self.keys.get();
        loop {
            let rows = household::unindexed_names(&self.db, 1000).await?;
            if rows.is_empty() {
                break;
            }
            let mut updates = Vec::new();
            for r in rows {
                let name = self.open("person", "name", &r.id, &r.name)?;
                let (full, surname) = name_indexes(&keys, &name);
                updates.push((r.county_code, r.id, full, surname));
            }
            report.indexed += updates.len() as u64;
            db_tx!(&self.db, tx => {
                for (county, id, full, surname) in &updates {
                    household::set_name_index(tx, county, *id, full, surname).await?;
                }
                Ok::<(), ServiceError>(())
            })?;
        }
        loop {
            let rows = mediation::unreferenced_parties(&self.db, 1000).await?;
            if rows.is_empty() {
                break;
            }
            let mut updates = Vec::new();
            for r in rows {
                let person = self.open("dispute", "party_person", &r.dispute_id, &r.person)?;
                let person = uuid::Uuid::parse_str(&person).map_err(|_| {
                    ServiceError::Internal("dispute_party.person: not an id".into())
                })?;
                updates.push((r, person_ref(&keys, "dispute_party", &person)));
            }
            report.referenced += updates.len() as u64;
            db_tx!(&self.db, tx => {
                for (party, r) in &updates {
                    mediation::set_party_ref(tx, party, r).await?;
                }
                Ok::<(), ServiceError>(())
            })?;
        }
        report.linked = self.fill_link_refs().await?;
        let detail = format!(
            "sealed={} indexed={} referenced={} linked={}",
            report.sealed, report.indexed, report.referenced, report.linked
        );
        // What was overwritten leaves the files too.
        if report != SealReport::default() {
            jinguo_storage::maintenance::purge_overwritten(
                &self.db,
                &[
                    "person",
                    "member",
                    "dv_case",
                    "dispute_party",
                    "case_step",
                    "referral",
                    "care_service",
                    "wish",
                    "registry_entry",
                    "care_event_person",
                    "consent",
                    "case_consent",
                ],
            )
            .await?;
        }
        db_tx!(&self.db, tx => {
            household::seal_done(tx).await?;
            crate::audit::record_as(tx, &self.keys, &crate::audit::Actor::Worker, crate::audit::Record::new("keys.seal").detail(detail.clone())).await
        })?;
        Ok(report)
    }
}

impl Services {
    /// Gives the rows of the care tables and the consents written before their links were
    /// sealed the pseudonyms of their person and household (the ids are sealed by then); how many rows.
    async fn fill_link_refs(&self) -> Result<u64, ServiceError> {
        use jinguo_storage::care::{self as store, LinkTable};
        use jinguo_storage::db_tx;
        let mut linked = 0;
        for which in LinkTable::ALL {
            let (table, purpose) = match which {
                LinkTable::Entry | LinkTable::Service => ("registry_entry", "registry_entry"),
                LinkTable::Wish => ("wish", "wish"),
                LinkTable::Participant => ("care_event", "care_event"),
                LinkTable::Consent => ("consent", "consent"),
            };
            loop {
                let rows = store::unreferenced(&self.db, which, 1000).await?;
                if rows.is_empty() {
                    break;
                }
                let mut updates = Vec::with_capacity(rows.len());
                for r in rows {
                    let person = match &r.person {
                        Some(v) => {
                            let id = self.open_id(table, "person", &r.sealed_for, v)?;
                            let purpose = match which {
                                LinkTable::Service => "care_service",
                                _ => purpose,
                            };
                            self.person_ref(purpose, &id)
                        }
                        None => String::new(),
                    };
                    let household = match &r.household {
                        Some(v) => {
                            let id = self.open_id(table, "household", &r.sealed_for, v)?;
                            self.household_ref(purpose, &id)
                        }
                        None => String::new(),
                    };
                    updates.push((r, person, household));
                }
                linked += updates.len() as u64;
                db_tx!(&self.db, tx => {
                    for (r, person, household) in &updates {
                        store::set_refs(tx, which, r, person, household).await?;
                    }
                    Ok::<(), ServiceError>(())
                })?;
            }
        }
        Ok(linked)
    }
}
