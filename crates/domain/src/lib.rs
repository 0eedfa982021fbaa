//! Jinguo's domain: types that can only exist valid, rules and validators.
//! No I/O, no async. Everything above (storage, services, interfaces) speaks these types.

pub mod account;
pub mod audit;
pub mod care;
pub mod error;
pub mod i18n;
pub mod ids;
pub mod linkage;
pub mod mask;
pub mod mediation;
pub mod member;
pub mod person;
pub mod phone;
pub mod place;
pub mod resident_id;
pub mod screening;

pub use error::{FieldError, ValidationErrors};
pub use i18n::Lang;
