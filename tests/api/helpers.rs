//! `TestApp`: a gateway and its own sandbox, plus browsers (cookie jars) that sign in through
//! the real OAuth redirect.

use std::collections::HashMap;

use clap::Parser as _;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use zoho_gateway::app::Application;
use zoho_gateway::config::Config;
use zoho_gateway::sandbox::{Sandbox, SandboxConfig};

pub struct TestApp {
    pub base: String,
    /// Where `/metrics` is served (its own listener).
    pub metrics: String,
    pub sandbox: Sandbox,
    pub redirect_url: String,
    server: tokio::task::JoinHandle<()>,
}

/// The documents a test browser signs in with (`login`, `initialize`), e.g. for a trusted-documents list.
pub const SIGN_IN_DOCUMENTS: [&str; 2] = [
    "mutation($r: String!) { login(redirectUrl: $r) { url state } }",
    "mutation($c: String!, $s: String!, $r: String!, $l: String, $a: String) {
               initialize(code: $c, state: $s, redirectUrl: $r, location: $l, accountsServer: $a) {
                 user { id name email } org { id name dataCenter } expiresAt } }",
];

/// Options beyond the defaults: sandbox behaviour and extra gateway flags.
#[derive(Default)]
pub struct Options {
    pub sandbox: SandboxConfig,
    pub args: Vec<String>,
    /// Reuse this sandbox instead of starting one (restart tests).
    pub existing_sandbox: Option<Sandbox>,
    /// Set `--public-url` to the gateway's own address (Zoho's notifications call it back).
    pub public: bool,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(opts: Options) -> TestApp {
    let sandbox = match opts.existing_sandbox {
        Some(s) => s,
        None => Sandbox::start(opts.sandbox).await.expect("sandbox starts"),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let redirect_url = format!("http://{addr}/redirect.html");
    sandbox.register_redirect_uri(&redirect_url);
    let centres = sandbox.data_centres();
    let defaults: Vec<(&str, String)> = vec![
        ("--client-id", sandbox.client_id().into()),
        ("--client-secret", sandbox.client_secret().into()),
        ("--accounts-url", sandbox.accounts_url()),
        // Every data centre the sandbox runs, as the official ones are allowed in production.
        ("--accounts-servers", centres.iter().map(|d| d.accounts_url.clone()).collect::<Vec<_>>().join(",")),
        ("--api-domains", centres.iter().map(|d| d.api_url.clone()).collect::<Vec<_>>().join(",")),
        ("--redirect-uris", redirect_url.clone()),
        ("--database-url", "memory:".into()),
        ("--refresh-margin-secs", "0".into()),
        // Tests run side by side: each gateway's metrics on a port of its own.
        ("--metrics-bind", "127.0.0.1:0".into()),
    ];
    let mut args: Vec<String> = vec!["zoho-gateway".into()];
    for (flag, value) in defaults {
        // A flag given by the test replaces the default (list flags would otherwise append).
        if !opts.args.iter().any(|a| a == flag) {
            args.push(flag.into());
            args.push(value);
        }
    }
    if opts.public {
        args.extend(["--public-url".to_owned(), format!("http://{addr}")]);
    }
    args.extend(opts.args);
    let config = Config::try_parse_from(args).expect("config parses");
    let app = Application::with_listener(config, listener).await.expect("app builds");
    let metrics = app.metrics_addr().map(|a| format!("http://{a}")).unwrap_or_default();
    let server = tokio::spawn(async move {
        let _ = app.run_until_stopped().await;
    });
    TestApp { base: format!("http://{addr}"), metrics, sandbox, redirect_url, server }
}

impl TestApp {
    /// Stops the server (its store handle goes with it), as a crash would.
    pub async fn stop(self) -> Sandbox {
        self.server.abort();
        let _ = self.server.await;
        self.sandbox
    }

    pub fn browser(&self) -> Browser {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Browser {
            client: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
            jar,
        }
    }

    /// A browser signed in as a sandbox user ("admin", "coordinator", "advisor").
    pub async fn signed_in(&self, user: &str) -> Browser {
        let browser = self.browser();
        let session = browser.login_as(self, user).await;
        assert!(session["data"]["initialize"]["user"]["id"].is_string(), "sign-in failed: {session}");
        browser
    }
}

/// What Zoho's redirect carried back to `redirect.html`.
pub struct Redirect {
    pub params: HashMap<String, String>,
}

impl Redirect {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.params.get(k).map(String::as_str)
    }
}

pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Browser {
    /// POSTs a GraphQL request as the portal does and returns the whole JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("gateway answers");
        response.json().await.expect("JSON response")
    }

    /// `login`, then the user's visit to Zoho's consent page; returns the redirect's parameters.
    pub async fn authorize(&self, app: &TestApp, user: &str) -> Redirect {
        let login = self.graphql(SIGN_IN_DOCUMENTS[0], json!({ "r": app.redirect_url })).await;
        let url = login["data"]["login"]["url"].as_str().unwrap_or_else(|| panic!("login failed: {login}"));
        follow_consent(url, user).await
    }

    pub async fn initialize(&self, app: &TestApp, redirect: &Redirect) -> Value {
        self.graphql(
            SIGN_IN_DOCUMENTS[1],
            json!({
                "c": redirect.get("code"), "s": redirect.get("state"), "r": app.redirect_url,
                "l": redirect.get("location"), "a": redirect.get("accounts-server"),
            }),
        )
        .await
    }

    pub async fn login_as(&self, app: &TestApp, user: &str) -> Value {
        let redirect = self.authorize(app, user).await;
        self.initialize(app, &redirect).await
    }

    /// The same browser (same cookie jar) talking to another gateway, e.g. after a restart.
    /// Cookies are scoped to the host, not the port, as in a real browser.
    pub fn at(&self, app: &TestApp) -> Browser {
        Browser { client: self.client.clone(), base: app.base.clone(), jar: self.jar.clone() }
    }

    /// The `Cookie` header this browser sends to its gateway (for clients other than `client`).
    pub fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore as _;
        let url = url::Url::parse(&self.base).expect("base URL");
        self.jar.cookies(&url).and_then(|v| v.to_str().ok().map(str::to_owned)).unwrap_or_default()
    }
}

/// Visits Zoho's authorization URL, picking the user directly, and reads the redirect.
pub async fn follow_consent(url: &str, user: &str) -> Redirect {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut url = url::Url::parse(url).unwrap();
    url.query_pairs_mut().append_pair("sandbox_user", user);
    let response = client.get(url).send().await.unwrap();
    assert!(response.status().is_redirection(), "consent did not redirect: {}", response.status());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let location = url::Url::parse(&location).unwrap();
    Redirect { params: location.query_pairs().into_owned().collect() }
}

/// The `extensions.code` of the first error.
pub fn error_code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("expected an error: {response}"))
}

pub fn error_field(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["field"].as_str()
}
