//! Thin entry point: parse the configuration, set up logging, run.

use clap::Parser as _;

/// Allocation dominates the gateway's CPU profile (JSON trees, GraphQL values); mimalloc cut it by
/// a fifth to a third in `cargo bench --bench gateway` (see README, "Benchmark").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use zoho_gateway::app::Application;
use zoho_gateway::config::{Command, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    if let Some(Command::Schema) = config.command {
        print!("{}", zoho_gateway::graphql::sdl());
        return Ok(());
    }
    zoho_gateway::telemetry::init_logging(&config.log, config.log_format, config.otlp_endpoint.as_ref())?;

    let app = Application::build(config).await?;
    if let Some(sandbox) = app.sandbox() {
        println!("{}", sandbox.describe());
    }
    println!("zoho-gateway listening on http://{}", app.addr());
    println!("  portal:   http://{}/", app.addr());
    println!("  GraphiQL: http://{}/playground", app.addr());
    app.run_until_stopped().await
}
