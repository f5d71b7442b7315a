//! The store's promises, asserted in the same words for every backend: memory, SQLite (a temp
//! file) and PostgreSQL (a fresh database `zgw_test_…` on the local server, created through
//! `ZGW_TEST_PG_ADMIN_URL` or `postgres://postgres@127.0.0.1:5432/postgres`, dropped at the end).
//!
//! Each behaviour is an async fn over `Arc<dyn Store>`; `behaviours!` runs it once per backend
//! as `memory::NAME`, `sqlite::NAME` and `postgres::NAME`. PostgreSQL-only promises (the refresh
//! lock across connections, LISTEN/NOTIFY) follow at the end.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use zoho_gateway::config::DatabaseUrl;
use zoho_gateway::secret::{AccessToken, RefreshToken};
use zoho_gateway::store::{self, OAuthState, SessionRecord, Store, TokenRecord, UserOrg};

// ---------------------------------------------------------------------------------------------
// Backends

/// A store under test plus raw access to its tables, and whatever must outlive it.
struct Backend {
    store: Arc<dyn Store>,
    raw: Raw,
    key: String,
    /// Dropped last: the SQLite file's folder, or the PostgreSQL database.
    _place: Place,
}

enum Raw {
    None,
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

enum Place {
    None,
    Dir(#[expect(dead_code, reason = "held for its Drop")] tempfile::TempDir),
    Database(pg::TestDatabase),
}

fn token_key() -> String {
    base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>())
}

impl Backend {
    async fn memory() -> Self {
        let key = token_key();
        let store = store::open(&DatabaseUrl::Memory, Some(&key), 4).await.expect("memory store opens");
        Backend { store, raw: Raw::None, key, _place: Place::None }
    }

    async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("store.db");
        let key = token_key();
        let store = store::open(&DatabaseUrl::Sqlite(path.clone()), Some(&key), 4).await.expect("sqlite store opens");
        let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.expect("raw sqlite connection");
        Backend { store, raw: Raw::Sqlite(raw), key, _place: Place::Dir(dir) }
    }

    /// `None` when no PostgreSQL can be had here (the test is then skipped; see support/pg.rs).
    async fn postgres() -> Option<Self> {
        let db = pg::TestDatabase::create().await?;
        let key = token_key();
        let store = store::open(&DatabaseUrl::Postgres(db.url.clone()), Some(&key), 4).await.expect("postgres store opens");
        let raw = sqlx::PgPool::connect(&db.url).await.expect("raw postgres connection");
        Some(Backend { store, raw: Raw::Postgres(raw), key, _place: Place::Database(db) })
    }

    /// The stored (sealed) refresh and access token columns of every row, as text.
    async fn raw_token_columns(&self) -> Option<Vec<(String, String)>> {
        const SQL: &str = "SELECT refresh_token, access_token FROM tokens";
        match &self.raw {
            Raw::None => None,
            Raw::Sqlite(pool) => Some(sqlx::query_as(SQL).fetch_all(pool).await.expect("raw select")),
            Raw::Postgres(pool) => Some(sqlx::query_as(SQL).fetch_all(pool).await.expect("raw select")),
        }
    }

    /// The same database opened a second time, as another replica would.
    async fn reopen(&self) -> Arc<dyn Store> {
        let Place::Database(db) = &self._place else {
            panic!("only a PostgreSQL backend is shared");
        };
        store::open(&DatabaseUrl::Postgres(db.url.clone()), Some(&self.key), 4).await.expect("second store opens")
    }
}

macro_rules! behaviours {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(#[tokio::test]
            async fn $name() {
                let backend = super::Backend::memory().await;
                super::$name(&backend).await;
            })*
        }
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                let backend = super::Backend::sqlite().await;
                super::$name(&backend).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                let Some(backend) = super::Backend::postgres().await else { return };
                super::$name(&backend).await;
            })*
        }
    };
}

behaviours!(
    a_state_is_taken_once_and_only_by_its_browser,
    a_state_is_returned_as_stored_and_expired_ones_are_swept_by_the_next_login,
    tokens_round_trip_and_a_new_sign_in_replaces_them,
    an_access_token_is_updated_only_under_the_current_refresh_token,
    deleting_tokens_ends_that_user_orgs_sessions_only,
    sessions_round_trip_are_touched_and_deleted,
    expired_sessions_are_swept_by_the_next_sign_in,
    tokens_are_sealed_at_rest,
    the_refresh_lock_can_be_taken_released_and_dropped,
    the_store_answers_a_ping,
);

// ---------------------------------------------------------------------------------------------
// Fixtures

/// Now, at the millisecond precision the stores keep.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).expect("valid time")
}

fn user_org(user: &str, org: &str) -> UserOrg {
    UserOrg { user_id: user.into(), org_id: org.into() }
}

fn state(hash: &str, browser: &str, expires_at: DateTime<Utc>) -> OAuthState {
    OAuthState {
        state_hash: hash.into(),
        browser_hash: browser.into(),
        redirect_uri: "http://127.0.0.1:8085/redirect.html".into(),
        expires_at,
    }
}

fn tokens(key: &UserOrg, refresh: &str, access: &str) -> TokenRecord {
    TokenRecord {
        key: key.clone(),
        refresh_token: RefreshToken::new(refresh),
        access_token: AccessToken::new(access),
        access_expires_at: now() + chrono::Duration::hours(1),
        api_domain: "https://www.zohoapis.eu".into(),
        accounts_server: "https://accounts.zoho.eu".into(),
        location: "eu".into(),
        user_name: "Priya Sharma".into(),
        user_email: Some("priya@zylker.example".into()),
        org_name: "Zylker Academy".into(),
    }
}

fn session(id_hash: &str, key: &UserOrg, expires_at: DateTime<Utc>) -> SessionRecord {
    let created = now();
    SessionRecord { id_hash: id_hash.into(), key: key.clone(), created_at: created, expires_at, last_seen_at: created }
}

fn in_a_day() -> DateTime<Utc> {
    now() + chrono::Duration::days(1)
}

// ---------------------------------------------------------------------------------------------
// Behaviours every backend shares

async fn a_state_is_taken_once_and_only_by_its_browser(b: &Backend) {
    let s = &b.store;
    s.put_oauth_state(&state("state-1", "browser-1", in_a_day())).await.unwrap();

    assert!(s.take_oauth_state("state-1", "browser-2").await.unwrap().is_none(), "another browser cannot take it");
    let taken = s.take_oauth_state("state-1", "browser-1").await.unwrap();
    let taken = taken.expect("its own browser takes it, even after another browser tried");
    assert_eq!(taken.redirect_uri, "http://127.0.0.1:8085/redirect.html");
    assert!(s.take_oauth_state("state-1", "browser-1").await.unwrap().is_none(), "single use");
    assert!(s.take_oauth_state("unknown", "browser-1").await.unwrap().is_none());

    // Racing takes: exactly one wins.
    s.put_oauth_state(&state("state-2", "browser-1", in_a_day())).await.unwrap();
    let races = (0..8).map(|_| {
        let s = s.clone();
        tokio::spawn(async move { s.take_oauth_state("state-2", "browser-1").await.unwrap() })
    });
    let winners = futures::future::join_all(races).await.into_iter().filter(|r| r.as_ref().unwrap().is_some()).count();
    assert_eq!(winners, 1, "one of eight racing takes gets the state");
}

/// The store keeps expiry as data: the auth layer decides whether a taken state is still good.
/// What the store itself does with expired states is sweep them when a new one is stored.
async fn a_state_is_returned_as_stored_and_expired_ones_are_swept_by_the_next_login(b: &Backend) {
    let s = &b.store;
    let past = now() - chrono::Duration::minutes(1);
    s.put_oauth_state(&state("expired", "browser", past)).await.unwrap();
    let taken = s.take_oauth_state("expired", "browser").await.unwrap();
    let taken = taken.expect("an expired state is still handed back, with its expiry");
    assert_eq!(taken.expires_at, past);
    assert_eq!(taken.state_hash, "expired");
    assert_eq!(taken.browser_hash, "browser");

    s.put_oauth_state(&state("stale", "browser", past)).await.unwrap();
    s.put_oauth_state(&state("fresh", "browser", in_a_day())).await.unwrap();
    assert!(s.take_oauth_state("stale", "browser").await.unwrap().is_none(), "the next login swept the expired state");
    assert!(s.take_oauth_state("fresh", "browser").await.unwrap().is_some());
}

async fn tokens_round_trip_and_a_new_sign_in_replaces_them(b: &Backend) {
    let s = &b.store;
    let key = user_org("u1", "o1");
    assert!(s.get_tokens(&key).await.unwrap().is_none());

    let first = tokens(&key, "1000.refresh.one", "1000.access.one");
    s.put_tokens(&first).await.unwrap();
    let got = s.get_tokens(&key).await.unwrap().expect("stored");
    assert_eq!(got.key, key);
    assert_eq!(got.refresh_token.expose(), "1000.refresh.one");
    assert_eq!(got.access_token.expose(), "1000.access.one");
    assert_eq!(got.access_expires_at, first.access_expires_at);
    assert_eq!(got.api_domain, "https://www.zohoapis.eu");
    assert_eq!(got.accounts_server, "https://accounts.zoho.eu");
    assert_eq!(got.location, "eu");
    assert_eq!(got.user_name, "Priya Sharma");
    assert_eq!(got.user_email.as_deref(), Some("priya@zylker.example"));
    assert_eq!(got.org_name, "Zylker Academy");

    let mut second = tokens(&key, "1000.refresh.two", "1000.access.two");
    second.user_email = None;
    second.org_name = "Zylker Academy EU".into();
    s.put_tokens(&second).await.unwrap();
    let got = s.get_tokens(&key).await.unwrap().expect("still stored");
    assert_eq!(got.refresh_token.expose(), "1000.refresh.two", "replaced, not duplicated");
    assert_eq!(got.access_token.expose(), "1000.access.two");
    assert_eq!(got.user_email, None);
    assert_eq!(got.org_name, "Zylker Academy EU");

    assert!(s.get_tokens(&user_org("u1", "o2")).await.unwrap().is_none(), "another org of the same user has its own pair");
}

async fn an_access_token_is_updated_only_under_the_current_refresh_token(b: &Backend) {
    let s = &b.store;
    let key = user_org("u1", "o1");
    s.put_tokens(&tokens(&key, "1000.refresh.current", "1000.access.old")).await.unwrap();
    let later = now() + chrono::Duration::hours(2);

    let stale = s
        .update_access_token(&key, &RefreshToken::new("1000.refresh.replaced"), &AccessToken::new("1000.access.x"), later)
        .await
        .unwrap();
    assert!(!stale, "a refresh under a replaced grant changes nothing");
    assert_eq!(s.get_tokens(&key).await.unwrap().unwrap().access_token.expose(), "1000.access.old");

    let done = s
        .update_access_token(&key, &RefreshToken::new("1000.refresh.current"), &AccessToken::new("1000.access.new"), later)
        .await
        .unwrap();
    assert!(done);
    let got = s.get_tokens(&key).await.unwrap().unwrap();
    assert_eq!(got.access_token.expose(), "1000.access.new");
    assert_eq!(got.access_expires_at, later);
    assert_eq!(got.refresh_token.expose(), "1000.refresh.current", "the refresh token stays");

    let missing = s
        .update_access_token(
            &user_org("nobody", "o1"),
            &RefreshToken::new("1000.refresh.current"),
            &AccessToken::new("1000.access.y"),
            later,
        )
        .await
        .unwrap();
    assert!(!missing, "no pair, no update");
}

async fn deleting_tokens_ends_that_user_orgs_sessions_only(b: &Backend) {
    let s = &b.store;
    let gone = user_org("u1", "o1");
    let kept = user_org("u1", "o2");
    s.put_tokens(&tokens(&gone, "1000.r.1", "1000.a.1")).await.unwrap();
    s.put_tokens(&tokens(&kept, "1000.r.2", "1000.a.2")).await.unwrap();
    s.put_session(&session("s-gone-1", &gone, in_a_day())).await.unwrap();
    s.put_session(&session("s-gone-2", &gone, in_a_day())).await.unwrap();
    s.put_session(&session("s-kept", &kept, in_a_day())).await.unwrap();

    s.delete_tokens(&gone).await.unwrap();

    assert!(s.get_tokens(&gone).await.unwrap().is_none());
    assert!(s.get_session("s-gone-1").await.unwrap().is_none());
    assert!(s.get_session("s-gone-2").await.unwrap().is_none());
    assert!(s.get_tokens(&kept).await.unwrap().is_some(), "the other org's pair stays");
    assert!(s.get_session("s-kept").await.unwrap().is_some(), "the other org's session stays");
    s.delete_tokens(&gone).await.expect("deleting again is harmless");
}

async fn sessions_round_trip_are_touched_and_deleted(b: &Backend) {
    let s = &b.store;
    let key = user_org("u1", "o1");
    let record = session("session-hash", &key, in_a_day());
    s.put_session(&record).await.unwrap();

    let got = s.get_session("session-hash").await.unwrap().expect("stored");
    assert_eq!(got.id_hash, "session-hash");
    assert_eq!(got.key, key);
    assert_eq!(got.created_at, record.created_at);
    assert_eq!(got.expires_at, record.expires_at);
    assert_eq!(got.last_seen_at, record.last_seen_at);

    let seen = now() + chrono::Duration::minutes(5);
    s.touch_session("session-hash", seen).await.unwrap();
    let got = s.get_session("session-hash").await.unwrap().unwrap();
    assert_eq!(got.last_seen_at, seen);
    assert_eq!(got.created_at, record.created_at, "touch changes only the last use");
    assert_eq!(got.expires_at, record.expires_at);
    s.touch_session("no-such-session", seen).await.expect("touching a gone session is harmless");

    s.delete_session("session-hash").await.unwrap();
    assert!(s.get_session("session-hash").await.unwrap().is_none());
    s.delete_session("session-hash").await.expect("deleting again is harmless");
}

async fn expired_sessions_are_swept_by_the_next_sign_in(b: &Backend) {
    let s = &b.store;
    let key = user_org("u1", "o1");
    s.put_session(&session("old", &key, now() - chrono::Duration::seconds(1))).await.unwrap();
    s.put_session(&session("new", &key, in_a_day())).await.unwrap();
    assert!(s.get_session("old").await.unwrap().is_none());
    assert!(s.get_session("new").await.unwrap().is_some());
}

async fn tokens_are_sealed_at_rest(b: &Backend) {
    let key = user_org("u1", "o1");
    b.store.put_tokens(&tokens(&key, "1000.plain-refresh-token", "1000.plain-access-token")).await.unwrap();
    b.store
        .update_access_token(
            &key,
            &RefreshToken::new("1000.plain-refresh-token"),
            &AccessToken::new("1000.plain-refreshed-access"),
            in_a_day(),
        )
        .await
        .unwrap();
    // Memory never leaves the process: nothing at rest to look at.
    let Some(rows) = b.raw_token_columns().await else { return };
    assert_eq!(rows.len(), 1);
    for (refresh, access) in rows {
        assert!(refresh.starts_with("v1:") && access.starts_with("v1:"), "sealed form");
        assert!(!refresh.contains("plain") && !access.contains("plain"), "no token readable in the table");
    }
    let got = b.store.get_tokens(&key).await.unwrap().unwrap();
    assert_eq!(got.refresh_token.expose(), "1000.plain-refresh-token", "and they open again");
    assert_eq!(got.access_token.expose(), "1000.plain-refreshed-access");
}

async fn the_refresh_lock_can_be_taken_released_and_dropped(b: &Backend) {
    let key = user_org("u1", "o1");
    let lock = b.store.lock_refresh(&key).await.unwrap();
    lock.release().await.unwrap();
    let dropped = b.store.lock_refresh(&key).await.unwrap();
    drop(dropped);
    let again = tokio::time::timeout(Duration::from_secs(5), b.store.lock_refresh(&key))
        .await
        .expect("a dropped lock does not stay held")
        .unwrap();
    again.release().await.unwrap();
}

async fn the_store_answers_a_ping(b: &Backend) {
    b.store.ping().await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// What only a shared store promises

/// Two stores on one database stand for two replicas.
#[tokio::test]
async fn postgres_refresh_lock_serialises_two_holders_of_one_user_org() {
    let Some(b) = Backend::postgres().await else { return };
    let replica = b.reopen().await;
    let key = user_org("u1", "o1");

    let first = b.store.lock_refresh(&key).await.unwrap();
    let (taken_tx, mut taken_rx) = tokio::sync::oneshot::channel::<()>();
    let second = tokio::spawn({
        let (replica, key) = (replica.clone(), key.clone());
        async move {
            let lock = replica.lock_refresh(&key).await.unwrap();
            let _ = taken_tx.send(());
            lock
        }
    });

    // Another user-org is not held up meanwhile.
    let other = tokio::time::timeout(Duration::from_secs(5), replica.lock_refresh(&user_org("u2", "o1")))
        .await
        .expect("another user-org's lock is free")
        .unwrap();
    other.release().await.unwrap();

    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(taken_rx.try_recv().is_err(), "the second holder waits while the first holds the lock");

    first.release().await.unwrap();
    let second = tokio::time::timeout(Duration::from_secs(5), second)
        .await
        .expect("the second holder gets the lock once the first releases it")
        .unwrap();

    // Dropping a lock (a refresh cancelled mid-way) frees it as well.
    drop(second);
    let third =
        tokio::time::timeout(Duration::from_secs(5), b.store.lock_refresh(&key)).await.expect("a dropped lock is freed").unwrap();
    third.release().await.unwrap();
}

#[tokio::test]
async fn postgres_invalidations_reach_every_store_on_the_database() {
    let Some(b) = Backend::postgres().await else { return };
    let replica = b.reopen().await;
    let mut incoming = replica.invalidations().await.unwrap().expect("PostgreSQL listens");

    b.store.publish_invalidation("org-42").await.unwrap();
    let org = tokio::time::timeout(Duration::from_secs(1), incoming.recv())
        .await
        .expect("the notice arrives within a second")
        .expect("the channel is open");
    assert_eq!(org, "org-42");
}

#[tokio::test]
async fn single_process_stores_have_no_invalidation_channel() {
    for b in [Backend::memory().await, Backend::sqlite().await] {
        assert!(b.store.invalidations().await.unwrap().is_none());
        b.store.publish_invalidation("org").await.unwrap();
    }
}

#[tokio::test]
async fn postgres_needs_a_token_key_and_says_how_to_make_one() {
    let url = DatabaseUrl::Postgres("postgres://postgres@127.0.0.1:5432/unused".into());
    let err = match store::open(&url, None, 4).await {
        Ok(_) => panic!("opened without GATEWAY_TOKEN_KEY"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("GATEWAY_TOKEN_KEY"), "{err}");
    assert!(err.contains("openssl rand -base64 32"), "{err}");
}

#[test]
fn postgres_urls_parse_and_never_print_their_password() {
    for url in ["postgres://gw:s3cret@db.internal:5432/gateway", "postgresql://gw:s3cret@db.internal/gateway"] {
        let parsed: DatabaseUrl = url.parse().unwrap();
        assert_eq!(parsed, DatabaseUrl::Postgres(url.into()));
        let shown = format!("{parsed:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db.internal"), "{shown}");
    }
    let in_query: DatabaseUrl = "postgres://db.internal/gateway?user=gw&password=s3cret&sslmode=require".parse().unwrap();
    let shown = format!("{in_query:?}");
    assert!(!shown.contains("s3cret") && shown.contains("sslmode=require"), "{shown}");
    assert!("mysql://x".parse::<DatabaseUrl>().is_err());
}

// ---------------------------------------------------------------------------------------------
// A throwaway PostgreSQL database

#[path = "support/pg.rs"]
mod pg;
