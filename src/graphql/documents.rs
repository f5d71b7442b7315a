//! Persisted documents: which query text a request runs when it names a document by hash.
//!
//! - **Automatic persisted queries** (Apollo's APQ, always on): a client sends
//!   `extensions.persistedQuery.sha256Hash` without the query; an unknown hash is answered with
//!   `PERSISTED_QUERY_NOT_FOUND`, and the client sends the query with its hash once, which is then
//!   kept (bounded; documents are not user data). A hash that is not the query's is refused.
//! - **Trusted documents** (`GATEWAY_TRUSTED_DOCUMENTS`): only the operations of the configured
//!   manifests run, named by hash (`documentId`, with or without `sha256:`, or APQ's hash) or sent
//!   as text whose hash is listed; anything else is `PERSISTED_QUERY_NOT_IN_LIST`. Introspection is
//!   then off unless `GATEWAY_INTROSPECTION=true`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Bytes of APQ documents kept per process (a portal's operations are a few KiB each).
const APQ_CACHE_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocumentError {
    /// Apollo's clients look for this exact message (and the code) to resend the query.
    #[error("PersistedQueryNotFound")]
    NotFound,
    #[error("This operation is not in the gateway's list of trusted documents (GATEWAY_TRUSTED_DOCUMENTS).")]
    NotInList,
    #[error("The persisted query's sha256Hash is not the SHA-256 of its query.")]
    HashMismatch,
    #[error("{0}")]
    BadRequest(&'static str),
}

impl DocumentError {
    pub fn code(&self) -> &'static str {
        match self {
            DocumentError::NotFound => "PERSISTED_QUERY_NOT_FOUND",
            DocumentError::NotInList => "PERSISTED_QUERY_NOT_IN_LIST",
            DocumentError::HashMismatch => "PERSISTED_QUERY_HASH_MISMATCH",
            DocumentError::BadRequest(_) => "BAD_REQUEST",
        }
    }
}

/// How a request names its document (fields of the GraphQL-over-HTTP request).
#[derive(Debug, Default)]
pub struct Named<'a> {
    pub query: Option<&'a str>,
    /// `documentId`: the trusted documents' name for it (graphql-codegen's client preset sends it).
    pub document_id: Option<&'a str>,
    /// `extensions.persistedQuery` as sent.
    pub persisted_query: Option<&'a serde_json::Value>,
}

/// The query text to run, and whether the trusted list has it.
#[derive(Debug)]
pub struct Resolved {
    pub query: String,
    pub listed: bool,
}

pub struct Documents {
    /// The trusted documents by SHA-256 (lowercase hex); `None`: every document may run.
    trusted: Option<HashMap<String, Arc<str>>>,
    apq: moka::sync::Cache<String, Arc<str>>,
}

impl Documents {
    pub fn new(manifests: &[PathBuf]) -> anyhow::Result<Self> {
        let trusted = if manifests.is_empty() {
            None
        } else {
            let mut all = HashMap::new();
            for path in manifests {
                all.extend(load_manifest(path)?);
            }
            Some(all)
        };
        let apq = moka::sync::Cache::builder()
            .weigher(|hash: &String, query: &Arc<str>| u32::try_from(hash.len() + query.len()).unwrap_or(u32::MAX))
            .max_capacity(APQ_CACHE_BYTES)
            .build();
        Ok(Documents { trusted, apq })
    }

    pub fn trusted_only(&self) -> bool {
        self.trusted.is_some()
    }

    pub fn resolve(&self, named: &Named<'_>) -> Result<Resolved, DocumentError> {
        let query = named.query.filter(|q| !q.trim().is_empty());
        let hash = match (named.document_id, named.persisted_query) {
            (Some(id), _) => Some(normalise(id.strip_prefix("sha256:").unwrap_or(id))?),
            (None, Some(pq)) => Some(persisted_query_hash(pq)?),
            (None, None) => None,
        };
        match (query, hash) {
            (None, None) => Err(DocumentError::BadRequest("A GraphQL request needs a query.")),
            (Some(query), Some(hash)) => {
                if sha256_hex(query) != hash {
                    return Err(DocumentError::HashMismatch);
                }
                let listed = self.listed(&hash);
                if self.trusted.is_some() && !listed {
                    return Err(DocumentError::NotInList);
                }
                if self.trusted.is_none() {
                    self.apq.insert(hash, Arc::from(query));
                }
                Ok(Resolved { query: query.to_owned(), listed })
            }
            (Some(query), None) => {
                let listed = self.trusted.is_some() && self.listed(&sha256_hex(query));
                Ok(Resolved { query: query.to_owned(), listed })
            }
            (None, Some(hash)) => {
                if let Some(trusted) = &self.trusted {
                    let query = trusted.get(&hash).ok_or(DocumentError::NotInList)?;
                    return Ok(Resolved { query: query.to_string(), listed: true });
                }
                let query = self.apq.get(&hash).ok_or(DocumentError::NotFound)?;
                Ok(Resolved { query: query.to_string(), listed: false })
            }
        }
    }

    fn listed(&self, hash: &str) -> bool {
        self.trusted.as_ref().is_some_and(|t| t.contains_key(hash))
    }
}

fn persisted_query_hash(pq: &serde_json::Value) -> Result<String, DocumentError> {
    const BAD: DocumentError =
        DocumentError::BadRequest("extensions.persistedQuery must be {\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}.");
    if pq.get("version").and_then(serde_json::Value::as_i64) != Some(1) {
        return Err(BAD);
    }
    let hash = pq.get("sha256Hash").and_then(serde_json::Value::as_str).ok_or(BAD)?;
    normalise(hash).map_err(|_| BAD)
}

fn normalise(hash: &str) -> Result<String, DocumentError> {
    if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hash.to_ascii_lowercase())
    } else {
        Err(DocumentError::BadRequest("A document id is the SHA-256 of the document: 64 hex digits, optionally after `sha256:`."))
    }
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The two manifest formats clients' tools write: graphql-codegen's client preset
/// (`persisted-documents.json`: `{"<sha256>": "<document>"}`) and Apollo's persisted query
/// manifest (`{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id",
/// "body", …}]}`). Every id must be the SHA-256 of its body: a manifest that says otherwise would
/// let a client run a document under another's name, so the gateway refuses to start.
fn load_manifest(path: &Path) -> anyhow::Result<HashMap<String, Arc<str>>> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Manifest {
        Apollo { format: String, operations: Vec<ApolloOperation> },
        Codegen(HashMap<String, String>),
    }
    #[derive(Deserialize)]
    struct ApolloOperation {
        id: String,
        body: String,
    }
    let context = || format!("GATEWAY_TRUSTED_DOCUMENTS: {}", path.display());
    let text = std::fs::read_to_string(path).map_err(anyhow::Error::from).map_err(|e| e.context(context()))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: not a persisted documents manifest (graphql-codegen's {{\"<sha256>\": \"<document>\"}} or Apollo's \
             apollo-persisted-query-manifest): {e}",
            context()
        )
    })?;
    let pairs: Vec<(String, String)> = match manifest {
        Manifest::Apollo { format, operations } if format == "apollo-persisted-query-manifest" => {
            operations.into_iter().map(|op| (op.id, op.body)).collect()
        }
        Manifest::Apollo { format, .. } => anyhow::bail!("{}: unknown manifest format {format:?}", context()),
        Manifest::Codegen(map) => map.into_iter().collect(),
    };
    let mut out = HashMap::new();
    for (id, body) in pairs {
        let hash = id.strip_prefix("sha256:").unwrap_or(&id).to_ascii_lowercase();
        if sha256_hex(&body) != hash {
            anyhow::bail!("{}: the id {id} is not the SHA-256 of its document", context());
        }
        out.insert(hash, Arc::from(body));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: &str = "query Me { me { expiresAt } }";

    fn pq(hash: &str) -> serde_json::Value {
        serde_json::json!({ "version": 1, "sha256Hash": hash })
    }

    #[test]
    fn apq_learns_a_query_once_its_hash_is_checked() {
        let docs = Documents::new(&[]).expect("no manifests");
        let hash = sha256_hex(Q);
        let by_hash = pq(&hash);
        let only_hash = Named { persisted_query: Some(&by_hash), ..Named::default() };
        assert_eq!(docs.resolve(&only_hash).unwrap_err(), DocumentError::NotFound);
        let wrong = pq(&sha256_hex("{ other }"));
        let mismatched = Named { query: Some(Q), persisted_query: Some(&wrong), ..Named::default() };
        assert_eq!(docs.resolve(&mismatched).unwrap_err(), DocumentError::HashMismatch);
        assert_eq!(docs.resolve(&only_hash).unwrap_err(), DocumentError::NotFound, "a mismatch teaches nothing");
        let both = Named { query: Some(Q), persisted_query: Some(&by_hash), ..Named::default() };
        assert_eq!(docs.resolve(&both).unwrap().query, Q);
        assert_eq!(docs.resolve(&only_hash).unwrap().query, Q);
        let bad = serde_json::json!({ "version": 2, "sha256Hash": hash });
        assert!(matches!(
            docs.resolve(&Named { persisted_query: Some(&bad), ..Named::default() }),
            Err(DocumentError::BadRequest(_))
        ));
    }

    #[test]
    fn trusted_documents_run_only_what_the_manifests_list() {
        let dir = tempfile::tempdir().expect("tempdir");
        let codegen = dir.path().join("persisted-documents.json");
        std::fs::write(&codegen, serde_json::json!({ sha256_hex(Q): Q }).to_string()).unwrap();
        let other = "query Two { me { user { id } } }";
        let apollo = dir.path().join("apollo.json");
        let manifest = serde_json::json!({ "format": "apollo-persisted-query-manifest", "version": 1,
            "operations": [{ "id": sha256_hex(other), "name": "Two", "type": "query", "body": other }] });
        std::fs::write(&apollo, manifest.to_string()).unwrap();
        let docs = Documents::new(&[codegen, apollo.clone()]).expect("manifests load");
        let id = format!("sha256:{}", sha256_hex(Q));
        assert_eq!(docs.resolve(&Named { document_id: Some(&id), ..Named::default() }).unwrap().query, Q);
        let by_hash = pq(&sha256_hex(other));
        assert_eq!(docs.resolve(&Named { persisted_query: Some(&by_hash), ..Named::default() }).unwrap().query, other);
        assert!(docs.resolve(&Named { query: Some(Q), ..Named::default() }).unwrap().listed, "listed text runs");
        assert!(!docs.resolve(&Named { query: Some("{ __typename }"), ..Named::default() }).unwrap().listed);
        let unknown = pq(&sha256_hex("{ __typename }"));
        assert_eq!(
            docs.resolve(&Named { persisted_query: Some(&unknown), ..Named::default() }).unwrap_err(),
            DocumentError::NotInList
        );

        // A manifest whose id is not its document's hash stops start-up.
        let lying = dir.path().join("lying.json");
        std::fs::write(&lying, serde_json::json!({ sha256_hex(Q): other }).to_string()).unwrap();
        let err = Documents::new(&[lying]).err().expect("refused").to_string();
        assert!(err.contains("not the SHA-256"), "{err}");
    }
}
