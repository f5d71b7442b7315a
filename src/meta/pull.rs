//! `zoho-gateway schema pull`: reads the org's modules and the fields of each module in
//! `GATEWAY_MODULES` with the stored tokens of a user who signed in through this gateway, and
//! writes them as a snapshot. Every failure says what to do about it.

use std::path::Path;

use anyhow::{Context as _, bail};

use super::snapshot::{FORMAT, ModuleSnapshot, OrgInfo, Snapshot};
use crate::app::Core;
use crate::config::Config;
use crate::crm::{CrmError, UserCrm};
use crate::error::GatewayError;

/// Pulls the snapshot and writes it to `out`; returns it too.
pub async fn run(config: &Config, email: &str, out: &Path) -> anyhow::Result<Snapshot> {
    // No sign-in starts here, so no scopes are asked for; the stored grant's are what count.
    let core = Core::build(config, Vec::new()).await?;
    let keys = core.store.token_keys_by_email(email.trim()).await.context("reading the store")?;
    let key = match keys.as_slice() {
        [] => bail!(
            "no user with the email {email} has signed in through this gateway with this DATABASE_URL: sign in \
             once (the portal's \"Sign in with Zoho\"), then pull again"
        ),
        [key] => key.clone(),
        more => bail!(
            "{email} has signed in to {} orgs ({}); pull with a store that holds only the one you want",
            more.len(),
            more.iter().map(|k| k.org_id.as_str()).collect::<Vec<_>>().join(", ")
        ),
    };
    let tokens = core.store.get_tokens(&key).await.context("reading the store")?;
    let crm = UserCrm::new(key.clone(), core.tokens.clone(), core.zoho.clone());
    let modules = crm.call(|z, c| async move { z.modules(&c).await }).await.map_err(|e| explain(e, "the org's modules"))?;
    let mut pulled = Vec::new();
    for name in &config.modules {
        let Some(module) = modules.iter().find(|m| &m.api_name == name) else {
            let known: Vec<&str> = modules.iter().filter(|m| m.api_supported).map(|m| m.api_name.as_str()).collect();
            bail!("the org has no module {name} (GATEWAY_MODULES); its API modules are: {}", known.join(", "));
        };
        if !module.api_supported {
            bail!("{name} is not available through Zoho's API (api_supported is false)");
        }
        let n = name.as_str();
        let fields = crm
            .call(|z, c| async move { z.fields(&c, n).await })
            .await
            .map_err(|e| explain(e, &format!("the fields of {name}")))?;
        pulled.push(ModuleSnapshot { module: module.clone(), fields });
    }
    let snapshot = Snapshot {
        format: FORMAT.to_owned(),
        org: tokens.map(|t| OrgInfo { id: key.org_id.clone(), name: t.org_name }),
        modules: pulled,
    };
    std::fs::write(out, snapshot.to_json()).with_context(|| format!("writing {}", out.display()))?;
    Ok(snapshot)
}

fn explain(e: CrmError, what: &str) -> anyhow::Error {
    match GatewayError::from(e) {
        GatewayError::Unauthenticated(_) => anyhow::anyhow!(
            "Zoho no longer honours this user's tokens (revoked or expired grant): sign in through the gateway again, then pull"
        ),
        GatewayError::Forbidden => anyhow::anyhow!(
            "this user's profile or scopes cannot read {what}: sign in with a user whose profile may read the setup, and \
             with the scopes ZohoCRM.settings.modules.READ and ZohoCRM.settings.fields.READ (ZOHO_SCOPES)"
        ),
        GatewayError::BadUserInput { message, .. } => anyhow::anyhow!("Zoho refused to read {what}: {message}"),
        other => anyhow::anyhow!("reading {what} failed ({})", other.code()),
    }
}
