//! Training and legal education (培训、普法): federation staff record a session held by a place
//! they manage — online or in person, its day, venue, topic, trainer and hours, the members of
//! their places who attended (or a count of the public), the typical cases of their library used
//! — and keep its materials (a picture or a PDF, within the upload limits of evidence). A
//! member's training record lists the sessions she attended and their hours.

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::linkage::ms;
use crate::{Caller, ServiceError, Services, clock};
use chrono::Datelike;
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::training::{Mode, TrainingInput, TrainingKind};
use jinguo_storage::training::{self as store, MaterialRow, TrainingRow};
use jinguo_storage::{StorageError, db_tx};
use uuid::Uuid;

/// At most this many sessions in a list.
const LIST_MAX: i64 = 500;

/// A session as shown.
#[derive(Debug, Clone)]
pub struct TrainingView {
    pub id: Uuid,
    pub place_code: String,
    pub kind: TrainingKind,
    pub mode: Mode,
    pub held_on: String,
    pub venue: String,
    pub topic: String,
    pub trainer: String,
    pub hours_tenths: i64,
    /// Members who attended.
    pub members: i64,
    /// Others, counted.
    pub counted: i64,
}

/// A session with its attendees (masked), typical cases and materials.
#[derive(Debug, Clone)]
pub struct TrainingDetail {
    pub view: TrainingView,
    pub attendees: Vec<(Uuid, String)>,
    pub cases: Vec<(Uuid, String)>,
    pub materials: Vec<MaterialView>,
}

#[derive(Debug, Clone)]
pub struct MaterialView {
    pub id: Uuid,
    pub name: String,
    pub media_type: String,
    pub size: i64,
}

/// A member's training record.
#[derive(Debug, Clone)]
pub struct TrainingRecord {
    pub member: Uuid,
    pub name: String,
    pub sessions: Vec<TrainingView>,
    pub hours_tenths: i64,
}

fn view(t: &TrainingRow, members: i64) -> Result<TrainingView, ServiceError> {
    Ok(TrainingView {
        id: t.id,
        place_code: t.place_code.clone(),
        kind: TrainingKind::stored(&t.kind)?,
        mode: Mode::stored(&t.mode)?,
        held_on: t.held_on.clone(),
        venue: t.venue.clone(),
        topic: t.topic.clone(),
        trainer: t.trainer.clone(),
        hours_tenths: t.hours_tenths,
        members,
        counted: t.counted,
    })
}

impl Services {
    /// Records a session held by a place she manages as staff. Returns its id.
    pub async fn record_training(
        &self,
        caller: &Caller,
        input: &TrainingInput,
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
        let county = place.code[..6].to_string();
        for m in &v.members {
            let found = jinguo_storage::member::get(&self.db, &caller.manage_scope(), *m).await?;
            if found.is_none_or(|m| m.county_code != county) {
                return Err(invalid("members", "not_found"));
            }
        }
        let reader = caller.reader();
        for c in &v.cases {
            if jinguo_storage::typical::case(&self.db, &reader, *c)
                .await?
                .is_none()
            {
                return Err(invalid("cases", "not_found"));
            }
        }
        let id = Uuid::now_v7();
        let row = TrainingRow {
            county_code: county,
            id,
            path: place.path.clone(),
            place_code: place.code.clone(),
            kind: v.kind.key().into(),
            mode: v.mode.key().into(),
            held_on: v.held_on.to_string(),
            venue: v.venue.clone(),
            topic: v.topic.clone(),
            trainer: v.trainer.clone(),
            hours_tenths: v.hours_tenths,
            counted: v.counted,
            created_by: caller.username.clone(),
            created_ms: ms(clock::now()),
        };
        let entry = Record::new("training.record")
            .target(format!("training:{id}"))
            .place(place.path.clone())
            .detail(format!(
                "kind={} members={} counted={}",
                v.kind.key(),
                v.members.len(),
                v.counted
            ));
        db_tx!(&self.db, tx => {
            store::insert(tx, &row, &v.members, &v.cases).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        Ok(id)
    }

    /// The sessions of a year (this one by default) held by her places, newest first.
    pub async fn trainings(
        &self,
        caller: &Caller,
        year: Option<&str>,
    ) -> Result<(i64, Vec<TrainingView>), ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let year = match year.map(str::trim).filter(|y| !y.is_empty()) {
            Some(y) => y
                .parse::<i64>()
                .ok()
                .filter(|y| (1900..=9999).contains(y))
                .ok_or_else(|| invalid("year", "invalid"))?,
            None => i64::from(clock::today().year()),
        };
        let rows = store::trainings(
            &self.db,
            &caller.reader(),
            &format!("{year:04}-01-01"),
            &format!("{:04}-01-01", year + 1),
            LIST_MAX,
        )
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (t, members) in &rows {
            out.push(view(t, *members)?);
        }
        Ok((year, out))
    }

    /// One session of her places with its attendees (masked), cases and materials.
    pub async fn training(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<TrainingDetail, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let reader = caller.reader();
        let t = store::training(&self.db, &reader, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let (members, cases) = store::parts(&self.db, &t).await?;
        let mut attendees = Vec::with_capacity(members.len());
        // Members are read in the county's whole tree: one who attended stays on the record when
        // she moves, masked.
        let county = crate::linkage::county_path(&t.county_code).unwrap_or_default();
        let county = jinguo_storage::Scope::of_paths([county.as_str()]);
        for m in &members {
            let name = match jinguo_storage::member::get(&self.db, &county, *m).await? {
                Some(r) => jinguo_domain::mask::name(&self.open("member", "name", &r.id, &r.name)?),
                None => String::new(),
            };
            attendees.push((*m, name));
        }
        let mut titles = Vec::with_capacity(cases.len());
        for c in &cases {
            if let Some(tc) = jinguo_storage::typical::case(&self.db, &reader, *c).await? {
                titles.push((*c, tc.title.clone()));
            }
        }
        let materials = store::materials(&self.db, &t)
            .await?
            .into_iter()
            .map(|m| MaterialView {
                id: m.id,
                name: m.name,
                media_type: m.media_type,
                size: m.size,
            })
            .collect();
        Ok(TrainingDetail {
            view: view(&t, members.len() as i64)?,
            attendees,
            cases: titles,
            materials,
        })
    }

    /// Keeps a material with a session of her places: a JPEG or PNG picture or a PDF of at most
    /// 5 MB whose content is what its name says (the rules of a case's evidence).
    pub async fn add_training_material(
        &self,
        caller: &Caller,
        training: Uuid,
        name: &str,
        bytes: &[u8],
    ) -> Result<Uuid, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let t = store::training(&self.db, &caller.reader(), training)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let name = name
            .trim()
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .to_string();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid("file", "evidence.type"));
        }
        let media_type = jinguo_domain::linkage::check_evidence(&name, bytes)?;
        let id = Uuid::now_v7();
        let row = MaterialRow {
            county_code: t.county_code.clone(),
            id,
            training_id: t.id,
            name,
            media_type: media_type.into(),
            size: bytes.len() as i64,
            created_by: caller.username.clone(),
            created_ms: ms(clock::now()),
        };
        let entry = Record::new("training.material")
            .target(format!("training:{}", t.id))
            .place(t.path.clone())
            .detail(format!("type={media_type} size={}", bytes.len()));
        db_tx!(&self.db, tx => {
            store::insert_material(tx, &row, bytes).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        Ok(id)
    }

    /// A material of a session of her places: (name, media type, content).
    pub async fn training_material(
        &self,
        caller: &Caller,
        training: Uuid,
        id: Uuid,
    ) -> Result<(String, String, Vec<u8>), ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let t = store::training(&self.db, &caller.reader(), training)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let (m, content) = store::material(&self.db, &t, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok((m.name, m.media_type, content))
    }

    /// A member's training record: the sessions of her places' reach she attended, and their
    /// hours. The read is audited.
    pub async fn member_trainings(
        &self,
        caller: &Caller,
        member: Uuid,
    ) -> Result<TrainingRecord, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let m = jinguo_storage::member::get(&self.db, &caller.manage_scope(), member)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let rows = store::of_member(&self.db, &caller.reader(), &m.county_code, member).await?;
        let mut sessions = Vec::with_capacity(rows.len());
        for t in &rows {
            sessions.push(view(t, 0)?);
        }
        let hours_tenths = sessions.iter().map(|s| s.hours_tenths).sum();
        self.note_read(
            caller,
            Record::new("training.read")
                .target(format!("member:{member}"))
                .place(m.path.clone()),
        )
        .await?;
        Ok(TrainingRecord {
            member,
            name: jinguo_domain::mask::name(&self.open("member", "name", &m.id, &m.name)?),
            sessions,
            hours_tenths,
        })
    }
}
