//! The built-in Zoho simulator: an accounts server ("Login with Zoho") and the CRM REST API v8 for
//! the modules of a data-driven org ([`OrgSpec`]; default: Zylker Academy with Leads, Contacts,
//! Deals and Courses), on two local listeners, faithful to Zoho's wire format where clients depend on it
//! (`../shared/zoho-api.md` is the reference; sections are cited as §n in comments).
//!
//! It is used by `zoho-gateway --sandbox` for demos and by tests as a library. It must never reference
//! other modules of the crate, and never panic on request input.
//!
//! Besides sign-in and records it simulates Zoho's Notification API (§10): channels enabled,
//! listed, updated and disabled over `/crm/v8/actions/watch` (`ZohoCRM.notifications.*` scopes,
//! Zoho's limits, one hour by default and one week at most, both configurable), and Zoho's
//! callback `POST`ed to each live channel's `notify_url` after every create, edit and delete, made
//! through the API or "in Zoho's UI" ([`Sandbox::edit_as_ui`], `POST /sandbox/ui-edit`), sent off
//! the request path and journaled for tests ([`Sandbox::notification_deliveries`]).
//!
//! # Layout
//! - `mod.rs` — the public API: [`SandboxConfig`], [`Sandbox`], [`SandboxUser`], start-up.
//! - `state.rs` — the shared state behind one mutex: tokens, codes, metadata, records, page tokens,
//!   notification channels.
//! - `org.rs` — [`OrgSpec`], the org as data (modules, fields, seed records), JSON loading and
//!   checks.
//! - `zylker.rs` — the default org, Zylker Academy, as an [`OrgSpec`].
//! - `catalog.rs` — the org's metadata at run time (ids, lookups by name, drift hooks' changes).
//! - `seed.rs` — seed records into stored records (owners, ids, lookups by id or `@name`).
//! - `data.rs` — the deterministic org identity, users and generated seed leads.
//! - `calls.rs` — [`CallCounts`], the per-endpoint call counter tests read.
//! - `faults.rs` — [`Fault`] and [`FaultRule`], the fault switch.
//! - `dc.rs` — [`DataCentre`]: the accounts server and API domain of each simulated data centre.
//! - `credits.rs` — the org's API credits over a rolling window, and what calls cost.
//! - `channels.rs` — the org's notification channels per channel id and module, their expiry,
//!   and which of them a record change reaches.
//! - `notify.rs` — the notification callbacks: Zoho's body, delivery off the request path, the
//!   journal of attempts ([`NotificationDelivery`]).
//! - `inspect.rs` — what tests may look at: [`IssuedSecrets`], received criteria and COQL queries,
//!   and the criteria parser as an oracle ([`parse_criteria`]).
//! - `listener.rs` — serving, stopping, and going offline and back online on the same ports.
//! - `http.rs` — response helpers: Zoho's JSON content type, error envelope, 204, query parsing.
//! - `accounts.rs` — the accounts listener: `/oauth/v2/auth` and `/oauth/v2/token/revoke`, and
//!   with the HTTP switch on `/sandbox/faults` and `/sandbox/ui-edit`.
//! - `scopes.rs` — which OAuth scopes exist (unknown ones are refused at consent).
//! - `token.rs` — `/oauth/v2/token`: code exchange, refresh, the refresh throttle.
//! - `consent.rs` — the small HTML "choose a user" page and error page.
//! - `crm/` — the CRM API listener: dispatch, auth, scopes, concurrency (`mod.rs`), field and
//!   module metadata JSON (`fields.rs`), users/org/fields/modules (`meta.rs`), values per data type
//!   (`values.rs`), reads (`records.rs`), writes (`write.rs`) and their checks (`validate.rs`),
//!   search (`search.rs`) with its criteria parser (`criteria.rs`), the record count
//!   (`count.rs`), COQL (`coql/`: tokens, the parser [`parse_coql`], checks against the
//!   fields, evaluation, [`CoqlError`]), the notification channels' API (`watch/`: the request
//!   checks in `request.rs`, what each call does and answers in `mod.rs`), and changes made "in
//!   Zoho's UI" (`ui.rs`, [`UiEditError`]).
//! - `tests/` — tests over real HTTP, each on its own sandbox bound to port 0.

mod accounts;
mod calls;
mod catalog;
mod channels;
mod consent;
mod credits;
pub(crate) mod crm;
mod data;
mod dc;
mod faults;
mod http;
mod inspect;
mod journal;
mod listener;
mod notify;
mod org;
mod record;
mod scopes;
mod seed;
mod state;
#[cfg(test)]
mod tests;
mod token;
mod zylker;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;

pub use calls::CallCounts;
pub use crm::coql::{CoqlError, CoqlExpr, CoqlQuery, CoqlValue, parse_coql};
pub use crm::ui::UiEditError;
pub use dc::DataCentre;
pub use faults::{Fault, FaultRule};
pub use inspect::{Criteria, CriteriaError, IssuedSecrets, parse_criteria};
pub use notify::{DeliveryOutcome, NotificationDelivery};
pub use org::{FieldSpec, ModuleSpec, OrgSpec};

use state::Shared;

/// How a sandbox is started. `Default` gives the demo settings; tests shorten the TTLs.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The one registered OAuth client (format `1000.…` like Zoho's API console).
    pub client_id: String,
    /// That client's secret.
    pub client_secret: String,
    /// Registered redirect URIs, matched exactly (§1.2). More can be added later with
    /// [`Sandbox::register_redirect_uri`].
    pub redirect_uris: Vec<String>,
    /// Port of the accounts listener; 0 picks a free port.
    pub accounts_port: u16,
    /// Port of the CRM API listener; 0 picks a free port.
    pub api_port: u16,
    /// Address both listeners bind to.
    pub bind_ip: IpAddr,
    /// Lifetime of access tokens (Zoho: 1 hour, §1.8).
    pub access_token_ttl: Duration,
    /// Lifetime of grant codes (Zoho: about 2 minutes, §1.4).
    pub code_ttl: Duration,
    /// Access tokens mintable per refresh token per `refresh_window` (Zoho: 10 per 10 minutes, §1.8).
    pub refresh_limit: u32,
    /// The refresh throttle's window.
    pub refresh_window: Duration,
    /// Active access tokens per refresh token; minting one more invalidates the oldest (§1.8: the
    /// documents disagree between 10, 15 and 30, so it is configurable).
    pub max_access_tokens_per_refresh_token: usize,
    /// In-flight CRM API calls allowed for the org; above it → 429 `TOO_MANY_REQUESTS` (§4).
    pub concurrency_limit: usize,
    /// Number of deterministic generated seed leads (when [`OrgSpec::generated_leads`] is set, as
    /// in the default org).
    pub lead_count: usize,
    /// The org served: modules, fields, seed records. Default: Zylker Academy (Leads, Contacts,
    /// Deals and the custom module Courses).
    pub org: OrgSpec,
    /// The data-centre code put on the redirect as `location` (§1.4).
    pub location: String,
    /// Serve `POST/DELETE /sandbox/faults` and `POST /sandbox/ui-edit` on the accounts listener,
    /// so a browser test or a demo can switch faults on and change records "in Zoho's UI" over
    /// HTTP (off by default: tests in Rust use [`Sandbox::set_fault`] and
    /// [`Sandbox::edit_as_ui`]).
    pub http_fault_switch: bool,
    /// How long search lags behind creates and edits: Zoho indexes records with a delay, and a
    /// search right after a create answers 204 (§2.8). Default 0 (search sees writes at once);
    /// `zoho-gateway --sandbox` should set a few seconds. Settable later with
    /// [`Sandbox::set_search_index_delay`].
    pub search_index_delay: Duration,
    /// The org's API credits per `credit_window` (§4): `None` (default) = unlimited. With a budget,
    /// calls cost credits as in Zoho, answers carry `X-API-CREDITS-REMAINING` once half is used,
    /// and a call that does not fit answers 429 `TOO_MANY_REQUESTS`.
    pub credit_budget: Option<u64>,
    /// The rolling window credits count over (Zoho: 24 hours, §4).
    pub credit_window: Duration,
    /// Data centres besides the primary one (`location`), each with its own accounts server and
    /// API domain listeners on free ports (§1.9). Default `["eu"]`, home of the demo user
    /// `eu_advisor`; an empty list runs the primary alone (and drops that user).
    pub extra_data_centres: Vec<String>,
    /// Describe `Owner` in the fields metadata as Zoho does (§11): `field_read_only` but
    /// `read_only:false` and `operation_type.api_create/api_update:true` (the default). `false`
    /// gives the older description (read-only, not written by the API); writes accept
    /// `"Owner":{"id":…}` either way.
    pub owner_metadata_writable: bool,
    /// The longest a notification channel may live (Zoho: one week from v4 on, §10); a
    /// `channel_expiry` further away answers `INVALID_DATA`. Tests shorten it to see channels
    /// expire.
    pub max_channel_expiry: Duration,
    /// A channel's life when the request names no `channel_expiry` (Zoho: one hour, §10); never
    /// more than `max_channel_expiry`.
    pub default_channel_expiry: Duration,
    /// How long a notification callback may take before it counts as failed
    /// ([`DeliveryOutcome::TimedOut`]); the API never waits for callbacks either way.
    pub notification_timeout: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            client_id: "1000.SANDBOXCLIENTID".to_string(),
            client_secret: "sandbox-client-secret".to_string(),
            redirect_uris: Vec::new(),
            accounts_port: 0,
            api_port: 0,
            bind_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            access_token_ttl: Duration::from_secs(3600),
            code_ttl: Duration::from_secs(120),
            refresh_limit: 10,
            refresh_window: Duration::from_secs(600),
            max_access_tokens_per_refresh_token: 15,
            concurrency_limit: 10,
            lead_count: 300,
            org: OrgSpec::default(),
            location: "us".to_string(),
            http_fault_switch: false,
            search_index_delay: Duration::ZERO,
            credit_budget: None,
            credit_window: Duration::from_secs(24 * 3600),
            extra_data_centres: vec!["eu".to_string()],
            owner_metadata_writable: true,
            max_channel_expiry: Duration::from_secs(7 * 24 * 3600),
            default_channel_expiry: Duration::from_secs(3600),
            notification_timeout: Duration::from_secs(5),
        }
    }
}

/// A demo CRM user of the sandbox org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxUser {
    /// Short name used by `sandbox_user=` on `/oauth/v2/auth`: `admin`, `coordinator` or `advisor`.
    pub key: &'static str,
    /// CRM user id (19-digit string).
    pub id: String,
    /// Zoho account id (`zuid`).
    pub zuid: String,
    /// Full name.
    pub name: String,
    /// Login email.
    pub email: String,
    /// CRM profile: `Administrator` (sees every record) or `Standard` (only own records).
    pub profile: String,
    /// CRM role name.
    pub role: String,
    /// The data centre the user lives in (`us`, `eu`): where they sign in and call the API.
    pub location: String,
}

impl SandboxUser {
    /// Whether this user's profile sees and changes every record.
    pub fn is_admin(&self) -> bool {
        self.profile == "Administrator"
    }
}

/// A running sandbox. Cheap to clone; when the last clone is dropped (or [`Sandbox::shutdown`] is
/// called) both listeners stop accepting connections.
#[derive(Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
    guard: Arc<ShutdownGuard>,
}

/// Signals the server tasks to stop when the last `Sandbox` handle goes away. The server tasks hold
/// only `Arc<Shared>`, never this guard, so dropping every handle really ends them. Also holds the
/// online switch and each listener's status (open or closed).
struct ShutdownGuard {
    stop: watch::Sender<bool>,
    online: watch::Sender<bool>,
    listening: Vec<watch::Receiver<bool>>,
}

impl Drop for ShutdownGuard {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl Sandbox {
    /// Binds the listeners (an accounts server and an API domain per data centre), seeds the data
    /// and spawns the servers on the current runtime.
    pub async fn start(config: SandboxConfig) -> anyhow::Result<Sandbox> {
        let mut locations = vec![config.location.clone()];
        for location in &config.extra_data_centres {
            if locations.iter().any(|l| l.eq_ignore_ascii_case(location)) {
                anyhow::bail!("data centre {location} is given twice");
            }
            locations.push(location.clone());
        }
        let mut bound = Vec::new();
        for (index, location) in locations.iter().enumerate() {
            // Only the primary data centre takes fixed ports; the others pick free ones.
            let (accounts_port, api_port) = if index == 0 { (config.accounts_port, config.api_port) } else { (0, 0) };
            let accounts = tokio::net::TcpListener::bind(SocketAddr::new(config.bind_ip, accounts_port))
                .await
                .with_context(|| format!("binding the sandbox accounts listener ({location}) on port {accounts_port}"))?;
            let api = tokio::net::TcpListener::bind(SocketAddr::new(config.bind_ip, api_port))
                .await
                .with_context(|| format!("binding the sandbox API listener ({location}) on port {api_port}"))?;
            bound.push((location.clone(), accounts, api));
        }
        let mut data_centres = Vec::new();
        for (location, accounts, api) in &bound {
            data_centres.push(DataCentre {
                location: location.clone(),
                accounts_url: base_url(accounts.local_addr()?),
                api_url: base_url(api.local_addr()?),
            });
        }
        let users = data::users(&config.location, &config.extra_data_centres);
        let org = config.org.clone().validated().map_err(anyhow::Error::msg).context("the sandbox org definition")?;
        let store =
            seed::build(&org, &users, config.lead_count).map_err(anyhow::Error::msg).context("the sandbox org's seed records")?;
        let catalog = catalog::Catalog::new(&org);
        let notifier = notify::Notifier::new(config.notification_timeout).context("the sandbox's callback client")?;
        let config = SandboxConfig { org, ..config };
        let shared = Arc::new(Shared::new(config, catalog, store, data_centres, users, notifier));

        let (stop, stopped) = watch::channel(false);
        let (online, is_online) = watch::channel(true);
        let switches = listener::Switches { stop: stopped, online: is_online };
        let mut listening = Vec::new();
        for (dc, (_, accounts, api)) in bound.into_iter().enumerate() {
            let (accounts_addr, api_addr) = (accounts.local_addr()?, api.local_addr()?);
            listening.push(listener::spawn(accounts, accounts_addr, accounts::router(shared.clone(), dc), switches.clone()));
            listening.push(listener::spawn(api, api_addr, crm::router(shared.clone(), dc), switches.clone()));
        }
        tracing::info!(accounts = %shared.accounts_url, api = %shared.api_url, "Zoho sandbox started");
        Ok(Sandbox { shared, guard: Arc::new(ShutdownGuard { stop, online, listening }) })
    }

    /// Base URL of the accounts server, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn accounts_url(&self) -> String {
        self.shared.accounts_url.clone()
    }

    /// Base URL of the CRM API; also the `api_domain` of token responses (§5.7 gotcha 1).
    pub fn api_url(&self) -> String {
        self.shared.api_url.clone()
    }

    /// The full token endpoint URL, as the Python SDK's `Environment.accounts_url` wants it (§5.3).
    pub fn token_url(&self) -> String {
        format!("{}/oauth/v2/token", self.shared.accounts_url)
    }

    /// Every data centre, the primary (`SandboxConfig::location`) first.
    pub fn data_centres(&self) -> Vec<DataCentre> {
        self.shared.data_centres.clone()
    }

    /// Base URL of the accounts server of data centre `location` (`us`, `eu`), if the sandbox runs it.
    pub fn accounts_url_for(&self, location: &str) -> Option<String> {
        self.data_centre(location).map(|dc| dc.accounts_url.clone())
    }

    /// Base URL of the API domain of data centre `location`, if the sandbox runs it.
    pub fn api_url_for(&self, location: &str) -> Option<String> {
        self.data_centre(location).map(|dc| dc.api_url.clone())
    }

    fn data_centre(&self, location: &str) -> Option<&DataCentre> {
        self.shared.data_centres.iter().find(|dc| dc.location.eq_ignore_ascii_case(location))
    }

    /// The redirect URIs registered now (exact match, §1.2).
    pub fn redirect_uris(&self) -> Vec<String> {
        self.shared.lock().redirect_uris.clone()
    }

    /// Changes how long search lags behind writes from now on (records written earlier keep
    /// their indexing time).
    pub fn set_search_index_delay(&self, delay: Duration) {
        self.shared.lock().search_index_delay = delay;
    }

    /// Indexes every record now, as if the index delay had passed.
    pub fn index_search_now(&self) {
        let mut inner = self.shared.lock();
        let modules: Vec<String> = inner.org.modules.iter().map(|m| m.api_name.clone()).collect();
        for module in modules {
            inner.store.mark_all_indexed(&module);
        }
    }

    /// Sets the org's credit budget per window (`None` = unlimited); credits already spent in the
    /// window still count.
    pub fn set_credit_budget(&self, budget: Option<u64>) {
        self.shared.lock().credits.set_budget(budget);
    }

    /// Credits spent inside the rolling window (counted only while a budget is set).
    pub fn credits_used(&self) -> u64 {
        self.shared.lock().credits.used()
    }

    /// Credits left in the window (`None` without a budget).
    pub fn credits_remaining(&self) -> Option<u64> {
        self.shared.lock().credits.remaining()
    }

    /// The registered client id.
    pub fn client_id(&self) -> &str {
        &self.shared.config.client_id
    }

    /// The registered client secret.
    pub fn client_secret(&self) -> &str {
        &self.shared.config.client_secret
    }

    /// Registers one more redirect URI (exact match); the gateway knows its URL only after binding.
    pub fn register_redirect_uri(&self, uri: &str) {
        let mut inner = self.shared.lock();
        if !inner.redirect_uris.iter().any(|u| u == uri) {
            inner.redirect_uris.push(uri.to_string());
        }
    }

    /// The demo users, admin first.
    pub fn users(&self) -> Vec<SandboxUser> {
        self.shared.users.clone()
    }

    /// A snapshot of the calls served so far, by endpoint label.
    pub fn calls(&self) -> CallCounts {
        self.shared.lock().calls.clone()
    }

    /// Sets every call counter back to zero.
    pub fn reset_calls(&self) {
        self.shared.lock().calls = CallCounts::default();
    }

    /// Replaces every fault rule by `fault` applied to all matching calls until cleared (`None`).
    pub fn set_fault(&self, fault: Option<Fault>) {
        let mut inner = self.shared.lock();
        inner.faults.clear();
        if let Some(fault) = fault {
            inner.faults.push(FaultRule::from(fault));
        }
    }

    /// Adds a fault rule (limited in count and/or to one endpoint label); earlier rules win.
    pub fn add_fault_rule(&self, rule: FaultRule) {
        self.shared.lock().faults.push(rule);
    }

    /// What is stored for lead `id`, in Zoho's JSON (all fields plus `id`).
    pub fn lead(&self, id: &str) -> Option<serde_json::Value> {
        self.record("Leads", id)
    }

    /// Number of leads stored now.
    pub fn lead_count(&self) -> usize {
        self.record_count("Leads")
    }

    /// Every stored lead (as Zoho JSON) that `pred` accepts, newest id first.
    pub fn find_leads(&self, pred: impl Fn(&serde_json::Value) -> bool) -> Vec<serde_json::Value> {
        self.find_records("Leads", pred)
    }

    /// What is stored for record `id` of `module`, in Zoho's JSON as `GET /{module}/{id}` answers
    /// it to an admin (all fields, lookups with names, plus `id`).
    pub fn record(&self, module: &str, id: &str) -> Option<serde_json::Value> {
        let id: u64 = id.parse().ok()?;
        let inner = self.shared.lock();
        let spec = inner.org.module(module)?;
        inner.store.get(module, id).map(|r| crm::values::render(&inner.org, &inner.store, spec, r, None))
    }

    /// Number of records of `module` stored now (0 for a module not in the org).
    pub fn record_count(&self, module: &str) -> usize {
        self.shared.lock().store.count(module)
    }

    /// Every stored record of `module` (as Zoho JSON) that `pred` accepts, newest id first.
    pub fn find_records(&self, module: &str, pred: impl Fn(&serde_json::Value) -> bool) -> Vec<serde_json::Value> {
        let inner = self.shared.lock();
        let Some(spec) = inner.org.module(module) else {
            return Vec::new();
        };
        inner
            .store
            .records(module)
            .rev()
            .map(|r| crm::values::render(&inner.org, &inner.store, spec, r, None))
            .filter(|json| pred(json))
            .collect()
    }

    /// The API names of the org's modules, in menu order.
    pub fn module_names(&self) -> Vec<String> {
        self.shared.lock().org.modules.iter().map(|m| m.api_name.clone()).collect()
    }

    /// Drift hook: removes a field from `module` at run time, as an admin deleting it in Zoho's
    /// setup would. It vanishes from the fields metadata and from records, and `fields=` naming it
    /// answers `INVALID_DATA` (§11). Errors when the module or field is unknown, or the field is a
    /// system field (Owner, Created_By, Modified_By, Created_Time, Modified_Time).
    pub fn remove_field(&self, module: &str, api_name: &str) -> Result<(), String> {
        if ["Owner", "Created_By", "Modified_By", "Created_Time", "Modified_Time"].contains(&api_name) {
            return Err(format!("{api_name} is a system field"));
        }
        let mut inner = self.shared.lock();
        let spec = inner.org.module_mut(module).ok_or_else(|| format!("no module {module}"))?;
        let before = spec.fields.len();
        spec.fields.retain(|f| f.api_name != api_name);
        if spec.fields.len() == before {
            return Err(format!("module {module} has no field {api_name}"));
        }
        spec.removed.push(api_name.to_string());
        inner.store.drop_field(module, api_name);
        Ok(())
    }

    /// Drift hook: adds a field to `module` at run time, from a field definition in the
    /// [`OrgSpec`] JSON format (e.g. `{"api_name":"Ward","data_type":"picklist",…}`). Existing
    /// records read it as unset.
    pub fn add_field(&self, module: &str, field_json: &str) -> Result<(), String> {
        let spec = FieldSpec::from_json(field_json)?;
        let mut inner = self.shared.lock();
        if let Some(target) = spec.lookup_module.as_deref().filter(|_| spec.data_type == "lookup")
            && inner.org.module(target).is_none()
        {
            return Err(format!("field {} looks up module {target}, which is not in the org", spec.api_name));
        }
        let module = inner.org.module_mut(module).ok_or_else(|| format!("no module {module}"))?;
        module.removed.retain(|r| *r != spec.api_name);
        module.add_field(&spec)
    }

    /// Simulates the user revoking this app in Zoho: their refresh and access tokens and pending codes
    /// stop working (`invalid_code` / `INVALID_TOKEN`).
    pub fn revoke_all_tokens_of(&self, user_email: &str) {
        let Some(user) = self.shared.user_index(user_email) else {
            return;
        };
        self.shared.lock().revoke_user(user);
    }

    /// Makes every access token issued so far expired now (refresh tokens stay valid).
    pub fn expire_access_tokens(&self) {
        self.shared.lock().expire_access_tokens();
    }

    /// Peak number of CRM API calls in flight at once (including any rejected with 429).
    pub fn max_concurrency_seen(&self) -> usize {
        self.shared.peak_in_flight()
    }

    /// Stops both listeners (graceful: open connections finish their request).
    pub fn shutdown(&self) {
        let _ = self.guard.stop.send(true);
    }

    /// Closes both listeners, as when Zoho is unreachable: new connections are refused. Open
    /// connections finish their request first; returns once both sockets are closed. Tokens, codes
    /// and leads are kept for [`Sandbox::go_online`].
    pub async fn go_offline(&self) {
        self.guard.online.send_replace(false);
        self.wait_listening(false).await;
    }

    /// Listens again on the same addresses after [`Sandbox::go_offline`]; returns once both serve.
    pub async fn go_online(&self) -> anyhow::Result<()> {
        self.guard.online.send_replace(true);
        tokio::time::timeout(Duration::from_secs(5), self.wait_listening(true))
            .await
            .context("the sandbox could not listen again on its ports")
    }

    async fn wait_listening(&self, wanted: bool) {
        for status in &self.guard.listening {
            let mut status = status.clone();
            // An error means the server task ended: its socket is closed for good.
            let _ = status.wait_for(|open| *open == wanted).await;
        }
    }

    /// Everything another Zoho client needs to use the sandbox, as text for `zoho-gateway
    /// --sandbox` to print: each data centre's accounts server, token URL and API domain, the
    /// client id and secret, the registered redirect URIs, the org, the demo users with their
    /// data centres, and the simulation settings.
    pub fn describe(&self) -> String {
        use std::fmt::Write as _;
        let mut text = String::from("Zoho sandbox (simulated accounts server + CRM API v8)\n");
        for dc in &self.shared.data_centres {
            let _ = writeln!(text, "  data centre {}:", dc.location);
            let _ = writeln!(text, "    accounts server: {}", dc.accounts_url);
            let _ = writeln!(text, "    token URL:       {}", dc.token_url());
            let _ = writeln!(text, "    CRM API domain:  {}", dc.api_url);
        }
        let config = &self.shared.config;
        let _ = writeln!(text, "  client id:       {}", config.client_id);
        let _ = writeln!(text, "  client secret:   {}", config.client_secret);
        let uris = self.redirect_uris();
        let _ = writeln!(text, "  redirect URIs:   {}", if uris.is_empty() { "(none yet)".to_string() } else { uris.join(", ") });
        let counts: Vec<String> =
            self.module_names().iter().map(|m| format!("{} {}", self.record_count(m), m.to_lowercase())).collect();
        let _ = writeln!(text, "  org:             {} ({})", data::ORG_NAME, counts.join(", "));
        let (delay, budget) = {
            let inner = self.shared.lock();
            (inner.search_index_delay, inner.credits.budget())
        };
        let _ = writeln!(text, "  search index delay: {} ms", delay.as_millis());
        let _ = writeln!(
            text,
            "  API credits:     {}",
            budget.map_or("unlimited".to_string(), |b| format!("{b} per {} s", config.credit_window.as_secs()))
        );
        let _ = writeln!(
            text,
            "  notifications:   channels live {} s unless asked, {} s at most",
            config.default_channel_expiry.min(config.max_channel_expiry).as_secs(),
            config.max_channel_expiry.as_secs()
        );
        text.push_str("  demo users (pick one on the sign-in page, or add sandbox_user=<key> to /oauth/v2/auth):\n");
        for user in &self.shared.users {
            let _ = writeln!(
                text,
                "    {:<12} {:<15} {:<40} {} ({}), data centre {}",
                user.key, user.name, user.email, user.profile, user.role, user.location
            );
        }
        text
    }
}

fn base_url(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(v4) => format!("http://{}:{}", v4.ip(), v4.port()),
        SocketAddr::V6(v6) => format!("http://[{}]:{}", v6.ip(), v6.port()),
    }
}
