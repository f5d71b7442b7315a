//! Drift: an org's metadata changes in Zoho at any time. Each org's field metadata is re-read at
//! most hourly with a signed-in user's token (Zoho's SDK does the same, zoho-api.md §11). A snapshot
//! field that Zoho no longer has is logged, counted (`gateway_schema_drift_total`) and left out of
//! the `fields` the gateway asks for, so the rest of a query still works while that field answers
//! a `SCHEMA_DRIFT` error naming it; a field added in Zoho logs a hint to run `schema pull`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{CrmModel, FieldKind};
use crate::crm::UserCrm;

/// How long an org's metadata check holds.
const RECHECK: Duration = Duration::from_secs(3600);

/// What one org's Zoho lacks of the snapshot.
#[derive(Debug, Default)]
pub struct OrgDrift {
    /// (module API name, field API name) pairs Zoho no longer has.
    missing: Mutex<HashSet<(String, String)>>,
}

impl OrgDrift {
    pub fn is_missing(&self, module: &str, field: &str) -> bool {
        self.missing.lock().map(|m| m.contains(&(module.to_owned(), field.to_owned()))).unwrap_or(false)
    }

    /// Records a field Zoho refused (found between hourly checks); true when it is news.
    pub fn mark_missing(&self, module: &str, field: &str) -> bool {
        let new = self.missing.lock().map(|mut m| m.insert((module.to_owned(), field.to_owned()))).unwrap_or(false);
        if new {
            tracing::warn!(
                module,
                field,
                "a field of the schema snapshot no longer exists in Zoho CRM; run `zoho-gateway schema pull`"
            );
            crate::telemetry::schema_drift(module, field);
        }
        new
    }

    /// `fields` without the ones Zoho no longer has.
    pub fn retain(&self, module: &str, fields: &mut Vec<String>) {
        if let Ok(missing) = self.missing.lock()
            && !missing.is_empty()
        {
            fields.retain(|f| !missing.contains(&(module.to_owned(), f.clone())));
        }
    }
}

#[derive(Clone)]
pub struct Drift {
    model: Arc<CrmModel>,
    orgs: moka::future::Cache<String, Arc<OrgDrift>>,
}

impl Drift {
    pub fn new(model: Arc<CrmModel>) -> Self {
        Self { model, orgs: moka::future::Cache::builder().max_capacity(10_000).time_to_live(RECHECK).build() }
    }

    /// Checks the org now, with this user's token: at sign-in, when the org's last check is over
    /// an hour old (so requests never wait for it).
    pub async fn check_at_sign_in(&self, crm: &UserCrm) {
        if !self.orgs.contains_key(&crm.key.org_id) {
            let drift = check(&self.model, crm).await;
            self.orgs.insert(crm.key.org_id.clone(), drift).await;
        }
    }

    /// The org's drift as last checked. When that was over an hour ago, a check starts in the
    /// background with this user's token and the request goes on with what is known.
    pub async fn for_org(&self, crm: &UserCrm) -> Arc<OrgDrift> {
        if let Some(drift) = self.orgs.get(&crm.key.org_id).await {
            return drift;
        }
        let known = Arc::new(OrgDrift::default());
        // Inserted first, so that concurrent requests start one check, not one each.
        self.orgs.insert(crm.key.org_id.clone(), known.clone()).await;
        let (model, crm, orgs) = (self.model.clone(), crm.clone(), self.orgs.clone());
        tokio::spawn(async move {
            let drift = check(&model, &crm).await;
            orgs.insert(crm.key.org_id.clone(), drift).await;
        });
        known
    }
}

/// Reads every exposed module's fields and compares them with the snapshot. A module whose
/// metadata cannot be read (a profile without the permission, Zoho down) shows no drift; Zoho's own
/// refusals of a removed field still mark it (`OrgDrift::mark_missing`).
async fn check(model: &CrmModel, crm: &UserCrm) -> Arc<OrgDrift> {
    let drift = Arc::new(OrgDrift::default());
    for m in &model.modules {
        let module = m.api_name.as_str();
        let fields = match crm.call(|z, c| async move { z.fields(&c, module).await }).await {
            Ok(fields) if !fields.is_empty() => fields,
            Ok(_) => continue,
            Err(e) => {
                tracing::debug!(module, error = %e, "could not read field metadata for the drift check");
                continue;
            }
        };
        let live: HashSet<&str> = fields.iter().map(|f| f.api_name.as_str()).collect();
        for f in &m.fields {
            if !live.contains(f.api_name.as_str()) {
                drift.mark_missing(module, &f.api_name);
            }
        }
        let added: Vec<&str> = fields
            .iter()
            .filter(|f| FieldKind::of(f).is_some() && m.field_by_api(&f.api_name).is_none() && f.api_name != "id")
            .map(|f| f.api_name.as_str())
            .collect();
        if !added.is_empty() {
            tracing::info!(module, fields = ?added, "Zoho CRM has fields the schema snapshot lacks; run `zoho-gateway schema pull` to serve them");
        }
    }
    drift
}
