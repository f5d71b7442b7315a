//! Live changes for GraphQL subscriptions: what changed in an org's records, from Zoho's verified
//! callbacks (`notifications`) or, when Zoho does not call back (no `GATEWAY_PUBLIC_URL`), from the
//! gateway's own writes. Every replica hears every change (the store's `NOTIFY` channel, as for
//! cache invalidation) and fans it out to its own subscribers.
//!
//! Zoho's callback names ids only and is not per user, so each subscriber's event is re-read with
//! that subscriber's own token: one read per change and user, shared by all of that user's
//! subscriptions (`Change::read_as`). A user is never sent a record Zoho does not show them, and a
//! deletion only of a record they were shown (`visible`).

pub mod visible;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use tokio::sync::{broadcast, mpsc};

use crate::crm::UserCrm;
use crate::error::GatewayError;
use crate::store::UserOrg;
use crate::zoho::records::Record;
use visible::Visible;

/// Changes a subscriber may fall behind by before it is dropped as too slow (never buffered without bound).
const BACKLOG: usize = 1024;
/// Ids per notice on the `NOTIFY` channel (PostgreSQL's payload limit is 8000 bytes).
const IDS_PER_NOTICE: usize = 200;
/// The prefix of change notices on the invalidation channel.
const NOTICE_PREFIX: &str = "change:";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Created,
    Updated,
    Deleted,
}

impl Operation {
    /// Zoho's callback word (`insert`, `update`, `delete`; zoho-api.md §10).
    pub fn from_zoho(word: &str) -> Self {
        match word {
            "insert" | "create" | "restore" => Self::Created,
            "delete" => Self::Deleted,
            _ => Self::Updated,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Created => "CREATED",
            Self::Updated => "UPDATED",
            Self::Deleted => "DELETED",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [Self::Created, Self::Updated, Self::Deleted].into_iter().find(|o| o.name() == name)
    }
}

type Read = Result<Arc<HashMap<String, Record>>, Arc<GatewayError>>;

/// One change of some records of one module of one org.
pub struct Change {
    pub org: String,
    pub module: String,
    pub operation: Operation,
    pub ids: Vec<String>,
    /// The records as each user sees them, read once per user (`read_as`).
    reads: Mutex<HashMap<UserOrg, Shared<BoxFuture<'static, Read>>>>,
}

impl Change {
    pub fn new(org: &str, module: &str, operation: Operation, ids: Vec<String>) -> Self {
        Self { org: org.to_owned(), module: module.to_owned(), operation, ids, reads: Mutex::default() }
    }

    /// The changed records that `crm`'s user may see, read with their token (`fields` of each):
    /// the first of that user's subscribers reads, the others wait for the same answer.
    pub async fn read_as(&self, crm: &UserCrm, fields: Vec<String>) -> Read {
        let read = {
            let mut reads = self.reads.lock().unwrap_or_else(|e| e.into_inner());
            reads
                .entry(crm.key.clone())
                .or_insert_with(|| {
                    let (crm, module, ids) = (crm.clone(), self.module.clone(), self.ids.clone());
                    async move {
                        let mut found = HashMap::new();
                        for chunk in ids.chunks(100) {
                            let (m, f) = (module.as_str(), &fields);
                            let records = crm
                                .call(|z, c| async move { z.by_ids(&c, m, chunk, f).await })
                                .await
                                .map_err(|e| Arc::new(GatewayError::from(e)))?;
                            for r in records {
                                if let Some(id) = r.get("id").and_then(|v| v.as_str()) {
                                    found.insert(id.to_owned(), r);
                                }
                            }
                        }
                        Ok(Arc::new(found))
                    }
                    .boxed()
                    .shared()
                })
                .clone()
        };
        read.await
    }

    /// As written on the `NOTIFY` channel: `change:<process>:<org>:<module>:<OPERATION>:<id,…>`.
    fn encode(&self, process: u64) -> Vec<String> {
        self.ids
            .chunks(IDS_PER_NOTICE)
            .map(|ids| {
                format!("{NOTICE_PREFIX}{process}:{}:{}:{}:{}", self.org, self.module, self.operation.name(), ids.join(","))
            })
            .collect()
    }

    /// A change notice of another process (`None` for anything else, or for our own, which
    /// PostgreSQL delivers back to the replica that sent it).
    fn decode(text: &str, own: u64) -> Option<Self> {
        let mut parts = text.strip_prefix(NOTICE_PREFIX)?.splitn(5, ':');
        let process: u64 = parts.next()?.parse().ok()?;
        let (org, module, operation, ids) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if process == own {
            return None;
        }
        let ids = ids.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect();
        Some(Self::new(org, module, Operation::from_name(operation)?, ids))
    }
}

/// Limits on live connections (WebSocket and SSE alike).
#[derive(Debug, Clone, Copy)]
pub struct LiveLimits {
    /// Open subscriptions per session.
    pub per_session: usize,
    /// Open live connections per process.
    pub connections: usize,
}

pub struct Live {
    /// This process, to skip its own notices when they come back.
    process: u64,
    changes: broadcast::Sender<Arc<Change>>,
    publisher: OnceLock<mpsc::UnboundedSender<String>>,
    pub visible: Arc<Visible>,
    pub limits: LiveLimits,
    /// Open subscriptions per session (by hash of its id).
    sessions: Mutex<HashMap<String, usize>>,
    connections: AtomicUsize,
    subscriptions: AtomicUsize,
    /// Zoho calls back: changes come from its callbacks only, not (twice) from our own writes too.
    pub from_callbacks: bool,
}

/// Why a live connection or subscription was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    Connections,
    Subscriptions,
}

impl Live {
    pub fn new(visible: Arc<Visible>, limits: LiveLimits, from_callbacks: bool) -> Arc<Self> {
        Arc::new(Self {
            process: rand::random(),
            changes: broadcast::channel(BACKLOG).0,
            publisher: OnceLock::new(),
            visible,
            limits,
            sessions: Mutex::default(),
            connections: AtomicUsize::new(0),
            subscriptions: AtomicUsize::new(0),
            from_callbacks,
        })
    }

    /// Announces this process's changes to the other replicas through `sender` from now on.
    pub fn set_publisher(&self, sender: mpsc::UnboundedSender<String>) {
        let _ = self.publisher.set(sender);
    }

    /// A change seen here: to this process's subscribers and every other replica's.
    pub fn publish(&self, change: Change) {
        if let Some(publisher) = self.publisher.get() {
            for notice in change.encode(self.process) {
                let _ = publisher.send(notice);
            }
        }
        self.deliver(change);
    }

    /// A change written by the gateway itself (a mutation), published unless Zoho will call back.
    pub fn wrote(&self, org: &str, module: &str, operation: Operation, id: &str) {
        if !self.from_callbacks {
            self.publish(Change::new(org, module, operation, vec![id.to_owned()]));
        }
    }

    /// A notice from the invalidation channel: a change of another replica is delivered here.
    /// Returns whether it was a change notice (whatever its origin).
    pub fn heard(&self, text: &str) -> bool {
        if !text.starts_with(NOTICE_PREFIX) {
            return false;
        }
        if let Some(change) = Change::decode(text, self.process) {
            self.deliver(change);
        }
        true
    }

    /// The org of a change notice, whichever replica sent it (its cached answers must go).
    pub fn notice_org(text: &str) -> Option<&str> {
        text.strip_prefix(NOTICE_PREFIX)?.split(':').nth(1)
    }

    fn deliver(&self, change: Change) {
        // No receivers is not an error: nobody subscribes here.
        let _ = self.changes.send(Arc::new(change));
    }

    pub fn changes(&self) -> broadcast::Receiver<Arc<Change>> {
        self.changes.subscribe()
    }

    /// A live connection opens; dropped with the guard.
    pub fn connect(self: &Arc<Self>) -> Result<ConnectionGuard, Full> {
        let open = self.connections.fetch_add(1, Ordering::AcqRel);
        let guard = ConnectionGuard(self.clone());
        self.report();
        if open >= self.limits.connections { Err(Full::Connections) } else { Ok(guard) }
    }

    /// A subscription of the session `session_hash` starts; ends with the guard.
    pub fn subscribe(self: &Arc<Self>, session_hash: &str) -> Result<SubscriptionGuard, Full> {
        {
            let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
            let open = sessions.entry(session_hash.to_owned()).or_insert(0);
            if *open >= self.limits.per_session {
                return Err(Full::Subscriptions);
            }
            *open += 1;
        }
        self.subscriptions.fetch_add(1, Ordering::AcqRel);
        self.report();
        Ok(SubscriptionGuard { live: self.clone(), session_hash: session_hash.to_owned() })
    }

    /// Open live connections and subscriptions of this process.
    pub fn open(&self) -> (usize, usize) {
        (self.connections.load(Ordering::Acquire), self.subscriptions.load(Ordering::Acquire))
    }

    fn report(&self) {
        let (connections, subscriptions) = self.open();
        crate::telemetry::live_open(connections, subscriptions);
    }
}

pub struct ConnectionGuard(Arc<Live>);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::AcqRel);
        self.0.report();
    }
}

pub struct SubscriptionGuard {
    live: Arc<Live>,
    session_hash: String,
}

impl Drop for SubscriptionGuard {
    fn drop(&mut self) {
        let mut sessions = self.live.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = sessions.get_mut(&self.session_hash) {
            *open -= 1;
            if *open == 0 {
                sessions.remove(&self.session_hash);
            }
        }
        drop(sessions);
        self.live.subscriptions.fetch_sub(1, Ordering::AcqRel);
        self.live.report();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_round_trip_in_chunks_and_our_own_come_back_as_nothing() {
        let ids: Vec<String> = (0..450).map(|i| format!("{}", 1_000_000_000_000_000u64 + i)).collect();
        let change = Change::new("6180428", "Leads", Operation::Deleted, ids.clone());
        let notices = change.encode(7);
        assert_eq!(notices.len(), 3);
        assert!(notices.iter().all(|n| n.len() < 8000));
        let mut back = Vec::new();
        for n in &notices {
            assert_eq!(Live::notice_org(n), Some("6180428"));
            assert!(Change::decode(n, 7).is_none(), "our own");
            let c = Change::decode(n, 8).expect("another process's");
            assert_eq!((c.org.as_str(), c.module.as_str(), c.operation), ("6180428", "Leads", Operation::Deleted));
            back.extend(c.ids);
        }
        assert_eq!(back, ids);
        assert!(Change::decode("6180428", 8).is_none(), "an org notice is not a change");
    }

    #[test]
    fn zoho_words_map_to_operations() {
        assert_eq!(Operation::from_zoho("insert"), Operation::Created);
        assert_eq!(Operation::from_zoho("update"), Operation::Updated);
        assert_eq!(Operation::from_zoho("delete"), Operation::Deleted);
    }
}
