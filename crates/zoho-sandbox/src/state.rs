//! The sandbox's shared state: issued codes and tokens, the org's metadata and records, page tokens,
//! call counts, fault rules and notification channels, all behind one `std::sync::Mutex` that is
//! never held across an `.await`; plus the atomic in-flight counter used by the concurrency limit
//! and the notifier, which journals callbacks under a lock of its own.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::calls::CallCounts;
use super::catalog::Catalog;
use super::channels::Channels;
use super::credits::Credits;
use super::data;
use super::faults::FaultRule;
use super::journal::Journal;
use super::notify::Notifier;
pub(crate) use super::record::StoredRecord;
use super::{DataCentre, SandboxConfig, SandboxUser};

/// Refresh tokens kept per user and client; the 21st evicts the oldest (§1.8).
pub(crate) const MAX_REFRESH_TOKENS_PER_USER: usize = 20;
/// Page tokens kept at once (oldest dropped first); each is valid 24 h in Zoho (§2.2).
const MAX_PAGE_TOKENS: usize = 10_000;

/// Everything the two listeners share.
pub(crate) struct Shared {
    pub config: SandboxConfig,
    /// The primary data centre's accounts server (`data_centres[0]`).
    pub accounts_url: String,
    /// The primary data centre's API domain.
    pub api_url: String,
    /// Every data centre, the primary first; a user, code or token names its data centre by index.
    pub data_centres: Vec<DataCentre>,
    pub users: Vec<SandboxUser>,
    /// Sends notification callbacks and journals them (its own lock, see `notify.rs`).
    pub notifier: Arc<Notifier>,
    inner: Mutex<Inner>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

impl Shared {
    pub fn new(
        config: SandboxConfig,
        org: Catalog,
        store: Store,
        data_centres: Vec<DataCentre>,
        users: Vec<SandboxUser>,
        notifier: Notifier,
    ) -> Self {
        let accounts_url = data_centres.first().map(|dc| dc.accounts_url.clone()).unwrap_or_default();
        let api_url = data_centres.first().map(|dc| dc.api_url.clone()).unwrap_or_default();
        let inner = Inner {
            search_index_delay: config.search_index_delay,
            credits: Credits::new(config.credit_budget, config.credit_window),
            deleted: HashSet::new(),
            redirect_uris: config.redirect_uris.clone(),
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            access_tokens: HashMap::new(),
            consented: HashSet::new(),
            org,
            store,
            next_id: data::FIRST_NEW_LEAD_ID,
            page_tokens: HashMap::new(),
            calls: CallCounts::default(),
            faults: Vec::new(),
            sequence: 0,
            record: Journal::default(),
            channels: Channels::default(),
        };
        Shared {
            config,
            accounts_url,
            api_url,
            data_centres,
            users,
            notifier: Arc::new(notifier),
            inner: Mutex::new(inner),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// The state lock. A panic elsewhere while holding it must not take the sandbox down, so a
    /// poisoned lock is simply taken over.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A user by key (`admin`) or email, case-insensitively.
    pub fn user_index(&self, key_or_email: &str) -> Option<usize> {
        let wanted = key_or_email.trim();
        self.users.iter().position(|u| u.key.eq_ignore_ascii_case(wanted) || u.email.eq_ignore_ascii_case(wanted))
    }

    /// Counts one more API call in flight until the guard drops; returns it with the new count.
    pub fn enter(self: &Arc<Self>) -> InFlight {
        let count = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(count, Ordering::SeqCst);
        InFlight { shared: self.clone(), count }
    }

    /// The index of the data centre a user lives in (the primary when unknown).
    pub fn home_dc(&self, user: usize) -> usize {
        let location = self.users.get(user).map(|u| u.location.as_str()).unwrap_or_default();
        self.data_centres.iter().position(|dc| dc.location == location).unwrap_or(0)
    }

    /// The API domain of data centre `dc` (the primary's when unknown).
    pub fn api_url_of(&self, dc: usize) -> &str {
        self.data_centres.get(dc).map_or(self.api_url.as_str(), |dc| dc.api_url.as_str())
    }

    pub fn peak_in_flight(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

/// One in-flight API call; decrements the counter when dropped (also when the client goes away).
pub(crate) struct InFlight {
    shared: Arc<Shared>,
    pub count: usize,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A grant code waiting to be exchanged.
pub(crate) struct Grant {
    pub user: usize,
    /// The user's data centre: only its accounts server exchanges the code (§1.4).
    pub dc: usize,
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub issued: Instant,
    /// Whether the exchange also returns a refresh token (`access_type=offline` on first consent or
    /// with `prompt=consent`, §1.5).
    pub with_refresh_token: bool,
    /// PKCE `(method, challenge)` when the client sent one (§1.3).
    pub pkce: Option<(String, String)>,
}

pub(crate) struct RefreshToken {
    pub user: usize,
    /// Tokens are bound to the data centre that issued them (§1.8).
    pub dc: usize,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub sequence: u64,
    /// When access tokens were minted from it, for the 10-per-10-minutes throttle (§1.8).
    pub minted: VecDeque<Instant>,
}

pub(crate) struct AccessToken {
    pub user: usize,
    /// Only this data centre's API domain accepts the token (§1.8: another DC answers INVALID_TOKEN).
    pub dc: usize,
    pub scopes: Vec<String>,
    pub expires: Instant,
    pub refresh_token: Option<String>,
    pub sequence: u64,
}

/// Server-side state behind an opaque `page_token` (§2.2: bound to user and parameters).
pub(crate) struct PageToken {
    pub user: usize,
    pub params_key: String,
    pub offset: usize,
    pub page: usize,
    pub expires: Instant,
    pub sequence: u64,
}

/// Every module's records by id (ids are unique across the org, like Zoho's).
#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    modules: HashMap<String, BTreeMap<u64, StoredRecord>>,
}

impl Store {
    pub fn get(&self, module: &str, id: u64) -> Option<&StoredRecord> {
        self.modules.get(module)?.get(&id)
    }

    pub fn get_mut(&mut self, module: &str, id: u64) -> Option<&mut StoredRecord> {
        self.modules.get_mut(module)?.get_mut(&id)
    }

    /// A module's records in id order (empty for an unknown module).
    pub fn records(&self, module: &str) -> impl DoubleEndedIterator<Item = &StoredRecord> {
        self.modules.get(module).into_iter().flat_map(|m| m.values())
    }

    pub fn insert(&mut self, module: &str, record: StoredRecord) {
        self.modules.entry(module.to_string()).or_default().insert(record.id, record);
    }

    pub fn remove(&mut self, module: &str, id: u64) -> Option<StoredRecord> {
        self.modules.get_mut(module)?.remove(&id)
    }

    pub fn count(&self, module: &str) -> usize {
        self.modules.get(module).map_or(0, BTreeMap::len)
    }

    /// Makes every record of a module searchable as it is now (§2.8 index delay over).
    pub fn mark_all_indexed(&mut self, module: &str) {
        for record in self.modules.get_mut(module).into_iter().flat_map(|m| m.values_mut()) {
            (record.searchable_at, record.indexed_fields) = (None, None);
        }
    }

    /// Drops a field's values from every record of a module (drift: a removed field).
    pub fn drop_field(&mut self, module: &str, api_name: &str) {
        for record in self.modules.get_mut(module).into_iter().flat_map(|m| m.values_mut()) {
            record.fields.remove(api_name);
        }
    }
}

pub(crate) struct Inner {
    pub redirect_uris: Vec<String>,
    pub codes: HashMap<String, Grant>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub access_tokens: HashMap<String, AccessToken>,
    /// (user, client) pairs that consented before: a later consent without `prompt=consent` gets no
    /// new refresh token (§1.5).
    pub consented: HashSet<(usize, String)>,
    /// The org's modules and fields (changed at run time by the drift hooks).
    pub org: Catalog,
    pub store: Store,
    pub next_id: u64,
    pub page_tokens: HashMap<String, PageToken>,
    pub calls: CallCounts,
    pub faults: Vec<FaultRule>,
    /// Monotonic counter giving tokens an issue order (for "evict the oldest").
    pub sequence: u64,
    /// What tests may inspect: issued secrets, received criteria.
    pub record: Journal,
    /// How long search lags behind writes (§2.8); settable at run time.
    pub search_index_delay: Duration,
    /// The org's API credits over the rolling window (§4).
    pub credits: Credits,
    /// Ids of deleted records (`DELETE` of one again answers "record not deleted", §2.6).
    pub deleted: HashSet<u64>,
    /// The org's notification channels (§10).
    pub channels: Channels,
}

impl Inner {
    pub fn next_sequence(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }

    /// Stores a new refresh token, evicting the user's oldest for this client beyond 20 (§1.8).
    pub fn add_refresh_token(&mut self, user: usize, dc: usize, client_id: &str, scopes: &[String]) -> String {
        let mine: Vec<(u64, String)> = self
            .refresh_tokens
            .iter()
            .filter(|(_, t)| t.user == user && t.client_id == client_id)
            .map(|(token, t)| (t.sequence, token.clone()))
            .collect();
        if mine.len() >= MAX_REFRESH_TOKENS_PER_USER {
            let mut mine = mine;
            mine.sort();
            let excess = mine.len() + 1 - MAX_REFRESH_TOKENS_PER_USER;
            for (_, token) in mine.into_iter().take(excess) {
                self.revoke(&token);
            }
        }
        let token = new_token();
        self.record.refresh_token(&token);
        let sequence = self.next_sequence();
        self.refresh_tokens.insert(
            token.clone(),
            RefreshToken {
                user,
                dc,
                client_id: client_id.to_string(),
                scopes: scopes.to_vec(),
                sequence,
                minted: VecDeque::new(),
            },
        );
        token
    }

    /// Mints an access token; beyond `cap` active tokens of one refresh token the oldest goes (§1.8).
    pub fn mint_access_token(
        &mut self,
        user: usize,
        dc: usize,
        scopes: &[String],
        refresh_token: Option<&str>,
        expires: Instant,
        cap: usize,
    ) -> String {
        let now = Instant::now();
        self.access_tokens.retain(|_, t| t.expires > now);
        if let Some(refresh) = refresh_token {
            let mut siblings: Vec<(u64, String)> = self
                .access_tokens
                .iter()
                .filter(|(_, t)| t.refresh_token.as_deref() == Some(refresh))
                .map(|(token, t)| (t.sequence, token.clone()))
                .collect();
            if siblings.len() >= cap.max(1) {
                siblings.sort();
                let excess = siblings.len() + 1 - cap.max(1);
                for (_, token) in siblings.into_iter().take(excess) {
                    self.access_tokens.remove(&token);
                }
            }
        }
        let token = new_token();
        self.record.access_token(&token);
        let sequence = self.next_sequence();
        self.access_tokens.insert(
            token.clone(),
            AccessToken {
                user,
                dc,
                scopes: scopes.to_vec(),
                expires,
                refresh_token: refresh_token.map(str::to_string),
                sequence,
            },
        );
        token
    }

    /// Revokes a refresh token (with every access token minted from it) or one access token.
    pub fn revoke(&mut self, token: &str) -> bool {
        if self.refresh_tokens.remove(token).is_some() {
            self.access_tokens.retain(|_, t| t.refresh_token.as_deref() != Some(token));
            return true;
        }
        self.access_tokens.remove(token).is_some()
    }

    pub fn revoke_user(&mut self, user: usize) {
        self.refresh_tokens.retain(|_, t| t.user != user);
        self.access_tokens.retain(|_, t| t.user != user);
        self.codes.retain(|_, g| g.user != user);
        self.consented.retain(|(u, _)| *u != user);
    }

    pub fn expire_access_tokens(&mut self) {
        let now = Instant::now();
        for token in self.access_tokens.values_mut() {
            token.expires = now;
        }
    }

    /// Stores page-token state and returns the opaque token.
    pub fn add_page_token(&mut self, mut state: PageToken) -> String {
        if self.page_tokens.len() >= MAX_PAGE_TOKENS {
            let now = Instant::now();
            self.page_tokens.retain(|_, t| t.expires > now);
            if self.page_tokens.len() >= MAX_PAGE_TOKENS {
                let oldest = self.page_tokens.iter().min_by_key(|(_, t)| t.sequence).map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    self.page_tokens.remove(&oldest);
                }
            }
        }
        state.sequence = self.next_sequence();
        let token = format!("{:032x}", rand::random::<u128>());
        self.page_tokens.insert(token.clone(), state);
        token
    }

    pub fn new_record_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }
}

/// A token in Zoho's shape: `1000.<32 hex>.<32 hex>`.
pub(crate) fn new_token() -> String {
    format!("1000.{:032x}.{:032x}", rand::random::<u128>(), rand::random::<u128>())
}
