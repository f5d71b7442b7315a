//! What an operator sees of the configuration: `--help`.

use clap::CommandFactory as _;

#[test]
fn help_groups_the_options_by_concern() {
    let help = zoho_gateway::config::Config::command().render_help().to_string();
    let headings = ["Zoho client:", "Server:", "Store and sessions:", "Schema:", "Cache:", "Query limits:", "Logging:"];
    for heading in headings {
        assert!(help.contains(heading), "no {heading} heading in\n{help}");
    }
    // Only clap's own flags stay under the generic heading.
    let generic = help.split("Options:").nth(1).and_then(|rest| rest.split("\n\n").next()).unwrap_or_default();
    assert!(
        generic.lines().filter(|l| !l.trim().is_empty()).all(|l| l.contains("--help") || l.contains("--version")),
        "ungrouped options:\n{generic}"
    );
    // Every option belongs to exactly one group: the headings keep a sensible order.
    let at = |h: &str| help.find(h).unwrap_or(usize::MAX);
    assert!(at("--client-id") < at("--bind") && at("--max-depth") < at("--log-format"), "{help}");
}
