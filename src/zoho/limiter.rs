//! A per-org cap on in-flight CRM calls, so the gateway itself never trips Zoho's concurrency
//! limit (5 to 25 per org by edition, zoho-api.md §4), which answers 429 to everyone in the org.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct OrgLimiter {
    per_org: usize,
    orgs: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl OrgLimiter {
    pub fn new(per_org: usize) -> Self {
        Self { per_org: per_org.max(1), orgs: Mutex::default() }
    }

    /// Waits for a slot of this org; the slot is freed when the permit drops.
    pub async fn acquire(&self, org_id: &str) -> OwnedSemaphorePermit {
        let semaphore = {
            let mut orgs = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
            orgs.entry(org_id.to_owned()).or_insert_with(|| Arc::new(Semaphore::new(self.per_org))).clone()
        };
        if let Ok(permit) = semaphore.clone().try_acquire_owned() {
            return permit;
        }
        let started = std::time::Instant::now();
        // The semaphore is never closed, so acquiring cannot fail.
        let permit = match semaphore.acquire_owned().await {
            Ok(permit) => permit,
            Err(_) => unreachable!("org semaphores are never closed"),
        };
        crate::telemetry::limiter_wait(started.elapsed());
        permit
    }
}
