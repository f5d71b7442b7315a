//! Parsed documents, kept by their text. A portal sends the same few documents over and over,
//! and parsing one (async-graphql's pest grammar) cost about 6% of the CPU of a page passed
//! through (issue 12's profile): each distinct text is parsed once, and each request runs on a
//! copy, since execution consumes (and edits: `@skip`/`@include`) its own.
//!
//! A document is no user's data, but its text may hold literal arguments; the cache lives in
//! process memory only and is bounded by the total length of the texts it keeps.

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError};
use moka::sync::Cache;

/// Total length of the document texts kept: a few hundred typical documents. A parsed document
/// takes some ten times its text, so the cache stays within a few MiB.
const MAX_TEXT_BYTES: u64 = 256 * 1024;

pub struct ParsedDocuments(Cache<String, Arc<ExecutableDocument>>);

impl Default for ParsedDocuments {
    fn default() -> Self {
        let weigher = |text: &String, _: &Arc<ExecutableDocument>| u32::try_from(text.len()).unwrap_or(u32::MAX);
        Self(Cache::builder().max_capacity(MAX_TEXT_BYTES).weigher(weigher).build())
    }
}

impl ParsedDocuments {
    /// `request`'s document, parsed at most once per distinct text; the request gets its own copy.
    pub fn parse(&self, request: &mut Request) -> Result<Arc<ExecutableDocument>, ServerError> {
        if let Some(doc) = self.0.get(&request.query) {
            request.set_parsed_query(ExecutableDocument::clone(&doc));
            return Ok(doc);
        }
        let doc = Arc::new(request.parsed_query()?.clone());
        self.0.insert(request.query.clone(), doc.clone());
        Ok(doc)
    }
}
