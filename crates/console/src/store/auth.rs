//! Ingest tokens, administrators and sessions. Secrets are stored only as hashes: SHA-256
//! for random tokens (256 bits of entropy need no slow hash), Argon2id for passwords.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sqlx::Row;

use super::Db;
use crate::error::ConsoleError;
use crate::{now, random_hex, sha256_hex};

/// How long an admin session lasts.
pub(crate) const SESSION_SECONDS: i64 = 12 * 3600;

/// A token as `token list` shows it (never the secret).
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub id: String,
    pub fleet: String,
    pub created: i64,
    pub revoked: Option<i64>,
}

/// A logged-in administrator.
#[derive(Debug, Clone)]
pub struct Session {
    pub admin: String,
    pub csrf: String,
}

/// Splits `mdt_<id>_<secret>`.
fn parse_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("mdt_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 16 && secret.len() == 64).then_some((id, secret))
}

impl Db {
    /// Creates an ingest token for `fleet`; the returned token is shown once.
    pub async fn create_token(&self, fleet: &str) -> Result<(String, String), ConsoleError> {
        let fleet = fleet.trim();
        if fleet.is_empty() || fleet.len() > 64 || fleet.chars().any(|c| c.is_control()) {
            return Err(ConsoleError::Invalid(
                "a fleet name is 1 to 64 printable characters".into(),
            ));
        }
        let id = random_hex(8);
        let secret = random_hex(32);
        sqlx::query("INSERT INTO tokens (id, fleet, secret_hash, created) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(fleet)
            .bind(sha256_hex(secret.as_bytes()))
            .bind(now())
            .execute(&self.pool)
            .await
            .map_err(ConsoleError::db("creating a token"))?;
        Ok((id.clone(), format!("mdt_{id}_{secret}")))
    }

    pub async fn revoke_token(&self, id: &str) -> Result<(), ConsoleError> {
        let n = sqlx::query("UPDATE tokens SET revoked = $1 WHERE id = $2 AND revoked IS NULL")
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(ConsoleError::db("revoking a token"))?
            .rows_affected();
        if n == 0 {
            return Err(ConsoleError::NoToken(id.to_string()));
        }
        Ok(())
    }

    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, ConsoleError> {
        let rows =
            sqlx::query("SELECT id, fleet, created, revoked FROM tokens ORDER BY created, id")
                .fetch_all(&self.pool)
                .await
                .map_err(ConsoleError::db("listing tokens"))?;
        rows.iter()
            .map(|r| -> Result<TokenInfo, sqlx::Error> {
                Ok(TokenInfo {
                    id: r.try_get(0)?,
                    fleet: r.try_get(1)?,
                    created: r.try_get(2)?,
                    revoked: r.try_get(3)?,
                })
            })
            .collect::<Result<_, _>>()
            .map_err(ConsoleError::db("listing tokens"))
    }

    /// The fleet and id of a valid (unrevoked) ingest token.
    pub async fn check_token(&self, token: &str) -> Result<Option<(String, String)>, ConsoleError> {
        let Some((id, secret)) = parse_token(token) else {
            return Ok(None);
        };
        let row =
            sqlx::query("SELECT fleet, secret_hash FROM tokens WHERE id = $1 AND revoked IS NULL")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(ConsoleError::db("checking a token"))?;
        let Some(row) = row else { return Ok(None) };
        let fleet: String = row
            .try_get(0)
            .map_err(ConsoleError::db("checking a token"))?;
        let hash: String = row
            .try_get(1)
            .map_err(ConsoleError::db("checking a token"))?;
        Ok(
            constant_time_eq(hash.as_bytes(), sha256_hex(secret.as_bytes()).as_bytes())
                .then(|| (fleet, id.to_string())),
        )
    }

    pub async fn has_admin(&self) -> Result<bool, ConsoleError> {
        let row = sqlx::query("SELECT COUNT(*) FROM admins")
            .fetch_one(&self.pool)
            .await
            .map_err(ConsoleError::db("looking for administrators"))?;
        let n: i64 = row
            .try_get(0)
            .map_err(ConsoleError::db("looking for administrators"))?;
        Ok(n > 0)
    }

    /// Creates or replaces an administrator.
    pub async fn set_admin(&self, name: &str, password: &str) -> Result<(), ConsoleError> {
        if name.trim().is_empty() || name.len() > 64 {
            return Err(ConsoleError::Invalid(
                "a user name is 1 to 64 characters".into(),
            ));
        }
        if password.chars().count() < 12 || password.len() > 1024 {
            return Err(ConsoleError::Invalid(
                "a password is at least 12 characters".into(),
            ));
        }
        let salt = SaltString::encode_b64(&crate::random_bytes::<16>())
            .map_err(|e| ConsoleError::Invalid(format!("salt: {e}")))?;
        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| ConsoleError::Invalid(format!("hashing the password: {e}")))?
            .to_string();
        sqlx::query(
            "INSERT INTO admins (name, password_hash, created) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash",
        )
        .bind(name.trim())
        .bind(hash)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(ConsoleError::db("storing an administrator"))?;
        Ok(())
    }

    /// Checks a password; on success opens a session and returns its cookie value.
    pub async fn login(&self, name: &str, password: &str) -> Result<Option<String>, ConsoleError> {
        let row = sqlx::query("SELECT password_hash FROM admins WHERE name = $1")
            .bind(name.trim())
            .fetch_optional(&self.pool)
            .await
            .map_err(ConsoleError::db("logging in"))?;
        let Some(row) = row else { return Ok(None) };
        let stored: String = row.try_get(0).map_err(ConsoleError::db("logging in"))?;
        let password = password.to_string();
        // Argon2 takes tens of milliseconds: off the async threads.
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored)
                .map(|h| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &h)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        if !ok {
            return Ok(None);
        }
        let id = random_hex(32);
        sqlx::query("INSERT INTO sessions (id_hash, admin, csrf, expires) VALUES ($1, $2, $3, $4)")
            .bind(sha256_hex(id.as_bytes()))
            .bind(name.trim())
            .bind(random_hex(32))
            .bind(now() + SESSION_SECONDS)
            .execute(&self.pool)
            .await
            .map_err(ConsoleError::db("opening a session"))?;
        Ok(Some(id))
    }

    pub async fn session(&self, cookie: &str) -> Result<Option<Session>, ConsoleError> {
        if cookie.len() != 64 {
            return Ok(None);
        }
        let row =
            sqlx::query("SELECT admin, csrf FROM sessions WHERE id_hash = $1 AND expires > $2")
                .bind(sha256_hex(cookie.as_bytes()))
                .bind(now())
                .fetch_optional(&self.pool)
                .await
                .map_err(ConsoleError::db("reading a session"))?;
        row.map(|r| -> Result<Session, sqlx::Error> {
            Ok(Session {
                admin: r.try_get(0)?,
                csrf: r.try_get(1)?,
            })
        })
        .transpose()
        .map_err(ConsoleError::db("reading a session"))
    }

    pub async fn logout(&self, cookie: &str) -> Result<(), ConsoleError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1 OR expires <= $2")
            .bind(sha256_hex(cookie.as_bytes()))
            .bind(now())
            .execute(&self.pool)
            .await
            .map_err(ConsoleError::db("closing a session"))?;
        Ok(())
    }
}

/// Equality that takes as long whatever the first difference.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
