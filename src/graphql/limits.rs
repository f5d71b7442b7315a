//! Query limits beyond async-graphql's depth limit: complexity weighted by the records a field
//! asks for (a list of N records costs N × its selection; the dynamic schema has no per-field
//! complexity, so it is counted here), aliases and by-id lookups per operation (each
//! `lead(id:)` becomes Zoho work, and aliases multiply it), and which documents are pure
//! introspection (served by a schema without limits, so GraphiQL's schema view keeps working:
//! async-graphql issue 1696).

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{Value, Variables};

use crate::meta::CrmModel;

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
    pub complexity: usize,
}

/// Which root fields cost what: by-id lookups (5 + selection) and lists (10, or 20 for a
/// search, + perPage × selection); every other field costs 1 + its selection.
#[derive(Debug, Clone, Default)]
pub struct Costs {
    by_id: HashSet<String>,
    lists: HashSet<String>,
    searches: HashSet<String>,
}

/// `perPage` when a list does not say.
const DEFAULT_PER_PAGE: usize = 50;

impl Costs {
    pub fn new(model: &CrmModel) -> Self {
        let mut costs = Self::default();
        for m in &model.modules {
            costs.by_id.insert(m.singular_field.clone());
            costs.lists.insert(m.plural_field.clone());
            let mut search = String::from("search");
            let mut chars = m.plural_field.chars();
            if let Some(c) = chars.next() {
                search.push(c.to_ascii_uppercase());
                search.push_str(chars.as_str());
            }
            costs.searches.insert(search);
        }
        costs
    }
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
pub fn counts(doc: &ExecutableDocument, operation_name: Option<&str>, costs: &Costs, variables: &Variables) -> Counts {
    // A document whose operation cannot be chosen costs nothing: the executor refuses it.
    let Some(op) = super::operation::chosen(doc, operation_name) else { return Counts::default() };
    let mut counter = Counter { doc, costs, variables, memo: HashMap::new(), visiting: HashSet::new() };
    counter.set(&op.node.selection_set.node)
}

struct Counter<'a> {
    doc: &'a ExecutableDocument,
    costs: &'a Costs,
    variables: &'a Variables,
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
                    let name = f.node.name.node.as_str();
                    let complexity = if self.costs.by_id.contains(name) {
                        5usize.saturating_add(inner.complexity)
                    } else if self.costs.lists.contains(name) || self.costs.searches.contains(name) {
                        let base = if self.costs.searches.contains(name) { 20 } else { 10 };
                        self.per_page(&f.node).saturating_mul(inner.complexity).saturating_add(base)
                    } else {
                        inner.complexity.saturating_add(1)
                    };
                    Counts {
                        aliases: inner.aliases + usize::from(f.node.alias.is_some()),
                        lead_lookups: inner.lead_lookups + usize::from(self.costs.by_id.contains(name)),
                        complexity,
                    }
                }
                Selection::InlineFragment(frag) => self.set(&frag.node.selection_set.node),
                Selection::FragmentSpread(spread) => self.fragment(spread.node.fragment_name.node.as_str()),
            };
            total.aliases = total.aliases.saturating_add(c.aliases);
            total.lead_lookups = total.lead_lookups.saturating_add(c.lead_lookups);
            total.complexity = total.complexity.saturating_add(c.complexity);
        }
        total
    }

    /// A list's `perPage`, from the document or its variables, clamped as the resolver clamps.
    fn per_page(&self, field: &Field) -> usize {
        let given = field
            .get_argument("perPage")
            .and_then(|v| v.node.clone().into_const_with(|name| self.variables.get(&name).cloned().ok_or(())).ok());
        match given {
            Some(Value::Number(n)) => n.as_u64().map_or(1, |n| n.clamp(1, 200) as usize),
            _ => DEFAULT_PER_PAGE,
        }
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
        let costs = Costs::new(&CrmModel::build(&crate::meta::Snapshot::built_in(), &["Leads".into()]).unwrap());
        let none = Variables::default();
        let d = doc("query { a: lead(id: \"1\") { id } b: lead(id: \"2\") { ...F } } fragment F on Lead { x: id y: id }");
        assert_eq!(counts(&d, None, &costs, &none), Counts { aliases: 4, lead_lookups: 2, complexity: 6 + 7 });
        let d = doc("query { ...G ...G } fragment G on Query { l1: lead(id: \"1\") { id } l2: lead(id: \"2\") { id } }");
        assert_eq!(counts(&d, None, &costs, &none).lead_lookups, 4, "a fragment counts at every spread");
        let d = doc("query($n: Int) { leads(perPage: $n) { nodes { id lastName } } }");
        let vars = Variables::from_json(serde_json::json!({ "n": 200 }));
        assert_eq!(counts(&d, None, &costs, &vars).complexity, 10 + 200 * 3);
    }

    #[test]
    fn introspection_only_documents_are_recognised() {
        assert!(is_introspection_only(&doc("query IntrospectionQuery { __schema { types { name } } }")));
        assert!(is_introspection_only(&doc("{ __type(name: \"Lead\") { name } __typename }")));
        assert!(!is_introspection_only(&doc("{ __schema { types { name } } me { expiresAt } }")));
        assert!(!is_introspection_only(&doc("{ ...F } fragment F on Query { me { expiresAt } }")));
    }
}
