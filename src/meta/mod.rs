//! The org's metadata: the `snapshot` pulled from Zoho (`crm-schema.json`), the `model` of exposed
//! modules and GraphQL names derived from it, input validation from it (`validate`), pulling a
//! snapshot (`pull`) and the hourly check for drift against Zoho (`drift`). The snapshot is the one
//! table that drives types, inputs, validation and search: there is no per-field Rust code.

pub mod drift;
pub mod model;
pub mod pull;
pub mod snapshot;
pub mod validate;

pub use model::{CrmModel, FieldDef, FieldKind, ModuleDef};
pub use snapshot::Snapshot;
