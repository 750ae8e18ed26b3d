//! What can go wrong in the console, with what and where.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("cannot open the database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("migration {version} ({name}) failed: {source}")]
    Migrate {
        version: i64,
        name: &'static str,
        source: sqlx::Error,
    },
    #[error("database error while {doing}: {source}")]
    Db {
        doing: &'static str,
        source: sqlx::Error,
    },
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("the TLS {what} {path} {reason}")]
    Tls {
        /// `certificate` or `private key`.
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
    #[error("no such token: {0}")]
    NoToken(String),
    #[error("{0}")]
    Invalid(String),
}

impl ConsoleError {
    pub(crate) fn db(doing: &'static str) -> impl FnOnce(sqlx::Error) -> ConsoleError {
        move |source| ConsoleError::Db { doing, source }
    }
}
