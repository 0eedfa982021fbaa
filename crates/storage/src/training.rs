//! Sessions of training and legal education, their attendees, the typical cases used and their
//! materials. Sessions are read within the subtrees a [`Reader`] manages; a member's record is
//! read through her sessions.

use crate::{Db, DbConn, Reader, Seen, StorageError, conn_run, db_run};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TrainingRow {
    pub county_code: String,
    pub id: Uuid,
    pub path: String,
    pub place_code: String,
    pub kind: String,
    pub mode: String,
    pub held_on: String,
    pub venue: String,
    pub topic: String,
    pub trainer: String,
    pub hours_tenths: i64,
    pub counted: i64,
    pub created_by: String,
    pub created_ms: i64,
}

macro_rules! training_cols {
    () => {
        "t.county_code, t.id, t.path, t.place_code, t.kind, t.mode, t.held_on, t.venue, t.topic, \
         t.trainer, t.hours_tenths, t.counted, t.created_by, t.created_ms"
    };
}

/// Records a session with its attending members and the typical cases used.
pub async fn insert(
    tx: &mut DbConn<'_>,
    t: &TrainingRow,
    members: &[Uuid],
    cases: &[Uuid],
) -> Result<(), StorageError> {
    conn_run!(tx, x => {
        sqlx::query(
            "INSERT INTO training (county_code, id, path, place_code, kind, mode, held_on, venue, \
             topic, trainer, hours_tenths, counted, created_by, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
            .bind(&t.county_code).bind(t.id).bind(&t.path).bind(&t.place_code).bind(&t.kind)
            .bind(&t.mode).bind(&t.held_on).bind(&t.venue).bind(&t.topic).bind(&t.trainer)
            .bind(t.hours_tenths).bind(t.counted).bind(&t.created_by).bind(t.created_ms)
            .execute(&mut *x).await?;
        for m in members {
            sqlx::query("INSERT INTO training_attendee (county_code, training_id, member_id) \
                         VALUES ($1, $2, $3)")
                .bind(&t.county_code).bind(t.id).bind(m).execute(&mut *x).await?;
        }
        for c in cases {
            sqlx::query("INSERT INTO training_case (county_code, training_id, case_id) \
                         VALUES ($1, $2, $3)")
                .bind(&t.county_code).bind(t.id).bind(c).execute(&mut *x).await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(())
}

/// A session within the subtrees the reader manages.
pub async fn training(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<TrainingRow>>, StorageError> {
    let row: Option<TrainingRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", training_cols!(), " FROM training t WHERE t.id = "));
        q.push_bind(id);
        reader.push_managed_filter(&mut q, "t");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// Sessions between two days (`from` included, `to` not) within the reader's subtrees, newest
/// first, each with its attending members counted; at most `limit`.
pub async fn trainings(
    db: &Db,
    reader: &Reader,
    from: &str,
    to: &str,
    limit: i64,
) -> Result<Vec<(Seen<TrainingRow>, i64)>, StorageError> {
    #[derive(sqlx::FromRow)]
    struct Line {
        #[sqlx(flatten)]
        t: TrainingRow,
        members: i64,
    }
    let rows: Vec<Line> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", training_cols!(),
            ", (SELECT count(*) FROM training_attendee a WHERE a.county_code = t.county_code \
               AND a.training_id = t.id) AS members FROM training t WHERE t.held_on >= "));
        q.push_bind(from.to_string()).push(" AND t.held_on < ").push_bind(to.to_string());
        reader.push_managed_filter(&mut q, "t");
        q.push(" ORDER BY t.held_on DESC, t.id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows
        .into_iter()
        .map(|l| (Seen::new(l.t), l.members))
        .collect())
}

/// The members who attended a session and the typical cases it used.
pub async fn parts(db: &Db, t: &Seen<TrainingRow>) -> Result<(Vec<Uuid>, Vec<Uuid>), StorageError> {
    let members: Vec<Uuid> = db_run!(db, p => sqlx::query_scalar(
        "SELECT member_id FROM training_attendee WHERE county_code = $1 AND training_id = $2 \
         ORDER BY member_id")
        .bind(&t.county_code).bind(t.id).fetch_all(p).await)?;
    let cases: Vec<Uuid> = db_run!(db, p => sqlx::query_scalar(
        "SELECT case_id FROM training_case WHERE county_code = $1 AND training_id = $2 \
         ORDER BY case_id")
        .bind(&t.county_code).bind(t.id).fetch_all(p).await)?;
    Ok((members, cases))
}

/// The sessions a member attended within the reader's subtrees, newest first.
pub async fn of_member(
    db: &Db,
    reader: &Reader,
    county: &str,
    member: Uuid,
) -> Result<Vec<Seen<TrainingRow>>, StorageError> {
    let rows: Vec<TrainingRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", training_cols!(),
            " FROM training t JOIN training_attendee a ON a.county_code = t.county_code \
              AND a.training_id = t.id WHERE a.county_code = "));
        q.push_bind(county.to_string()).push(" AND a.member_id = ").push_bind(member);
        reader.push_managed_filter(&mut q, "t");
        q.push(" ORDER BY t.held_on DESC, t.id");
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Seen::new).collect())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MaterialRow {
    pub county_code: String,
    pub id: Uuid,
    pub training_id: Uuid,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub created_by: String,
    pub created_ms: i64,
}

pub async fn insert_material(
    tx: &mut DbConn<'_>,
    m: &MaterialRow,
    content: &[u8],
) -> Result<(), StorageError> {
    conn_run!(tx, x => sqlx::query(
        "INSERT INTO training_material (county_code, id, training_id, name, media_type, size, \
         content, created_by, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(&m.county_code).bind(m.id).bind(m.training_id).bind(&m.name).bind(&m.media_type)
        .bind(m.size).bind(content).bind(&m.created_by).bind(m.created_ms)
        .execute(&mut *x).await.map(|_| ()))?;
    Ok(())
}

/// A session's materials (without their content).
pub async fn materials(db: &Db, t: &Seen<TrainingRow>) -> Result<Vec<MaterialRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, training_id, name, media_type, size, created_by, created_ms \
         FROM training_material WHERE county_code = $1 AND training_id = $2 ORDER BY id")
        .bind(&t.county_code).bind(t.id).fetch_all(p).await)?)
}

/// A material's content, of a session read within the reader's reach.
pub async fn material(
    db: &Db,
    t: &Seen<TrainingRow>,
    id: Uuid,
) -> Result<Option<(MaterialRow, Vec<u8>)>, StorageError> {
    #[derive(sqlx::FromRow)]
    struct Full {
        #[sqlx(flatten)]
        m: MaterialRow,
        content: Vec<u8>,
    }
    let row: Option<Full> = db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, training_id, name, media_type, size, created_by, created_ms, \
         content FROM training_material WHERE county_code = $1 AND training_id = $2 AND id = $3")
        .bind(&t.county_code).bind(t.id).bind(id).fetch_optional(p).await)?;
    Ok(row.map(|f| (f.m, f.content)))
}

/// The sessions of a subtree between two days (`from` included, `to` not) within the subtrees the
/// reader manages, and their hours (tenths).
pub async fn figures(
    db: &Db,
    reader: &Reader,
    within: &crate::Subtree,
    from: &str,
    to: &str,
) -> Result<(i64, i64), StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT count(*), CAST(COALESCE(SUM(t.hours_tenths), 0) AS BIGINT) FROM training t \
             WHERE t.path >= ");
        q.push_bind(within.lo.clone()).push(" AND t.path < ").push_bind(within.hi.clone())
            .push(" AND t.held_on >= ").push_bind(from.to_string())
            .push(" AND t.held_on < ").push_bind(to.to_string());
        reader.push_managed_filter(&mut q, "t");
        q.build_query_as().fetch_one(p).await
    })?)
}
