//! Signing in: password hashing, login with lockout, browser sessions (idle and absolute
//! limits, each with its CSRF token) and API bearer tokens, each resolved to its [`Principal`].

use super::Principal;
use crate::audit::{Actor, Change, append, to_json};
use crate::clock::{format_time, parse_time};
use crate::{Result, Store, StoreError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hazardnet_domain::enterprise::text;
use hazardnet_domain::org::check_password_strength;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::FromRow;

/// Failed logins before an account is locked, and for how long (OWASP ASVS 5.0, 6.3.1).
pub const MAX_FAILED_LOGINS: i64 = 5;

pub const LOCKOUT_MINUTES: i64 = 15;

/// A session ends after this long without a request, and in any case after the absolute limit.
pub const SESSION_IDLE_MINUTES: i64 = 120;

pub const SESSION_ABSOLUTE_HOURS: i64 = 12;

#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub token: String,
    pub csrf_token: String,
}

#[derive(Debug)]
pub enum LoginOutcome {
    Success(SessionInfo, Box<Principal>),
    InvalidCredentials,
    Locked { until: DateTime<Utc> },
}

/// What checking a password found.
enum Checked {
    Valid(i64),
    Invalid,
    Locked(DateTime<Utc>),
}

#[derive(FromRow)]
struct UserAuthRow {
    id: i64,
    password_hash: String,
    disabled: i64,
    locked_until: Option<String>,
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| StoreError::Internal(e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Failed logins for usernames that do not exist, kept in memory so that an unknown name locks
/// after as many failures as a real one (an attacker cannot tell them apart by the answers) and
/// so that guessing at names writes nothing to the database. Bounded: beyond
/// [`UNKNOWN_LOGINS_KEPT`] names, those not locked are forgotten.
#[derive(Debug, Default)]
pub(crate) struct UnknownLogins {
    names: std::sync::Mutex<std::collections::HashMap<String, Guesses>>,
}

/// Failures counted so far, and the end of the lock once they reached the limit.
type Guesses = (i64, Option<DateTime<Utc>>);

const UNKNOWN_LOGINS_KEPT: usize = 50_000;

impl UnknownLogins {
    fn attempt(&self, username: &str, now: DateTime<Utc>) -> LoginOutcome {
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        if names.len() >= UNKNOWN_LOGINS_KEPT {
            names.retain(|_, (_, until)| until.is_some_and(|u| u > now));
        }
        let entry = names.entry(username.to_string()).or_insert((0, None));
        if let Some(until) = entry.1 {
            if until > now {
                return LoginOutcome::Locked { until };
            }
            *entry = (0, None);
        }
        entry.0 += 1;
        if entry.0 >= MAX_FAILED_LOGINS {
            *entry = (0, Some(now + Duration::minutes(LOCKOUT_MINUTES)));
        }
        LoginOutcome::InvalidCredentials
    }
}

/// A fixed Argon2id hash verified when the username is unknown, so that a missing account
/// takes as long to refuse as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9H9Rz8BNd4DfcvESKbIcGxyaj2JQ0nG2rBqsLx8yQIc";

impl Store {
    /// Issues a bearer token for integrations. The token is returned once; only its hash is kept.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        username: &str,
        name: &str,
    ) -> Result<String> {
        let name = text("name", name, 60, true)?;
        let user = self.user_by_username(username).await?;
        let token = format!("hn_{}", random_token(32));
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user.id)
        .bind(name.clone())
        .bind(token_hash(&token))
        .bind(format_time(self.clock().now()))
        .fetch_one(&mut *tx)
        .await?;
        append(
            &mut tx,
            self,
            actor,
            Change {
                action: "api_token.create",
                entity: "api_token",
                entity_id: id.to_string(),
                jurisdiction: "",
                before: None,
                after: to_json(&serde_json::json!({ "user_id": user.id, "name": name })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Checks a user's password, counting failures and locking the account after too many.
    ///
    /// Each guess is counted *before* its password is verified, in one atomic `UPDATE`, and the
    /// guess that reaches the limit sets the lock in that same statement: however many guesses
    /// arrive at once, at most [`MAX_FAILED_LOGINS`] are ever verified before the lock holds.
    /// A right password among them lets the caller's write clear the count and the lock (the
    /// login's session, the password change). An unknown username is
    /// counted the same way in memory, so that both lock after the same number of failures and
    /// the answers do not tell which accounts exist.
    async fn check_credentials(&self, username: &str, password: &str) -> Result<Checked> {
        let now = self.clock().now();
        let username = username.trim();
        let row: Option<UserAuthRow> = sqlx::query_as(
            "SELECT id, password_hash, disabled, locked_until FROM users \
             WHERE username = $1",
        )
        .bind(username.to_string())
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else {
            let outcome = self.unknown_logins.attempt(username, now);
            verify_password(password.to_string(), DUMMY_HASH.to_string()).await;
            return Ok(match outcome {
                LoginOutcome::Locked { until } => Checked::Locked(until),
                _ => Checked::Invalid,
            });
        };
        if let Some(until) = row.locked_until.as_deref().and_then(parse_time)
            && until > now
        {
            return Ok(Checked::Locked(until));
        }
        let now_text = format_time(now);
        let lock_until = format_time(now + Duration::minutes(LOCKOUT_MINUTES));
        let mut tx = self.begin_write().await?;
        let counted: Option<(i64, Option<String>)> = sqlx::query_as(
            "UPDATE users SET \
               failed_logins = CASE WHEN failed_logins + 1 >= $1 THEN 0 ELSE failed_logins + 1 END, \
               locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE NULL END \
             WHERE id = $3 AND (locked_until IS NULL OR locked_until <= $4) \
             RETURNING failed_logins, locked_until",
        )
        .bind(MAX_FAILED_LOGINS)
        .bind(lock_until.clone())
        .bind(row.id)
        .bind(now_text.clone())
        .fetch_optional(&mut *tx)
        .await?;
        let locks = match counted {
            // Another guess locked the account between the read and this count.
            None => {
                tx.commit().await?;
                return Ok(Checked::Locked(now + Duration::minutes(LOCKOUT_MINUTES)));
            }
            Some((_, locked)) => locked.is_some(),
        };
        if locks {
            append(
                &mut tx,
                self,
                &Actor::system(username),
                Change {
                    action: "user.locked",
                    entity: "user",
                    entity_id: row.id.to_string(),
                    jurisdiction: "",
                    before: None,
                    after: to_json(&serde_json::json!({ "locked_until": lock_until })),
                },
            )
            .await?;
        }
        tx.commit().await?;
        let ok = verify_password(password.to_string(), row.password_hash.clone()).await;
        if !ok || row.disabled != 0 {
            return Ok(Checked::Invalid);
        }
        // The caller's own write clears the count (a login's session, a password change).
        Ok(Checked::Valid(row.id))
    }

    /// Checks a password, counting failures and locking the account after too many
    /// ([`Store::check_credentials`]); on success opens a new session (a fresh id at every
    /// login, so a planted id is worthless).
    pub async fn login(&self, username: &str, password: &str) -> Result<LoginOutcome> {
        let now = self.clock().now();
        let user_id = match self.check_credentials(username, password).await? {
            Checked::Valid(id) => id,
            Checked::Invalid => return Ok(LoginOutcome::InvalidCredentials),
            Checked::Locked(until) => return Ok(LoginOutcome::Locked { until }),
        };
        let principal = self
            .principal_where("u.id = ", user_id.into())
            .await?
            .ok_or(StoreError::NotFound)?;
        let session = SessionInfo {
            token: random_token(32),
            csrf_token: random_token(24),
        };
        let now_text = format_time(now);
        let mut tx = self.begin_write().await?;
        // The right password clears the guesses counted so far.
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash(&session.token))
        .bind(user_id)
        .bind(session.csrf_token.clone())
        .bind(now_text.clone())
        .bind(now_text)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self,
            &principal.actor(),
            Change {
                action: "user.login",
                entity: "user",
                entity_id: user_id.to_string(),
                jurisdiction: "",
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(LoginOutcome::Success(session, Box::new(principal)))
    }

    /// A user changes their own password: the current one is asked for and checked like a
    /// login (a wrong one counts towards the lockout), so a session left open on a shared
    /// computer cannot be turned into the account itself.
    pub async fn change_own_password(
        &self,
        who: &Principal,
        current: &str,
        new: String,
    ) -> Result<()> {
        // A new password that would be refused is refused first, so that trying one does not
        // count as a guess; the change itself clears the count (`set_password`).
        check_password_strength(&new, &[&who.username, &who.display_name])?;
        match self.check_credentials(&who.username, current).await? {
            Checked::Valid(id) if id == who.user_id => {}
            Checked::Locked(_) => {
                return Err(StoreError::Refused {
                    code: "account_locked_now",
                    value: who.username.clone(),
                });
            }
            _ => {
                return Err(StoreError::Refused {
                    code: "wrong_current_password",
                    value: who.username.clone(),
                });
            }
        }
        self.set_password(&who.actor(), &who.username, new).await
    }

    /// Resolves a session cookie: the principal and the session's CSRF token, or None when the
    /// session is unknown, revoked, idle too long or too old.
    pub async fn session(&self, token: &str) -> Result<Option<(Principal, String)>> {
        let hash = token_hash(token);
        let row: Option<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT user_id, csrf_token, created_at, last_seen_at, revoked FROM sessions \
             WHERE token_hash = $1",
        )
        .bind(hash.clone())
        .fetch_optional(&self.read)
        .await?;
        let Some((user_id, csrf, created, last_seen, revoked)) = row else {
            return Ok(None);
        };
        let now = self.clock().now();
        let (Some(created), Some(last_seen)) = (parse_time(&created), parse_time(&last_seen))
        else {
            return Ok(None);
        };
        if revoked != 0
            || now - last_seen > Duration::minutes(SESSION_IDLE_MINUTES)
            || now - created > Duration::hours(SESSION_ABSOLUTE_HOURS)
        {
            return Ok(None);
        }
        // Refresh the idle timer at most once a minute, not on every request.
        if now - last_seen > Duration::minutes(1) {
            let mut tx = self.begin_write().await?;
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(format_time(now))
                .bind(hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(self
            .principal_where("u.id = ", user_id.into())
            .await?
            .map(|p| (p, csrf)))
    }

    /// Server-side logout.
    pub async fn revoke_session(&self, token: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE sessions SET revoked = 1 WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The principal behind a bearer token that is not revoked: one query per API request.
    pub async fn principal_for_api_token(&self, token: &str) -> Result<Option<Principal>> {
        self.principal_where_in(
            "u.id = (SELECT t.user_id FROM api_tokens t WHERE t.revoked = 0 AND t.token_hash = ",
            token_hash(token).into(),
            ")",
        )
        .await
    }
}
