//! The one typed configuration, read once at start-up from flags and environment variables.
//! Nothing else in the crate reads the environment. Each setting's value name is its
//! environment variable, so a bad value fails start-up with a message naming that variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Parser, Subcommand};
use url::Url;

use crate::auth::dc;
use crate::secret::ClientSecret;

/// `--help` headings: one per concern, so an operator finds a setting without reading all of them.
const ZOHO: &str = "Zoho client";
const SERVER: &str = "Server";
const STORE: &str = "Store and sessions";
const SCHEMA: &str = "Schema";
const CACHE: &str = "Cache";
const LIMITS: &str = "Query limits";
const LOGGING: &str = "Logging";

/// zoho-gateway: a GraphQL gateway over Zoho CRM with Login with Zoho.
#[derive(Debug, Clone, Parser)]
#[command(name = "zoho-gateway", version, about)]
pub struct Config {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Start the built-in Zoho simulator on free local ports and point the gateway at it.
    #[arg(long, env = "GATEWAY_SANDBOX", help_heading = ZOHO)]
    pub sandbox: bool,

    /// Client id registered in Zoho's API console (required unless --sandbox).
    #[arg(long, env = "ZOHO_CLIENT_ID", value_name = "ZOHO_CLIENT_ID",
        help_heading = ZOHO
    )]
    pub client_id: Option<String>,

    /// Client secret registered in Zoho's API console (required unless --sandbox).
    #[arg(long, env = "ZOHO_CLIENT_SECRET", value_name = "ZOHO_CLIENT_SECRET", hide_env_values = true,
        help_heading = ZOHO
    )]
    pub client_secret: Option<ClientSecret>,

    /// Comma list of registered redirect URIs; `login`'s redirectUrl must equal one of them.
    #[arg(
        long,
        env = "ZOHO_REDIRECT_URIS",
        value_name = "ZOHO_REDIRECT_URIS",
        value_delimiter = ',',
        default_value = "http://127.0.0.1:8085/redirect.html",
        value_parser = parse_http_url,
        help_heading = ZOHO
    )]
    pub redirect_uris: Vec<Url>,

    /// Accounts server that the authorization URL points at.
    #[arg(
        long,
        env = "ZOHO_ACCOUNTS_URL",
        value_name = "ZOHO_ACCOUNTS_URL",
        default_value = "https://accounts.zoho.com",
        value_parser = parse_http_url,
        help_heading = ZOHO
    )]
    pub accounts_url: Url,

    /// Comma list of `accounts-server` values accepted from the redirect [default: the official
    /// accounts servers of all data centres].
    #[arg(long, env = "ZOHO_ACCOUNTS_SERVERS", value_name = "ZOHO_ACCOUNTS_SERVERS", value_delimiter = ',', value_parser = parse_http_url,
        help_heading = ZOHO
    )]
    pub accounts_servers: Vec<Url>,

    /// Comma list of `api_domain` values accepted from token responses [default: the official API domains].
    #[arg(long, env = "ZOHO_API_DOMAINS", value_name = "ZOHO_API_DOMAINS", value_delimiter = ',', value_parser = parse_http_url,
        help_heading = ZOHO
    )]
    pub api_domains: Vec<Url>,

    /// Comma list of OAuth scopes requested at login; by default the least the served modules need.
    #[arg(long, env = "ZOHO_SCOPES", value_name = "ZOHO_SCOPES", value_delimiter = ',', help_heading = ZOHO)]
    pub scopes: Option<Vec<String>>,

    /// Listen address.
    #[arg(long, env = "GATEWAY_BIND", value_name = "GATEWAY_BIND", default_value = "127.0.0.1:8085",
        help_heading = SERVER
    )]
    pub bind: SocketAddr,

    /// Where `/metrics` (Prometheus) is served: its own listener, loopback by default, so the
    /// public port never exposes it; `off` serves no metrics.
    #[arg(long, env = "GATEWAY_METRICS_BIND", value_name = "GATEWAY_METRICS_BIND", default_value = "127.0.0.1:9464", value_parser = parse_metrics_bind,
        help_heading = SERVER
    )]
    pub metrics_bind: MetricsBind,

    /// The gateway's base URL as Zoho reaches it (e.g. `https://portal.example.org`). When set,
    /// Zoho's Notification API calls back at `<URL>/zoho/notifications` on every change in a
    /// served module, and cached answers of that org are dropped at once on every replica.
    #[arg(long, env = "GATEWAY_PUBLIC_URL", value_name = "GATEWAY_PUBLIC_URL", help_heading = SERVER)]
    pub public_url: Option<Url>,

    /// Lifetime asked for notification channels, in seconds (Zoho allows at most a week); they are
    /// renewed when a third of it is left.
    #[arg(long, env = "GATEWAY_CHANNEL_TTL_SECS", value_name = "GATEWAY_CHANNEL_TTL_SECS", default_value_t = 6 * 24 * 3600,
        value_parser = clap::value_parser!(u64).range(2..=7 * 24 * 3600), help_heading = SERVER
    )]
    pub channel_ttl_secs: u64,

    /// Open subscriptions per session (WebSocket and SSE together).
    #[arg(long, env = "GATEWAY_MAX_SUBSCRIPTIONS", value_name = "GATEWAY_MAX_SUBSCRIPTIONS", default_value_t = 20,
        value_parser = clap::value_parser!(u32).range(1..=1000), help_heading = SERVER
    )]
    pub max_subscriptions: u32,

    /// Open live connections (WebSocket and SSE) per process.
    #[arg(long, env = "GATEWAY_MAX_LIVE_CONNECTIONS", value_name = "GATEWAY_MAX_LIVE_CONNECTIONS", default_value_t = 10_000,
        value_parser = clap::value_parser!(u32).range(1..=1_000_000), help_heading = SERVER
    )]
    pub max_live_connections: u32,

    /// Store for sessions, OAuth states and tokens: `sqlite://PATH`, `postgres://USER@HOST/DB`
    /// (shared by replicas; needs GATEWAY_TOKEN_KEY) or `memory:`.
    #[arg(
        long,
        env = "DATABASE_URL",
        value_name = "DATABASE_URL",
        default_value = "sqlite://zoho-gateway.db",
        hide_env_values = true,
        help_heading = STORE
    )]
    pub database_url: DatabaseUrl,

    /// Connections to PostgreSQL per process for queries (refresh locks use up to as many more,
    /// opened on demand). Ignored by the other stores.
    #[arg(long, env = "DATABASE_POOL_SIZE", value_name = "DATABASE_POOL_SIZE", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=200),
        help_heading = STORE
    )]
    pub database_pool_size: u32,

    /// The org's metadata snapshot (`zoho-gateway schema pull` writes one); without it, the
    /// built-in snapshot of the sandbox org.
    #[arg(long, env = "GATEWAY_CRM_SCHEMA", value_name = "GATEWAY_CRM_SCHEMA", global = true,
        help_heading = SCHEMA
    )]
    pub crm_schema: Option<PathBuf>,

    /// Comma list of the module API names to expose (and to pull), e.g. `Leads,Contacts,Deals`.
    #[arg(long, env = "GATEWAY_MODULES", value_name = "GATEWAY_MODULES", default_value = "Leads", value_delimiter = ',', value_parser = parse_api_name, global = true,
        help_heading = SCHEMA
    )]
    pub modules: Vec<String>,

    /// A folder whose files are served at `/` in place of the built-in student portal and GraphiQL,
    /// file by file (for portal development); unset, the copies built into the binary are served.
    #[arg(long, env = "GATEWAY_PORTAL_DIR", value_name = "GATEWAY_PORTAL_DIR", help_heading = SERVER)]
    pub portal_dir: Option<PathBuf>,

    /// Absolute lifetime of a signed-in session, in seconds.
    #[arg(long, env = "GATEWAY_SESSION_TTL_SECS", value_name = "GATEWAY_SESSION_TTL_SECS", default_value_t = 7 * 24 * 3600, value_parser = clap::value_parser!(u64).range(1..),
        help_heading = STORE
    )]
    pub session_ttl_secs: u64,

    /// A session unused this long ends, in seconds.
    #[arg(long, env = "GATEWAY_SESSION_IDLE_SECS", value_name = "GATEWAY_SESSION_IDLE_SECS", default_value_t = 12 * 3600, value_parser = clap::value_parser!(u64).range(1..),
        help_heading = STORE
    )]
    pub session_idle_secs: u64,

    /// Key that seals tokens at rest (AES-256-GCM): 32 bytes, base64; required with PostgreSQL (every
    /// replica needs the same one). Without it, SQLite keeps a
    /// generated key in `<database file>.key` (mode 0600).
    #[arg(long, env = "GATEWAY_TOKEN_KEY", value_name = "GATEWAY_TOKEN_KEY", hide_env_values = true,
        help_heading = STORE
    )]
    pub token_key: Option<crate::secret::ClientSecret>,

    /// Timeout of every call to Zoho, in seconds.
    #[arg(long, env = "ZOHO_TIMEOUT_SECS", value_name = "ZOHO_TIMEOUT_SECS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=300),
        help_heading = ZOHO
    )]
    pub zoho_timeout_secs: u64,

    /// Refresh an access token this many seconds before Zoho's expiry.
    #[arg(long, env = "ZOHO_REFRESH_MARGIN_SECS", value_name = "ZOHO_REFRESH_MARGIN_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=1800),
        help_heading = ZOHO
    )]
    pub refresh_margin_secs: u64,

    /// Cache Zoho answers per user (on by default); `false` passes every read through to Zoho.
    #[arg(long, env = "GATEWAY_CACHE", value_name = "GATEWAY_CACHE", default_value_t = true, action = clap::ArgAction::Set,
        help_heading = CACHE
    )]
    pub cache: bool,

    /// How long a cached Zoho answer is served, in seconds. Other users see a change after at most this long.
    #[arg(long, env = "GATEWAY_CACHE_TTL_SECS", value_name = "GATEWAY_CACHE_TTL_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=3600),
        help_heading = CACHE
    )]
    pub cache_ttl_secs: u64,

    /// Upper bound of the cache's size, in bytes of cached answers.
    #[arg(long, env = "GATEWAY_CACHE_MAX_BYTES", value_name = "GATEWAY_CACHE_MAX_BYTES", default_value_t = 64 * 1024 * 1024,
        help_heading = CACHE
    )]
    pub cache_max_bytes: u64,

    /// In-flight Zoho calls per org, at most (Zoho allows 5 to 25 by edition, then answers 429).
    #[arg(long, env = "GATEWAY_ZOHO_CONCURRENCY", value_name = "GATEWAY_ZOHO_CONCURRENCY", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100),
        help_heading = ZOHO
    )]
    pub zoho_concurrency: u64,

    /// Time a read may spend retrying Zoho's 429s, 5xx and network errors, in milliseconds.
    #[arg(long, env = "ZOHO_RETRY_BUDGET_MS", value_name = "ZOHO_RETRY_BUDGET_MS", default_value_t = 3000, value_parser = clap::value_parser!(u64).range(0..=60000),
        help_heading = ZOHO
    )]
    pub retry_budget_ms: u64,

    /// Comma list of browser origins (e.g. `https://portal.example.edu`) allowed to call the API
    /// cross-origin with credentials. Empty: same-origin only (the bundled portal needs nothing).
    #[arg(long, env = "GATEWAY_CORS_ORIGINS", value_name = "GATEWAY_CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin,
        help_heading = SERVER
    )]
    pub cors_origins: Vec<String>,

    /// Deepest selection nesting a query may have.
    #[arg(long, env = "GATEWAY_MAX_DEPTH", value_name = "GATEWAY_MAX_DEPTH", default_value_t = 12,
        help_heading = LIMITS
    )]
    pub max_depth: usize,

    /// Highest complexity a query may have: a field costs 1, `lead(id:)` 5, a list of N leads
    /// N times its selection (Zoho's cost grows with the records asked for).
    #[arg(long, env = "GATEWAY_MAX_COMPLEXITY", value_name = "GATEWAY_MAX_COMPLEXITY", default_value_t = 10_000,
        help_heading = LIMITS
    )]
    pub max_complexity: usize,

    /// Most aliased fields an operation may have.
    #[arg(long, env = "GATEWAY_MAX_ALIASES", value_name = "GATEWAY_MAX_ALIASES", default_value_t = 250,
        help_heading = LIMITS
    )]
    pub max_aliases: usize,

    /// Most `lead(id:)` lookups an operation may make (each 100 cost one Zoho call).
    #[arg(long, env = "GATEWAY_MAX_LEAD_IDS", value_name = "GATEWAY_MAX_LEAD_IDS", default_value_t = 200,
        help_heading = LIMITS
    )]
    pub max_lead_ids: usize,

    /// Serve the schema to introspection (GraphiQL's docs): on by default, off by default in
    /// trusted-documents mode.
    #[arg(long, env = "GATEWAY_INTROSPECTION", value_name = "GATEWAY_INTROSPECTION", action = clap::ArgAction::Set,
        help_heading = SCHEMA
    )]
    pub introspection: Option<bool>,

    /// Trusted documents: comma list of manifests (graphql-codegen's `persisted-documents.json`,
    /// Apollo's persisted query manifest). When set, only their operations run.
    #[arg(long, env = "GATEWAY_TRUSTED_DOCUMENTS", value_name = "GATEWAY_TRUSTED_DOCUMENTS", value_delimiter = ',',
        help_heading = LIMITS
    )]
    pub trusted_documents: Vec<PathBuf>,

    /// Log line format: `text` or `json` (JSON carries the request id of each line's request).
    #[arg(long, env = "GATEWAY_LOG_FORMAT", value_name = "GATEWAY_LOG_FORMAT", value_enum, default_value = "text",
        help_heading = LOGGING
    )]
    pub log_format: crate::telemetry::LogFormat,

    /// OTLP/HTTP endpoint to export traces to (e.g. `http://collector:4318/v1/traces`); needs a
    /// build with `--features otel`.
    #[arg(long, env = "GATEWAY_OTLP_ENDPOINT", value_name = "GATEWAY_OTLP_ENDPOINT", value_parser = parse_http_url,
        help_heading = LOGGING
    )]
    pub otlp_endpoint: Option<Url>,

    /// Log filter (tracing's EnvFilter syntax), e.g. `info` or `zoho_gateway=debug`.
    #[arg(long, env = "GATEWAY_LOG", value_name = "GATEWAY_LOG", default_value = "info",
        help_heading = LOGGING
    )]
    pub log: String,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Print the GraphQL schema (SDL) of the snapshot and modules and exit; `schema pull` writes
    /// a snapshot of a real org's metadata.
    Schema {
        #[command(subcommand)]
        action: Option<SchemaCommand>,
    },
    /// Ask the gateway listening at GATEWAY_BIND (on loopback) whether it is up: exits 0 when
    /// `/healthz` answers, 1 otherwise. For container HEALTHCHECKs in images without curl.
    Healthcheck,
}

#[derive(Debug, Clone, Subcommand)]
pub enum SchemaCommand {
    /// Read the org's modules and fields (`GATEWAY_MODULES`) with the stored tokens of a user who
    /// signed in through this gateway (same `DATABASE_URL` and `GATEWAY_TOKEN_KEY`), and write
    /// them as a snapshot.
    Pull {
        /// The email of the Zoho user whose tokens to use.
        #[arg(long)]
        email: String,
        /// Where to write the snapshot.
        #[arg(long, default_value = "crm-schema.json")]
        out: PathBuf,
    },
}

/// Where sessions, OAuth states and tokens live.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// In-process only: everything is lost at exit. For tests and demos.
    Memory,
    /// An embedded SQLite file (created when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL server (`postgres://` or `postgresql://` URL, kept as given), which several
    /// gateway replicas can share. The URL may carry a password: `Debug` never prints it.
    Postgres(String),
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory => f.write_str("Memory"),
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Self::Postgres(url) => {
                let shown = match Url::parse(url) {
                    Ok(mut u) => {
                        if u.password().is_some() {
                            let _ = u.set_password(Some("[redacted]"));
                        }
                        // Query parameters can carry a password too (`?password=`).
                        let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
                        if pairs.iter().any(|(k, _)| k == "password") {
                            let mut query = u.query_pairs_mut();
                            query.clear();
                            for (k, v) in &pairs {
                                query.append_pair(k, if k == "password" { "[redacted]" } else { v });
                            }
                        }
                        u.to_string()
                    }
                    Err(_) => "[redacted]".to_owned(),
                };
                f.debug_tuple("Postgres").field(&shown).finish()
            }
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "memory:" || s == "memory://" {
            return Ok(Self::Memory);
        }
        if let Some(path) = s.strip_prefix("sqlite://").or_else(|| s.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://zoho-gateway.db".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            // Parsed in full when the store opens; an error here would echo the URL, password
            // included, into the start-up message.
            return Ok(Self::Postgres(s.to_owned()));
        }
        Err("expected sqlite://PATH, postgres://USER@HOST/DATABASE or memory:".into())
    }
}

fn parse_http_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s.trim()).map_err(|e| format!("not a URL: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Ok(url),
        _ => Err("expected an http:// or https:// URL".into()),
    }
}

/// An origin is scheme, host and optional port: nothing else, so it can be compared exactly.
fn parse_origin(s: &str) -> Result<String, String> {
    let url = parse_http_url(s)?;
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("expected an origin like https://portal.example.edu (no path)".into());
    }
    Ok(url.origin().ascii_serialization())
}

/// `GATEWAY_METRICS_BIND`: an address, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsBind(pub Option<SocketAddr>);

fn parse_metrics_bind(s: &str) -> Result<MetricsBind, String> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(MetricsBind(None));
    }
    s.parse().map(|a| MetricsBind(Some(a))).map_err(|_| "expected HOST:PORT (e.g. 127.0.0.1:9464) or off".into())
}

/// Zoho API names are letters, digits and underscores (zoho-api.md §3.4); anything else would
/// end up inside `fields=` and search criteria.
fn parse_api_name(s: &str) -> Result<String, String> {
    let ok = !s.is_empty() && s.len() <= 100 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok { Ok(s.to_owned()) } else { Err("expected a Zoho API name (letters, digits, _)".into()) }
}

impl Config {
    /// Introspection unless switched off; in trusted-documents mode only when switched on.
    pub fn introspection_allowed(&self) -> bool {
        self.introspection.unwrap_or(self.trusted_documents.is_empty())
    }

    /// Checks that flags cannot check alone. Called once at start-up.
    pub fn validate(&self) -> Result<(), String> {
        if !self.sandbox {
            if self.client_id.as_deref().is_none_or(|s| s.trim().is_empty()) {
                return Err("ZOHO_CLIENT_ID is required (or start with --sandbox)".into());
            }
            if self.client_secret.as_ref().is_none_or(|s| s.expose().trim().is_empty()) {
                return Err("ZOHO_CLIENT_SECRET is required (or start with --sandbox)".into());
            }
        }
        if self.redirect_uris.is_empty() {
            return Err("ZOHO_REDIRECT_URIS must name at least one redirect URI".into());
        }
        if self.scopes.iter().flatten().any(|s| s.trim().is_empty() || s.contains(char::is_whitespace)) {
            return Err("ZOHO_SCOPES must be a comma list of scopes without spaces".into());
        }
        Ok(())
    }

    pub fn accounts_servers(&self) -> Vec<Url> {
        if self.accounts_servers.is_empty() { dc::official_accounts_servers() } else { self.accounts_servers.clone() }
    }

    pub fn api_domains(&self) -> Vec<Url> {
        if self.api_domains.is_empty() { dc::official_api_domains() } else { self.api_domains.clone() }
    }

    /// Cookies get `Secure` when the portal is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.redirect_uris.iter().all(|u| u.scheme() == "https")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        Config::try_parse_from(std::iter::once("zoho-gateway").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_match_the_documented_table() {
        let c = parse(&["--sandbox"]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8085");
        assert_eq!(c.database_url, DatabaseUrl::Sqlite("zoho-gateway.db".into()));
        assert_eq!(c.modules, ["Leads"]);
        assert_eq!(c.crm_schema, None);
        let readme = include_str!("../README.md");
        let row = readme.lines().find(|l| l.starts_with("| `ZOHO_SCOPES` |")).expect("README documents ZOHO_SCOPES");
        let least = crate::app::load_model(&c).unwrap().least_scopes().join(",");
        assert!(row.contains(&format!("`{least}`")), "README's ZOHO_SCOPES default for Leads ({least}): {row}");
        assert_eq!(c.scopes, None);
        assert_eq!(c.accounts_servers().len(), dc::DATA_CENTRES.len());
        c.validate().unwrap();
    }

    #[test]
    fn bad_values_name_their_variable() {
        let err = parse(&["--bind", "nonsense"]).unwrap_err().to_string();
        assert!(err.contains("GATEWAY_BIND"), "{err}");
        let err = parse(&["--database-url", "mysql://x"]).unwrap_err().to_string();
        assert!(err.contains("DATABASE_URL"), "{err}");
        let err = parse(&["--modules", "Leads,Course) or (x"]).unwrap_err().to_string();
        assert!(err.contains("GATEWAY_MODULES"), "{err}");
        let err = parse(&[]).unwrap().validate().unwrap_err();
        assert!(err.contains("ZOHO_CLIENT_ID"), "{err}");
    }
}
