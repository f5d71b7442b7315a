//! Zoho's notification callbacks (§10): a create, edit or delete of records reaches every live
//! channel whose events cover that module and operation, and each such channel gets one `POST` of
//! Zoho's callback body per operation (a write of many records: one callback with all their ids).
//! Callbacks leave off the request path, as Zoho's do (the write does not wait for them, and a
//! slow receiver slows no API call), and every attempt is kept for tests
//! ([`crate::Sandbox::notification_deliveries`]). Which channels exist is `channels.rs`'s
//! business; this module only reads it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use serde_json::{Map, Value, json};
use tokio::sync::{Semaphore, watch};

use super::Sandbox;
use super::catalog::Module;
use super::channels::{Operation, Subscription};
use super::crm::values;
use super::state::{Inner, Shared};

/// Deliveries remembered; the oldest go first (a demo sandbox may run for days).
const MAX_REMEMBERED_DELIVERIES: usize = 1_000;
/// Callbacks in flight at once: a burst of writes must not open hundreds of sockets to one
/// receiver; the rest wait their turn (none is dropped).
const MAX_DELIVERIES_IN_FLIGHT: usize = 32;
/// Fields Zoho maintains itself on every write; they are not what a write "affected".
const AUDIT_FIELDS: [&str; 4] = ["Created_By", "Created_Time", "Modified_By", "Modified_Time"];

/// One callback the sandbox sent (or tried to), as tests read it.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationDelivery {
    /// The channel's `notify_url`, query string included, where the `POST` went.
    pub url: String,
    /// The channel's id, as in the body.
    pub channel_id: String,
    /// The JSON body sent (§10: `server_time`, `query_params`, `module`, `resource_uri`, `ids`,
    /// `affected_fields`, `operation`, `channel_id`, `token`).
    pub body: Value,
    pub outcome: DeliveryOutcome,
}

/// How a callback ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver answered with this HTTP status (any status: Zoho does not retry, see
    /// [`Notifier`]).
    Status(u16),
    /// No answer within [`crate::SandboxConfig::notification_timeout`].
    TimedOut,
    /// No answer at all: connection refused, reset, a TLS or protocol error.
    Failed(String),
}

/// Sends callbacks and keeps the journal of attempts. Outside the state lock on purpose: delivery
/// tasks record their outcome without waiting for API calls, and API calls never wait for them.
///
/// One attempt per callback: §10 says nothing of retries and Zoho documents none (UNCONFIRMED),
/// so a receiver that is down simply misses the change, which is what a gateway must survive
/// (its cache still expires). Redirects are not followed (UNCONFIRMED for Zoho).
pub(crate) struct Notifier {
    client: reqwest::Client,
    /// The runtime the sandbox started on: changes made from plain threads ([`Sandbox::edit_as_ui`])
    /// spawn their deliveries there.
    runtime: tokio::runtime::Handle,
    permits: Arc<Semaphore>,
    timeout: Duration,
    log: Mutex<VecDeque<NotificationDelivery>>,
    /// Deliveries recorded since start, for [`Sandbox::wait_for_notification_deliveries`].
    recorded: watch::Sender<u64>,
}

impl Notifier {
    /// Builds the one HTTP client of the callbacks; call on the sandbox's runtime.
    pub fn new(timeout: Duration) -> anyhow::Result<Notifier> {
        let client = reqwest::Client::builder().timeout(timeout).redirect(reqwest::redirect::Policy::none()).build()?;
        Ok(Notifier {
            client,
            runtime: tokio::runtime::Handle::try_current()?,
            permits: Arc::new(Semaphore::new(MAX_DELIVERIES_IN_FLIGHT)),
            timeout,
            log: Mutex::new(VecDeque::new()),
            recorded: watch::Sender::new(0),
        })
    }

    fn spawn(self: &Arc<Self>, url: String, channel_id: String, body: Value) {
        let notifier = self.clone();
        self.runtime.spawn(async move {
            let outcome = notifier.post(&url, &body).await;
            notifier.record(NotificationDelivery { url, channel_id, body, outcome });
        });
    }

    async fn post(&self, url: &str, body: &Value) -> DeliveryOutcome {
        // The semaphore is never closed; without a permit the callback is still sent.
        let _permit = self.permits.acquire().await.ok();
        let request = self.client.post(url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body.to_string());
        match request.send().await {
            Ok(response) => DeliveryOutcome::Status(response.status().as_u16()),
            Err(error) if error.is_timeout() => DeliveryOutcome::TimedOut,
            Err(error) => DeliveryOutcome::Failed(error_chain(&error)),
        }
    }

    fn record(&self, delivery: NotificationDelivery) {
        if let DeliveryOutcome::TimedOut | DeliveryOutcome::Failed(_) = &delivery.outcome {
            tracing::debug!(url = %delivery.url, outcome = ?delivery.outcome, timeout_ms = self.timeout.as_millis() as u64, "sandbox callback not delivered");
        }
        {
            let mut log = self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if log.len() >= MAX_REMEMBERED_DELIVERIES {
                log.pop_front();
            }
            log.push_back(delivery);
        }
        self.recorded.send_modify(|count| *count += 1);
    }

    fn deliveries(&self) -> Vec<NotificationDelivery> {
        self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).iter().cloned().collect()
    }
}

/// reqwest's message and its causes ("error sending request … : connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// One record a write touched, and which of its fields changed.
#[derive(Debug, Clone)]
pub(crate) struct Touched {
    pub id: u64,
    pub fields: Vec<String>,
}

/// The fields a write changed, in the module's field order: on insert (`before` = `None`) every
/// field given a value, on update every field whose value differs. Zoho's own audit fields are
/// left out, derived ones (`Full_Name`) are in. UNCONFIRMED: the reference shows `affected_fields`
/// only for an edit (§10); what Zoho lists on insert and delete is the sandbox's reading.
pub(crate) fn affected_fields(module: &Module, before: Option<&Map<String, Value>>, after: &Map<String, Value>) -> Vec<String> {
    let value = |map: &Map<String, Value>, name: &str| map.get(name).cloned().unwrap_or(Value::Null);
    module
        .fields
        .iter()
        .map(|f| f.api_name.as_str())
        .filter(|name| !AUDIT_FIELDS.contains(name))
        .filter(|name| match before {
            None => !value(after, name).is_null(),
            Some(before) => value(before, name) != value(after, name),
        })
        .map(str::to_string)
        .collect()
}

/// Sends the callbacks for one operation on records of `module` (nothing when `touched` is
/// empty or no live channel covers it). Call under the state lock, right after the write.
pub(crate) fn announce(shared: &Shared, inner: &mut Inner, module: &Module, operation: Operation, touched: &[Touched]) {
    if touched.is_empty() {
        return;
    }
    let now = Utc::now();
    for subscription in inner.channels.reaching(&module.api_name, operation, now) {
        let body = callback_body(shared, inner, module, operation, touched, &subscription, now.timestamp_millis());
        shared.notifier.spawn(subscription.notify_url.clone(), subscription.channel_id.to_string(), body);
    }
}

/// Zoho's callback body (§10, field names from the docs' sample).
fn callback_body(
    shared: &Shared,
    inner: &Inner,
    module: &Module,
    operation: Operation,
    touched: &[Touched],
    subscription: &Subscription,
    server_time: i64,
) -> Value {
    let api_url = shared.api_url_of(subscription.dc);
    let mut body = json!({
        "server_time": server_time,
        "query_params": query_params(&subscription.notify_url),
        "module": module.api_name,
        "resource_uri": format!("{api_url}/crm/v8/{}", module.api_name),
        "ids": touched.iter().map(|t| t.id.to_string()).collect::<Vec<_>>(),
        "affected_fields": touched.iter().map(|t| json!({ t.id.to_string(): t.fields })).collect::<Vec<_>>(),
        "operation": operation.callback(),
        "channel_id": subscription.channel_id.to_string(),
        "token": subscription.token,
    });
    if subscription.return_affected_field_values && operation != Operation::Delete {
        // UNCONFIRMED: the shape of the changed values (§10 only says they are included); the
        // docs of older versions show `affected_values: [{record_id, values: {field: value}}]`.
        body["affected_values"] = touched
            .iter()
            .filter_map(|t| {
                let record = inner.store.get(&module.api_name, t.id)?;
                let rendered = values::render(&inner.org, &inner.store, module, record, Some(t.fields.as_slice()));
                let values: Map<String, Value> = t.fields.iter().map(|f| (f.clone(), rendered[f.as_str()].clone())).collect();
                Some(json!({ "record_id": t.id.to_string(), "values": values }))
            })
            .collect::<Vec<_>>()
            .into();
    }
    body
}

/// The `notify_url`'s query string as an object (§10: `query_params`); the first of repeated
/// names wins (UNCONFIRMED).
fn query_params(notify_url: &str) -> Value {
    let mut params = Map::new();
    if let Ok(url) = url::Url::parse(notify_url) {
        for (key, value) in url.query_pairs() {
            params.entry(key.into_owned()).or_insert_with(|| Value::String(value.into_owned()));
        }
    }
    Value::Object(params)
}

impl Sandbox {
    /// Every notification callback the sandbox attempted, oldest first, each with its URL, body and
    /// outcome (the last 1000 are kept). A callback is recorded once it ended: answered, timed
    /// out or failed.
    pub fn notification_deliveries(&self) -> Vec<NotificationDelivery> {
        self.shared.notifier.deliveries()
    }

    /// Waits until at least `count` callbacks have ended since the sandbox started (or `timeout`
    /// passed), then returns [`Sandbox::notification_deliveries`].
    pub async fn wait_for_notification_deliveries(&self, count: u64, timeout: Duration) -> Vec<NotificationDelivery> {
        let mut recorded = self.shared.notifier.recorded.subscribe();
        // An error means the sender is gone, which cannot happen while `self` holds it.
        let _ = tokio::time::timeout(timeout, recorded.wait_for(|n| *n >= count)).await;
        self.notification_deliveries()
    }
}
