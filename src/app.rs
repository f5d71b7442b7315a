//! Builds the shared state and the router from a `Config`, binds, serves, and shuts down
//! gracefully. Tests call the same `Application::build` on port 0.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::auth::AuthService;
use crate::auth::oauth::{OAuthClient, OAuthSettings};
use crate::auth::tokens::TokenManager;
use crate::cache::{CacheSettings, ResponseCache};
use crate::config::{Config, DatabaseUrl};
use crate::graphql;
use crate::live::Live;
use crate::meta::{CrmModel, Snapshot, drift::Drift};
use crate::sandbox::{Sandbox, SandboxConfig};
use crate::secret::ClientSecret;
use crate::state::AppState;
use crate::store::Notice;
use crate::store::{self, Store};
use crate::zoho::limiter::OrgLimiter;
use crate::zoho::{RetryPolicy, ZohoClient};

/// The handles that act for signed-in users: the store, the OAuth client, the Zoho client and its
/// cache, and fresh tokens. The server and `schema pull` build them the same way.
pub struct Core {
    pub store: Arc<dyn Store>,
    pub oauth: Arc<OAuthClient>,
    pub cache: Arc<ResponseCache>,
    pub zoho: ZohoClient,
    pub tokens: Arc<TokenManager>,
}

impl Core {
    /// `scopes`: what `login` asks Zoho for.
    pub async fn build(config: &Config, scopes: Vec<String>) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // A token endpoint's redirect must never re-post the code and client secret elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(config.zoho_timeout_secs))
            .connect_timeout(Duration::from_secs(config.zoho_timeout_secs.min(10)))
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("zoho-gateway/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the HTTP client")?;
        let token_key = config.token_key.as_ref().map(|k| k.expose());
        let store = store::open(&config.database_url, token_key, config.database_pool_size)
            .await
            .context("DATABASE_URL: cannot open the store")?;
        let oauth = Arc::new(OAuthClient::new(
            OAuthSettings {
                client_id: config.client_id.clone().unwrap_or_default(),
                client_secret: config.client_secret.clone().unwrap_or_else(|| ClientSecret::new("")),
                accounts_url: config.accounts_url.clone(),
                scopes,
                redirect_uris: config.redirect_uris.clone(),
                accounts_servers: config.accounts_servers(),
                api_domains: config.api_domains(),
            },
            http.clone(),
        ));
        let cache = Arc::new(ResponseCache::new(CacheSettings {
            enabled: config.cache,
            ttl: Duration::from_secs(config.cache_ttl_secs),
            max_bytes: config.cache_max_bytes,
        }));
        let limiter = Arc::new(OrgLimiter::new(config.zoho_concurrency as usize));
        let retry = RetryPolicy {
            budget: Duration::from_millis(config.retry_budget_ms),
            slot_wait: Duration::from_secs(config.zoho_timeout_secs),
            ..RetryPolicy::default()
        };
        let zoho = ZohoClient::new(http, cache.clone(), limiter, retry);
        let tokens = Arc::new(TokenManager::new(store.clone(), oauth.clone(), Duration::from_secs(config.refresh_margin_secs)));
        Ok(Self { store, oauth, cache, zoho, tokens })
    }
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    addr: SocketAddr,
    /// `/metrics` on its own listener (`GATEWAY_METRICS_BIND`), none when `off`.
    metrics: Option<TcpListener>,
    /// Kept alive for as long as the gateway runs in `--sandbox` mode.
    sandbox: Option<Sandbox>,
    /// How long a shutdown waits for open connections: a call to Zoho ends within the timeout
    /// (twice, with a refresh) plus the read retry budget; a client that never finishes its
    /// request must not keep the process up.
    drain_limit: Duration,
}

impl Application {
    /// Binds `config.bind` and builds everything; in `--sandbox` mode starts the simulator first.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener =
            TcpListener::bind(config.bind).await.with_context(|| format!("GATEWAY_BIND: cannot listen on {}", config.bind))?;
        Self::with_listener(config, listener).await
    }

    /// Builds on an already bound listener (tests bind port 0 first to learn the address).
    pub async fn with_listener(mut config: Config, listener: TcpListener) -> anyhow::Result<Self> {
        let addr = listener.local_addr()?;
        let metrics =
            match config.metrics_bind.0 {
                Some(at) => Some(TcpListener::bind(at).await.with_context(|| {
                    format!("GATEWAY_METRICS_BIND: cannot listen on {at} (choose another address, or `off`)")
                })?),
                None => None,
            };
        let sandbox = if config.sandbox { Some(start_sandbox(&mut config, addr).await?) } else { None };
        config.validate().map_err(anyhow::Error::msg)?;
        let model = Arc::new(load_model(&config)?);
        crate::telemetry::metrics_handle();

        let scopes = config.scopes.clone().unwrap_or_else(|| {
            let mut least = model.least_scopes();
            if config.public_url.is_some() {
                least.push("ZohoCRM.notifications.ALL".to_owned());
            }
            least
        });
        let Core { store, oauth, cache, zoho, tokens } = Core::build(&config, scopes).await?;
        let live = crate::live::Live::new(
            zoho.visible().clone(),
            crate::live::LiveLimits {
                per_session: config.max_subscriptions as usize,
                connections: config.max_live_connections as usize,
            },
            config.public_url.is_some(),
        );
        share_invalidations(&store, &cache, &live).await?;
        let notifications = match &config.public_url {
            Some(public) => {
                let secret = config.client_secret.as_ref().map(|s| s.expose().to_owned()).unwrap_or_default();
                let modules = model.modules.iter().map(|m| m.api_name.clone()).collect();
                let live = crate::notifications::Notifications::new(
                    public,
                    &secret,
                    Duration::from_secs(config.channel_ttl_secs),
                    modules,
                    crate::notifications::Handles {
                        zoho: zoho.clone(),
                        tokens: tokens.clone(),
                        cache: cache.clone(),
                        live: live.clone(),
                    },
                )
                .context("GATEWAY_PUBLIC_URL")?;
                live.spawn_renewals();
                Some(live)
            }
            None => None,
        };
        let state = Arc::new(AppState {
            auth: AuthService::new(
                oauth,
                store.clone(),
                zoho.clone(),
                Duration::from_secs(config.session_ttl_secs),
                Duration::from_secs(config.session_idle_secs),
            ),
            tokens,
            zoho,
            store,
            model: model.clone(),
            drift: Drift::new(model.clone()),
            cache,
            secure_cookies: config.secure_cookies(),
            notifications,
            live,
            public_origin: config.public_url.as_ref().map(|u| u.origin().ascii_serialization()),
            portal_dir: config.portal_dir.clone(),
        });
        let limits = graphql::limits::QueryLimits {
            max_depth: config.max_depth,
            max_complexity: config.max_complexity,
            max_aliases: config.max_aliases,
            max_lead_ids: config.max_lead_ids,
            introspection: config.introspection_allowed(),
        };
        let schema = graphql::build_schemas(&model, state.clone(), limits)?;
        let documents = graphql::documents::Documents::new(&config.trusted_documents)?;
        let router = crate::http::router(state, schema, documents, limits, &config.cors_origins);
        let drain_limit = Duration::from_secs(config.zoho_timeout_secs) * 2 + Duration::from_millis(config.retry_budget_ms);
        Ok(Self { listener, router, addr, metrics, sandbox, drain_limit })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where `/metrics` is served, if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn sandbox(&self) -> Option<&Sandbox> {
        self.sandbox.as_ref()
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let _sandbox = self.sandbox;
        // Metrics stay up while the public listener drains, and go with the process.
        let _metrics = self.metrics.map(|listener| {
            let server = tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, crate::http::metrics_router()).await {
                    tracing::warn!(error = %e, "the metrics listener stopped");
                }
            });
            AbortOnDrop(server)
        });
        let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(self.listener, self.router).with_graceful_shutdown(async move {
            shutdown_signal().await;
            let _ = stopping.send(());
        });
        let drain_limit = self.drain_limit;
        let deadline = async move {
            match stopped.await {
                Ok(()) => tokio::time::sleep(drain_limit).await,
                Err(_) => std::future::pending().await,
            }
        };
        tokio::select! {
            served = server => served?,
            () = deadline => tracing::warn!(secs = drain_limit.as_secs(), "connections still open after the drain limit; exiting"),
        }
        Ok(())
    }
}

/// Ends a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// `zoho-gateway healthcheck`: 0 when the gateway at `bind` answers `/healthz` within 3 s, else 1.
/// An unspecified bind address (`0.0.0.0`, `::`) is asked on loopback.
pub async fn healthcheck(bind: SocketAddr) -> i32 {
    let mut at = bind;
    if at.ip().is_unspecified() {
        at.set_ip(if at.is_ipv4() { std::net::Ipv4Addr::LOCALHOST.into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
    }
    let url = format!("http://{at}/healthz");
    let answer = async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(3)).no_proxy().build()?;
        client.get(&url).send().await?.error_for_status()
    };
    match answer.await {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("unhealthy: {url}: {e}");
            1
        }
    }
}

/// The exposed modules of the configured snapshot (`GATEWAY_CRM_SCHEMA`, `GATEWAY_MODULES`).
pub fn load_model(config: &Config) -> anyhow::Result<CrmModel> {
    let snapshot = match &config.crm_schema {
        Some(path) => Snapshot::load(path).context("GATEWAY_CRM_SCHEMA")?,
        None => Snapshot::built_in(),
    };
    CrmModel::build(&snapshot, &config.modules).map_err(|e| anyhow::anyhow!("{e}"))
}

/// With a store shared by replicas, writes here evict the org's entries there and the other
/// way round (PostgreSQL LISTEN/NOTIFY). A no-op for single-process stores.
async fn share_invalidations(store: &Arc<dyn Store>, cache: &Arc<ResponseCache>, live: &Arc<Live>) -> anyhow::Result<()> {
    let Some(mut incoming) = store.invalidations().await.context("subscribing to cache invalidations")? else {
        return Ok(());
    };
    let (tx, mut outgoing) = tokio::sync::mpsc::unbounded_channel::<String>();
    cache.set_publisher(tx.clone());
    live.set_publisher(tx);
    let publisher = store.clone();
    tokio::spawn(async move {
        while let Some(org) = outgoing.recv().await {
            if let Err(e) = publisher.publish_invalidation(&org).await {
                tracing::warn!(error = %e, "could not announce a cache invalidation");
            }
        }
    });
    let (listener, sessions, live) = (cache.clone(), store.clone(), live.clone());
    tokio::spawn(async move {
        while let Some(text) = incoming.recv().await {
            // A change of another replica: its org's answers go, and subscribers here hear of it.
            if live.heard(&text) {
                if let Some(org) = Live::notice_org(&text) {
                    listener.invalidate_org_locally(org);
                }
                continue;
            }
            match Notice::decode(&text) {
                Notice::Org(org) => listener.invalidate_org_locally(&org),
                notice => sessions.forget(&notice),
            }
        }
    });
    Ok(())
}

/// Points the configuration at a fresh simulator. The redirect URI defaults to this gateway's
/// own `/redirect.html`, which the simulator registers like the API console would.
/// How long a write takes to reach the sandbox's search index in `--sandbox` mode.
const SANDBOX_SEARCH_INDEX_DELAY: std::time::Duration = std::time::Duration::from_secs(5);

async fn start_sandbox(config: &mut Config, addr: SocketAddr) -> anyhow::Result<Sandbox> {
    // The demo's fault switch lets the browser tests (and anyone trying the portal) see how it
    // handles Zoho's 429s and outages; it exists only in `--sandbox` mode.
    // Zoho's search index lags behind writes (zoho-api.md §2.8): the demo shows it, so that
    // nothing in the portal depends on search finding a record just written.
    let sandbox = Sandbox::start(SandboxConfig {
        http_fault_switch: true,
        search_index_delay: SANDBOX_SEARCH_INDEX_DELAY,
        ..SandboxConfig::default()
    })
    .await
    .context("starting the sandbox")?;
    // The sandbox is new at every start (new ports, tokens, data), so sessions and tokens kept
    // from an earlier run would point at a Zoho that is gone: unless a store was chosen
    // explicitly, the demo keeps them in memory.
    if config.database_url == DatabaseUrl::Sqlite("zoho-gateway.db".into()) {
        config.database_url = DatabaseUrl::Memory;
    }
    let default_redirect = url::Url::parse("http://127.0.0.1:8085/redirect.html")?;
    if config.redirect_uris == [default_redirect] {
        config.redirect_uris = vec![url::Url::parse(&format!("http://{addr}/redirect.html"))?];
        // People type `localhost` as often as `127.0.0.1`: both are this gateway.
        if addr.ip().is_loopback() {
            config.redirect_uris.push(url::Url::parse(&format!("http://localhost:{}/redirect.html", addr.port()))?);
        }
    }
    for uri in &config.redirect_uris {
        sandbox.register_redirect_uri(uri.as_str());
    }
    config.client_id = Some(sandbox.client_id().to_owned());
    config.client_secret = Some(ClientSecret::new(sandbox.client_secret()));
    config.accounts_url = url::Url::parse(&sandbox.accounts_url())?;
    // Every data centre the sandbox runs (a user of `eu` signs in at its own accounts server and
    // gets its own API domain), as the official ones are allowed by default.
    config.accounts_servers =
        sandbox.data_centres().iter().map(|d| url::Url::parse(&d.accounts_url)).collect::<Result<_, _>>()?;
    config.api_domains = sandbox.data_centres().iter().map(|d| url::Url::parse(&d.api_url)).collect::<Result<_, _>>()?;
    // The simulator reaches this gateway directly: Zoho's notifications (and so live updates of
    // changes made "in Zoho") work in the demo without a public address.
    if config.public_url.is_none() {
        config.public_url = Some(url::Url::parse(&format!("http://{addr}/"))?);
    }
    Ok(sandbox)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down; draining in-flight requests");
}
