//! The CRM REST API v8 client: URLs, the `Zoho-oauthtoken` header, status handling and parsing.
//! It acts with whatever credentials it is handed; choosing and refreshing them is the auth
//! module's job.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::Rng as _;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::coql::{Filter, Select};
use super::error::{ErrorBody, ZohoError};
use super::limiter::OrgLimiter;
use super::records::{
    ActionEnvelope, CrmOrg, CrmUser, FieldMeta, FieldsEnvelope, ListParams, ModuleMeta, ModulesEnvelope, OrgEnvelope, PageData,
    PageDecoder, Record, RecordPage, SearchBy, SearchParams, UsersEnvelope,
};
use crate::cache::ResponseCache;
use crate::secret::AccessToken;
use crate::store::UserOrg;

/// Where to call and as whom.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// `api_domain` from the token response, e.g. `https://www.zohoapis.eu`.
    pub api_domain: String,
    pub access_token: AccessToken,
    /// The user-org the token belongs to: the cache scope and the limiter's org. `None` only
    /// while signing in, before Zoho has told us who the user is.
    pub scope: Option<UserOrg>,
}

/// How hard to try before giving up on a read.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Total time a read may spend retrying 429s, 5xx and network errors.
    pub budget: Duration,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// Longest wait for a free slot of the org's limiter (ZOHO_TIMEOUT_SECS): when Zoho is slow,
    /// queueing longer than a call may take only makes every answer later.
    pub slot_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            budget: Duration::from_secs(3),
            first_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            slot_wait: Duration::from_secs(20),
        }
    }
}

#[derive(Clone)]
pub struct ZohoClient {
    http: reqwest::Client,
    cache: Arc<ResponseCache>,
    limiter: Arc<OrgLimiter>,
    retry: RetryPolicy,
    /// Each org's last `X-API-CREDITS-REMAINING` (Zoho sends it once half the day's credits are
    /// used, zoho-api.md §4).
    credits: Arc<std::sync::Mutex<std::collections::HashMap<String, u64>>>,
    /// What each subscribed user was shown (for deletions, `live::visible`).
    visible: Arc<crate::live::visible::Visible>,
}

/// At or below this many credits left, a 429 means the credits are spent.
const CREDITS_NEARLY_OUT: u64 = 10;

impl ZohoClient {
    pub fn new(http: reqwest::Client, cache: Arc<ResponseCache>, limiter: Arc<OrgLimiter>, retry: RetryPolicy) -> Self {
        Self { http, cache, limiter, retry, credits: Arc::default(), visible: Arc::default() }
    }

    /// The record of what subscribed users were shown, shared with `live`.
    pub fn visible(&self) -> &Arc<crate::live::visible::Visible> {
        &self.visible
    }

    /// Records Zoho answered a user with.
    fn shown(&self, creds: &Credentials, module: &str, records: &impl PageData) {
        if let Some(scope) = &creds.scope {
            self.visible.note(scope, module, records.ids());
        }
    }

    /// Sends one request; `Ok(None)` is Zoho's 204 "no content" (zoho-api.md §2.1).
    async fn send(
        &self,
        creds: &Credentials,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<(StatusCode, Option<Bytes>), ZohoError> {
        let method_name = method.as_str().to_owned();
        let method_name = method_name.as_str();
        let _slot = match &creds.scope {
            Some(scope) => Some(
                tokio::time::timeout(self.retry.slot_wait, self.limiter.acquire(&scope.org_id))
                    .await
                    .map_err(|_| ZohoError::Transport("no free slot for a Zoho call in time".into()))?,
            ),
            None => None,
        };
        let mut request = self
            .http
            .request(method, format!("{}{path}", creds.api_domain))
            // Not `Bearer`: Zoho's own prefix (zoho-api.md §2.1).
            .header(reqwest::header::AUTHORIZATION, format!("Zoho-oauthtoken {}", creds.access_token.expose()))
            .query(query);
        if let Some(body) = body {
            request = request.json(body);
        }
        let endpoint = crate::telemetry::endpoint_template(method_name, path);
        let started = Instant::now();
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                crate::telemetry::zoho_call(&endpoint, None, started.elapsed());
                return Err(transport(e));
            }
        };
        let status = response.status();
        crate::telemetry::zoho_call(&endpoint, Some(status.as_u16()), started.elapsed());
        let remaining =
            response.headers().get("x-api-credits-remaining").and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
        let org = creds.scope.as_ref().map(|s| s.org_id.as_str());
        if let (Some(org), Some(left)) = (org, remaining) {
            crate::telemetry::credits_remaining(org, left);
            self.credits.lock().unwrap_or_else(|e| e.into_inner()).insert(org.to_owned(), left);
        }
        let bytes = response.bytes().await.map_err(transport)?;
        if status == StatusCode::TOO_MANY_REQUESTS {
            let nearly_out = org.is_some_and(|org| {
                self.credits.lock().unwrap_or_else(|e| e.into_inner()).get(org).is_some_and(|left| *left <= CREDITS_NEARLY_OUT)
            });
            // Zoho's wording for spent credits is UNCONFIRMED (zoho-api.md §4); its counter is not.
            let says_credits = String::from_utf8_lossy(&bytes).to_ascii_lowercase().contains("credit");
            if nearly_out || says_credits {
                return Err(ZohoError::CreditsExhausted);
            }
        }
        if status == StatusCode::NO_CONTENT || (status.is_success() && bytes.is_empty()) {
            return Ok((status, None));
        }
        Ok((status, Some(bytes)))
    }

    /// A GET, through the user's cache, retried with backoff on 429, 5xx and network errors.
    async fn get<T: DeserializeOwned + Default>(
        &self,
        creds: &Credentials,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ZohoError> {
        self.read(creds, Method::GET, path, query, None, json).await
    }

    /// A read (a GET, or a POST that only reads, like COQL), through the user's cache, retried
    /// with backoff on 429, 5xx and network errors. `decode` turns the answer into `T` ([`json`],
    /// or a page's records into the reader's own typed records); an empty answer (Zoho's 204) is
    /// `T::default()`.
    async fn read<T: Default>(
        &self,
        creds: &Credentials,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        decode: impl FnOnce(&[u8]) -> serde_json::Result<T>,
    ) -> Result<T, ZohoError> {
        let bytes = match &creds.scope {
            Some(scope) if self.cache.is_enabled() => {
                let mut request = format!("{method} {path}?{}", serde_urlencoded::to_string(query).unwrap_or_default());
                if let Some(body) = body {
                    request.push(' ');
                    request.push_str(&body.to_string());
                }
                self.cache
                    .get_or_fetch(scope, request, self.read_with_retry(creds, method.clone(), path, query, body))
                    .await
                    .map_err(|e| (*e).clone())?
            }
            _ => self.read_with_retry(creds, method, path, query, body).await?,
        };
        if bytes.is_empty() { Ok(T::default()) } else { decode(&bytes).map_err(invalid_json) }
    }

    /// Reads are safe to repeat: 429 and 5xx are retried with exponential backoff and full
    /// jitter while the time budget lasts (Zoho sends no Retry-After, zoho-api.md §4).
    async fn read_with_retry(
        &self,
        creds: &Credentials,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Bytes, ZohoError> {
        let started = Instant::now();
        let mut backoff = self.retry.first_backoff;
        loop {
            let result = match self.send(creds, method.clone(), path, query, body).await {
                Ok((_, None)) => Ok(Bytes::new()),
                // Checked before it can be cached: a truncated body must not be served for the TTL.
                // (Uncached, the typed parse that follows catches it anyway.)
                Ok((status, Some(bytes))) if status.is_success() && self.cache.is_enabled() => {
                    parse::<serde::de::IgnoredAny>(&bytes).map(|_| bytes)
                }
                Ok((status, Some(bytes))) if status.is_success() => Ok(bytes),
                Ok((status, Some(bytes))) => Err(ZohoError::from_response(status.as_u16(), &bytes)),
                Err(e) => Err(e),
            };
            let retryable = matches!(result, Err(ZohoError::RateLimited | ZohoError::Server(_) | ZohoError::Transport(_)));
            if !retryable {
                return result;
            }
            let jitter_ms = rand::rng().random_range(0..=backoff.as_millis() as u64);
            let sleep = Duration::from_millis(jitter_ms);
            if started.elapsed() + sleep >= self.retry.budget {
                return result;
            }
            tracing::debug!(path, sleep_ms = jitter_ms, "retrying a Zoho read");
            tokio::time::sleep(sleep).await;
            backoff = (backoff * 2).min(self.retry.max_backoff);
        }
    }

    pub async fn current_user(&self, creds: &Credentials) -> Result<CrmUser, ZohoError> {
        let env: OptionalEnvelope<UsersEnvelope> = self.get(creds, "/crm/v8/users", &[("type", "CurrentUser".into())]).await?;
        env.0.and_then(|e| e.users.into_iter().next()).ok_or_else(|| ZohoError::Protocol("no current user".into()))
    }

    pub async fn org(&self, creds: &Credentials) -> Result<CrmOrg, ZohoError> {
        let env: OptionalEnvelope<OrgEnvelope> = self.get(creds, "/crm/v8/org", &[]).await?;
        env.0.and_then(|e| e.org.into_iter().next()).ok_or_else(|| ZohoError::Protocol("no org".into()))
    }

    /// The org's modules (zoho-api.md §11).
    pub async fn modules(&self, creds: &Credentials) -> Result<Vec<ModuleMeta>, ZohoError> {
        let env: OptionalEnvelope<ModulesEnvelope> = self.get(creds, "/crm/v8/settings/modules", &[]).await?;
        Ok(env.0.map(|e| e.modules).unwrap_or_default())
    }

    /// A module's fields as the user's profile sees them (zoho-api.md §3.3).
    pub async fn fields(&self, creds: &Credentials, module: &str) -> Result<Vec<FieldMeta>, ZohoError> {
        let env: OptionalEnvelope<FieldsEnvelope> =
            self.get(creds, "/crm/v8/settings/fields", &[("module", module.to_owned())]).await?;
        Ok(env.0.map(|e| e.fields).unwrap_or_default())
    }

    /// A page of a module's records. Module API names come from the snapshot, never from a client.
    /// `decode` turns the page's bytes into records: [`Maps`](super::records::Maps), or the
    /// reader's own typed records.
    pub async fn list<D: PageDecoder>(
        &self,
        creds: &Credentials,
        module: &str,
        p: &ListParams,
        decode: &D,
    ) -> Result<RecordPage<D::Data>, ZohoError> {
        let mut query = vec![
            ("fields", p.fields.join(",")),
            ("per_page", p.per_page.to_string()),
            ("sort_by", p.sort_by.as_param().to_owned()),
            ("sort_order", if p.descending { "desc" } else { "asc" }.to_owned()),
        ];
        // `page` and `page_token` together are AMBIGUITY_DURING_PROCESSING (zoho-api.md §2.2).
        match &p.page_token {
            Some(token) => query.push(("page_token", token.clone())),
            None => query.push(("page", p.page.to_string())),
        }
        let page = self.read(creds, Method::GET, &records_path(module), &query, None, |b| decode.decode(b)).await?;
        self.shown(creds, module, &page.data);
        Ok(page)
    }

    /// Up to 100 records by id in one call (zoho-api.md §2.2, `ids`).
    pub async fn by_ids(
        &self,
        creds: &Credentials,
        module: &str,
        ids: &[String],
        fields: &[String],
    ) -> Result<Vec<Record>, ZohoError> {
        let mut query = vec![("ids", ids.join(","))];
        if !fields.is_empty() {
            query.push(("fields", fields.join(",")));
        }
        let page: RecordPage = self.get(creds, &records_path(module), &query).await?;
        self.shown(creds, module, &page.data);
        Ok(page.data)
    }

    /// One record; `None` for Zoho's 204 on an unknown id (zoho-api.md §2.3).
    pub async fn record(
        &self,
        creds: &Credentials,
        module: &str,
        id: &str,
        fields: &[String],
    ) -> Result<Option<Record>, ZohoError> {
        let mut query = Vec::new();
        if !fields.is_empty() {
            query.push(("fields", fields.join(",")));
        }
        let page: RecordPage = match self.get(creds, &format!("{}/{id}", records_path(module)), &query).await {
            Err(e) if e.is_unknown_id() => return Ok(None),
            other => other?,
        };
        self.shown(creds, module, &page.data);
        Ok(page.data.into_iter().next())
    }

    pub async fn search(&self, creds: &Credentials, module: &str, p: &SearchParams) -> Result<RecordPage, ZohoError> {
        let mut query = vec![("page", p.page.to_string()), ("per_page", p.per_page.to_string())];
        if !p.fields.is_empty() {
            query.push(("fields", p.fields.join(",")));
        }
        query.push(search_param(&p.by));
        let page: RecordPage = self.get(creds, &format!("{}/search", records_path(module)), &query).await?;
        self.shown(creds, module, &page.data);
        Ok(page)
    }

    /// Rows of a COQL query (zoho-api.md §2.9); Zoho's 204 (no row) is an empty page.
    pub async fn coql(&self, creds: &Credentials, select: &Select) -> Result<RecordPage, ZohoError> {
        let body = json!({ "select_query": select.to_coql() });
        let page: RecordPage = self.read(creds, Method::POST, "/crm/v8/coql", &[], Some(&body), json).await?;
        self.shown(creds, &select.module, &page.data);
        Ok(page)
    }

    /// How many records a COQL filter selects: `select COUNT(id) …`, whose one row holds the count
    /// under a key Zoho derives from the expression (read the row's only number, zoho-api.md §11).
    pub async fn coql_count(&self, creds: &Credentials, module: &str, filter: &Option<Filter>) -> Result<u64, ZohoError> {
        let body = json!({ "select_query": Select::count(module, filter) });
        let page: RecordPage = self.read(creds, Method::POST, "/crm/v8/coql", &[], Some(&body), json).await?;
        let row = page.data.into_iter().next().unwrap_or_default();
        Ok(row.values().find_map(Value::as_u64).unwrap_or(0))
    }

    /// How many records the user may see, all or those a search selects
    /// (`GET /{module}/actions/count`, zoho-api.md §11).
    pub async fn count(&self, creds: &Credentials, module: &str, by: Option<&SearchBy>) -> Result<u64, ZohoError> {
        let query: Vec<(&str, String)> = by.map(|by| vec![search_param(by)]).unwrap_or_default();
        let answer: CountAnswer = self.get(creds, &format!("{}/actions/count", records_path(module)), &query).await?;
        Ok(answer.count)
    }

    /// Inserts one record and returns its id.
    pub async fn create(&self, creds: &Credentials, module: &str, record: Record) -> Result<String, ZohoError> {
        // `trigger` omitted: the org's workflows run as they would for a lead entered in Zoho.
        let body = json!({ "data": [record] });
        let details = self.action(creds, Method::POST, &records_path(module), &[], &body).await?;
        details
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ZohoError::Protocol("no id in insert result".into()))
    }

    pub async fn update(&self, creds: &Credentials, module: &str, id: &str, record: Record) -> Result<(), ZohoError> {
        let body = json!({ "data": [record] });
        self.action(creds, Method::PUT, &format!("{}/{id}", records_path(module)), &[], &body).await.map(drop)
    }

    pub async fn delete(&self, creds: &Credentials, module: &str, id: &str) -> Result<(), ZohoError> {
        self.action(creds, Method::DELETE, &records_path(module), &[("ids", id.to_owned())], &Value::Null).await.map(drop)
    }

    /// `POST /crm/v8/actions/watch` (zoho-api.md §10): enables or renews notification channels;
    /// returns each channel's granted `channel_expiry`. Not a record write: no cache is dropped.
    pub async fn watch(&self, creds: &Credentials, body: &Value) -> Result<Vec<chrono::DateTime<chrono::Utc>>, ZohoError> {
        #[derive(serde::Deserialize)]
        struct Answer {
            #[serde(default)]
            watch: Vec<Item>,
        }
        #[derive(serde::Deserialize)]
        struct Item {
            status: Option<String>,
            code: Option<String>,
            message: Option<String>,
            #[serde(default)]
            details: Value,
        }
        let (status, bytes) = self.send(creds, Method::POST, "/crm/v8/actions/watch", &[], Some(body)).await?;
        let bytes = bytes.ok_or_else(|| ZohoError::Protocol("empty answer to actions/watch".into()))?;
        // 201 (all enabled) and 207 (some) carry per-channel outcomes; anything else is an error,
        // whose envelope has no `watch` list (and would otherwise read as nothing refused).
        if !status.is_success() {
            return Err(ZohoError::from_response(status.as_u16(), &bytes));
        }
        let Ok(answer) = serde_json::from_slice::<Answer>(&bytes) else {
            return Err(ZohoError::from_response(status.as_u16(), &bytes));
        };
        if answer.watch.is_empty() {
            return Err(ZohoError::Protocol("actions/watch answered no channel".into()));
        }
        let mut granted = Vec::new();
        for item in answer.watch {
            if item.status.as_deref() != Some("success") {
                return Err(ZohoError::from_body(
                    if status.is_success() { 400 } else { status.as_u16() },
                    ErrorBody { code: item.code, details: item.details, message: item.message },
                ));
            }
            let events = item.details.get("events").and_then(Value::as_array).cloned().unwrap_or_default();
            granted.extend(events.iter().filter_map(|e| {
                chrono::DateTime::parse_from_rfc3339(e.get("channel_expiry")?.as_str()?)
                    .ok()
                    .map(|t| t.with_timezone(&chrono::Utc))
            }));
        }
        Ok(granted)
    }

    /// A single-record write: the outcome is `data[0]`, whatever the HTTP status (201/200 on
    /// success, 400 with the record's error, zoho-api.md §2.4).
    async fn action(
        &self,
        creds: &Credentials,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: &Value,
    ) -> Result<Value, ZohoError> {
        let body = (!body.is_null()).then_some(body);
        // Writes are never retried blindly: a lost answer may hide a write that happened.
        let sent = self.send(creds, method, path, query, body).await;
        if let Some(scope) = &creds.scope {
            // Whatever the outcome, the org's data may have changed.
            self.cache.invalidate_org(&scope.org_id);
        }
        let (status, bytes) = sent?;
        let bytes = bytes.ok_or_else(|| ZohoError::Protocol("empty answer to a write".into()))?;
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::UNAUTHORIZED {
            return Err(ZohoError::from_response(status.as_u16(), &bytes));
        }
        let Ok(envelope) = serde_json::from_slice::<ActionEnvelope>(&bytes) else {
            return Err(ZohoError::from_response(status.as_u16(), &bytes));
        };
        let Some(result) = envelope.data.into_iter().next() else {
            return Err(ZohoError::from_response(status.as_u16(), &bytes));
        };
        if result.status.as_deref() == Some("success") {
            return Ok(result.details);
        }
        Err(ZohoError::from_body(
            if status.is_success() { 400 } else { status.as_u16() },
            ErrorBody { code: result.code, details: result.details, message: result.message },
        ))
    }
}

/// Zoho takes one search parameter: `email`, `phone`, `word` or `criteria` (zoho-api.md §2.8).
fn search_param(by: &SearchBy) -> (&'static str, String) {
    match by {
        SearchBy::Email(v) => ("email", v.clone()),
        SearchBy::Phone(v) => ("phone", v.clone()),
        SearchBy::Word(v) => ("word", v.clone()),
        SearchBy::Criteria(v) => ("criteria", v.clone()),
    }
}

/// `{"count": N}`; a 204 would be none.
#[derive(Debug, Default, serde::Deserialize)]
struct CountAnswer {
    #[serde(default)]
    count: u64,
}

fn records_path(module: &str) -> String {
    format!("/crm/v8/{module}")
}

/// An envelope that Zoho may replace with a 204.
struct OptionalEnvelope<T>(Option<T>);

impl<T> Default for OptionalEnvelope<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for OptionalEnvelope<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(|t| Self(Some(t)))
    }
}

/// A whole answer as `T`.
fn json<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    serde_json::from_slice(bytes)
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ZohoError> {
    serde_json::from_slice(bytes).map_err(invalid_json)
}

fn invalid_json(e: serde_json::Error) -> ZohoError {
    ZohoError::Protocol(format!("invalid JSON from Zoho at line {} column {}", e.line(), e.column()))
}

fn transport(e: reqwest::Error) -> ZohoError {
    // Without the URL: it may carry ids, and never a token, but logs need not repeat it.
    ZohoError::Transport(e.without_url().to_string())
}
