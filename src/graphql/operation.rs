//! Which operation of a document runs, by async-graphql's rule: the named one, or the only one.
//! One place for it, because the HTTP layer (GET may not mutate, the metrics label, the answer
//! cache) and the limits must agree with what the executor will run.

use async_graphql::Positioned;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection};

/// The operation `operation_name` selects; `None` when the executor would refuse the request
/// (an unknown name, or several operations and no name).
pub fn chosen<'d>(doc: &'d ExecutableDocument, operation_name: Option<&str>) -> Option<&'d Positioned<OperationDefinition>> {
    match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.iter().find(|(n, _)| n.as_str() == name).map(|(_, op)| op),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Whether the chosen operation writes (a mutation or subscription). A document the executor would
/// refuse is not a mutation: it never runs.
pub fn is_mutation(doc: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    chosen(doc, operation_name).is_some_and(|op| op.node.ty != OperationType::Query)
}

/// `query leads`, `mutation createLead`: the operation's type and first root field, a label
/// bounded by the schema (operation names are the client's and could be anything).
pub fn label(doc: &ExecutableDocument, operation_name: Option<&str>) -> String {
    let Some(op) = chosen(doc, operation_name) else { return "unknown".into() };
    let root = op.node.selection_set.node.items.iter().find_map(|item| match &item.node {
        Selection::Field(f) => Some(f.node.name.node.as_str()),
        _ => None,
    });
    let kind = match op.node.ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    let root = root.filter(|r| r.len() <= 64 && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).unwrap_or("fragment");
    format!("{kind} {root}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(q: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(q).expect("a document")
    }

    #[test]
    fn the_named_or_only_operation_is_chosen() {
        let two = doc("query A { me { expiresAt } } mutation B { logout }");
        assert!(is_mutation(&two, Some("B")));
        assert!(!is_mutation(&two, Some("A")));
        assert!(chosen(&two, None).is_none(), "several operations need a name");
        assert!(chosen(&two, Some("C")).is_none());
        assert!(is_mutation(&doc("mutation { logout }"), None));
        assert!(!is_mutation(&doc("{ me { expiresAt } }"), None));
        assert_eq!(label(&two, Some("B")), "mutation logout");
        assert_eq!(label(&two, None), "unknown");
        assert_eq!(label(&doc("{ ...F } fragment F on Query { me { expiresAt } }"), None), "query fragment");
    }
}
