//! Per-request DataLoaders. Records asked for by id anywhere in one operation (root lookups and
//! lookup fields alike) are fetched with one `GET /{module}?ids=` per module, per 100 ids and per
//! distinct field selection (zoho-api.md §2.2).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;

use crate::crm::UserCrm;
use crate::error::GatewayError;
use crate::zoho::records::Record;

/// Zoho's cap on `ids` per call (zoho-api.md §2.2; 100 is the usual Zoho cap).
const IDS_PER_CALL: usize = 100;

/// A record id, its module and the Zoho fields wanted for it (comma-joined, sorted).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordKey {
    pub module: Arc<str>,
    pub id: String,
    pub fields: Arc<str>,
}

pub struct RecordLoader {
    crm: UserCrm,
}

impl RecordLoader {
    pub fn new(crm: UserCrm) -> Self {
        Self { crm }
    }
}

impl Loader<RecordKey> for RecordLoader {
    type Value = Record;
    type Error = GatewayError;

    async fn load(&self, keys: &[RecordKey]) -> Result<HashMap<RecordKey, Record>, GatewayError> {
        let mut groups: HashMap<(Arc<str>, Arc<str>), Vec<String>> = HashMap::new();
        for key in keys {
            let ids = groups.entry((key.module.clone(), key.fields.clone())).or_default();
            if !ids.contains(&key.id) {
                ids.push(key.id.clone());
            }
        }
        let mut found = HashMap::new();
        for ((module, fields), ids) in groups {
            let field_list: Vec<String> = fields.split(',').map(str::to_owned).collect();
            let (field_list, m) = (&field_list, &*module);
            for chunk in ids.chunks(IDS_PER_CALL) {
                let records = self.crm.call(|z, c| async move { z.by_ids(&c, m, chunk, field_list).await }).await?;
                for record in records {
                    if let Some(id) = record.get("id").and_then(|v| v.as_str()) {
                        let key = RecordKey { module: module.clone(), id: id.to_owned(), fields: fields.clone() };
                        found.insert(key, record);
                    }
                }
            }
        }
        Ok(found)
    }
}
