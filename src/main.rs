//! Thin entry point: parse the configuration, set up logging, run (or print or pull the schema).

use clap::Parser as _;

/// Allocation dominates the gateway's CPU profile (JSON trees, GraphQL values); mimalloc cut it by
/// a fifth to a third in `cargo bench --bench gateway` (see README, "Benchmark").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use zoho_gateway::app::{Application, load_model};
use zoho_gateway::config::{Command, Config, SchemaCommand};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    match &config.command {
        Some(Command::Schema { action: None }) => {
            print!("{}", zoho_gateway::graphql::sdl(&load_model(&config)?)?);
            return Ok(());
        }
        Some(Command::Schema { action: Some(SchemaCommand::Pull { email, out }) }) => {
            config.validate().map_err(anyhow::Error::msg)?;
            let snapshot = zoho_gateway::meta::pull::run(&config, email, out).await?;
            let names: Vec<&str> = snapshot.modules.iter().map(|m| m.module.api_name.as_str()).collect();
            eprintln!("wrote {} ({})", out.display(), names.join(", "));
            return Ok(());
        }
        Some(Command::Healthcheck) => std::process::exit(zoho_gateway::app::healthcheck(config.bind).await),
        None => {}
    }
    zoho_gateway::telemetry::init_logging(&config.log, config.log_format, config.otlp_endpoint.as_ref())?;

    let app = Application::build(config).await?;
    if let Some(sandbox) = app.sandbox() {
        println!("{}", sandbox.describe());
    }
    println!("zoho-gateway listening on http://{}", app.addr());
    println!("  portal:   http://{}/", app.addr());
    println!("  GraphiQL: http://{}/playground", app.addr());
    if let Some(metrics) = app.metrics_addr() {
        println!("  metrics:  http://{metrics}/metrics");
    }
    app.run_until_stopped().await
}
