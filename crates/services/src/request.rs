//! Submission keys: a create form carries a key made when it is rendered (and an API client
//! sends one in `Idempotency-Key`); the first request with it is recorded with its answer, and
//! the same key sent again by the same account gets that first answer instead of a second record.
//! A key whose request was refused (nothing created) is freed, so the corrected form can be
//! sent again. Keys are kept a day.

use crate::error::invalid;
use crate::{Caller, ServiceError, Services, clock};
use jinguo_storage::db_tx;
use jinguo_storage::request as store;
use std::time::Duration;

/// How long keys are kept.
pub const KEPT: chrono::TimeDelta = chrono::TimeDelta::days(1);
/// How long a repeat waits for the first request to be answered.
pub const WAIT: Duration = Duration::from_secs(30);

/// What a submission key says about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// The first with this key: go on, then [`Services::submission_finish`] or
    /// [`Services::submission_release`].
    First,
    /// Answered before: answer the same.
    Answered {
        status: u16,
        /// Where a form was sent after it (a redirect), if anywhere.
        location: String,
        /// The answer's body (an API's JSON), opened.
        body: String,
    },
}

/// A key is 8 to 100 letters, digits, `-` or `_` (a UUID, as the pages make them).
pub fn valid_key(key: &str) -> bool {
    (8..=100).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Services {
    /// Claims a submission key for the caller's account on a route (`POST /places/{code}/…`),
    /// or gives the answer recorded for it. A repeat that comes while the first is still running
    /// waits for its answer (up to [`WAIT`]). A key used on another route is refused on its field.
    pub async fn submission_claim(
        &self,
        caller: &Caller,
        key: &str,
        route: &str,
    ) -> Result<Submission, ServiceError> {
        let account = caller.account_id.ok_or(ServiceError::Forbidden)?;
        if !valid_key(key) {
            return Err(invalid("request_key", "invalid"));
        }
        let now = clock::now();
        let first = db_tx!(quiet &self.db, tx => {
            store::prune(tx, now - KEPT).await?;
            store::claim(tx, account, key, route, now).await
        })?;
        if first {
            return Ok(Submission::First);
        }
        let started = tokio::time::Instant::now();
        loop {
            match store::get(&self.db, account, key).await? {
                // Freed meanwhile (the first was refused): this one may go on.
                None => {
                    let again = db_tx!(quiet &self.db, tx => store::claim(tx, account, key, route, clock::now()).await)?;
                    if again {
                        return Ok(Submission::First);
                    }
                }
                Some(row) if row.route != route => {
                    return Err(invalid("request_key", "request_key.other_form"));
                }
                Some(row) if row.status != 0 => {
                    let body = if row.body.is_empty() {
                        String::new()
                    } else {
                        self.open("request_key", &body_column(key), &account, &row.body)?
                    };
                    return Ok(Submission::Answered {
                        status: u16::try_from(row.status).unwrap_or(200),
                        location: row.location,
                        body,
                    });
                }
                Some(_) => {}
            }
            if started.elapsed() > WAIT {
                return Err(ServiceError::Conflict);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Records the answer given to the first request with a key.
    pub async fn submission_finish(
        &self,
        caller: &Caller,
        key: &str,
        status: u16,
        location: &str,
        body: &str,
    ) -> Result<(), ServiceError> {
        let account = caller.account_id.ok_or(ServiceError::Forbidden)?;
        let sealed = if body.is_empty() {
            String::new()
        } else {
            self.seal("request_key", &body_column(key), &account, body)?
        };
        db_tx!(quiet &self.db, tx => store::finish(tx, account, key, i32::from(status), location, &sealed).await)?;
        Ok(())
    }

    /// Frees a key whose request created nothing.
    pub async fn submission_release(&self, caller: &Caller, key: &str) -> Result<(), ServiceError> {
        let account = caller.account_id.ok_or(ServiceError::Forbidden)?;
        db_tx!(quiet &self.db, tx => store::release(tx, account, key).await)?;
        Ok(())
    }
}

/// The sealed body is bound to its key as well as to the account.
fn body_column(key: &str) -> String {
    format!("body/{key}")
}
