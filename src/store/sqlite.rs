//! The embedded default: one SQLite file, WAL journal, migrations at open, tokens sealed with
//! AES-256-GCM. Nothing to install. Meant for one gateway process per file.

use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row as _, SqlitePool};

use super::cipher::TokenCipher;
use super::{NoLock, OAuthState, RefreshLock, SessionRecord, Store, StoreError, TokenRecord, UserOrg, from_millis, to_millis};
use crate::secret::{self, AccessToken, RefreshToken};

pub struct SqliteStore {
    pool: SqlitePool,
    cipher: TokenCipher,
}

impl SqliteStore {
    pub async fn open(path: &Path, cipher: TokenCipher) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            // WAL lets readers proceed during a write, and with synchronous=NORMAL a commit
            // survives a process kill (only an OS crash can lose the last transactions).
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool, cipher })
    }

    fn token_from_row(&self, row: &SqliteRow) -> Result<TokenRecord, StoreError> {
        Ok(TokenRecord {
            key: UserOrg { user_id: row.try_get("user_id")?, org_id: row.try_get("org_id")? },
            refresh_token: RefreshToken::new(self.cipher.open(&row.try_get::<String, _>("refresh_token")?)?),
            access_token: AccessToken::new(self.cipher.open(&row.try_get::<String, _>("access_token")?)?),
            access_expires_at: from_millis(row.try_get("access_expires_at")?),
            api_domain: row.try_get("api_domain")?,
            accounts_server: row.try_get("accounts_server")?,
            location: row.try_get("location")?,
            user_name: row.try_get("user_name")?,
            user_email: row.try_get("user_email")?,
            org_name: row.try_get("org_name")?,
        })
    }
}

fn session_from_row(r: &SqliteRow) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id_hash: r.try_get("id_hash")?,
        key: UserOrg { user_id: r.try_get("user_id")?, org_id: r.try_get("org_id")? },
        created_at: from_millis(r.try_get("created_at")?),
        expires_at: from_millis(r.try_get("expires_at")?),
        last_seen_at: from_millis(r.try_get("last_seen_at")?),
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn put_oauth_state(&self, state: &OAuthState) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM oauth_states WHERE expires_at <= ?").bind(to_millis(Utc::now())).execute(&self.pool).await?;
        sqlx::query("INSERT INTO oauth_states (state_hash, browser_hash, redirect_uri, expires_at) VALUES (?, ?, ?, ?)")
            .bind(&state.state_hash)
            .bind(&state.browser_hash)
            .bind(&state.redirect_uri)
            .bind(to_millis(state.expires_at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn take_oauth_state(&self, state_hash: &str, browser_hash: &str) -> Result<Option<OAuthState>, StoreError> {
        // DELETE … RETURNING makes "take" atomic: two racing requests cannot both get the state.
        let row =
            sqlx::query("DELETE FROM oauth_states WHERE state_hash = ? AND browser_hash = ? RETURNING redirect_uri, expires_at")
                .bind(state_hash)
                .bind(browser_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(r) => Some(OAuthState {
                state_hash: state_hash.to_owned(),
                browser_hash: browser_hash.to_owned(),
                redirect_uri: r.try_get("redirect_uri")?,
                expires_at: from_millis(r.try_get("expires_at")?),
            }),
            None => None,
        })
    }

    async fn put_tokens(&self, t: &TokenRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO tokens (user_id, org_id, refresh_token, refresh_hash, access_token, access_expires_at, api_domain,
                                 accounts_server, location, user_name, user_email, org_name, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (user_id, org_id) DO UPDATE SET
                refresh_token = excluded.refresh_token, refresh_hash = excluded.refresh_hash,
                access_token = excluded.access_token, access_expires_at = excluded.access_expires_at,
                api_domain = excluded.api_domain, accounts_server = excluded.accounts_server,
                location = excluded.location, user_name = excluded.user_name, user_email = excluded.user_email,
                org_name = excluded.org_name, updated_at = excluded.updated_at",
        )
        .bind(&t.key.user_id)
        .bind(&t.key.org_id)
        .bind(self.cipher.seal(t.refresh_token.expose()))
        .bind(secret::hash(t.refresh_token.expose()))
        .bind(self.cipher.seal(t.access_token.expose()))
        .bind(to_millis(t.access_expires_at))
        .bind(&t.api_domain)
        .bind(&t.accounts_server)
        .bind(&t.location)
        .bind(&t.user_name)
        .bind(&t.user_email)
        .bind(&t.org_name)
        .bind(to_millis(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn get_tokens(&self, key: &UserOrg) -> Result<Option<TokenRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM tokens WHERE user_id = ? AND org_id = ?")
            .bind(&key.user_id)
            .bind(&key.org_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|r| self.token_from_row(r)).transpose()
    }

    async fn token_keys_by_email(&self, email: &str) -> Result<Vec<UserOrg>, StoreError> {
        let rows = sqlx::query_as::<_, (String, String)>(
            "SELECT user_id, org_id FROM tokens WHERE lower(user_email) = lower(?) ORDER BY org_id, user_id",
        )
        .bind(email)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(user_id, org_id)| UserOrg { user_id, org_id }).collect())
    }

    async fn update_access_token(
        &self,
        key: &UserOrg,
        refresh_token: &RefreshToken,
        access_token: &AccessToken,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE tokens SET access_token = ?, access_expires_at = ?, updated_at = ?
             WHERE user_id = ? AND org_id = ? AND refresh_hash = ?",
        )
        .bind(self.cipher.seal(access_token.expose()))
        .bind(to_millis(expires_at))
        .bind(to_millis(Utc::now()))
        .bind(&key.user_id)
        .bind(&key.org_id)
        .bind(secret::hash(refresh_token.expose()))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_tokens(&self, key: &UserOrg) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = ? AND org_id = ?")
            .bind(&key.user_id)
            .bind(&key.org_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM tokens WHERE user_id = ? AND org_id = ?")
            .bind(&key.user_id)
            .bind(&key.org_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn put_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= ?").bind(to_millis(Utc::now())).execute(&self.pool).await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, org_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
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

    async fn get_session(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM sessions WHERE id_hash = ?").bind(id_hash).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(session_from_row).transpose()?)
    }

    async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?")
            .bind(to_millis(at))
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = ?").bind(id_hash).execute(&self.pool).await?;
        Ok(())
    }

    async fn lock_refresh(&self, _key: &UserOrg) -> Result<Box<dyn RefreshLock>, StoreError> {
        // One process per SQLite file: the token manager's in-process single flight suffices.
        Ok(Box::new(NoLock))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
