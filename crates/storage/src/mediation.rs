//! Family mediation: disputes from any source, their parties, the steps taken (history), sessions
//! and agreements with their terms. Sealed values are stored as the services give them.

use crate::{Db, DbConn, Reader, Seen, StorageError, Subtree, conn_run, db_run};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

macro_rules! dispute_cols {
    () => {
        "county_code, id, household_id, path, source, visit_id, kind, risk, status, outcome, \
         opened_on, accepted_on, concluded_on, due_on, simplified, narrative, mediator_id, \
         created_by, version, intake_consent"
    };
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DisputeRow {
    pub county_code: String,
    pub id: Uuid,
    pub household_id: Option<Uuid>,
    pub path: String,
    pub source: String,
    pub visit_id: Option<Uuid>,
    pub kind: String,
    pub risk: String,
    pub status: String,
    pub outcome: Option<String>,
    pub opened_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub concluded_on: Option<NaiveDate>,
    pub due_on: NaiveDate,
    pub simplified: bool,
    /// Sealed.
    pub narrative: String,
    pub mediator_id: Option<Uuid>,
    pub created_by: String,
    pub version: i64,
    /// The parties consented to mediation at intake (kept with the dispute).
    pub intake_consent: bool,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PartyRow {
    pub seq: i64,
    /// The registered person, sealed (her id).
    pub person: Option<String>,
    /// A keyed pseudonym of the registered person, to find her disputes with the key only.
    pub person_ref: Option<String>,
    /// Sealed.
    pub name: String,
    pub relationship: String,
}

/// Writes a new dispute with its parties.
pub async fn insert(
    tx: &mut DbConn<'_>,
    d: &DisputeRow,
    parties: &[PartyRow],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(concat!("INSERT INTO dispute (", dispute_cols!(),
        ", created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"))
        .bind(&d.county_code).bind(d.id).bind(d.household_id).bind(&d.path).bind(&d.source)
        .bind(d.visit_id).bind(&d.kind).bind(&d.risk).bind(&d.status).bind(&d.outcome)
        .bind(d.opened_on).bind(d.accepted_on).bind(d.concluded_on).bind(d.due_on)
        .bind(d.simplified).bind(&d.narrative).bind(d.mediator_id).bind(&d.created_by)
        .bind(d.version).bind(d.intake_consent).bind(now).bind(now)
        .execute(&mut *c).await.map(|_| ()))
    .map_err(StorageError::classify)?;
    for p in parties {
        conn_run!(tx, c => sqlx::query(
            "INSERT INTO dispute_party (county_code, dispute_id, seq, person, person_ref, name, relationship) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&d.county_code).bind(d.id).bind(p.seq).bind(&p.person).bind(&p.person_ref)
            .bind(&p.name).bind(&p.relationship)
            .execute(&mut *c).await.map(|_| ()))
        .map_err(StorageError::classify)?;
    }
    Ok(())
}

/// Writes the dispute's workflow fields (and its kind) if its version is still `expected`, moving the version
/// on; `false`: someone changed it meanwhile, and nothing was written.
pub async fn update(
    tx: &mut DbConn<'_>,
    d: &DisputeRow,
    expected: i64,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let done = conn_run!(tx, c => sqlx::query(
        "UPDATE dispute SET status = $1, outcome = $2, accepted_on = $3, concluded_on = $4, \
         due_on = $5, mediator_id = $6, updated_at = $7, kind = $8, version = version + 1 \
         WHERE county_code = $9 AND id = $10 AND version = $11")
        .bind(&d.status).bind(&d.outcome).bind(d.accepted_on).bind(d.concluded_on)
        .bind(d.due_on).bind(d.mediator_id).bind(now).bind(&d.kind).bind(&d.county_code)
        .bind(d.id).bind(expected)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// A dispute, if it lies within the reader's reach (managed, or assigned to a mediator she is).
pub async fn dispute(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<DisputeRow>>, StorageError> {
    let row: Option<DisputeRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", dispute_cols!(), " FROM dispute WHERE id = "));
        q.push_bind(id);
        reader.push_dispute_filter(&mut q, "dispute");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// Disputes below a subtree, the open ones first by due date, then the newest; at most `limit`.
pub async fn list(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    only_open: bool,
    limit: i64,
) -> Result<Vec<Seen<DisputeRow>>, StorageError> {
    // She manages all of the place: its range is her reach, and the statement is the same every
    // time (prepared once).
    if reader.manages_all(within) {
        let sql = concat!(
            "SELECT ",
            dispute_cols!(),
            " FROM dispute WHERE path >= $1 AND path < $2 \
            AND ($3 = FALSE OR status IN ('registered', 'accepted', 'assigned', 'in_mediation')) \
            ORDER BY CASE WHEN status IN ('registered', 'accepted', 'assigned', 'in_mediation') \
            THEN 0 ELSE 1 END, due_on, opened_on DESC, id LIMIT $4"
        );
        let rows: Vec<DisputeRow> = db_run!(db, p => sqlx::query_as(sql)
            .bind(&within.lo).bind(&within.hi).bind(only_open).bind(limit).fetch_all(p).await)?;
        return Ok(rows.into_iter().map(Seen::new).collect());
    }
    let rows: Vec<DisputeRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", dispute_cols!(), " FROM dispute WHERE path >= "));
        q.push_bind(within.lo.clone()).push(" AND path < ").push_bind(within.hi.clone());
        if only_open {
            q.push(" AND status IN ('registered', 'accepted', 'assigned', 'in_mediation')");
        }
        reader.push_dispute_filter(&mut q, "dispute");
        q.push(" ORDER BY CASE WHEN status IN ('registered', 'accepted', 'assigned', 'in_mediation') \
             THEN 0 ELSE 1 END, due_on, opened_on DESC, id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Seen::new).collect())
}

/// The disputes assigned to the mediators the reader is (her own list).
pub async fn assigned(db: &Db, reader: &Reader) -> Result<Vec<Seen<DisputeRow>>, StorageError> {
    let mut out = Vec::new();
    for m in reader.mediators() {
        let rows: Vec<DisputeRow> = db_run!(db, p => sqlx::query_as(concat!("SELECT ", dispute_cols!(),
            " FROM dispute WHERE mediator_id = $1 ORDER BY due_on, id"))
            .bind(m).fetch_all(p).await)?;
        out.extend(rows.into_iter().map(Seen::new));
    }
    Ok(out)
}

/// Open disputes of the county naming any of these persons (by their pseudonyms, see
/// [`PartyRow::person_ref`]) as a party.
pub async fn open_with_persons(
    db: &Db,
    county: &str,
    person_refs: &[String],
) -> Result<Vec<Uuid>, StorageError> {
    let mut out: Vec<Uuid> = Vec::new();
    for p in person_refs {
        let rows: Vec<(Uuid,)> = db_run!(db, pool => sqlx::query_as(
            "SELECT d.id FROM dispute_party dp JOIN dispute d ON d.county_code = dp.county_code \
             AND d.id = dp.dispute_id WHERE dp.county_code = $1 AND dp.person_ref = $2 \
             AND d.status IN ('registered', 'accepted', 'assigned', 'in_mediation')")
            .bind(county).bind(p).fetch_all(pool).await)?;
        for (id,) in rows {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    Ok(out)
}

pub async fn parties(db: &Db, d: &Seen<DisputeRow>) -> Result<Vec<PartyRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT seq, person, person_ref, name, relationship FROM dispute_party \
         WHERE county_code = $1 AND dispute_id = $2 ORDER BY seq")
        .bind(&d.county_code).bind(d.id).fetch_all(p).await)?)
}

/// The parties of several disputes of one county, in one query: (dispute, party) in order.
pub async fn parties_of(
    db: &Db,
    county: &str,
    disputes: &[&Seen<DisputeRow>],
) -> Result<Vec<(Uuid, PartyRow)>, StorageError> {
    let disputes: Vec<Uuid> = disputes
        .iter()
        .filter(|d| d.county_code == county)
        .map(|d| d.id)
        .collect();
    if disputes.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(sqlx::FromRow)]
    struct Line {
        dispute_id: Uuid,
        #[sqlx(flatten)]
        party: PartyRow,
    }
    let rows: Vec<Line> = db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT dispute_id, seq, person, person_ref, name, relationship FROM dispute_party WHERE county_code = ",
        );
        q.push_bind(county).push(" AND dispute_id IN (");
        let mut list = q.separated(", ");
        for id in &disputes {
            list.push_bind(*id);
        }
        q.push(") ORDER BY dispute_id, seq");
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(|l| (l.dispute_id, l.party)).collect())
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StepRow {
    pub seq: i64,
    pub step: String,
    pub taken_on: NaiveDate,
    pub mediator_id: Option<Uuid>,
    /// Sealed.
    pub note: String,
    pub taken_by: String,
}

impl StepRow {
    /// A step taken on a day by someone, with no mediator and no note (its number is given when
    /// it is appended).
    pub fn new(step: &str, taken_on: NaiveDate, taken_by: &str) -> Self {
        Self {
            seq: 0,
            step: step.into(),
            taken_on,
            mediator_id: None,
            note: String::new(),
            taken_by: taken_by.into(),
        }
    }
}

/// Appends a step to the dispute's history.
pub async fn add_step(
    tx: &mut DbConn<'_>,
    county: &str,
    dispute: Uuid,
    s: &StepRow,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO dispute_step (county_code, dispute_id, seq, step, taken_on, mediator_id, note, taken_by, created_at) \
         SELECT $1, $2, COALESCE(max(seq), 0) + 1, $3, $4, $5, $6, $7, $8 FROM dispute_step \
         WHERE county_code = $1 AND dispute_id = $2")
        .bind(county).bind(dispute).bind(&s.step).bind(s.taken_on).bind(s.mediator_id)
        .bind(&s.note).bind(&s.taken_by).bind(now)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn steps(db: &Db, d: &Seen<DisputeRow>) -> Result<Vec<StepRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT seq, step, taken_on, mediator_id, note, taken_by FROM dispute_step \
         WHERE county_code = $1 AND dispute_id = $2 ORDER BY seq")
        .bind(&d.county_code).bind(d.id).fetch_all(p).await)?)
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub held_on: NaiveDate,
    pub place: String,
    /// Sealed.
    pub attendees: String,
    /// Sealed.
    pub record: String,
    pub recorded_by: String,
}

pub async fn insert_session(
    tx: &mut DbConn<'_>,
    county: &str,
    dispute: Uuid,
    s: &SessionRow,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO mediation_session (county_code, id, dispute_id, held_on, place, attendees, record, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(county).bind(s.id).bind(dispute).bind(s.held_on).bind(&s.place)
        .bind(&s.attendees).bind(&s.record).bind(&s.recorded_by).bind(now)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn sessions(db: &Db, d: &Seen<DisputeRow>) -> Result<Vec<SessionRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT id, held_on, place, attendees, record, recorded_by FROM mediation_session \
         WHERE county_code = $1 AND dispute_id = $2 ORDER BY held_on, id")
        .bind(&d.county_code).bind(d.id).fetch_all(p).await)?)
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AgreementRow {
    pub id: Uuid,
    pub agreed_on: NaiveDate,
    /// Sealed: the parties as they signed.
    pub parties: String,
    /// Sealed.
    pub facts: String,
    pub confirmation_on: Option<NaiveDate>,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TermRow {
    pub seq: i64,
    pub kind: String,
    /// Sealed.
    pub text: String,
    pub manner: String,
    pub due_on: NaiveDate,
    pub performed_on: Option<NaiveDate>,
}

pub async fn insert_agreement(
    tx: &mut DbConn<'_>,
    county: &str,
    dispute: Uuid,
    a: &AgreementRow,
    terms: &[TermRow],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO agreement (county_code, id, dispute_id, agreed_on, parties, facts, confirmation_on, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(county).bind(a.id).bind(dispute).bind(a.agreed_on).bind(&a.parties)
        .bind(&a.facts).bind(a.confirmation_on).bind(&a.recorded_by).bind(now)
        .execute(&mut *c).await.map(|_| ()))
    .map_err(StorageError::classify)?;
    for t in terms {
        conn_run!(tx, c => sqlx::query(
            "INSERT INTO agreement_term (county_code, agreement_id, seq, kind, text, manner, due_on, performed_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(county).bind(a.id).bind(t.seq).bind(&t.kind).bind(&t.text).bind(&t.manner)
            .bind(t.due_on).bind(t.performed_on)
            .execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}

pub async fn agreement(
    db: &Db,
    d: &Seen<DisputeRow>,
) -> Result<Option<(AgreementRow, Vec<TermRow>)>, StorageError> {
    let (county, dispute) = (&d.county_code, d.id);
    let a: Option<AgreementRow> = db_run!(db, p => sqlx::query_as(
        "SELECT id, agreed_on, parties, facts, confirmation_on, recorded_by FROM agreement \
         WHERE county_code = $1 AND dispute_id = $2")
        .bind(county).bind(dispute).fetch_optional(p).await)?;
    let Some(a) = a else { return Ok(None) };
    let terms = db_run!(db, p => sqlx::query_as(
        "SELECT seq, kind, text, manner, due_on, performed_on FROM agreement_term \
         WHERE county_code = $1 AND agreement_id = $2 ORDER BY seq")
        .bind(county).bind(a.id).fetch_all(p).await)?;
    Ok(Some((a, terms)))
}

/// Records the day judicial confirmation was applied for.
pub async fn set_confirmation(
    tx: &mut DbConn<'_>,
    county: &str,
    agreement: Uuid,
    on: NaiveDate,
) -> Result<bool, StorageError> {
    let done = conn_run!(tx, c => sqlx::query(
        "UPDATE agreement SET confirmation_on = $1 WHERE county_code = $2 AND id = $3 AND confirmation_on IS NULL")
        .bind(on).bind(county).bind(agreement).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// One line of the figures: disputes below a subtree by kind, source, risk, status and outcome.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FigureRow {
    pub kind: String,
    pub source: String,
    pub risk: String,
    pub status: String,
    pub outcome: Option<String>,
    pub n: i64,
}

/// The figures of the disputes opened within `opened` (first and last day) below a subtree.
pub async fn figures(
    db: &Db,
    within: &Subtree,
    opened: (NaiveDate, NaiveDate),
) -> Result<Vec<FigureRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT kind, source, risk, status, outcome, count(*) AS n FROM dispute \
         WHERE path >= $1 AND path < $2 AND opened_on >= $3 AND opened_on <= $4 \
         GROUP BY kind, source, risk, status, outcome \
         ORDER BY kind, source, risk, status, outcome")
        .bind(&within.lo).bind(&within.hi).bind(opened.0).bind(opened.1).fetch_all(p).await)?)
}

/// Registration and conclusion dates of the disputes opened within `opened` (first and last
/// day) and concluded, below a subtree.
pub async fn concluded(
    db: &Db,
    within: &Subtree,
    opened: (NaiveDate, NaiveDate),
) -> Result<Vec<(NaiveDate, NaiveDate)>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT opened_on, concluded_on FROM dispute WHERE path >= $1 AND path < $2 \
         AND opened_on >= $3 AND opened_on <= $4 AND concluded_on IS NOT NULL")
        .bind(&within.lo).bind(&within.hi).bind(opened.0).bind(opened.1).fetch_all(p).await)?)
}

/// What is open of the disputes below a subtree on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenCounts {
    /// Open disputes.
    pub open: i64,
    /// Those of them past their due date.
    pub overdue: i64,
    /// Terms of agreements past their deadline and not performed.
    pub terms_overdue: i64,
}

/// Open disputes below a subtree, how many of them are past their due date on `today`, and the
/// terms of agreements past their deadline and not performed.
pub async fn open_counts(
    db: &Db,
    within: &Subtree,
    today: NaiveDate,
) -> Result<OpenCounts, StorageError> {
    let (open, overdue): (i64, Option<i64>) = db_run!(db, p => sqlx::query_as(
        "SELECT count(*), sum(CASE WHEN due_on < $3 THEN 1 ELSE 0 END) FROM dispute \
         WHERE path >= $1 AND path < $2 \
         AND status IN ('registered', 'accepted', 'assigned', 'in_mediation')")
        .bind(&within.lo).bind(&within.hi).bind(today).fetch_one(p).await)?;
    let terms_overdue = overdue_terms(db, within, today).await?;
    Ok(OpenCounts {
        open,
        overdue: overdue.unwrap_or(0),
        terms_overdue,
    })
}

/// Records that a term was performed (once).
pub async fn set_performed(
    tx: &mut DbConn<'_>,
    county: &str,
    agreement: Uuid,
    seq: i64,
    on: NaiveDate,
) -> Result<bool, StorageError> {
    let done = conn_run!(tx, c => sqlx::query(
        "UPDATE agreement_term SET performed_on = $1 WHERE county_code = $2 AND agreement_id = $3 \
         AND seq = $4 AND performed_on IS NULL")
        .bind(on).bind(county).bind(agreement).bind(seq)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Terms of agreements below a subtree past their deadline on `today` and not performed.
pub async fn overdue_terms(
    db: &Db,
    within: &Subtree,
    today: NaiveDate,
) -> Result<i64, StorageError> {
    let (n,): (i64,) = db_run!(db, p => sqlx::query_as(
        "SELECT count(*) FROM agreement_term t \
         JOIN agreement a ON a.county_code = t.county_code AND a.id = t.agreement_id \
         JOIN dispute d ON d.county_code = a.county_code AND d.id = a.dispute_id \
         WHERE d.path >= $1 AND d.path < $2 AND t.performed_on IS NULL AND t.due_on < $3")
        .bind(&within.lo).bind(&within.hi).bind(today).fetch_one(p).await)?;
    Ok(n)
}

/// A sealed column of the mediation and linkage tables, for key rotation: the table and column its values are
/// sealed for, and how its rows are read in order and written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedColumn {
    DisputeNarrative,
    PartyName,
    StepNote,
    SessionAttendees,
    SessionRecord,
    AgreementParties,
    AgreementFacts,
    TermText,
    CaseVictimName,
    CaseVictimPhone,
    CaseAbuserName,
    CaseNarrative,
    ReferralNote,
    ReferralAction,
    InstrumentReporter,
    InstrumentNote,
    EventNote,
    EvidenceName,
    EvidenceContent,
    EntryEvidence,
    ServiceResult,
    WishDonor,
    WishDonorPhone,
    PersonName,
    PersonBirthDate,
    PersonRelationship,
    MemberName,
    CaseVictimPerson,
    PartyPerson,
    CaseStepNote,
    ReferralBasisNote,
    ServiceNote,
    WishConfirmNote,
    EntryLeftReason,
    EntryPerson,
    EntryHousehold,
    WishPerson,
    WishHousehold,
    ParticipantPerson,
    CaseHousehold,
    ConsentPerson,
    ConsentGuardianName,
    CaseConsentGuardianName,
    AssessmentAnswers,
    AssessmentReason,
    SafetyActionText,
    HotlineCallerName,
    HotlineCallerPhone,
    HotlineSummary,
    SupervisionTitle,
    SupervisionMatter,
    SupervisionOwnerName,
    SupervisionStepNote,
    MeetingAttendees,
    MeetingConclusions,
    MeetingTaskText,
    MeetingTaskOwner,
    CaseVictimAddress,
    TypicalTextAuto,
    TypicalText,
    TypicalConsentPerson,
    FamilyName,
    FamilyNominator,
    FamilyDeeds,
    FamilyConsentBy,
    FamilyStory,
    FamilyRejectNote,
    ObjectionText,
    ObjectionContact,
    ObjectionAnswer,
    VolunteerName,
    VolunteerPhone,
}

impl SealedColumn {
    pub const ALL: [SealedColumn; 72] = [
        SealedColumn::DisputeNarrative,
        SealedColumn::PartyName,
        SealedColumn::StepNote,
        SealedColumn::SessionAttendees,
        SealedColumn::SessionRecord,
        SealedColumn::AgreementParties,
        SealedColumn::AgreementFacts,
        SealedColumn::TermText,
        SealedColumn::CaseVictimName,
        SealedColumn::CaseVictimPhone,
        SealedColumn::CaseAbuserName,
        SealedColumn::CaseNarrative,
        SealedColumn::ReferralNote,
        SealedColumn::ReferralAction,
        SealedColumn::InstrumentReporter,
        SealedColumn::InstrumentNote,
        SealedColumn::EventNote,
        SealedColumn::EvidenceName,
        SealedColumn::EvidenceContent,
        SealedColumn::EntryEvidence,
        SealedColumn::ServiceResult,
        SealedColumn::WishDonor,
        SealedColumn::WishDonorPhone,
        SealedColumn::PersonName,
        SealedColumn::PersonBirthDate,
        SealedColumn::PersonRelationship,
        SealedColumn::MemberName,
        SealedColumn::CaseVictimPerson,
        SealedColumn::PartyPerson,
        SealedColumn::CaseStepNote,
        SealedColumn::ReferralBasisNote,
        SealedColumn::ServiceNote,
        SealedColumn::WishConfirmNote,
        SealedColumn::EntryLeftReason,
        SealedColumn::EntryPerson,
        SealedColumn::EntryHousehold,
        SealedColumn::WishPerson,
        SealedColumn::WishHousehold,
        SealedColumn::ParticipantPerson,
        SealedColumn::CaseHousehold,
        SealedColumn::ConsentPerson,
        SealedColumn::ConsentGuardianName,
        SealedColumn::CaseConsentGuardianName,
        SealedColumn::AssessmentAnswers,
        SealedColumn::AssessmentReason,
        SealedColumn::SafetyActionText,
        SealedColumn::HotlineCallerName,
        SealedColumn::HotlineCallerPhone,
        SealedColumn::HotlineSummary,
        SealedColumn::SupervisionTitle,
        SealedColumn::SupervisionMatter,
        SealedColumn::SupervisionOwnerName,
        SealedColumn::SupervisionStepNote,
        SealedColumn::MeetingAttendees,
        SealedColumn::MeetingConclusions,
        SealedColumn::MeetingTaskText,
        SealedColumn::MeetingTaskOwner,
        SealedColumn::CaseVictimAddress,
        SealedColumn::TypicalTextAuto,
        SealedColumn::TypicalText,
        SealedColumn::TypicalConsentPerson,
        SealedColumn::FamilyName,
        SealedColumn::FamilyNominator,
        SealedColumn::FamilyDeeds,
        SealedColumn::FamilyConsentBy,
        SealedColumn::FamilyStory,
        SealedColumn::FamilyRejectNote,
        SealedColumn::ObjectionText,
        SealedColumn::ObjectionContact,
        SealedColumn::ObjectionAnswer,
        SealedColumn::VolunteerName,
        SealedColumn::VolunteerPhone,
    ];

    /// The household of a case and the person of a consent, sealed since migration 0055
    /// (which copied them as plain ids), and the guardian's name on a consent and on a case's
    /// consent to share; sealed once as those of 0027 are.
    pub const SEALED_SINCE_0055: [SealedColumn; 4] = [
        SealedColumn::CaseHousehold,
        SealedColumn::ConsentPerson,
        SealedColumn::ConsentGuardianName,
        SealedColumn::CaseConsentGuardianName,
    ];

    /// The links of the care tables to persons and households, sealed since migration 0031
    /// (which copied them as plain ids), sealed once as those of 0027 are.
    pub const SEALED_SINCE_0031: [SealedColumn; 5] = [
        SealedColumn::EntryPerson,
        SealedColumn::EntryHousehold,
        SealedColumn::WishPerson,
        SealedColumn::WishHousehold,
        SealedColumn::ParticipantPerson,
    ];

    /// Whether the values are ids (copied in clear by a migration as hex or text until sealed).
    pub fn holds_ids(self) -> bool {
        matches!(
            self,
            SealedColumn::CaseVictimPerson
                | SealedColumn::PartyPerson
                | SealedColumn::EntryPerson
                | SealedColumn::EntryHousehold
                | SealedColumn::WishPerson
                | SealedColumn::WishHousehold
                | SealedColumn::ParticipantPerson
                | SealedColumn::CaseHousehold
                | SealedColumn::ConsentPerson
        )
    }

    /// The columns sealed since migration 0028 (free-text notes and reasons), sealed once as
    /// those of 0027 are.
    pub const SEALED_SINCE_0028: [SealedColumn; 5] = [
        SealedColumn::CaseStepNote,
        SealedColumn::ReferralBasisNote,
        SealedColumn::ServiceNote,
        SealedColumn::WishConfirmNote,
        SealedColumn::EntryLeftReason,
    ];

    /// The columns sealed since migration 0027, which a database made before may hold in clear
    /// (`Services::seal_clear_values` seals them once).
    pub const SEALED_SINCE_0027: [SealedColumn; 6] = [
        SealedColumn::PersonName,
        SealedColumn::PersonBirthDate,
        SealedColumn::PersonRelationship,
        SealedColumn::MemberName,
        SealedColumn::CaseVictimPerson,
        SealedColumn::PartyPerson,
    ];

    /// The (table, column) the values are sealed for; the row id of the seal is the first key.
    pub fn sealed_for(self) -> (&'static str, &'static str) {
        match self {
            SealedColumn::DisputeNarrative => ("dispute", "narrative"),
            SealedColumn::PartyName => ("dispute", "party_name"),
            SealedColumn::StepNote => ("dispute", "step_note"),
            SealedColumn::SessionAttendees => ("mediation_session", "attendees"),
            SealedColumn::SessionRecord => ("mediation_session", "record"),
            SealedColumn::AgreementParties => ("agreement", "parties"),
            SealedColumn::AgreementFacts => ("agreement", "facts"),
            SealedColumn::TermText => ("agreement", "term"),
            SealedColumn::CaseVictimName => ("dv_case", "victim_name"),
            SealedColumn::CaseVictimPhone => ("dv_case", "victim_phone"),
            SealedColumn::CaseAbuserName => ("dv_case", "abuser_name"),
            SealedColumn::CaseNarrative => ("dv_case", "narrative"),
            SealedColumn::ReferralNote => ("referral", "note"),
            SealedColumn::ReferralAction => ("referral", "action"),
            SealedColumn::InstrumentReporter => ("instrument", "reporter"),
            SealedColumn::InstrumentNote => ("instrument", "note"),
            SealedColumn::EventNote => ("instrument_event", "note"),
            SealedColumn::EvidenceName => ("evidence", "name"),
            SealedColumn::EvidenceContent => ("evidence", "content"),
            SealedColumn::EntryEvidence => ("registry_entry", "evidence"),
            SealedColumn::ServiceResult => ("care_service", "result"),
            SealedColumn::WishDonor => ("wish", "donor"),
            SealedColumn::WishDonorPhone => ("wish", "donor_phone"),
            SealedColumn::PersonName => ("person", "name"),
            SealedColumn::PersonBirthDate => ("person", "birth_date"),
            SealedColumn::PersonRelationship => ("person", "relationship"),
            SealedColumn::MemberName => ("member", "name"),
            SealedColumn::CaseVictimPerson => ("dv_case", "victim_person"),
            SealedColumn::PartyPerson => ("dispute", "party_person"),
            SealedColumn::CaseStepNote => ("dv_case", "step_note"),
            SealedColumn::ReferralBasisNote => ("referral", "basis_note"),
            SealedColumn::ServiceNote => ("care_service", "note"),
            SealedColumn::WishConfirmNote => ("wish", "confirm_note"),
            SealedColumn::EntryLeftReason => ("registry_entry", "left_reason"),
            SealedColumn::EntryPerson => ("registry_entry", "person"),
            SealedColumn::EntryHousehold => ("registry_entry", "household"),
            SealedColumn::WishPerson => ("wish", "person"),
            SealedColumn::WishHousehold => ("wish", "household"),
            SealedColumn::ParticipantPerson => ("care_event", "person"),
            SealedColumn::CaseHousehold => ("dv_case", "household"),
            SealedColumn::ConsentPerson => ("consent", "person"),
            SealedColumn::ConsentGuardianName => ("consent", "guardian_name"),
            SealedColumn::CaseConsentGuardianName => ("case_consent", "guardian_name"),
            SealedColumn::AssessmentAnswers => ("risk_assessment", "answers"),
            SealedColumn::AssessmentReason => ("risk_assessment", "reason"),
            SealedColumn::SafetyActionText => ("safety_action", "action"),
            SealedColumn::HotlineCallerName => ("hotline_call", "caller_name"),
            SealedColumn::HotlineCallerPhone => ("hotline_call", "caller_phone"),
            SealedColumn::HotlineSummary => ("hotline_call", "summary"),
            SealedColumn::SupervisionTitle => ("supervision_task", "title"),
            SealedColumn::SupervisionMatter => ("supervision_task", "matter"),
            SealedColumn::SupervisionOwnerName => ("supervision_task", "owner_name"),
            SealedColumn::SupervisionStepNote => ("supervision_step", "note"),
            SealedColumn::MeetingAttendees => ("opinion_meeting", "attendees"),
            SealedColumn::MeetingConclusions => ("opinion_meeting", "conclusions"),
            SealedColumn::MeetingTaskText => ("opinion_task", "task"),
            SealedColumn::MeetingTaskOwner => ("opinion_task", "owner"),
            SealedColumn::CaseVictimAddress => ("dv_case", "victim_address"),
            SealedColumn::TypicalTextAuto => ("typical_case", "text_auto"),
            SealedColumn::TypicalText => ("typical_case", "text"),
            SealedColumn::TypicalConsentPerson => ("typical_case", "consent_person"),
            SealedColumn::FamilyName => ("family_award", "family_name"),
            SealedColumn::FamilyNominator => ("family_award", "nominator"),
            SealedColumn::FamilyDeeds => ("family_award", "deeds"),
            SealedColumn::FamilyConsentBy => ("family_award", "consent_by"),
            SealedColumn::FamilyStory => ("family_award", "story"),
            SealedColumn::FamilyRejectNote => ("family_award", "reject_note"),
            SealedColumn::ObjectionText => ("family_objection", "text"),
            SealedColumn::ObjectionContact => ("family_objection", "contact"),
            SealedColumn::ObjectionAnswer => ("family_objection", "answer"),
            SealedColumn::VolunteerName => ("volunteer", "name"),
            SealedColumn::VolunteerPhone => ("volunteer", "phone"),
        }
    }

    /// Rows after (id, seq), in that order, as [`SealedValue`]s; empty values left out.
    fn select(self) -> &'static str {
        match self {
            SealedColumn::DisputeNarrative => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, narrative AS value FROM dispute WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND narrative <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::PartyName => {
                "SELECT county_code, dispute_id AS id, seq, name AS value FROM dispute_party WHERE (dispute_id > $1 OR (dispute_id = $1 AND seq > $2)) ORDER BY dispute_id, seq LIMIT $3"
            }
            SealedColumn::StepNote => {
                "SELECT county_code, dispute_id AS id, seq, note AS value FROM dispute_step WHERE (dispute_id > $1 OR (dispute_id = $1 AND seq > $2)) AND note <> '' ORDER BY dispute_id, seq LIMIT $3"
            }
            SealedColumn::SessionAttendees => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, attendees AS value FROM mediation_session WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::SessionRecord => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, record AS value FROM mediation_session WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::AgreementParties => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, parties AS value FROM agreement WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::AgreementFacts => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, facts AS value FROM agreement WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::TermText => {
                "SELECT county_code, agreement_id AS id, seq, text AS value FROM agreement_term WHERE (agreement_id > $1 OR (agreement_id = $1 AND seq > $2)) ORDER BY agreement_id, seq LIMIT $3"
            }
            SealedColumn::CaseVictimName => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, victim_name AS value FROM dv_case WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::CaseVictimPhone => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, victim_phone AS value FROM dv_case WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND victim_phone IS NOT NULL ORDER BY id LIMIT $3"
            }
            SealedColumn::CaseAbuserName => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, abuser_name AS value FROM dv_case WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::CaseNarrative => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, narrative AS value FROM dv_case WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::ReferralNote => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, note AS value FROM referral WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND note <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::ReferralAction => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, action AS value FROM referral WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND action <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::InstrumentReporter => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, reporter AS value FROM instrument WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND reporter <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::InstrumentNote => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, note AS value FROM instrument WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND note <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::EventNote => {
                "SELECT county_code, instrument_id AS id, seq, note AS value FROM instrument_event WHERE (instrument_id > $1 OR (instrument_id = $1 AND seq > $2)) AND note <> '' ORDER BY instrument_id, seq LIMIT $3"
            }
            SealedColumn::EvidenceName => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, name AS value FROM evidence WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::EvidenceContent => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, content AS value FROM evidence WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::EntryEvidence => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, evidence AS value FROM registry_entry WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND evidence <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::ServiceResult => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, result AS value FROM care_service WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND result <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::WishDonor => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, donor AS value FROM wish WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND donor IS NOT NULL ORDER BY id LIMIT $3"
            }
            SealedColumn::WishDonorPhone => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, donor_phone AS value FROM wish WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND donor_phone IS NOT NULL ORDER BY id LIMIT $3"
            }
            SealedColumn::PersonName => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, name AS value FROM person WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::PersonBirthDate => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, CAST(birth_date AS TEXT) AS value FROM person WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::PersonRelationship => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, relationship AS value FROM person WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::MemberName => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, name AS value FROM member WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::CaseVictimPerson => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, victim_person AS value FROM dv_case WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND victim_person IS NOT NULL ORDER BY id LIMIT $3"
            }
            SealedColumn::PartyPerson => {
                "SELECT county_code, dispute_id AS id, seq, person AS value FROM dispute_party WHERE (dispute_id > $1 OR (dispute_id = $1 AND seq > $2)) AND person IS NOT NULL ORDER BY dispute_id, seq LIMIT $3"
            }
            SealedColumn::CaseStepNote => {
                "SELECT county_code, case_id AS id, seq, note AS value FROM case_step WHERE (case_id > $1 OR (case_id = $1 AND seq > $2)) AND note <> '' ORDER BY case_id, seq LIMIT $3"
            }
            SealedColumn::ReferralBasisNote => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, basis_note AS value FROM referral WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND basis_note <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::ServiceNote => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, note AS value FROM care_service WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND note <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::WishConfirmNote => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, confirm_note AS value FROM wish WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND confirm_note <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::EntryLeftReason => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, left_reason AS value FROM registry_entry WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND left_reason <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::EntryPerson => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, person AS value FROM registry_entry WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::EntryHousehold => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, household AS value FROM registry_entry WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::WishPerson => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, person AS value FROM wish WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::WishHousehold => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, household AS value FROM wish WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::ParticipantPerson => {
                "SELECT county_code, event_id AS id, seq, person AS value FROM care_event_person WHERE (event_id > $1 OR (event_id = $1 AND seq > $2)) ORDER BY event_id, seq LIMIT $3"
            }
            SealedColumn::CaseHousehold => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, household AS value FROM dv_case WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND household IS NOT NULL ORDER BY id LIMIT $3"
            }
            SealedColumn::ConsentPerson => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, person AS value FROM consent WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::ConsentGuardianName => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, guardian_name AS value FROM consent WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND guardian_name IS NOT NULL ORDER BY id LIMIT $3"
            }
            SealedColumn::CaseConsentGuardianName => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, guardian_name AS value FROM case_consent WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND guardian_name IS NOT NULL ORDER BY id LIMIT $3"
            }
            SealedColumn::AssessmentAnswers => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, answers AS value FROM risk_assessment WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::AssessmentReason => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, reason AS value FROM risk_assessment WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND reason <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::SafetyActionText => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, action AS value FROM safety_action WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::HotlineCallerName => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, caller_name AS value FROM hotline_call WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND caller_name <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::HotlineCallerPhone => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, caller_phone AS value FROM hotline_call WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND caller_phone <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::HotlineSummary => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, summary AS value FROM hotline_call WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::SupervisionTitle => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, title AS value FROM supervision_task WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::SupervisionMatter => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, matter AS value FROM supervision_task WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND matter <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::SupervisionOwnerName => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, owner_name AS value FROM supervision_task WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::SupervisionStepNote => {
                "SELECT county_code, task_id AS id, seq, note AS value FROM supervision_step WHERE (task_id > $1 OR (task_id = $1 AND seq > $2)) AND note <> '' ORDER BY task_id, seq LIMIT $3"
            }
            SealedColumn::MeetingAttendees => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, attendees AS value FROM opinion_meeting WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::MeetingConclusions => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, conclusions AS value FROM opinion_meeting WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::MeetingTaskText => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, task AS value FROM opinion_task WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::MeetingTaskOwner => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, owner AS value FROM opinion_task WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND owner <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::CaseVictimAddress => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, victim_address AS value FROM dv_case WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND victim_address <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::TypicalTextAuto => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, text_auto AS value FROM typical_case WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::TypicalText => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, text AS value FROM typical_case WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::TypicalConsentPerson => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, consent_person AS value FROM typical_case WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND consent_person IS NOT NULL ORDER BY id LIMIT $3"
            }
            SealedColumn::FamilyName => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, family_name AS value FROM family_award WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::FamilyNominator => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, nominator AS value FROM family_award WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND nominator <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::FamilyDeeds => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, deeds AS value FROM family_award WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::FamilyConsentBy => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, consent_by AS value FROM family_award WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND consent_by <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::FamilyStory => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, story AS value FROM family_award WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND story <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::FamilyRejectNote => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, reject_note AS value FROM family_award WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND reject_note <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::ObjectionText => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, text AS value FROM family_objection WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::ObjectionContact => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, contact AS value FROM family_objection WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND contact <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::ObjectionAnswer => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, answer AS value FROM family_objection WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND answer <> '' ORDER BY id LIMIT $3"
            }
            SealedColumn::VolunteerName => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, name AS value FROM volunteer WHERE (id > $1 OR (id = $1 AND 0 > $2)) ORDER BY id LIMIT $3"
            }
            SealedColumn::VolunteerPhone => {
                "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, phone AS value FROM volunteer WHERE (id > $1 OR (id = $1 AND 0 > $2)) AND phone <> '' ORDER BY id LIMIT $3"
            }
        }
    }

    /// Writes a value back: $1 value, $2 county, $3 id, $4 seq.
    fn update(self) -> &'static str {
        match self {
            SealedColumn::DisputeNarrative => {
                "UPDATE dispute SET narrative = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::PartyName => {
                "UPDATE dispute_party SET name = $1 WHERE county_code = $2 AND dispute_id = $3 AND seq = $4"
            }
            SealedColumn::StepNote => {
                "UPDATE dispute_step SET note = $1 WHERE county_code = $2 AND dispute_id = $3 AND seq = $4"
            }
            SealedColumn::SessionAttendees => {
                "UPDATE mediation_session SET attendees = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::SessionRecord => {
                "UPDATE mediation_session SET record = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::AgreementParties => {
                "UPDATE agreement SET parties = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::AgreementFacts => {
                "UPDATE agreement SET facts = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::TermText => {
                "UPDATE agreement_term SET text = $1 WHERE county_code = $2 AND agreement_id = $3 AND seq = $4"
            }
            SealedColumn::CaseVictimName => {
                "UPDATE dv_case SET victim_name = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::CaseVictimPhone => {
                "UPDATE dv_case SET victim_phone = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::CaseAbuserName => {
                "UPDATE dv_case SET abuser_name = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::CaseNarrative => {
                "UPDATE dv_case SET narrative = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::ReferralNote => {
                "UPDATE referral SET note = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::ReferralAction => {
                "UPDATE referral SET action = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::InstrumentReporter => {
                "UPDATE instrument SET reporter = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::InstrumentNote => {
                "UPDATE instrument SET note = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::EventNote => {
                "UPDATE instrument_event SET note = $1 WHERE county_code = $2 AND instrument_id = $3 AND seq = $4"
            }
            SealedColumn::EvidenceName => {
                "UPDATE evidence SET name = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::EvidenceContent => {
                "UPDATE evidence SET content = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::EntryEvidence => {
                "UPDATE registry_entry SET evidence = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::ServiceResult => {
                "UPDATE care_service SET result = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::WishDonor => {
                "UPDATE wish SET donor = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::WishDonorPhone => {
                "UPDATE wish SET donor_phone = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::PersonName => {
                "UPDATE person SET name = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::PersonBirthDate => {
                "UPDATE person SET birth_date = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::PersonRelationship => {
                "UPDATE person SET relationship = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::MemberName => {
                "UPDATE member SET name = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::CaseVictimPerson => {
                "UPDATE dv_case SET victim_person = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::PartyPerson => {
                "UPDATE dispute_party SET person = $1 WHERE county_code = $2 AND dispute_id = $3 AND seq = $4"
            }
            SealedColumn::CaseStepNote => {
                "UPDATE case_step SET note = $1 WHERE county_code = $2 AND case_id = $3 AND seq = $4"
            }
            SealedColumn::ReferralBasisNote => {
                "UPDATE referral SET basis_note = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::ServiceNote => {
                "UPDATE care_service SET note = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::WishConfirmNote => {
                "UPDATE wish SET confirm_note = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::EntryLeftReason => {
                "UPDATE registry_entry SET left_reason = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::EntryPerson => {
                "UPDATE registry_entry SET person = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::EntryHousehold => {
                "UPDATE registry_entry SET household = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::WishPerson => {
                "UPDATE wish SET person = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::WishHousehold => {
                "UPDATE wish SET household = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::ParticipantPerson => {
                "UPDATE care_event_person SET person = $1 WHERE county_code = $2 AND event_id = $3 AND seq = $4"
            }
            SealedColumn::CaseHousehold => {
                "UPDATE dv_case SET household = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::ConsentPerson => {
                "UPDATE consent SET person = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::ConsentGuardianName => {
                "UPDATE consent SET guardian_name = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::CaseConsentGuardianName => {
                "UPDATE case_consent SET guardian_name = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::AssessmentAnswers => {
                "UPDATE risk_assessment SET answers = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::AssessmentReason => {
                "UPDATE risk_assessment SET reason = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::SafetyActionText => {
                "UPDATE safety_action SET action = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::HotlineCallerName => {
                "UPDATE hotline_call SET caller_name = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::HotlineCallerPhone => {
                "UPDATE hotline_call SET caller_phone = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::HotlineSummary => {
                "UPDATE hotline_call SET summary = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::SupervisionTitle => {
                "UPDATE supervision_task SET title = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::SupervisionMatter => {
                "UPDATE supervision_task SET matter = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::SupervisionOwnerName => {
                "UPDATE supervision_task SET owner_name = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::SupervisionStepNote => {
                "UPDATE supervision_step SET note = $1 WHERE county_code = $2 AND task_id = $3 AND seq = $4"
            }
            SealedColumn::MeetingAttendees => {
                "UPDATE opinion_meeting SET attendees = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::MeetingConclusions => {
                "UPDATE opinion_meeting SET conclusions = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::MeetingTaskText => {
                "UPDATE opinion_task SET task = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::MeetingTaskOwner => {
                "UPDATE opinion_task SET owner = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::CaseVictimAddress => {
                "UPDATE dv_case SET victim_address = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::TypicalTextAuto => {
                "UPDATE typical_case SET text_auto = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::TypicalText => {
                "UPDATE typical_case SET text = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::TypicalConsentPerson => {
                "UPDATE typical_case SET consent_person = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::FamilyName => {
                "UPDATE family_award SET family_name = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::FamilyNominator => {
                "UPDATE family_award SET nominator = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::FamilyDeeds => {
                "UPDATE family_award SET deeds = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::FamilyConsentBy => {
                "UPDATE family_award SET consent_by = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::FamilyStory => {
                "UPDATE family_award SET story = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::FamilyRejectNote => {
                "UPDATE family_award SET reject_note = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::ObjectionText => {
                "UPDATE family_objection SET text = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::ObjectionContact => {
                "UPDATE family_objection SET contact = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::ObjectionAnswer => {
                "UPDATE family_objection SET answer = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::VolunteerName => {
                "UPDATE volunteer SET name = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
            SealedColumn::VolunteerPhone => {
                "UPDATE volunteer SET phone = $1 WHERE county_code = $2 AND id = $3 AND 0 = $4"
            }
        }
    }
}

/// One sealed value of a [`SealedColumn`].
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SealedValue {
    pub county_code: String,
    /// The row's id (or its parent's, for rows numbered within one).
    pub id: Uuid,
    /// The row's number within its parent (0 for rows that have none).
    pub seq: i64,
    /// Sealed.
    pub value: String,
}

/// A page of the sealed values of one column, after (id, seq).
pub async fn sealed_values(
    db: &Db,
    which: SealedColumn,
    after: (Uuid, i64),
    limit: i64,
) -> Result<Vec<SealedValue>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(which.select())
        .bind(after.0).bind(after.1).bind(limit).fetch_all(p).await)?)
}

/// Writes one re-sealed value back.
pub async fn reseal_value(
    tx: &mut DbConn<'_>,
    which: SealedColumn,
    county: &str,
    id: Uuid,
    seq: i64,
    value: &str,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(which.update())
        .bind(value).bind(county).bind(id).bind(seq)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Writes (or replaces) a mediator's profile.
pub async fn set_profile(
    tx: &mut DbConn<'_>,
    county: &str,
    member: Uuid,
    kind: &str,
    woman: bool,
    court_appointed: bool,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO mediator_profile (county_code, member_id, kind, woman, court_appointed, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (county_code, member_id) DO UPDATE SET \
         kind = excluded.kind, woman = excluded.woman, court_appointed = excluded.court_appointed, \
         updated_at = excluded.updated_at")
        .bind(county).bind(member).bind(kind).bind(woman).bind(court_appointed).bind(now)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// A serving family mediator below a subtree, with her place and profile (if recorded).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MediatorRow {
    pub id: Uuid,
    pub name: String,
    pub place_code: String,
    pub path: String,
    pub kind: Option<String>,
    pub woman: Option<bool>,
    pub court_appointed: Option<bool>,
}

pub async fn mediators_below(db: &Db, within: &Subtree) -> Result<Vec<MediatorRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT m.id, m.name, m.place_code, m.path, p.kind, p.woman, p.court_appointed FROM member m \
         LEFT JOIN mediator_profile p ON p.county_code = m.county_code AND p.member_id = m.id \
         WHERE m.path >= $1 AND m.path < $2 AND m.role = 'mediator' AND m.ended_on IS NULL \
         ORDER BY m.path, m.name, m.id")
        .bind(&within.lo).bind(&within.hi).fetch_all(p).await)?)
}

/// A party naming a registered person whose pseudonym is not computed yet (written before
/// migration 0027).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnreferencedParty {
    pub county_code: String,
    pub dispute_id: Uuid,
    pub seq: i64,
    /// Sealed, or the person's id in clear when not sealed yet.
    pub person: String,
}

/// Up to `limit` parties naming a person and lacking her pseudonym.
pub async fn unreferenced_parties(
    db: &Db,
    limit: i64,
) -> Result<Vec<UnreferencedParty>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, dispute_id, seq, person FROM dispute_party \
         WHERE person IS NOT NULL AND person_ref IS NULL ORDER BY dispute_id, seq LIMIT $1")
        .bind(limit).fetch_all(p).await)?)
}

/// Sets a party's pseudonym of her person.
pub async fn set_party_ref(
    tx: &mut DbConn<'_>,
    party: &UnreferencedParty,
    person_ref: &str,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE dispute_party SET person_ref = $4 WHERE county_code = $1 AND dispute_id = $2 AND seq = $3")
        .bind(&party.county_code).bind(party.dispute_id).bind(party.seq).bind(person_ref)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// A family mediator's report to the police of a dispute (People's Mediation Law art. 25): the
/// case it opened and the referral to the police.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportRow {
    pub county_code: String,
    pub dispute_id: Uuid,
    pub case_id: Uuid,
    pub referral_id: Uuid,
    pub reported_at: DateTime<Utc>,
    pub reported_by: String,
}

/// Records a dispute's report; false when the dispute has one already.
pub async fn insert_report(tx: &mut DbConn<'_>, r: &ReportRow) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "INSERT INTO dispute_report (county_code, dispute_id, case_id, referral_id, reported_at, \
         reported_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING")
        .bind(&r.county_code).bind(r.dispute_id).bind(r.case_id).bind(r.referral_id)
        .bind(r.reported_at).bind(&r.reported_by)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The report of a dispute read within the caller's reach, if there is one.
pub async fn report_of(db: &Db, d: &Seen<DisputeRow>) -> Result<Option<ReportRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, dispute_id, case_id, referral_id, reported_at, reported_by \
         FROM dispute_report WHERE county_code = $1 AND dispute_id = $2")
        .bind(&d.county_code).bind(d.id).fetch_optional(p).await)?)
}
