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
    /// The guardian's relationship to the person (required with a guardian).
    pub guardian_relationship: Option<String>,
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
        let relationship = c
            .guardian_relationship
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty());
        let child =
            age(self.open_birth_date(&p.id, &p.birth_date)?, clock::today()) < GUARDIAN_UNDER;
        if guardian.is_some() && c.basis == "consent" && relationship.is_none() {
            errs.push("guardian_relationship", "required");
        }
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
            person: self.seal_id("consent", "person", &id, &person)?,
            person_ref: self.person_ref("consent", &person),
            purpose: c.purpose.clone(),
            basis: c.basis.clone(),
            given_by: given_by.into(),
            guardian_name: match guardian {
                Some(g) => Some(self.seal("consent", "guardian_name", &id, g)?),
                None => None,
            },
            guardian_relationship: guardian.and(relationship).map(str::to_string),
            recorded_by: caller.account_id,
            recorded_at: clock::now(),
            withdrawn_at: None,
        };
        db_tx!(&self.db, tx => {
            store::insert(tx, &row).await?;
            record(tx, &self.keys, caller, Record::new("consent.record").target(format!("person:{person}")).place(p.path.clone())
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
        Ok(store::of_person(
            &self.db,
            &p.county_code,
            &self.person_ref("consent", &person),
        )
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
        let open: Vec<ConsentRow> = store::of_person(
            &self.db,
            &p.county_code,
            &self.person_ref("consent", &person),
        )
        .await?
        .into_iter()
        .filter(|c| c.purpose == purpose && c.withdrawn_at.is_none())
        .collect();
        let n = open.len() as u64;
        db_tx!(&self.db, tx => {
            for c in &open {
                store::withdraw(tx, &c.county_code, c.id, now).await?;
            }
            record(tx, &self.keys, caller, Record::new("consent.withdraw").target(format!("person:{person}")).place(p.path.clone())
                .detail(format!("purpose={purpose}"))).await
        })?;
        Ok(n)
    }
}

/// Whether a consent to share a case with `department` is in force: one for that department or
/// for every department, not withdrawn.
pub fn share_consent_in_force<'a>(
    consents: impl IntoIterator<Item = &'a jinguo_storage::linkage::CaseConsentRow>,
    department: Option<Uuid>,
) -> bool {
    consents.into_iter().any(|c| {
        c.withdrawn_at.is_none() && (c.department_id.is_none() || c.department_id == department)
    })
}

/// A consent to share a case, as given.
#[derive(Debug, Clone, Default)]
pub struct ShareConsentInput {
    /// A department's key; empty: every department of the mechanism.
    pub department: String,
    /// Given by a guardian (a victim under 14: required): her name …
    pub guardian_name: String,
    /// … and her relationship to the victim.
    pub guardian_relationship: String,
}

/// A consent to share a case, as the case page shows it.
#[derive(Debug, Clone)]
pub struct ShareConsentView {
    pub id: Uuid,
    /// The department's name; `None`: every department.
    pub department: Option<String>,
    pub guardian_name: Option<String>,
    pub guardian_relationship: Option<String>,
    pub recorded_by: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub withdrawn_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Services {
    /// Records the victim's consent to share her case with one department or all (staff managing
    /// the case). A victim registered as under 14 consents through a named guardian.
    pub async fn record_share_consent(
        &self,
        caller: &Caller,
        case: Uuid,
        input: &ShareConsentInput,
    ) -> Result<Uuid, ServiceError> {
        use jinguo_storage::linkage as link;
        let c = self.staff_case(caller, case).await?;
        let mut errs = ValidationErrors::new();
        let department = match input.department.trim() {
            "" => None,
            key => match link::department_by_key(&self.db, &c.county_code, key).await? {
                Some(d) => Some(d.id),
                None => {
                    errs.push("department", "referral.unknown_department");
                    None
                }
            },
        };
        let name = input.guardian_name.trim();
        let relationship = input.guardian_relationship.trim();
        let child = match &c.victim_person {
            // The victim's age only, read within the case's county.
            Some(sealed) => {
                let pid =
                    uuid::Uuid::parse_str(&self.open("dv_case", "victim_person", &c.id, sealed)?)
                        .map_err(|_| ServiceError::Internal("stored victim is not an id".into()))?;
                let county = crate::linkage::county_path(&c.county_code).unwrap_or_default();
                let within = jinguo_storage::Scope::of_paths([county.as_str()]);
                match household::person_place(&self.db, pid, &within).await? {
                    Some(p) => {
                        age(self.open_birth_date(&p.id, &p.birth_date)?, clock::today())
                            < GUARDIAN_UNDER
                    }
                    None => false,
                }
            }
            None => false,
        };
        if (child || !name.is_empty()) && name.is_empty() {
            errs.push("guardian_name", "consent.guardian_required");
        }
        if (child || !name.is_empty()) && relationship.is_empty() {
            errs.push("guardian_relationship", "required");
        }
        if name.chars().count() > 50 {
            errs.push("guardian_name", "too_long");
        }
        if relationship.chars().count() > 20 {
            errs.push("guardian_relationship", "too_long");
        }
        errs.into_result()?;
        let guardian = !name.is_empty();
        let id = Uuid::now_v7();
        let row = link::CaseConsentRow {
            county_code: c.county_code.clone(),
            id,
            case_id: c.id,
            department_id: department,
            given_by: if guardian { "guardian" } else { "self" }.into(),
            guardian_name: match guardian {
                true => Some(self.seal("case_consent", "guardian_name", &id, name)?),
                false => None,
            },
            guardian_relationship: guardian.then(|| relationship.to_string()),
            recorded_by: caller.username.clone(),
            recorded_at: clock::now(),
            withdrawn_at: None,
            withdrawn_by: None,
        };
        let detail = format!(
            "case={} department={} given_by={}",
            c.id,
            department
                .map(|d| d.to_string())
                .unwrap_or_else(|| "all".into()),
            row.given_by
        );
        db_tx!(&self.db, tx => {
            link::insert_case_consent(tx, &row).await?;
            record(tx, &self.keys, caller, Record::new("consent.share").target(format!("case:{}", c.id))
                .place(c.path.clone()).detail(detail.clone())).await
        })?;
        Ok(row.id)
    }

    /// Withdraws a consent to share: referrals made on it share nothing more from now, and their
    /// departments see that it was withdrawn.
    pub async fn withdraw_share_consent(
        &self,
        caller: &Caller,
        case: Uuid,
        consent: Uuid,
    ) -> Result<(), ServiceError> {
        use jinguo_storage::linkage as link;
        let c = self.staff_case(caller, case).await?;
        let now = clock::now();
        let done = db_tx!(&self.db, tx => {
            if !link::withdraw_case_consent(tx, &c.county_code, c.id, consent, &caller.username, now).await? {
                return Ok(false);
            }
            record(tx, &self.keys, caller, Record::new("consent.share_withdraw").target(format!("case:{}", c.id))
                .place(c.path.clone()).detail(format!("consent={consent}"))).await?;
            Ok::<bool, jinguo_storage::StorageError>(true)
        })?;
        if !done {
            return Err(ServiceError::NotFound);
        }
        Ok(())
    }

    /// The consents to share of a case (staff managing it).
    pub async fn share_consents(
        &self,
        caller: &Caller,
        case: Uuid,
    ) -> Result<Vec<ShareConsentView>, ServiceError> {
        use jinguo_storage::linkage as link;
        let c = self.staff_case(caller, case).await?;
        let departments = link::departments(&self.db, &c.county_code).await?;
        link::case_consents(&self.db, &c)
            .await?
            .into_iter()
            .map(|k| {
                Ok(ShareConsentView {
                    id: k.id,
                    department: k.department_id.map(|d| {
                        departments
                            .iter()
                            .find(|x| x.id == d)
                            .map(|x| x.name.clone())
                            .unwrap_or_default()
                    }),
                    guardian_name: match &k.guardian_name {
                        Some(g) => Some(self.open("case_consent", "guardian_name", &k.id, g)?),
                        None => None,
                    },
                    guardian_relationship: k.guardian_relationship,
                    recorded_by: k.recorded_by,
                    recorded_at: k.recorded_at,
                    withdrawn_at: k.withdrawn_at,
                })
            })
            .collect()
    }
}
