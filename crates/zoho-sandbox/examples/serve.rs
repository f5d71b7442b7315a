//! Runs the Zoho sandbox alone, for the Python SDK check (`.ci/sdk_check/run.sh`) and manual poking.
//!
//! Usage: `cargo run -p zoho-sandbox --example serve -- [--redirect-uri URI]... [--accounts-port N]
//! [--api-port N] [--lead-count N] [--org FILE] [--credit-budget N] [--search-index-delay-ms N]
//! [--max-channel-expiry-secs N] [--fault-switch]` (`--org`: an org definition in `OrgSpec` JSON
//! instead of the default Zylker Academy org; `--max-channel-expiry-secs`: the longest a
//! notification channel may live, default a week, shorter to watch renewals; `--fault-switch`:
//! serve `POST/DELETE /sandbox/faults` on the accounts listener, e.g. `{"latency_ms": 3000}` to
//! slow every CRM API call, as `tests/container/run.sh` does, and `POST /sandbox/ui-edit`, e.g.
//! `{"action":"edit","module":"Leads","id":"…","fields":{"Lead_Status":"Contacted"}}` to change a
//! record as if in Zoho's UI, which sends the notification callbacks).
//! Prints `KEY=value` lines (ACCOUNTS_URL, TOKEN_URL, API_URL, CLIENT_ID, CLIENT_SECRET, and
//! EU_ACCOUNTS_URL, EU_TOKEN_URL, EU_API_URL for the second data centre), then `READY`, and serves
//! until interrupted (Ctrl-C or SIGTERM).

use std::io::Write;

use anyhow::{Context, bail};
use zoho_sandbox::{OrgSpec, Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut config = SandboxConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--redirect-uri" => config.redirect_uris.push(value()?),
            "--accounts-port" => config.accounts_port = value()?.parse().context("--accounts-port")?,
            "--api-port" => config.api_port = value()?.parse().context("--api-port")?,
            "--lead-count" => config.lead_count = value()?.parse().context("--lead-count")?,
            "--org" => {
                let path = value()?;
                let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
                config.org = OrgSpec::from_json(&text).map_err(anyhow::Error::msg).with_context(|| format!("--org {path}"))?;
            }
            "--credit-budget" => config.credit_budget = Some(value()?.parse().context("--credit-budget")?),
            "--search-index-delay-ms" => {
                config.search_index_delay = std::time::Duration::from_millis(value()?.parse().context("--search-index-delay-ms")?)
            }
            "--max-channel-expiry-secs" => {
                config.max_channel_expiry = std::time::Duration::from_secs(value()?.parse().context("--max-channel-expiry-secs")?)
            }
            "--fault-switch" => config.http_fault_switch = true,
            other => bail!("unknown argument {other}"),
        }
    }
    let sandbox = Sandbox::start(config).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "ACCOUNTS_URL={}", sandbox.accounts_url())?;
    writeln!(out, "TOKEN_URL={}", sandbox.token_url())?;
    writeln!(out, "API_URL={}", sandbox.api_url())?;
    writeln!(out, "CLIENT_ID={}", sandbox.client_id())?;
    writeln!(out, "CLIENT_SECRET={}", sandbox.client_secret())?;
    for dc in sandbox.data_centres().iter().skip(1) {
        let prefix = dc.location.to_ascii_uppercase();
        writeln!(out, "{prefix}_ACCOUNTS_URL={}", dc.accounts_url)?;
        writeln!(out, "{prefix}_TOKEN_URL={}", dc.token_url())?;
        writeln!(out, "{prefix}_API_URL={}", dc.api_url)?;
    }
    writeln!(out, "READY")?;
    out.flush()?;
    drop(out);
    eprintln!("{}", sandbox.describe());

    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    sandbox.shutdown();
    Ok(())
}
