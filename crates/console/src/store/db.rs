//! The connection pool: one SQLite file in the data directory, or a PostgreSQL server, behind
//! sqlx's `Any` driver so that both run the same migrations and the same queries.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

use crate::error::ConsoleError;

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum Location {
    /// `console.db` in this directory (created when missing).
    DataDir(std::path::PathBuf),
    /// A `postgres://` URL.
    Url(String),
}

/// The migrations, in order (`crates/console/migrations/`).
const MIGRATIONS: &[(i64, &str, &str)] =
    &[(1, "init", include_str!("../../migrations/0001_init.sql"))];

#[derive(Clone)]
pub struct Db {
    pub(crate) pool: AnyPool,
    pub(crate) postgres: bool,
}

impl Db {
    /// Opens the database and brings its schema up to date.
    pub async fn open(location: &Location) -> Result<Db, ConsoleError> {
        install_default_drivers();
        let (url, postgres) = match location {
            Location::DataDir(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| ConsoleError::DataDir {
                    path: dir.clone(),
                    source,
                })?;
                (sqlite_url(&dir.join("console.db")), false)
            }
            Location::Url(url) => (url.clone(), url.starts_with("postgres")),
        };
        let options = AnyPoolOptions::new()
            .max_connections(if postgres { 16 } else { 8 })
            .acquire_timeout(Duration::from_secs(30));
        let options = if postgres {
            options
        } else {
            options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL: readers never wait for the writer; NORMAL: a commit is in the WAL
                    // before it is acknowledged, so killing the process loses nothing
                    // acknowledged (only an OS crash could lose the last transactions).
                    // Checkpoints every 40 MB of WAL instead of 4 MB: the hot index pages a
                    // burst rewrites again and again are copied back once, not each time.
                    // The file mapped into memory (up to 4 GiB of address space, not of
                    // memory): a page not in SQLite's cache is read without a system call
                    // and a copy. So the cache itself stays small (8 MB): every commit scans
                    // the whole cache's hash table, which cost more than it saved at 64 MB
                    // (the bench's ingest: 250 µs per report at 64 MB, 220 at 8 MB). Temporary data in memory: a multi-row statement's rollback
                    // journal would otherwise spill to a file created and deleted each time.
                    conn.execute(
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA cache_size=-8192; PRAGMA wal_autocheckpoint=10000; PRAGMA mmap_size=4294967296; PRAGMA temp_store=MEMORY",
                    )
                    .await?;
                    Ok(())
                })
            })
        };
        let pool = options
            .connect(&url)
            .await
            .map_err(|source| ConsoleError::Connect {
                url: redact(&url),
                source,
            })?;
        let db = Db { pool, postgres };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), ConsoleError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(ConsoleError::db("migrating"))?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS console_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied BIGINT NOT NULL)",
        )
        .await
        .map_err(ConsoleError::db("migrating"))?;
        for &(version, name, sql) in MIGRATIONS {
            let done: Option<(i64,)> =
                sqlx::query_as("SELECT version FROM console_migrations WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(ConsoleError::db("migrating"))?;
            if done.is_some() {
                continue;
            }
            let err = |source| ConsoleError::Migrate {
                version,
                name,
                source,
            };
            let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(err)?;
            tx.execute(sqlx::raw_sql(sql)).await.map_err(err)?;
            sqlx::query(
                "INSERT INTO console_migrations (version, name, applied) VALUES ($1, $2, $3)",
            )
            .bind(version)
            .bind(name)
            .bind(crate::now())
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            tx.commit().await.map_err(err)?;
        }
        Ok(())
    }

    /// Which database this is, for messages.
    pub fn kind(&self) -> &'static str {
        if self.postgres {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            super::redact("postgres://u:secret@127.0.0.1:5/db"),
            "postgres://u:***@127.0.0.1:5/db"
        );
        assert_eq!(super::redact("sqlite://x.db"), "sqlite://x.db");
    }
}
