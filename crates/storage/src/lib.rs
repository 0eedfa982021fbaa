//! Storage: SQL for SQLite (the embedded default) and PostgreSQL, one module per aggregate.
//!
//! The same SQL text (with `$1` placeholders) runs on both backends through [`db_run!`];
//! dialect branches exist only where SQL truly differs. Subtree queries use the materialized
//! `path` of every row as a range (`path >= $lo AND path < $hi`), which both engines answer
//! from a B-tree index.

pub mod account;
pub mod assessment;
pub mod assignment;
pub mod audit;
pub mod care;
pub mod chain;
pub mod conference;
pub mod consent;
pub mod copy;
pub mod db;
pub mod emergency;
pub mod family;
pub mod hotline;
pub mod household;
pub mod linkage;
pub mod maintenance;
pub mod mediation;
pub mod member;
pub mod opinion;
pub mod place;
pub mod quick;
pub mod reader;
pub mod report;
pub mod request;
pub mod scope;
pub mod screening;
pub mod supervision;
pub mod tables;
pub mod training;
pub mod typical;
pub mod volunteer;
pub mod worklist;

pub use db::{Backend, Db, DbConn, StorageError};
pub use reader::{Reader, Seen};
pub use scope::{HouseholdRefs, Scope, Subtree};
