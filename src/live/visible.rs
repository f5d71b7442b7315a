//! Which records each user has recently been shown: the only way to tell, once a record is
//! deleted, whether a user could see it (a deleted record cannot be re-read with their token, and
//! Zoho's callback carries ids only). Every answer of Zoho's to a user is noted here (an answer
//! served again from a cache was noted when it was fetched), so a subscription opened after its
//! page was loaded still hears of the deletion of what that page shows.
//!
//! Bounded: at most `PER_USER` ids per user in each of two generations, `USERS` users, each
//! forgotten after an idle hour; a record shown longer ago than that is not announced as deleted.

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::store::UserOrg;

/// Ids remembered per user before the older generation is forgotten.
const PER_USER: usize = 5_000;
/// Users remembered (the least recently shown anything go first).
const USERS: u64 = 1_000;
const IDLE: Duration = Duration::from_secs(3600);

pub struct Visible {
    users: moka::sync::Cache<UserOrg, Arc<Mutex<Seen>>>,
    hasher: std::collections::hash_map::RandomState,
}

/// Hashes of (module, id) shown to one user: the current generation and the one before it.
#[derive(Default)]
struct Seen {
    current: HashSet<u64>,
    previous: HashSet<u64>,
}

impl Default for Visible {
    fn default() -> Self {
        Self {
            users: moka::sync::Cache::builder().max_capacity(USERS).time_to_idle(IDLE).build(),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }
}

impl Visible {
    fn key(&self, module: &str, id: &str) -> u64 {
        self.hasher.hash_one((module, id))
    }

    /// Zoho answered `user` with the records of `module` that have these ids.
    pub fn note<'a>(&self, user: &UserOrg, module: &str, ids: impl IntoIterator<Item = &'a str>) {
        let keys: Vec<u64> = ids.into_iter().map(|id| self.key(module, id)).collect();
        if keys.is_empty() {
            return;
        }
        let seen = self.users.get_with_by_ref(user, Arc::default);
        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            if seen.current.len() >= PER_USER && !seen.current.contains(&key) {
                seen.previous = std::mem::take(&mut seen.current);
            }
            seen.current.insert(key);
        }
    }

    /// Whether `user` was recently shown this record.
    pub fn saw(&self, user: &UserOrg, module: &str, id: &str) -> bool {
        let key = self.key(module, id);
        self.users.get(user).is_some_and(|s| {
            let s = s.lock().unwrap_or_else(|e| e.into_inner());
            s.current.contains(&key) || s.previous.contains(&key)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_user_and_module_and_bounded() {
        let v = Visible::default();
        let (a, b) = (UserOrg { user_id: "a".into(), org_id: "o".into() }, UserOrg { user_id: "b".into(), org_id: "o".into() });
        v.note(&a, "Leads", ["1"]);
        assert!(v.saw(&a, "Leads", "1"));
        assert!(!v.saw(&a, "Contacts", "1"), "per module");
        assert!(!v.saw(&b, "Leads", "1"), "per user");
        let many: Vec<String> = (0..2 * PER_USER + 1).map(|i| i.to_string()).collect();
        v.note(&a, "Leads", many.iter().map(String::as_str));
        assert!(!v.saw(&a, "Leads", "0"), "two generations at most");
        assert!(v.saw(&a, "Leads", &(2 * PER_USER).to_string()));
    }
}
