//! Which OAuth scopes exist (§1.10), so that `/oauth/v2/auth` refuses unknown ones as Zoho does.
//! Format `Service.scope[.sub].OPERATION`, compared case-insensitively. The lists hold the scopes
//! of the v8 docs and `v8.0/common.json` a CRM client plausibly asks for; not all 80 are modelled.

/// `ZohoCRM.modules.<name>.<op>` names besides the org's own modules (Zoho's standard modules
/// and the `custom` family, §1.10).
const STANDARD_MODULES: [&str; 24] = [
    "leads",
    "accounts",
    "contacts",
    "deals",
    "campaigns",
    "tasks",
    "cases",
    "events",
    "calls",
    "solutions",
    "products",
    "vendors",
    "pricebooks",
    "quotes",
    "salesorders",
    "purchaseorders",
    "invoices",
    "custom",
    "notes",
    "attachments",
    "appointments",
    "services",
    "approvals",
    "dashboards",
];

/// `ZohoCRM.settings.<name>.<op>` names.
const SETTINGS: [&str; 22] = [
    "fields",
    "modules",
    "layouts",
    "custom_views",
    "related_lists",
    "roles",
    "profiles",
    "territories",
    "variables",
    "variable_groups",
    "tags",
    "pipeline",
    "currencies",
    "business_hours",
    "workflow_rules",
    "webhooks",
    "functions",
    "blueprint",
    "templates",
    "email_templates",
    "layout_rules",
    "assignment_rules",
];

const OPERATIONS: [&str; 7] = ["ALL", "READ", "CREATE", "UPDATE", "DELETE", "WRITE", "CUSTOM"];

/// Whether `scope` exists, given the org's module API names.
pub(crate) fn is_known(scope: &str, org_modules: &[String]) -> bool {
    let parts: Vec<String> = scope.split('.').map(str::to_ascii_lowercase).collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let Some((op, path)) = parts.split_last() else {
        return false;
    };
    if !OPERATIONS.iter().any(|o| o.eq_ignore_ascii_case(op)) {
        return false;
    }
    let module = |name: &str| STANDARD_MODULES.contains(&name) || org_modules.iter().any(|m| m.eq_ignore_ascii_case(name));
    match path {
        ["zohocrm", "modules"] | ["zohocrm", "settings"] => true,
        ["zohocrm", "modules", name] => module(name),
        ["zohocrm", "settings", name] => SETTINGS.contains(name),
        ["zohocrm", "users" | "org" | "notifications" | "bulk" | "files" | "mass_update" | "share" | "coql"] => true,
        ["zohocrm", "graphql"] => *op == "read",
        ["zohosearch", "securesearch"] => true,
        ["aaaserver", "profile"] => true,
        _ => false,
    }
}

/// Scopes are comma-separated in Zoho (§1.2); `authorize` refuses spaces, this split (also used to
/// show them on the consent page) tolerates them. Compared case-insensitively.
pub(crate) fn parse_scopes(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::to_string).collect()
}
