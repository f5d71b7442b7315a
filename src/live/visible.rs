//! Which records each subscribed user has been shown: the only way to tell, once a record is
//! deleted, whether a user could see it (a deleted record cannot be re-read with their token, and
//! Zoho's callback carries ids only). Kept only for users with an open subscription, so the read
//! path pays one atomic load when nobody subscribes.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::store::UserOrg;
use crate::zoho::records::Record;

/// Ids remembered per user before the older half is forgotten (two generations of this many).
const PER_USER: usize = 20_000;

#[derive(Default)]
pub struct Visible {
    /// Users with at least one open subscription.
    users: AtomicUsize,
    sets: Mutex<HashMap<UserOrg, Seen>>,
    hasher: std::collections::hash_map::RandomState,
}

/// Hashes of (module, id) shown to one user: the current generation and the one before it.
#[derive(Default)]
struct Seen {
    subscriptions: usize,
    current: HashSet<u64>,
    previous: HashSet<u64>,
}

impl Visible {
    fn key(&self, module: &str, id: &str) -> u64 {
        let mut h = self.hasher.build_hasher();
        (module, id).hash(&mut h);
        h.finish()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserOrg, Seen>> {
        self.sets.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A subscription of `user` opened: remember what they are shown from now on.
    pub fn open(&self, user: &UserOrg) {
        let mut sets = self.lock();
        let seen = sets.entry(user.clone()).or_default();
        if seen.subscriptions == 0 {
            self.users.fetch_add(1, Ordering::Relaxed);
        }
        seen.subscriptions += 1;
    }

    /// A subscription of `user` ended; with their last one, what they were shown is forgotten.
    pub fn close(&self, user: &UserOrg) {
        let mut sets = self.lock();
        if let Some(seen) = sets.get_mut(user) {
            seen.subscriptions = seen.subscriptions.saturating_sub(1);
            if seen.subscriptions == 0 {
                sets.remove(user);
                self.users.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// Zoho answered `user` with these records of `module`.
    pub fn note(&self, user: &UserOrg, module: &str, records: &[Record]) {
        if self.users.load(Ordering::Relaxed) == 0 || records.is_empty() {
            return;
        }
        let keys: Vec<u64> =
            records.iter().filter_map(|r| r.get("id").and_then(|v| v.as_str())).map(|id| self.key(module, id)).collect();
        let mut sets = self.lock();
        let Some(seen) = sets.get_mut(user) else { return };
        for key in keys {
            if seen.current.len() >= PER_USER {
                seen.previous = std::mem::take(&mut seen.current);
            }
            seen.current.insert(key);
        }
    }

    /// Whether `user` was shown this record while subscribed.
    pub fn saw(&self, user: &UserOrg, module: &str, id: &str) -> bool {
        let key = self.key(module, id);
        self.lock().get(user).is_some_and(|s| s.current.contains(&key) || s.previous.contains(&key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(id: &str) -> Record {
        json!({ "id": id }).as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn only_subscribed_users_are_tracked_and_forgotten_with_their_last_subscription() {
        let v = Visible::default();
        let (a, b) = (UserOrg { user_id: "a".into(), org_id: "o".into() }, UserOrg { user_id: "b".into(), org_id: "o".into() });
        v.note(&a, "Leads", &[record("1")]);
        assert!(!v.saw(&a, "Leads", "1"), "not subscribed: not tracked");
        v.open(&a);
        v.open(&a);
        v.note(&a, "Leads", &[record("1")]);
        assert!(v.saw(&a, "Leads", "1"));
        assert!(!v.saw(&a, "Contacts", "1"), "per module");
        assert!(!v.saw(&b, "Leads", "1"), "per user");
        v.close(&a);
        assert!(v.saw(&a, "Leads", "1"), "one subscription still open");
        v.close(&a);
        assert!(!v.saw(&a, "Leads", "1"));
    }
}
