//! Services: one use case = one function. Each takes who is asking (from the accounts module,
//! once it exists), validates, runs one transaction, and returns domain-shaped results that the
//! interfaces only translate. Personal data leaves this layer masked unless the use case needs it.

pub mod clock;
pub mod demo;
pub mod error;
pub mod households;
pub mod places;

pub use error::ServiceError;
use jinguo_storage::Db;

/// The services of one running Jinguo, over one database.
#[derive(Debug, Clone)]
pub struct Services {
    pub db: Db,
    /// The place the home dashboard opens on; `None` picks it from the data.
    pub home_place: Option<String>,
}

impl Services {
    pub fn new(db: Db, home_place: Option<String>) -> Self {
        Self { db, home_place }
    }
}
