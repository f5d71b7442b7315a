//! PostgreSQL: the store that several gateway replicas share. Same schema and conventions as
//! SQLite (epoch-millis times, hashed ids, tokens sealed with the shared GATEWAY_TOKEN_KEY),
//! plus what only a shared server can give: a refresh lock that holds across processes
//! (`pg_advisory_xact_lock`) and cache invalidation between replicas (LISTEN/NOTIFY).

use std::str::FromStr as _;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, Row as _, Transaction};
use tokio::sync::mpsc;

use super::cipher::TokenCipher;
use super::{OAuthState, RefreshLock, SessionRecord, Store, StoreError, TokenRecord, UserOrg, from_millis, to_millis};
use crate::secret::{self, AccessToken, RefreshToken};

/// The NOTIFY channel on which replicas announce writes; the payload is the org id.
const INVALIDATION_CHANNEL: &str = "zoho_gateway_invalidate";

pub struct PostgresStore {
    /// Short statements only: nothing holds one of these connections while it waits for
    /// something other than PostgreSQL itself.
    pool: PgPool,
    /// Connections that hold (or wait for) a refresh lock, for as long as a refresh at Zoho takes.
    ///
    /// Why a pool of their own: a lock holder still needs query connections (it re-reads the
    /// tokens and writes the new access token). If locks came from `pool`, enough user-orgs
    /// refreshing at once would hold every connection while each waits for one more: a
    /// deadlock until the acquire timeout. With two pools the holders never wait for the waiters.
    ///
    /// Why it stays small even under a burst: `TokenManager` serialises refreshes of one
    /// user-org inside the process before calling `lock_refresh`, so of 200 requests on one
    /// expired token only one per process holds a connection here; the others wait on the
    /// in-process mutex and hold none. The pool therefore needs one connection per user-org
    /// refreshing at the same moment; past `pool_size` of those, the extra ones queue for a
    /// connection (and fail after the acquire timeout), never deadlock.
    locks: PgPool,
    /// To open the LISTEN connection of [`Store::invalidations`].
    options: PgConnectOptions,
    cipher: TokenCipher,
}

impl PostgresStore {
    /// Connects (`pool_size` connections at most for queries), runs the migrations (sqlx holds
    /// an advisory lock meanwhile, so replicas starting together migrate once).
    pub async fn open(url: &str, pool_size: u32, cipher: TokenCipher) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new().max_connections(pool_size).connect_with(options.clone()).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let locks = PgPoolOptions::new()
            .max_connections(pool_size)
            .min_connections(0)
            // Refreshes are rare (once an hour per user-org): do not keep their connections open.
            .idle_timeout(Some(Duration::from_secs(60)))
            .connect_lazy_with(options.clone());
        Ok(Self { pool, locks, options, cipher })
    }

    fn token_from_row(&self, row: &PgRow) -> Result<TokenRecord, StoreError> {
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

fn session_from_row(r: &PgRow) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id_hash: r.try_get("id_hash")?,
        key: UserOrg { user_id: r.try_get("user_id")?, org_id: r.try_get("org_id")? },
        created_at: from_millis(r.try_get("created_at")?),
        expires_at: from_millis(r.try_get("expires_at")?),
        last_seen_at: from_millis(r.try_get("last_seen_at")?),
    })
}

/// A transaction that holds `pg_advisory_xact_lock` for one user-org. Committing ends it; so does
/// dropping it (sqlx rolls the transaction back when the connection goes back to the pool), and
/// so does the connection's or the process's death: a crashed replica never leaves it held.
struct PgRefreshLock {
    tx: Transaction<'static, Postgres>,
}

#[async_trait]
impl RefreshLock for PgRefreshLock {
    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        // The transaction wrote nothing; it only held the lock, which ends with the transaction
        // or with its connection. A failed commit (the connection dropped meanwhile) therefore
        // loses nothing, and failing the request whose refresh succeeded would help no one.
        if let Err(e) = self.tx.commit().await {
            tracing::warn!(error = %e, "ending the refresh lock's transaction failed; the lock ended with its connection");
        }
        Ok(())
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn put_oauth_state(&self, state: &OAuthState) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM oauth_states WHERE expires_at <= $1").bind(to_millis(Utc::now())).execute(&self.pool).await?;
        sqlx::query("INSERT INTO oauth_states (state_hash, browser_hash, redirect_uri, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(&state.state_hash)
            .bind(&state.browser_hash)
            .bind(&state.redirect_uri)
            .bind(to_millis(state.expires_at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn take_oauth_state(&self, state_hash: &str, browser_hash: &str) -> Result<Option<OAuthState>, StoreError> {
        // DELETE … RETURNING makes "take" atomic across replicas: a racing DELETE waits for the
        // row lock, then finds the row gone.
        let row = sqlx::query(
            "DELETE FROM oauth_states WHERE state_hash = $1 AND browser_hash = $2 RETURNING redirect_uri, expires_at",
        )
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
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
        let row = sqlx::query("SELECT * FROM tokens WHERE user_id = $1 AND org_id = $2")
            .bind(&key.user_id)
            .bind(&key.org_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|r| self.token_from_row(r)).transpose()
    }

    async fn token_keys_by_email(&self, email: &str) -> Result<Vec<UserOrg>, StoreError> {
        let rows = sqlx::query_as::<_, (String, String)>(
            "SELECT user_id, org_id FROM tokens WHERE lower(user_email) = lower($1) ORDER BY org_id, user_id",
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
            "UPDATE tokens SET access_token = $1, access_expires_at = $2, updated_at = $3
             WHERE user_id = $4 AND org_id = $5 AND refresh_hash = $6",
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
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND org_id = $2")
            .bind(&key.user_id)
            .bind(&key.org_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM tokens WHERE user_id = $1 AND org_id = $2")
            .bind(&key.user_id)
            .bind(&key.org_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn put_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(to_millis(Utc::now())).execute(&self.pool).await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, org_id, created_at, expires_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
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
        let row = sqlx::query("SELECT * FROM sessions WHERE id_hash = $1").bind(id_hash).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(session_from_row).transpose()?)
    }

    async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(to_millis(at))
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&self.pool).await?;
        Ok(())
    }

    async fn lock_refresh(&self, key: &UserOrg) -> Result<Box<dyn RefreshLock>, StoreError> {
        // See `locks` for why this connection comes from a pool of its own. The lock key is a
        // 64-bit hash of the user-org; two user-orgs sharing a hash would only refresh one
        // after the other.
        let mut tx = self.locks.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text || ':' || $2::text, 0))")
            .bind(&key.user_id)
            .bind(&key.org_id)
            .execute(&mut *tx)
            .await?;
        Ok(Box::new(PgRefreshLock { tx }))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn publish_invalidation(&self, org_id: &str) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)").bind(INVALIDATION_CHANNEL).bind(org_id).execute(&self.pool).await?;
        Ok(())
    }

    async fn invalidations(&self) -> Result<Option<mpsc::Receiver<String>>, StoreError> {
        // A connection of its own, outside both pools: it stays open for the life of the process.
        let listen_pool = PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_with(self.options.clone())
            .await?;
        let mut listener = PgListener::connect_with(&listen_pool).await?;
        listener.ignore_pool_close_event(true);
        // LISTEN before returning, so no write announced after start-up is missed.
        listener.listen(INVALIDATION_CHANNEL).await?;
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(forward_invalidations(listener, tx));
        Ok(Some(rx))
    }
}

/// Passes notices on until the receiver goes away. PgListener reconnects (and LISTENs again) by
/// itself; notices sent while it was disconnected are lost, so entries cached meanwhile live
/// until their TTL: the drop is logged for that reason.
async fn forward_invalidations(mut listener: PgListener, tx: mpsc::Sender<String>) {
    const MAX_BACKOFF: Duration = Duration::from_secs(5);
    let mut backoff = Duration::from_millis(100);
    loop {
        let received = tokio::select! {
            () = tx.closed() => return,
            received = listener.try_recv() => received,
        };
        match received {
            Ok(Some(notice)) => {
                backoff = Duration::from_millis(100);
                if tx.send(notice.payload().to_owned()).await.is_err() {
                    return;
                }
            }
            Ok(None) => {
                tracing::warn!(
                    "lost the PostgreSQL connection that listens for cache invalidations; reconnected, \
                     but writes made on other replicas meanwhile are seen here only after the cache TTL"
                );
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for cache invalidations; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
