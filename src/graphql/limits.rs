//! Query limits beyond async-graphql's depth and complexity: aliases and lead lookups per
//! operation (each `lead(id:)` becomes Zoho work, and aliases multiply it), and which documents
//! are pure introspection (served by a schema without limits, so GraphiQL's schema view keeps
//! working: async-graphql issue 1696).

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};

/// Limits from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_lead_ids: usize,
    pub introspection: bool,
}

/// What an operation asks for, counted through fragments.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub aliases: usize,
    pub lead_lookups: usize,
}

/// True when every root field of every operation is `__schema`, `__type` or `__typename`.
pub fn is_introspection_only(doc: &ExecutableDocument) -> bool {
    let mut roots = doc.operations.iter().flat_map(|(_, op)| op.node.selection_set.node.items.iter());
    roots.all(|item| match &item.node {
        Selection::Field(f) => f.node.name.node.starts_with("__"),
        _ => false,
    })
}

/// Counts of the operation that will run (by name, or the only one), fragments expanded.
pub fn counts(doc: &ExecutableDocument, operation_name: Option<&str>) -> Counts {
    let op = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.iter().find(|(n, _)| n.as_str() == name).map(|(_, op)| op),
        (DocumentOperations::Multiple(ops), None) => ops.values().next(),
    };
    let Some(op) = op else { return Counts::default() };
    let mut counter = Counter { doc, memo: HashMap::new(), visiting: HashSet::new() };
    counter.set(&op.node.selection_set.node)
}

struct Counter<'a> {
    doc: &'a ExecutableDocument,
    memo: HashMap<&'a str, Counts>,
    visiting: HashSet<&'a str>,
}

impl<'a> Counter<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Counts {
        let mut total = Counts::default();
        for item in &set.items {
            let c = match &item.node {
                Selection::Field(f) => {
                    let inner = self.set(&f.node.selection_set.node);
                    Counts {
                        aliases: inner.aliases + usize::from(f.node.alias.is_some()),
                        lead_lookups: inner.lead_lookups + usize::from(f.node.name.node.as_str() == "lead"),
                    }
                }
                Selection::InlineFragment(frag) => self.set(&frag.node.selection_set.node),
                Selection::FragmentSpread(spread) => self.fragment(spread.node.fragment_name.node.as_str()),
            };
            total.aliases = total.aliases.saturating_add(c.aliases);
            total.lead_lookups = total.lead_lookups.saturating_add(c.lead_lookups);
        }
        total
    }

    fn fragment(&mut self, name: &'a str) -> Counts {
        if let Some(c) = self.memo.get(name) {
            return *c;
        }
        // A cycle is a validation error reported by async-graphql; count it as nothing here.
        if !self.visiting.insert(name) {
            return Counts::default();
        }
        let counted = match self.doc.fragments.iter().find(|(n, _)| n.as_str() == name) {
            Some((_, frag)) => self.set(&frag.node.selection_set.node),
            None => Counts::default(),
        };
        self.visiting.remove(name);
        self.memo.insert(name, counted);
        counted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(q: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(q).unwrap()
    }

    #[test]
    fn counts_through_fragments() {
        let d = doc("query { a: lead(id: \"1\") { id } b: lead(id: \"2\") { ...F } } fragment F on Lead { x: id y: id }");
        assert_eq!(counts(&d, None), Counts { aliases: 4, lead_lookups: 2 });
        let d = doc("query { ...G ...G } fragment G on Query { l1: lead(id: \"1\") { id } l2: lead(id: \"2\") { id } }");
        assert_eq!(counts(&d, None), Counts { aliases: 4, lead_lookups: 4 }, "a fragment counts at every spread");
    }

    #[test]
    fn introspection_only_documents_are_recognised() {
        assert!(is_introspection_only(&doc("query IntrospectionQuery { __schema { types { name } } }")));
        assert!(is_introspection_only(&doc("{ __type(name: \"Lead\") { name } __typename }")));
        assert!(!is_introspection_only(&doc("{ __schema { types { name } } me { expiresAt } }")));
        assert!(!is_introspection_only(&doc("{ ...F } fragment F on Query { me { expiresAt } }")));
    }
}
