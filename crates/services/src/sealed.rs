//! Fields encrypted at rest. Values are sealed with the active key and bound (as associated data)
//! to the table, column and row they live in; exact-match search uses a keyed blind index.
//! The key ring comes from a file or the environment, never from the database, and is reloaded
//! when a value names a key this process does not know yet (after `jinguo keys rotate`).

use crate::{ServiceError, Services};
use jinguo_crypto::{CryptoError, Keyring};
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
