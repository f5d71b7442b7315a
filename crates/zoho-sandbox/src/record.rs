//! A stored record of any module, as the CRM API's handlers and the seed data share it. Kept apart
//! from `state` so that the seed data (`data`) needs nothing of the state that holds it.

use std::time::{Duration, Instant};

use serde_json::{Map, Value};

/// A stored record of any module: field values as stored (lookups as `{"id"}`, owners as
/// `{"name","id","email"}`) plus typed copies of what sorting and permissions need.
#[derive(Debug, Clone)]
pub(crate) struct StoredRecord {
    pub id: u64,
    pub owner: usize,
    pub created: i64,
    pub modified: i64,
    /// Field values by API name, without `id` (absent = unset).
    pub fields: Map<String, Value>,
    /// When search sees the current version (Zoho's index lags behind writes, §2.8); `None` =
    /// indexed already.
    pub searchable_at: Option<Instant>,
    /// The version search sees until then: the fields before the last edit, or `None` for a record
    /// created since (search does not find it yet).
    pub indexed_fields: Option<Map<String, Value>>,
}

impl StoredRecord {
    pub fn field(&self, api_name: &str) -> &Value {
        self.fields.get(api_name).unwrap_or(&Value::Null)
    }

    /// A record as written by seed data: already in the search index.
    pub fn new(id: u64, owner: usize, created: i64, modified: i64, fields: Map<String, Value>) -> Self {
        StoredRecord { id, owner, created, modified, fields, searchable_at: None, indexed_fields: None }
    }

    /// The version of this record search sees at `now`, if any (§2.8 indexing delay).
    pub fn as_indexed(&self, now: Instant) -> Option<std::borrow::Cow<'_, StoredRecord>> {
        match (self.searchable_at, &self.indexed_fields) {
            (None, _) => Some(std::borrow::Cow::Borrowed(self)),
            (Some(at), _) if at <= now => Some(std::borrow::Cow::Borrowed(self)),
            (Some(_), None) => None,
            (Some(_), Some(old)) => Some(std::borrow::Cow::Owned(StoredRecord { fields: old.clone(), ..self.clone() })),
        }
    }

    /// Call before an edit: with a delay, search keeps seeing the version it indexed last (§2.8).
    pub fn will_change(&mut self, delay: Duration) {
        if delay.is_zero() {
            (self.searchable_at, self.indexed_fields) = (None, None);
            return;
        }
        let now = Instant::now();
        if self.searchable_at.is_none_or(|at| at <= now) {
            self.indexed_fields = Some(self.fields.clone());
        }
        self.searchable_at = Some(now + delay);
    }

    /// Call on a new record: with a delay, search does not find it until then (§2.8).
    pub fn just_created(&mut self, delay: Duration) {
        self.indexed_fields = None;
        self.searchable_at = (!delay.is_zero()).then(|| Instant::now() + delay);
    }
}
