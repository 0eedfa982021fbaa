//! Women volunteers (巾帼志愿者): federation staff register a volunteer at a place they manage,
//! with her skills (her name and phone sealed, shown masked), and record each service she gives —
//! at a family event or a training session, for a woman in a care registry, a dispute's
//! follow-up — on a record of their reach in her county, with the day and the hours.

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::linkage::{from_ms, ms};
use crate::{Caller, ServiceError, Services, clock};
use chrono::{DateTime, Utc};
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::volunteer::{ServiceFor, ServiceInput, Skill, VolunteerInput, join_skills};
use jinguo_storage::volunteer::{self as store, ServiceRow, VolunteerRow};
use jinguo_storage::{StorageError, db_tx};
use uuid::Uuid;

/// At most this many volunteers in a list.
const LIST_MAX: i64 = 500;

/// A volunteer as shown: name and phone masked.
#[derive(Debug, Clone)]
pub struct VolunteerView {
    pub id: Uuid,
    pub place_code: String,
    pub name: String,
    pub phone: String,
    pub skills: Vec<Skill>,
    /// Her hours in all, in tenths.
    pub hours_tenths: i64,
}

/// A service she gave.
#[derive(Debug, Clone)]
pub struct ServiceView {
    pub id: Uuid,
    pub service_for: ServiceFor,
    pub subject_id: Uuid,
    pub served_on: String,
    pub hours_tenths: i64,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl Services {
    /// Registers a volunteer at a place she manages as staff. Returns her id.
    pub async fn add_volunteer(
        &self,
        caller: &Caller,
        input: &VolunteerInput,
    ) -> Result<Uuid, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let v = input.validate()?;
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
        let id = Uuid::now_v7();
        let row = VolunteerRow {
            county_code: place.code[..6].to_string(),
            id,
            path: place.path.clone(),
            place_code: place.code.clone(),
            name: self.seal("volunteer", "name", &id, &v.name)?,
            phone: if v.phone.is_empty() {
                String::new()
            } else {
                self.seal("volunteer", "phone", &id, &v.phone)?
            },
            skills: join_skills(&v.skills),
            created_by: caller.username.clone(),
            created_ms: ms(clock::now()),
        };
        let entry = Record::new("volunteer.add")
            .target(format!("volunteer:{id}"))
            .place(place.path.clone())
            .detail(format!("skills={}", row.skills));
        db_tx!(&self.db, tx => {
            store::insert(tx, &row).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        Ok(id)
    }

    /// The volunteers of her places, masked, with their hours; the read is audited.
    pub async fn volunteers(&self, caller: &Caller) -> Result<Vec<VolunteerView>, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let rows = store::volunteers(&self.db, &caller.reader(), LIST_MAX).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (v, hours) in &rows {
            out.push(self.volunteer_view(v, *hours)?);
        }
        self.note_read(
            caller,
            Record::new("volunteer.read").detail(format!("list={}", out.len())),
        )
        .await?;
        Ok(out)
    }

    /// One volunteer of her places with her services; the read is audited.
    pub async fn volunteer(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<(VolunteerView, Vec<ServiceView>), ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let v = store::volunteer(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let services = store::services(&self.db, &v).await?;
        let hours = services.iter().map(|s| s.hours_tenths).sum();
        let mut out = Vec::with_capacity(services.len());
        for s in &services {
            out.push(ServiceView {
                id: s.id,
                service_for: ServiceFor::stored(&s.service_for)?,
                subject_id: s.subject_id,
                served_on: s.served_on.clone(),
                hours_tenths: s.hours_tenths,
                recorded_by: s.recorded_by.clone(),
                recorded_at: from_ms(s.recorded_ms),
            });
        }
        let view = self.volunteer_view(&v, hours)?;
        self.note_read(
            caller,
            Record::new("volunteer.read")
                .target(format!("volunteer:{id}"))
                .place(v.path.clone()),
        )
        .await?;
        Ok((view, out))
    }

    /// Records a service a volunteer of her places gave: on a family event, a training session,
    /// a registry entry or a dispute she can read, in the volunteer's county (else `subject`
    /// not found). Returns its id.
    pub async fn record_volunteer_service(
        &self,
        caller: &Caller,
        volunteer: Uuid,
        input: &ServiceInput,
    ) -> Result<Uuid, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let reader = caller.reader();
        let v = store::volunteer(&self.db, &reader, volunteer)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let s = input.validate(clock::today())?;
        let county = match s.service_for {
            ServiceFor::FamilyEvent => jinguo_storage::family::event(&self.db, &reader, s.subject)
                .await?
                .map(|e| e.county_code.clone()),
            ServiceFor::Training => {
                jinguo_storage::training::training(&self.db, &reader, s.subject)
                    .await?
                    .map(|t| t.county_code.clone())
            }
            ServiceFor::CareEntry => {
                jinguo_storage::care::entry(&self.db, &reader, s.subject, &|h: &Uuid| {
                    self.household_ref("registry_entry", h)
                })
                .await?
                .map(|e| e.county_code.clone())
            }
            ServiceFor::Followup => {
                jinguo_storage::mediation::dispute(&self.db, &reader, s.subject)
                    .await?
                    .map(|d| d.county_code.clone())
            }
        };
        if county.as_deref() != Some(v.county_code.as_str()) {
            return Err(invalid("subject", "not_found"));
        }
        let id = Uuid::now_v7();
        let row = ServiceRow {
            county_code: v.county_code.clone(),
            id,
            volunteer_id: v.id,
            service_for: s.service_for.key().into(),
            subject_id: s.subject,
            served_on: s.served_on.to_string(),
            hours_tenths: s.hours_tenths,
            recorded_by: caller.username.clone(),
            recorded_ms: ms(clock::now()),
        };
        let entry = Record::new("volunteer.service")
            .target(format!("volunteer:{}", v.id))
            .place(v.path.clone())
            .detail(format!(
                "for={} hours={}",
                s.service_for.key(),
                jinguo_domain::volunteer::show_hours(s.hours_tenths)
            ));
        db_tx!(&self.db, tx => {
            store::insert_service(tx, &row).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        Ok(id)
    }

    fn volunteer_view(&self, v: &VolunteerRow, hours: i64) -> Result<VolunteerView, ServiceError> {
        let mut skills = Vec::new();
        for k in v.skills.split(',').filter(|k| !k.is_empty()) {
            skills.push(Skill::stored(k)?);
        }
        Ok(VolunteerView {
            id: v.id,
            place_code: v.place_code.clone(),
            name: jinguo_domain::mask::name(&self.open("volunteer", "name", &v.id, &v.name)?),
            phone: if v.phone.is_empty() {
                String::new()
            } else {
                jinguo_domain::mask::phone(&self.open("volunteer", "phone", &v.id, &v.phone)?)
            },
            skills,
            hours_tenths: hours,
        })
    }
}
