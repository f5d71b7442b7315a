//! Observability: Prometheus metrics (rendered at `/metrics`), the log format, and request ids.
//! Metric labels come only from bounded sets (schema field names, Zoho endpoint templates,
//! status codes), never from user input, so a client cannot blow up their number.

use std::io::IsTerminal as _;
use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide recorder, installed on first use (several apps in one test process share it).
pub fn metrics_handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
        let builder = PrometheusBuilder::new();
        let builder = builder.set_buckets(&buckets).unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics may be empty");
        }
        handle
    })
}

/// One GraphQL request: its operation (type and first root field), outcome and duration.
pub fn graphql_request(operation: &str, outcome: &'static str, elapsed: Duration) {
    metrics::counter!("gateway_graphql_requests_total", "operation" => operation.to_owned(), "outcome" => outcome).increment(1);
    metrics::histogram!("gateway_graphql_request_duration_seconds", "operation" => operation.to_owned())
        .record(elapsed.as_secs_f64());
}

/// One call to Zoho's CRM API: endpoint template (`GET /crm/v8/Leads/{id}`) and status (or `error`).
pub fn zoho_call(endpoint: &str, status: Option<u16>, elapsed: Duration) {
    let status = status.map_or_else(|| "error".to_owned(), |s| s.to_string());
    if status == "429" {
        metrics::counter!("gateway_zoho_rate_limited_total").increment(1);
    }
    metrics::counter!("gateway_zoho_calls_total", "endpoint" => endpoint.to_owned(), "status" => status).increment(1);
    metrics::histogram!("gateway_zoho_call_duration_seconds", "endpoint" => endpoint.to_owned()).record(elapsed.as_secs_f64());
}

pub fn cache_lookup(hit: bool) {
    if hit {
        metrics::counter!("gateway_cache_hits_total").increment(1);
    } else {
        metrics::counter!("gateway_cache_misses_total").increment(1);
    }
}

pub fn token_refresh(outcome: &'static str) {
    metrics::counter!("gateway_token_refreshes_total", "outcome" => outcome).increment(1);
}

/// A Zoho call that had to wait for a slot of its org's limiter.
pub fn limiter_wait(waited: Duration) {
    metrics::counter!("gateway_limiter_waits_total").increment(1);
    metrics::histogram!("gateway_limiter_wait_seconds").record(waited.as_secs_f64());
}

/// `GET /crm/v8/Leads/5725767000000524157` → `GET /crm/v8/Leads/{id}`: record ids never become labels.
/// A snapshot field that Zoho no longer has (drift; one count per org, module and field found).
pub fn schema_drift(module: &str, field: &str) {
    metrics::counter!("gateway_schema_drift_total", "module" => module.to_owned(), "field" => field.to_owned()).increment(1);
}

/// The org's API credits left, as Zoho last said (`X-API-CREDITS-REMAINING`).
pub fn credits_remaining(org: &str, left: u64) {
    metrics::gauge!("gateway_zoho_credits_remaining", "org" => org.to_owned()).set(left as f64);
}

/// Open live connections (WebSocket, SSE) and subscriptions of this process.
pub fn live_open(connections: usize, subscriptions: usize) {
    metrics::gauge!("gateway_live_connections").set(connections as f64);
    metrics::gauge!("gateway_live_subscriptions").set(subscriptions as f64);
}

/// A subscription ended because its subscriber fell too far behind.
pub fn live_slow_consumer() {
    metrics::counter!("gateway_live_slow_consumers_total").increment(1);
}

/// A page's records resolved: written straight into the answer (`direct`, `graphql::nodes`) or
/// field by field by the executor (`executor`: a lookup of an exposed module, or an odd value).
pub fn record_page(direct: bool) {
    metrics::counter!("gateway_record_pages_total", "path" => if direct { "direct" } else { "executor" }).increment(1);
}

/// A query that reached the session and token store (not answered from memory).
pub fn store_query(op: &'static str) {
    metrics::counter!("gateway_store_queries_total", "op" => op).increment(1);
}

pub fn endpoint_template(method: &str, path: &str) -> String {
    let segments: Vec<&str> =
        path.split('/').map(|s| if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) { "{id}" } else { s }).collect();
    format!("{method} {}", segments.join("/"))
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, with the request's span fields (request id, method, path).
    Json,
}

/// Installs the global tracing subscriber: text or JSON lines, plus OpenTelemetry export when
/// built with `otel` and given an endpoint.
pub fn init_logging(filter: &str, format: LogFormat, otlp_endpoint: Option<&url::Url>) -> anyhow::Result<()> {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    let filter = tracing_subscriber::EnvFilter::try_new(filter).map_err(|e| anyhow::anyhow!("GATEWAY_LOG: {e}"))?;
    // Colour codes only for a person at a terminal: in a file, a pipe or a log collector they are
    // noise that breaks grep. The lines go to stdout (the fmt layer's default writer).
    let ansi = std::io::stdout().is_terminal();
    let lines = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer().with_ansi(ansi).boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer().json().with_current_span(true).with_span_list(false).boxed(),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(lines)
        .with(otel_layer(otlp_endpoint)?)
        .try_init()
        .map_err(|e| anyhow::anyhow!("installing the logger: {e}"))
}

#[cfg(feature = "otel")]
fn otel_layer<S>(endpoint: Option<&url::Url>) -> anyhow::Result<Option<Box<dyn tracing_subscriber::Layer<S> + Send + Sync>>>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a> + Send + Sync,
{
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};
    use tracing_subscriber::Layer as _;

    let Some(endpoint) = endpoint else { return Ok(None) };
    // The batch exporter runs on its own thread with a blocking client; reqwest refuses to build
    // (or drop) one inside the async runtime, so it is made on a plain thread.
    let client = std::thread::spawn(reqwest::blocking::Client::new)
        .join()
        .map_err(|_| anyhow::anyhow!("GATEWAY_OTLP_ENDPOINT: could not build the exporter's HTTP client"))?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint.as_str())
        .with_http_client(client)
        .build()
        .map_err(|e| anyhow::anyhow!("GATEWAY_OTLP_ENDPOINT: {e}"))?;
    let resource = opentelemetry_sdk::Resource::builder().with_service_name("zoho-gateway").build();
    let provider =
        opentelemetry_sdk::trace::SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build();
    let tracer = provider.tracer("zoho-gateway");
    opentelemetry::global::set_tracer_provider(provider);
    Ok(Some(tracing_opentelemetry::layer().with_tracer(tracer).boxed()))
}

#[cfg(not(feature = "otel"))]
fn otel_layer<S>(endpoint: Option<&url::Url>) -> anyhow::Result<Option<Box<dyn tracing_subscriber::Layer<S> + Send + Sync>>>
where
    S: tracing::Subscriber,
{
    match endpoint {
        Some(_) => anyhow::bail!("GATEWAY_OTLP_ENDPOINT needs a gateway built with `cargo build --features otel`"),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_never_become_labels() {
        assert_eq!(endpoint_template("GET", "/crm/v8/Leads/5725767000000524157"), "GET /crm/v8/Leads/{id}");
        assert_eq!(endpoint_template("GET", "/crm/v8/Leads/search"), "GET /crm/v8/Leads/search");
    }
}
