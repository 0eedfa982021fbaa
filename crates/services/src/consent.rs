//! Consent records (PIPL): a separate consent, or another legal basis, per purpose; a guardian
//! consents for a child under 14. Modules that share or publish ask [`Services::has_consent`].

use crate::audit::{Record, record};
use crate::households::age;
use crate::{Caller, ServiceError, Services, clock};
use jinguo_domain::ValidationErrors;
use jinguo_storage::consent::{self as store, ConsentRow};
use jinguo_storage::{db_tx, household};
use uuid::Uuid;

pub const PURPOSES: [&str; 3] = ["sensitive_data", "share_departments", "publish"];
pub const BASES: [&str; 3] = ["consent", "legal_obligation", "vital_interest"];
/// Below this age a guardian gives consent.
pub const GUARDIAN_UNDER: i32 = 14;

#[derive(Debug, Clone)]
pub struct NewConsent {
    pub purpose: String,
    pub basis: String,
    pub guardian_name: Option<String>,
}

impl Services {
    /// Records a consent (or another legal basis) for one purpose.
    pub async fn record_consent(
        &self,
        caller: &Caller,
        person: Uuid,
        c: &NewConsent,
    ) -> Result<Uuid, ServiceError> {
        let p = household::person_place(&self.db, person, &caller.household_write_scope())
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut errs = ValidationErrors::new();
        if !PURPOSES.contains(&c.purpose.as_str()) {
            errs.push("purpose", "invalid");
        }
        if !BASES.contains(&c.basis.as_str()) {
            errs.push("basis", "invalid");
        }
        // Publication always needs a consent, never another basis.
        if c.purpose == "publish" && c.basis != "consent" {
            errs.push("basis", "consent.publish_needs_consent");
        }
        let guardian = c
            .guardian_name
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty());
        let child = age(p.birth_date, clock::today()) < GUARDIAN_UNDER;
        let given_by = match (c.basis.as_str(), child, guardian) {
            ("consent", true, None) => {
                errs.push("guardian_name", "consent.guardian_required");
                "guardian"
            }
            ("consent", true, Some(_)) => "guardian",
            ("consent", false, _) => "self",
            _ => "none",
        };
        errs.into_result()?;
        let id = Uuid::now_v7();
        let row = ConsentRow {
            county_code: p.county_code.clone(),
            id,
            person_id: person,
            purpose: c.purpose.clone(),
            basis: c.basis.clone(),
            given_by: given_by.into(),
            guardian_name: guardian.map(str::to_string),
            recorded_by: caller.account_id,
            recorded_at: clock::now(),
            withdrawn_at: None,
        };
        db_tx!(&self.db, tx => {
            store::insert(tx, &row).await?;
            record(tx, caller, Record::new("consent.record").target(format!("person:{person}")).place(p.path.clone())
                .detail(format!("purpose={} basis={} given_by={given_by}", c.purpose, c.basis))).await
        })?;
        Ok(id)
    }

    /// Whether a person's data may be used for a purpose: a record not withdrawn.
    pub async fn has_consent(
        &self,
        caller: &Caller,
        person: Uuid,
        purpose: &str,
    ) -> Result<bool, ServiceError> {
        let p = household::person_place(&self.db, person, &caller.household_read_scope())
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok(store::of_person(&self.db, &p.county_code, person)
            .await?
            .iter()
            .any(|c| c.purpose == purpose && c.withdrawn_at.is_none()))
    }

    /// Withdraws every consent of a person for a purpose.
    pub async fn withdraw_consent(
        &self,
        caller: &Caller,
        person: Uuid,
        purpose: &str,
    ) -> Result<u64, ServiceError> {
        let p = household::person_place(&self.db, person, &caller.household_write_scope())
            .await?
            .ok_or(ServiceError::NotFound)?;
        let now = clock::now();
        let open: Vec<ConsentRow> = store::of_person(&self.db, &p.county_code, person)
            .await?
            .into_iter()
            .filter(|c| c.purpose == purpose && c.withdrawn_at.is_none())
            .collect();
        let n = open.len() as u64;
        db_tx!(&self.db, tx => {
            for c in &open {
                store::withdraw(tx, &c.county_code, c.id, now).await?;
            }
            record(tx, caller, Record::new("consent.withdraw").target(format!("person:{person}")).place(p.path.clone())
                .detail(format!("purpose={purpose}"))).await
        })?;
        Ok(n)
    }
}
