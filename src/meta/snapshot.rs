//! The snapshot of an org's metadata (`crm-schema.json`): for each pulled module, Zoho's own module
//! and field descriptions (`GET /settings/modules`, `GET /settings/fields?module=`, zoho-api.md §11),
//! kept as the documented subset of Zoho's JSON that the gateway reads. Zoho's key names are kept so
//! a snapshot can be compared with (and refreshed from) Zoho's answers without a translation table.

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use crate::zoho::records::{FieldMeta, ModuleMeta};

/// The version tag of the snapshot format; a file with another one is refused.
pub const FORMAT: &str = "zoho-gateway/crm-schema@1";

/// The snapshot of the sandbox org, built in: the default of `GATEWAY_CRM_SCHEMA`, and what
/// `--sandbox` serves. A test keeps it equal to what `schema pull` reads from the sandbox.
pub const BUILT_IN: &str = include_str!("sandbox-org.json");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: String,
    /// The org the snapshot was pulled from (informational).
    #[serde(default)]
    pub org: Option<OrgInfo>,
    pub modules: Vec<ModuleSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgInfo {
    pub id: String,
    pub name: String,
}

/// One module: Zoho's module description and its fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleSnapshot {
    pub module: ModuleMeta,
    pub fields: Vec<FieldMeta>,
}

/// Why a snapshot cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not a crm-schema snapshot: {reason}")]
    Invalid { path: String, reason: String },
}

impl Snapshot {
    /// Parses a snapshot; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, SnapshotError> {
        let snapshot: Snapshot =
            serde_json::from_str(text).map_err(|e| SnapshotError::Invalid { path: origin.to_owned(), reason: e.to_string() })?;
        if snapshot.format != FORMAT {
            return Err(SnapshotError::Invalid {
                path: origin.to_owned(),
                reason: format!("format is {:?}, expected {FORMAT:?}", snapshot.format),
            });
        }
        Ok(snapshot)
    }

    pub fn built_in() -> Self {
        // The built-in file is checked by a test; failing to parse it is a build defect.
        Self::parse(BUILT_IN, "the built-in snapshot").unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn load(path: &Path) -> Result<Self, SnapshotError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| SnapshotError::Read { path: path.display().to_string(), source })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Stable JSON: modules and fields in the order Zoho gave them, two-space indented.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    pub fn module(&self, api_name: &str) -> Option<&ModuleSnapshot> {
        self.modules.iter().find(|m| m.module.api_name == api_name)
    }
}
