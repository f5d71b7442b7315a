//! Per-user caching of Zoho answers (moka). Every key starts with the (org, user) it was fetched
//! for, so one user's CRM data can never be served to another (the failure of Apollo's
//! RESTDataSource, apollo-server issue 4486). Writes invalidate by bumping the org's generation,
//! which is part of every key: older entries become unreachable at once and age out by TTL.
//! A user therefore reads their own writes immediately; other users of the org in this process
//! do too, and users on other replicas see the change within the TTL (or at once, with a shared
//! invalidation channel).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;

use crate::store::UserOrg;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    scope: UserOrg,
    generation: u64,
    /// Method, path and query of the Zoho call (never the token).
    request: String,
}

pub struct ResponseCache {
    entries: Option<moka::future::Cache<Key, Bytes>>,
    generations: Mutex<HashMap<String, u64>>,
    /// Where local writes are announced to other replicas (set when the store can tell them).
    publisher: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<String>>,
}

/// Cache settings from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct CacheSettings {
    pub enabled: bool,
    pub ttl: Duration,
    pub max_bytes: u64,
}

impl ResponseCache {
    pub fn new(settings: CacheSettings) -> Self {
        let entries = (settings.enabled && !settings.ttl.is_zero()).then(|| {
            moka::future::Cache::builder()
                .time_to_live(settings.ttl)
                // Weighed by body size, so the bound is in bytes, not entries.
                .weigher(|k: &Key, v: &Bytes| {
                    u32::try_from(v.len() + k.request.len() + k.scope.user_id.len() + k.scope.org_id.len() + 64)
                        .unwrap_or(u32::MAX)
                })
                .max_capacity(settings.max_bytes)
                .build()
        });
        Self { entries, generations: Mutex::default(), publisher: std::sync::OnceLock::new() }
    }

    pub fn is_enabled(&self) -> bool {
        self.entries.is_some()
    }

    fn generation(&self, org_id: &str) -> u64 {
        self.lock().get(org_id).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.generations.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets everything cached for the org (all its users) here and, through the publisher,
    /// on the other replicas: called after every write.
    pub fn invalidate_org(&self, org_id: &str) {
        self.invalidate_org_locally(org_id);
        if let Some(publisher) = self.publisher.get() {
            let _ = publisher.send(org_id.to_owned());
        }
    }

    /// Forgets the org's entries in this process only (a notice from another replica).
    pub fn invalidate_org_locally(&self, org_id: &str) {
        *self.lock().entry(org_id.to_owned()).or_insert(0) += 1;
    }

    /// Announces this process's writes through `sender` from now on.
    pub fn set_publisher(&self, sender: tokio::sync::mpsc::UnboundedSender<String>) {
        let _ = self.publisher.set(sender);
    }

    /// The cached answer for this user's request, if there is one (counted as a hit; a miss is
    /// counted by the `get_or_fetch` that follows).
    pub async fn peek(&self, scope: &UserOrg, request: String) -> Option<Bytes> {
        let entries = self.entries.as_ref()?;
        let key = Key { scope: scope.clone(), generation: self.generation(&scope.org_id), request };
        let hit = entries.get(&key).await;
        if hit.is_some() {
            crate::telemetry::cache_lookup(true);
        }
        hit
    }

    /// The cached answer for this user's request, or `fetch`'s. Concurrent identical requests
    /// of one user share one `fetch`; failures are not cached.
    pub async fn get_or_fetch<E, F>(&self, scope: &UserOrg, request: String, fetch: F) -> Result<Bytes, Arc<E>>
    where
        F: Future<Output = Result<Bytes, E>>,
        E: Send + Sync + 'static,
    {
        let Some(entries) = &self.entries else {
            return fetch.await.map_err(Arc::new);
        };
        let key = Key { scope: scope.clone(), generation: self.generation(&scope.org_id), request };
        let mut missed = false;
        let result = entries
            .try_get_with(key, async {
                missed = true;
                fetch.await
            })
            .await;
        crate::telemetry::cache_lookup(!missed);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn scope(user: &str) -> UserOrg {
        UserOrg { user_id: user.into(), org_id: "org".into() }
    }

    fn cache() -> ResponseCache {
        ResponseCache::new(CacheSettings { enabled: true, ttl: Duration::from_secs(30), max_bytes: 1 << 20 })
    }

    #[tokio::test]
    async fn entries_are_per_user_and_invalidated_by_org() {
        let c = cache();
        let calls = AtomicU32::new(0);
        let fetch = |body: &'static str| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move { Ok::<_, ()>(Bytes::from_static(body.as_bytes())) }
        };
        assert_eq!(c.get_or_fetch(&scope("a"), "GET /x".into(), fetch("a1")).await.unwrap(), "a1");
        assert_eq!(c.get_or_fetch(&scope("a"), "GET /x".into(), fetch("a2")).await.unwrap(), "a1");
        assert_eq!(c.get_or_fetch(&scope("b"), "GET /x".into(), fetch("b1")).await.unwrap(), "b1", "never another user's");
        c.invalidate_org("org");
        assert_eq!(c.get_or_fetch(&scope("a"), "GET /x".into(), fetch("a3")).await.unwrap(), "a3");
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn failures_are_not_cached_and_off_means_off() {
        let c = cache();
        assert!(c.get_or_fetch(&scope("a"), "GET /y".into(), async { Err::<Bytes, _>("down") }).await.is_err());
        assert_eq!(
            c.get_or_fetch(&scope("a"), "GET /y".into(), async { Ok::<_, ()>(Bytes::from_static(b"ok")) }).await.unwrap(),
            "ok"
        );
        let off = ResponseCache::new(CacheSettings { enabled: false, ttl: Duration::from_secs(30), max_bytes: 1 << 20 });
        assert_eq!(
            off.get_or_fetch(&scope("a"), "GET /y".into(), async { Ok::<_, ()>(Bytes::from_static(b"1")) }).await.unwrap(),
            "1"
        );
        assert_eq!(
            off.get_or_fetch(&scope("a"), "GET /y".into(), async { Ok::<_, ()>(Bytes::from_static(b"2")) }).await.unwrap(),
            "2"
        );
    }
}
