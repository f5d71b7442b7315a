//! The SQL both database stores run, written once. SQLite and PostgreSQL share the schema and the
//! statements; what truly differs stays in their own modules: connecting, placeholders (`?` here,
//! numbered `$n` for PostgreSQL, converted once per statement by [`numbered`]), the refresh lock
//! and LISTEN/NOTIFY.
//!
//! `sql_store!` writes the `Store` impl of a store type with a `pool` and a `cipher`, given the
//! placeholder converter and the methods that differ. A macro rather than generic code over
//! `sqlx::Database`: the statements and row mapping stay plain, and each expansion is checked
//! against its own driver's types.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::{SessionRecord, StoreError, TokenRecord, UserOrg, cipher::TokenCipher, from_millis};
use crate::secret::{AccessToken, RefreshToken};

pub const SWEEP_STATES: &str = "DELETE FROM oauth_states WHERE expires_at <= ?";
pub const PUT_STATE: &str = "INSERT INTO oauth_states (state_hash, browser_hash, redirect_uri, expires_at) VALUES (?, ?, ?, ?)";
/// DELETE … RETURNING makes "take" atomic: two racing requests (or replicas) cannot both get the
/// state; a racing DELETE waits for the row lock, then finds the row gone.
pub const TAKE_STATE: &str =
    "DELETE FROM oauth_states WHERE state_hash = ? AND browser_hash = ? RETURNING redirect_uri, expires_at";
pub const PUT_TOKENS: &str = "INSERT INTO tokens (user_id, org_id, refresh_token, refresh_hash, access_token, access_expires_at,
                        api_domain, accounts_server, location, user_name, user_email, org_name, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (user_id, org_id) DO UPDATE SET
        refresh_token = excluded.refresh_token, refresh_hash = excluded.refresh_hash,
        access_token = excluded.access_token, access_expires_at = excluded.access_expires_at,
        api_domain = excluded.api_domain, accounts_server = excluded.accounts_server,
        location = excluded.location, user_name = excluded.user_name, user_email = excluded.user_email,
        org_name = excluded.org_name, updated_at = excluded.updated_at";
pub const GET_TOKENS: &str = "SELECT * FROM tokens WHERE user_id = ? AND org_id = ?";
pub const KEYS_BY_EMAIL: &str = "SELECT user_id, org_id FROM tokens WHERE lower(user_email) = lower(?) ORDER BY org_id, user_id";
pub const UPDATE_ACCESS: &str = "UPDATE tokens SET access_token = ?, access_expires_at = ?, updated_at = ?
     WHERE user_id = ? AND org_id = ? AND refresh_hash = ?";
pub const DELETE_SESSIONS_OF: &str = "DELETE FROM sessions WHERE user_id = ? AND org_id = ?";
pub const DELETE_TOKENS: &str = "DELETE FROM tokens WHERE user_id = ? AND org_id = ?";
pub const SWEEP_SESSIONS: &str = "DELETE FROM sessions WHERE expires_at <= ?";
pub const PUT_SESSION: &str =
    "INSERT INTO sessions (id_hash, user_id, org_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)";
pub const GET_SESSION: &str = "SELECT * FROM sessions WHERE id_hash = ?";
pub const TOUCH_SESSION: &str = "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?";
pub const DELETE_SESSION: &str = "DELETE FROM sessions WHERE id_hash = ?";
pub const PING: &str = "SELECT 1";

/// SQLite takes the statements as written.
pub fn positional(sql: &'static str) -> &'static str {
    sql
}

/// PostgreSQL's `$1, $2, …` for each `?` (no statement here has a `?` inside a literal). Each
/// statement is converted once and kept for the life of the process.
pub fn numbered(sql: &'static str) -> &'static str {
    static CONVERTED: OnceLock<Mutex<HashMap<&'static str, &'static str>>> = OnceLock::new();
    let mut converted = CONVERTED.get_or_init(Mutex::default).lock().unwrap_or_else(|e| e.into_inner());
    converted.entry(sql).or_insert_with(|| {
        let mut out = String::with_capacity(sql.len() + 16);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        Box::leak(out.into_boxed_str())
    })
}

/// A token row, opened with the store's key.
pub fn token_from_row<R>(cipher: &TokenCipher, row: &R) -> Result<TokenRecord, StoreError>
where
    R: sqlx::Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(TokenRecord {
        key: UserOrg { user_id: row.try_get("user_id")?, org_id: row.try_get("org_id")? },
        refresh_token: RefreshToken::new(cipher.open(&row.try_get::<String, _>("refresh_token")?)?),
        access_token: AccessToken::new(cipher.open(&row.try_get::<String, _>("access_token")?)?),
        access_expires_at: from_millis(row.try_get("access_expires_at")?),
        api_domain: row.try_get("api_domain")?,
        accounts_server: row.try_get("accounts_server")?,
        location: row.try_get("location")?,
        user_name: row.try_get("user_name")?,
        user_email: row.try_get("user_email")?,
        org_name: row.try_get("org_name")?,
    })
}

pub fn session_from_row<R>(r: &R) -> Result<SessionRecord, sqlx::Error>
where
    R: sqlx::Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(SessionRecord {
        id_hash: r.try_get("id_hash")?,
        key: UserOrg { user_id: r.try_get("user_id")?, org_id: r.try_get("org_id")? },
        created_at: from_millis(r.try_get("created_at")?),
        expires_at: from_millis(r.try_get("expires_at")?),
        last_seen_at: from_millis(r.try_get("last_seen_at")?),
    })
}

/// The `Store` impl of a database store: `$store` has `pool` and `cipher`; `$q` turns a statement
/// into the driver's placeholders; the remaining items are the methods that differ.
macro_rules! sql_store {
    ($store:ty, $q:path, { $($differs:tt)* }) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            async fn put_oauth_state(&self, state: &$crate::store::OAuthState) -> Result<(), $crate::store::StoreError> {
                use $crate::store::sql::*;
                sqlx::query($q(SWEEP_STATES)).bind($crate::store::to_millis(chrono::Utc::now())).execute(&self.pool).await?;
                sqlx::query($q(PUT_STATE))
                    .bind(&state.state_hash)
                    .bind(&state.browser_hash)
                    .bind(&state.redirect_uri)
                    .bind($crate::store::to_millis(state.expires_at))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn take_oauth_state(
                &self,
                state_hash: &str,
                browser_hash: &str,
            ) -> Result<Option<$crate::store::OAuthState>, $crate::store::StoreError> {
                use sqlx::Row as _;
                let row = sqlx::query($q($crate::store::sql::TAKE_STATE))
                    .bind(state_hash)
                    .bind(browser_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some(r) => Some($crate::store::OAuthState {
                        state_hash: state_hash.to_owned(),
                        browser_hash: browser_hash.to_owned(),
                        redirect_uri: r.try_get("redirect_uri")?,
                        expires_at: $crate::store::from_millis(r.try_get("expires_at")?),
                    }),
                    None => None,
                })
            }

            async fn put_tokens(&self, t: &$crate::store::TokenRecord) -> Result<(), $crate::store::StoreError> {
                use $crate::secret;
                sqlx::query($q($crate::store::sql::PUT_TOKENS))
                    .bind(&t.key.user_id)
                    .bind(&t.key.org_id)
                    .bind(self.cipher.seal(t.refresh_token.expose()))
                    .bind(secret::hash(t.refresh_token.expose()))
                    .bind(self.cipher.seal(t.access_token.expose()))
                    .bind($crate::store::to_millis(t.access_expires_at))
                    .bind(&t.api_domain)
                    .bind(&t.accounts_server)
                    .bind(&t.location)
                    .bind(&t.user_name)
                    .bind(&t.user_email)
                    .bind(&t.org_name)
                    .bind($crate::store::to_millis(chrono::Utc::now()))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn get_tokens(
                &self,
                key: &$crate::store::UserOrg,
            ) -> Result<Option<$crate::store::TokenRecord>, $crate::store::StoreError> {
                let row = sqlx::query($q($crate::store::sql::GET_TOKENS))
                    .bind(&key.user_id)
                    .bind(&key.org_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(|r| $crate::store::sql::token_from_row(&self.cipher, r)).transpose()
            }

            async fn token_keys_by_email(
                &self,
                email: &str,
            ) -> Result<Vec<$crate::store::UserOrg>, $crate::store::StoreError> {
                let rows = sqlx::query_as::<_, (String, String)>($q($crate::store::sql::KEYS_BY_EMAIL))
                    .bind(email)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(|(user_id, org_id)| $crate::store::UserOrg { user_id, org_id }).collect())
            }

            async fn update_access_token(
                &self,
                key: &$crate::store::UserOrg,
                refresh_token: &$crate::secret::RefreshToken,
                access_token: &$crate::secret::AccessToken,
                expires_at: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query($q($crate::store::sql::UPDATE_ACCESS))
                    .bind(self.cipher.seal(access_token.expose()))
                    .bind($crate::store::to_millis(expires_at))
                    .bind($crate::store::to_millis(chrono::Utc::now()))
                    .bind(&key.user_id)
                    .bind(&key.org_id)
                    .bind($crate::secret::hash(refresh_token.expose()))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete_tokens(&self, key: &$crate::store::UserOrg) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                for statement in [$crate::store::sql::DELETE_SESSIONS_OF, $crate::store::sql::DELETE_TOKENS] {
                    sqlx::query($q(statement)).bind(&key.user_id).bind(&key.org_id).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn put_session(&self, s: &$crate::store::SessionRecord) -> Result<(), $crate::store::StoreError> {
                use $crate::store::to_millis;
                sqlx::query($q($crate::store::sql::SWEEP_SESSIONS))
                    .bind(to_millis(chrono::Utc::now()))
                    .execute(&self.pool)
                    .await?;
                sqlx::query($q($crate::store::sql::PUT_SESSION))
                    .bind(&s.id_hash)
                    .bind(&s.key.user_id)
                    .bind(&s.key.org_id)
                    .bind(to_millis(s.created_at))
                    .bind(to_millis(s.expires_at))
                    .bind(to_millis(s.last_seen_at))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn get_session(
                &self,
                id_hash: &str,
            ) -> Result<Option<$crate::store::SessionRecord>, $crate::store::StoreError> {
                let row = sqlx::query($q($crate::store::sql::GET_SESSION)).bind(id_hash).fetch_optional(&self.pool).await?;
                Ok(row.as_ref().map($crate::store::sql::session_from_row).transpose()?)
            }

            async fn touch_session(
                &self,
                id_hash: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query($q($crate::store::sql::TOUCH_SESSION))
                    .bind($crate::store::to_millis(at))
                    .bind(id_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_session(&self, id_hash: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query($q($crate::store::sql::DELETE_SESSION)).bind(id_hash).execute(&self.pool).await?;
                Ok(())
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query($q($crate::store::sql::PING)).execute(&self.pool).await?;
                Ok(())
            }

            $($differs)*
        }
    };
}
pub(crate) use sql_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(numbered(UPDATE_ACCESS).matches('$').count(), 6);
        assert!(numbered(UPDATE_ACCESS).contains("refresh_hash = $6"));
        assert_eq!(numbered(PING), "SELECT 1");
        assert!(std::ptr::eq(numbered(GET_TOKENS), numbered(GET_TOKENS)), "converted once");
    }
}
