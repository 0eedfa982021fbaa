//! Typical cases (典型案例): federation staff propose a case, a dispute or a public-opinion topic
//! they can read as a typical case; its text is de-identified at once (`domain::typical`), then
//! reviewed and edited by someone other than the proposer, and published with the approval of
//! the county federation — when a person could still be recognised, only with her recorded
//! consent to publication. Staff search the library by kind and year; what is marked public is
//! on a page anyone may open.

use crate::audit::{Record, record};
use crate::error::{conflict, invalid};
use crate::linkage::{county_path, from_ms, ms};
use crate::{Caller, ServiceError, Services, clock};
use chrono::{DateTime, Utc};
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::typical::{
    Known, ProposalInput, ReviewInput, TypicalKind, TypicalSource, TypicalStatus, deidentify,
    names_left,
};
use jinguo_storage::typical::{self as store, Search, TypicalRow};
use jinguo_storage::{Reader, StorageError, db_tx};
use uuid::Uuid;

/// At most this many cases in a list.
const LIST_MAX: i64 = 200;

/// A typical case as shown.
#[derive(Debug, Clone)]
pub struct TypicalView {
    pub id: Uuid,
    pub place_code: String,
    pub kind: TypicalKind,
    pub year: i64,
    pub title: String,
    pub source: TypicalSource,
    /// The record it was proposed from (staff who manage the case only).
    pub source_id: Option<Uuid>,
    pub text: String,
    /// The text as the de-identification gave it (staff who manage the case only).
    pub text_auto: String,
    pub recognisable: bool,
    pub is_public: bool,
    pub status: TypicalStatus,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub reviewed_by: Option<String>,
    pub published_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub version: i64,
    /// Whether the caller may review it now (she manages it, did not propose it, it is under
    /// review).
    pub can_review: bool,
    /// Whether the caller may publish or withdraw it now (county staff, not the proposer).
    pub can_publish: bool,
    pub can_withdraw: bool,
}

/// The library's search.
#[derive(Debug, Clone, Default)]
pub struct TypicalQuery {
    pub kind: Option<String>,
    pub year: Option<String>,
}

/// What the de-identification and the consent check know of a source record: the names of its
/// people, the places below the county it happened in, and the registered persons whose consent
/// publication needs when one could still be recognised.
struct SourceFacts {
    known: Known,
    persons: Vec<Uuid>,
}

impl TypicalQuery {
    fn search(&self, published: bool) -> Result<Search, ServiceError> {
        let kind = match self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            Some(k) => Some(
                TypicalKind::parse(k)
                    .ok_or_else(|| invalid("kind", "invalid"))?
                    .key()
                    .to_string(),
            ),
            None => None,
        };
        let year = match self
            .year
            .as_deref()
            .map(str::trim)
            .filter(|y| !y.is_empty())
        {
            Some(y) => Some(y.parse::<i64>().map_err(|_| invalid("year", "invalid"))?),
            None => None,
        };
        Ok(Search {
            kind,
            year,
            published,
        })
    }
}

impl Services {
    /// Proposes a typical case at `place` (a place she manages as staff) from a record she can
    /// read. The text is stored de-identified. Returns its id.
    pub async fn propose_typical(
        &self,
        caller: &Caller,
        place: &str,
        input: &ProposalInput,
    ) -> Result<Uuid, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let v = input.validate(clock::today())?;
        let place = self
            .managed_place(caller, place)
            .await
            .map_err(|e| match e {
                ServiceError::NotFound => invalid("place", "not_found"),
                e => e,
            })?;
        if place.code.len() < 6 {
            return Err(invalid("place", "not_found"));
        }
        let county = place.code[..6].to_string();
        let facts = self
            .source_facts(&caller.reader(), v.source, v.source_id)
            .await?
            .ok_or_else(|| invalid("source_id", "not_found"))?;
        let mut known = facts.known;
        let text = deidentify_text(&v.text, &mut known);
        let id = Uuid::now_v7();
        let sealed = self.seal("typical_case", "text_auto", &id, &text)?;
        let row = TypicalRow {
            county_code: county,
            id,
            path: place.path.clone(),
            place_code: place.code.clone(),
            kind: v.kind.key().into(),
            year: i64::from(v.year),
            title: deidentify(&v.title, &known),
            source: v.source.key().into(),
            source_id: v.source_id,
            text_auto: sealed,
            text: self.seal("typical_case", "text", &id, &text)?,
            recognisable: names_left(&text, &known),
            consent_person: None,
            is_public: false,
            status: TypicalStatus::Proposed.key().into(),
            proposed_by: caller.username.clone(),
            proposed_ms: ms(clock::now()),
            reviewed_by: None,
            reviewed_ms: None,
            published_by: None,
            published_ms: None,
            version: 1,
        };
        let entry = Record::new("typical.propose")
            .target(format!("typical_case:{id}"))
            .place(place.path.clone())
            .detail(format!("source={} kind={}", v.source.key(), v.kind.key()));
        db_tx!(&self.db, tx => {
            store::insert(tx, &row).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        Ok(id)
    }

    /// Reviews a proposed case: the title and text as edited, and whether a person could still
    /// be recognised. Not by whoever proposed it; a text with an ID or mobile number in it is
    /// refused (`case_text`). A stale version writes nothing.
    pub async fn review_typical(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i64,
        input: &ReviewInput,
    ) -> Result<(), ServiceError> {
        let t = self.managed_typical(caller, id).await?;
        if t.proposed_by == caller.username {
            return Err(invalid("step", "typical.own_review"));
        }
        if !matches!(
            TypicalStatus::stored(&t.status)?,
            TypicalStatus::Proposed | TypicalStatus::Reviewed
        ) {
            return Err(invalid("step", "typical.status"));
        }
        let (title, text) = input.validate()?;
        let facts = self.system_facts(&t).await?;
        let recognisable = input.recognisable || names_left(&text, &facts.known);
        let sealed = self.seal("typical_case", "text", &id, &text)?;
        let entry = Record::new("typical.review")
            .target(format!("typical_case:{id}"))
            .place(t.path.clone())
            .detail(format!("recognisable={recognisable}"));
        let now_ms = ms(clock::now());
        let county = t.county_code.clone();
        db_tx!(&self.db, tx => {
            if !store::review(tx, &county, id, expected_version, &title, &sealed, recognisable,
                &caller.username, now_ms).await? {
                return Err(StorageError::Conflict("typical_case".into()));
            }
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })
        .map_err(conflict)?;
        Ok(())
    }

    /// Publishes a reviewed case, by staff of the county federation other than the proposer;
    /// `public` puts it on the page anyone may open. When a person could still be recognised,
    /// each registered person of the record must have consented to publication
    /// (`publish_consent`), and a record without one cannot be published so.
    pub async fn publish_typical(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i64,
        public: bool,
    ) -> Result<(), ServiceError> {
        let t = self.managed_typical(caller, id).await?;
        self.county_approver(caller, &t)?;
        if TypicalStatus::stored(&t.status)? != TypicalStatus::Reviewed {
            return Err(invalid("step", "typical.status"));
        }
        let facts = self.system_facts(&t).await?;
        let text = self.open("typical_case", "text", &t.id, &t.text)?;
        let recognisable = t.recognisable || names_left(&text, &facts.known);
        let mut consent_person = None;
        if recognisable {
            if facts.persons.is_empty() {
                return Err(invalid("publish_consent", "typical.consent_required"));
            }
            for p in &facts.persons {
                let given = match self.has_consent(caller, *p, "publish").await {
                    Ok(b) => b,
                    Err(ServiceError::NotFound) => false,
                    Err(e) => return Err(e),
                };
                if !given {
                    return Err(invalid("publish_consent", "typical.consent_required"));
                }
            }
            if let Some(p) = facts.persons.first() {
                consent_person = Some(self.seal_id("typical_case", "consent_person", &id, p)?);
            }
        }
        let entry = Record::new("typical.publish")
            .target(format!("typical_case:{id}"))
            .place(t.path.clone())
            .detail(format!(
                "public={public} consent={}",
                consent_person.is_some()
            ));
        let now_ms = ms(clock::now());
        let county = t.county_code.clone();
        db_tx!(&self.db, tx => {
            if !store::publish(tx, &county, id, expected_version, public, consent_person.as_deref(),
                &caller.username, now_ms).await? {
                return Err(StorageError::Conflict("typical_case".into()));
            }
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })
        .map_err(conflict)?;
        Ok(())
    }

    /// Withdraws a case from the library and the public page (county staff).
    pub async fn withdraw_typical(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i64,
    ) -> Result<(), ServiceError> {
        let t = self.managed_typical(caller, id).await?;
        if !caller.manage_scope().covers_all(&county_of(&t)) {
            return Err(invalid("step", "typical.not_county"));
        }
        if TypicalStatus::stored(&t.status)? == TypicalStatus::Withdrawn {
            return Err(invalid("step", "typical.status"));
        }
        let entry = Record::new("typical.withdraw")
            .target(format!("typical_case:{id}"))
            .place(t.path.clone());
        let county = t.county_code.clone();
        db_tx!(&self.db, tx => {
            if !store::withdraw(tx, &county, id, expected_version).await? {
                return Err(StorageError::Conflict("typical_case".into()));
            }
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })
        .map_err(conflict)?;
        Ok(())
    }

    /// The library: the cases she manages and those published for everyone, by kind and year.
    /// The list shows titles, never texts.
    pub async fn typical_library(
        &self,
        caller: &Caller,
        q: &TypicalQuery,
    ) -> Result<Vec<TypicalView>, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let search = q.search(false)?;
        let rows = store::cases(&self.db, &caller.reader(), &search, LIST_MAX).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut v = self.typical_view(caller, &r, false)?;
            v.text = String::new();
            out.push(v);
        }
        Ok(out)
    }

    /// One case of the library, with its text; the read is audited.
    pub async fn typical_case(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<TypicalView, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let t = store::case(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let v = self.typical_view(caller, &t, true)?;
        self.note_read(
            caller,
            Record::new("typical.read")
                .target(format!("typical_case:{id}"))
                .place(t.path.clone()),
        )
        .await?;
        Ok(v)
    }

    /// The published cases marked public, for anyone: title, kind, year and text only.
    pub async fn public_typical_cases(
        &self,
        q: &TypicalQuery,
        with_text: bool,
    ) -> Result<Vec<TypicalView>, ServiceError> {
        let search = q.search(true)?;
        let rows = store::public_cases(&self.db, &search, LIST_MAX).await?;
        rows.iter()
            .map(|r| self.public_view(r, with_text))
            .collect()
    }

    /// One published case marked public, for anyone.
    pub async fn public_typical_case(&self, id: Uuid) -> Result<TypicalView, ServiceError> {
        let r = store::public_case(&self.db, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.public_view(&r, true)
    }

    /// The year's figures of typical cases within her managed places: proposed and published.
    pub async fn typical_figures(
        &self,
        caller: &Caller,
        within: &jinguo_storage::Subtree,
    ) -> Result<(i64, i64), ServiceError> {
        Ok(store::figures(&self.db, &caller.reader(), within).await?)
    }

    fn public_view(&self, r: &TypicalRow, with_text: bool) -> Result<TypicalView, ServiceError> {
        Ok(TypicalView {
            id: r.id,
            place_code: r.county_code.clone(),
            kind: TypicalKind::stored(&r.kind)?,
            year: r.year,
            title: r.title.clone(),
            source: TypicalSource::stored(&r.source)?,
            source_id: None,
            text: if with_text {
                self.open("typical_case", "text", &r.id, &r.text)?
            } else {
                String::new()
            },
            text_auto: String::new(),
            recognisable: false,
            is_public: true,
            status: TypicalStatus::Published,
            proposed_by: String::new(),
            proposed_at: from_ms(r.proposed_ms),
            reviewed_by: None,
            published_by: None,
            published_at: r.published_ms.map(from_ms),
            version: r.version,
            can_review: false,
            can_publish: false,
            can_withdraw: false,
        })
    }

    fn typical_view(
        &self,
        caller: &Caller,
        t: &TypicalRow,
        with_text: bool,
    ) -> Result<TypicalView, ServiceError> {
        let manages = caller.manage_scope().covers_all(&t.path);
        let status = TypicalStatus::stored(&t.status)?;
        let county = caller.manage_scope().covers_all(&county_of(t));
        let not_proposer = t.proposed_by != caller.username;
        Ok(TypicalView {
            id: t.id,
            place_code: t.place_code.clone(),
            kind: TypicalKind::stored(&t.kind)?,
            year: t.year,
            title: t.title.clone(),
            source: TypicalSource::stored(&t.source)?,
            source_id: manages.then_some(t.source_id),
            text: if with_text {
                self.open("typical_case", "text", &t.id, &t.text)?
            } else {
                String::new()
            },
            text_auto: if with_text && manages {
                self.open("typical_case", "text_auto", &t.id, &t.text_auto)?
            } else {
                String::new()
            },
            recognisable: t.recognisable,
            is_public: t.is_public,
            status,
            proposed_by: t.proposed_by.clone(),
            proposed_at: from_ms(t.proposed_ms),
            reviewed_by: t.reviewed_by.clone(),
            published_by: t.published_by.clone(),
            published_at: t.published_ms.map(from_ms),
            version: t.version,
            can_review: manages
                && not_proposer
                && matches!(status, TypicalStatus::Proposed | TypicalStatus::Reviewed),
            can_publish: manages && county && not_proposer && status == TypicalStatus::Reviewed,
            can_withdraw: manages && county && status != TypicalStatus::Withdrawn,
        })
    }

    /// A case she manages as staff (to change it).
    async fn managed_typical(&self, caller: &Caller, id: Uuid) -> Result<TypicalRow, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let t = store::case(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?
            .into_inner();
        if !caller.manage_scope().covers_all(&t.path) {
            return Err(ServiceError::NotFound);
        }
        Ok(t)
    }

    /// Publication is the county federation's, never the proposer's.
    fn county_approver(&self, caller: &Caller, t: &TypicalRow) -> Result<(), ServiceError> {
        if !caller.manage_scope().covers_all(&county_of(t)) {
            return Err(invalid("step", "typical.not_county"));
        }
        if t.proposed_by == caller.username {
            return Err(invalid("step", "typical.own_review"));
        }
        Ok(())
    }

    /// What the checks after the proposal know of its record. Read for the check alone (nothing
    /// of it is shown), so whoever reviews or approves need not be able to read the record.
    async fn system_facts(&self, t: &TypicalRow) -> Result<SourceFacts, ServiceError> {
        let source = TypicalSource::stored(&t.source)?;
        Ok(self
            .source_facts(&Reader::system(), source, t.source_id)
            .await?
            .unwrap_or(SourceFacts {
                known: Known::default(),
                persons: Vec::new(),
            }))
    }

    /// The facts of a record the reader can read; `None` when she cannot.
    async fn source_facts(
        &self,
        reader: &Reader,
        source: TypicalSource,
        id: Uuid,
    ) -> Result<Option<SourceFacts>, ServiceError> {
        let mut names = Vec::new();
        let mut persons = Vec::new();
        let path = match source {
            TypicalSource::Case => {
                let Some(c) = jinguo_storage::linkage::case(&self.db, reader, id).await? else {
                    return Ok(None);
                };
                names.push(self.open("dv_case", "victim_name", &c.id, &c.victim_name)?);
                names.push(self.open("dv_case", "abuser_name", &c.id, &c.abuser_name)?);
                if let Some(p) = &c.victim_person {
                    persons.push(self.open_id("dv_case", "victim_person", &c.id, p)?);
                }
                c.path.clone()
            }
            TypicalSource::Dispute => {
                let Some(d) = jinguo_storage::mediation::dispute(&self.db, reader, id).await?
                else {
                    return Ok(None);
                };
                for p in jinguo_storage::mediation::parties(&self.db, &d).await? {
                    names.push(self.open("dispute", "party_name", &d.id, &p.name)?);
                    if let Some(s) = &p.person {
                        persons.push(self.open_id("dispute", "party_person", &d.id, s)?);
                    }
                }
                d.path.clone()
            }
            TypicalSource::Topic => {
                let Some(t) = jinguo_storage::opinion::topic(&self.db, reader, id).await? else {
                    return Ok(None);
                };
                t.path.clone()
            }
        };
        let mut places = Vec::new();
        let mut county = String::new();
        let codes: Vec<&str> = path.trim_matches('/').split('/').collect();
        for code in codes {
            if code.len() < 6 {
                continue;
            }
            if let Some(p) = self.cached().place(code).await? {
                if code.len() == 6 {
                    county = p.name.clone();
                } else {
                    places.push(p.name.clone());
                }
            }
        }
        Ok(Some(SourceFacts {
            known: Known {
                names,
                places,
                county,
            },
            persons,
        }))
    }
}

/// A text de-identified with what is known of its record and the person names the segmenter
/// finds in it (added to `known`, so that whether one is left can be checked after).
pub fn deidentify_text(text: &str, known: &mut Known) -> String {
    known.names.extend(crate::opinion::person_names(text));
    deidentify(text, known)
}

/// The path of a case's county.
fn county_of(t: &TypicalRow) -> String {
    county_path(&t.county_code).unwrap_or_else(|| "\u{0}".into())
}
