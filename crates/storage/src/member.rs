//! Members serving a federation: executives, women's representatives, mediators, volunteers.

use crate::{DbConn, StorageError, conn_run};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewMember {
    pub id: Uuid,
    pub county_code: String,
    pub place_code: String,
    pub path: String,
    pub role: &'static str,
    pub name: String,
    pub phone: Option<String>,
    pub started_on: NaiveDate,
}

pub async fn insert(
    tx: &mut DbConn<'_>,
    rows: &[NewMember],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    for chunk in rows.chunks(1000) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO member (county_code, id, place_code, path, role, name, phone, started_on, created_at) ",
            );
            q.push_values(chunk, |mut b, m| {
                b.push_bind(&m.county_code)
                    .push_bind(m.id)
                    .push_bind(&m.place_code)
                    .push_bind(&m.path)
                    .push_bind(m.role)
                    .push_bind(&m.name)
                    .push_bind(&m.phone)
                    .push_bind(m.started_on)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await.map(|_| ())
        })
        .map_err(StorageError::classify)?;
    }
    Ok(())
}
