//! PostgreSQL: the store that several gateway replicas share. Same schema and conventions as
//! SQLite (epoch-millis times, hashed ids, tokens sealed with the shared GATEWAY_TOKEN_KEY),
//! plus what only a shared server can give: a refresh lock that holds across processes
//! (`pg_advisory_xact_lock`) and cache invalidation between replicas (LISTEN/NOTIFY).

use std::str::FromStr as _;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use tokio::sync::mpsc;

use super::cipher::TokenCipher;
use super::sql::{numbered, sql_store};
use super::{RefreshLock, StoreError, UserOrg};

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

sql_store!(PostgresStore, numbered, {
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
});

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
