//! Per-request DataLoaders. Leads asked for by id anywhere in one operation are fetched with one
//! `GET /Leads?ids=` per 100 ids and per distinct field selection (zoho-api.md §2.2).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;

use crate::crm::UserCrm;
use crate::error::GatewayError;
use crate::zoho::records::Record;

/// Zoho's cap on `ids` per call (zoho-api.md §2.2; 100 is the usual Zoho cap).
const IDS_PER_CALL: usize = 100;

/// A lead id and the Zoho fields wanted for it (comma-joined, sorted).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeadKey {
    pub id: String,
    pub fields: Arc<str>,
}

pub struct LeadLoader {
    crm: UserCrm,
}

impl LeadLoader {
    pub fn new(crm: UserCrm) -> Self {
        Self { crm }
    }
}

impl Loader<LeadKey> for LeadLoader {
    type Value = Record;
    type Error = GatewayError;

    async fn load(&self, keys: &[LeadKey]) -> Result<HashMap<LeadKey, Record>, GatewayError> {
        let mut by_fields: HashMap<Arc<str>, Vec<String>> = HashMap::new();
        for key in keys {
            let ids = by_fields.entry(key.fields.clone()).or_default();
            if !ids.contains(&key.id) {
                ids.push(key.id.clone());
            }
        }
        let mut found = HashMap::new();
        for (fields, ids) in by_fields {
            let field_list: Vec<String> = fields.split(',').map(str::to_owned).collect();
            let field_list = &field_list;
            for chunk in ids.chunks(IDS_PER_CALL) {
                let records = self.crm.call(|z, c| async move { z.leads_by_ids(&c, chunk, field_list).await }).await?;
                for record in records {
                    if let Some(id) = record.get("id").and_then(|v| v.as_str()) {
                        found.insert(LeadKey { id: id.to_owned(), fields: fields.clone() }, record);
                    }
                }
            }
        }
        Ok(found)
    }
}
