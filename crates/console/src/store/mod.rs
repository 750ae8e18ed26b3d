//! Storage: the same schema and queries on SQLite and PostgreSQL.

mod auth;
mod db;
mod ingest;
mod query;

pub use auth::TokenInfo;
pub(crate) use auth::{SESSION_SECONDS, Session, constant_time_eq};
pub use db::{Db, Location};
pub use ingest::{Incoming, Ingestor, Outcome};
pub(crate) use query::HistoryEntry;
pub use query::{COUNT_CAP, Cursor};
