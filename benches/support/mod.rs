//! What both benches do alike: sign in over HTTP as a browser does, find a free port, read a
//! process's CPU time, report progress. Included by `#[path]` (benches are separate crates).

use std::collections::HashMap;
use std::net::TcpListener;
use std::time::Duration;

use anyhow::{Context as _, ensure};
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::{Value, json};

const LOGIN: &str = "mutation($r: String!) { login(redirectUrl: $r) { url state } }";
const INITIALIZE: &str = "mutation($c: String!, $s: String!, $r: String!, $l: String, $a: String) {
  initialize(code: $c, state: $s, redirectUrl: $r, location: $l, accountsServer: $a) { user { id name } } }";

/// A bench's exit status: its figures are reports, never assertions, so it fails only when it could not run.
pub fn exit_code(result: anyhow::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nbench failed: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

pub fn progress(message: &str) {
    eprintln!("[bench] {message}");
}

/// A free loopback port: bound, read, released. Another process could take it in between; the
/// gateway would then fail to bind and the bench says so.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Signs in to the gateway at `base` as sandbox user `user` exactly as the portal does; returns the
/// `zgw_session` cookie value. Every call is a new session (several of one user share its token).
pub async fn sign_in(base: &str, redirect_url: &str, user: &str) -> anyhow::Result<String> {
    // A browser: a cookie jar (the login cookie binds `initialize` to this browser) and no
    // redirect following (the redirect's query is what the portal reads). Loopback, never a proxy.
    let browser = reqwest::Client::builder()
        .no_proxy()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    let endpoint = format!("{base}/graphql");
    let login: Value =
        browser.post(&endpoint).json(&json!({ "query": LOGIN, "variables": { "r": redirect_url } })).send().await?.json().await?;
    let url = login["data"]["login"]["url"].as_str().with_context(|| format!("login failed: {login}"))?;
    let params = consent(&browser, url, user).await?;
    let variables = json!({
        "c": params.get("code"), "s": params.get("state"), "r": redirect_url,
        "l": params.get("location"), "a": params.get("accounts-server"),
    });
    let response = browser.post(&endpoint).json(&json!({ "query": INITIALIZE, "variables": variables })).send().await?;
    let session = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("zgw_session="))
        .and_then(|rest| rest.split(';').next())
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    let body: Value = response.json().await?;
    ensure!(body["data"]["initialize"]["user"]["id"].is_string(), "initialize as {user} failed: {body}");
    session.context("initialize set no zgw_session cookie")
}

/// Visits the accounts server's authorization URL as `user` and returns the redirect's query.
pub async fn consent(browser: &reqwest::Client, url: &str, user: &str) -> anyhow::Result<HashMap<String, String>> {
    let mut url = url::Url::parse(url).context("the authorization URL")?;
    url.query_pairs_mut().append_pair("sandbox_user", user);
    let response = browser.get(url).send().await?;
    ensure!(response.status().is_redirection(), "consent did not redirect: HTTP {}", response.status());
    let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).context("redirect without Location")?;
    let location = url::Url::parse(location).context("the redirect's Location")?;
    Ok(location.query_pairs().into_owned().collect())
}

/// User + system CPU time of a process so far, in milliseconds (`/proc/<pid>/stat`, fields 14
/// and 15, in clock ticks: `USER_HZ`, 100 on Linux, so 10 ms is the resolution).
pub fn cpu_ms(pid: &str) -> anyhow::Result<f64> {
    const USER_HZ: f64 = 100.0;
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // The command name (field 2) may hold spaces; the fields after it are plain numbers.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).with_context(|| format!("unexpected {path}"))?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).with_context(|| format!("unexpected {path}"));
    // Field 3 (state) is index 0 here, so utime (14) and stime (15) are 11 and 12.
    Ok((ticks(11)? + ticks(12)?) * 1000.0 / USER_HZ)
}

/// A gateway process on the sandbox at 127.0.0.1:`port`, with its metrics at `metrics`
/// (`http://host:port`) and the default store (an SQLite file `db`); the caller adds its own
/// settings and output. Only these settings: a GATEWAY_* or ZOHO_* variable of the caller's shell
/// must not change what is measured.
pub fn gateway_command(
    binary: &std::path::Path,
    sandbox: &zoho_gateway::sandbox::Sandbox,
    port: u16,
    redirect_url: &str,
    metrics: &str,
    db: &std::path::Path,
) -> std::process::Command {
    let mut command = std::process::Command::new(binary);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("GATEWAY_") || key.starts_with("ZOHO_") || key == "DATABASE_URL" {
            command.env_remove(key.as_ref());
        }
    }
    command
        .env("ZOHO_CLIENT_ID", sandbox.client_id())
        .env("ZOHO_CLIENT_SECRET", sandbox.client_secret())
        .env("ZOHO_ACCOUNTS_URL", sandbox.accounts_url())
        .env("ZOHO_ACCOUNTS_SERVERS", sandbox.accounts_url())
        .env("ZOHO_API_DOMAINS", sandbox.api_url())
        .env("ZOHO_REDIRECT_URIS", redirect_url)
        .env("GATEWAY_BIND", format!("127.0.0.1:{port}"))
        .env("GATEWAY_METRICS_BIND", metrics.trim_start_matches("http://"))
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("GATEWAY_LOG", "warn");
    command
}

/// Peak and current resident set size of process `pid`, in KiB, from `/proc/<pid>/status`.
pub fn memory(pid: u32) -> anyhow::Result<(u64, u64)> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let field = |name: &str| -> anyhow::Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse().ok())
            .with_context(|| format!("no {name} in {path}"))
    };
    Ok((field("VmHWM:")?, field("VmRSS:")?))
}
