//! Answers in the order of the selection set, as the GraphQL spec requires ("Response Format":
//! fields in the order they were requested). async-graphql resolves sibling fields concurrently
//! and writes each into the answer as it completes (`do_resolve_container` polls a
//! `FuturesUnordered`), so a slow `leads` lands after a fast `__type` and a batched lookup after
//! the plain fields beside it. The answer is put back in order once, after execution; objects
//! already in order (most of them) are only compared, not rebuilt.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Value};

/// The response keys an object has, in selection order, each with the plan for its value.
#[derive(Default)]
struct Plan<'d> {
    keys: Vec<(&'d str, Plan<'d>)>,
}

impl<'d> Plan<'d> {
    /// The plan for the objects selected by `sets` (several when fields are merged by response key).
    fn of(doc: &'d ExecutableDocument, sets: &[&'d SelectionSet]) -> Plan<'d> {
        let mut merged: Vec<(&'d str, Vec<&'d SelectionSet>)> = Vec::new();
        for set in sets {
            collect(doc, set, &mut merged, 0);
        }
        Plan { keys: merged.into_iter().map(|(key, subs)| (key, Plan::of(doc, &subs))).collect() }
    }

    fn apply(&self, value: &mut Value) {
        match value {
            Value::List(items) => items.iter_mut().for_each(|item| self.apply(item)),
            Value::Object(map) if !self.keys.is_empty() => {
                // The common case, every selected key present and in order, costs one comparison per key.
                let exact = map.len() == self.keys.len() && map.keys().zip(&self.keys).all(|(have, (want, _))| have == want);
                if !exact && !map.keys().map(Name::as_str).eq(self.keys.iter().map(|(k, _)| *k).filter(|k| map.contains_key(*k)))
                {
                    let mut rest = std::mem::take(map);
                    for (key, _) in &self.keys {
                        if let Some((name, v)) = rest.shift_remove_entry(*key) {
                            map.insert(name, v);
                        }
                    }
                    map.extend(rest);
                }
                // Leaves need nothing more; objects and lists below are walked by position when in order.
                if exact {
                    for (v, (_, plan)) in map.values_mut().zip(&self.keys) {
                        if !plan.keys.is_empty() {
                            plan.apply(v);
                        }
                    }
                } else {
                    for (key, plan) in self.keys.iter().filter(|(_, plan)| !plan.keys.is_empty()) {
                        if let Some(v) = map.get_mut(*key) {
                            plan.apply(v);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Fragments nest at most this deep (validation already refuses cycles; this only bounds work).
const MAX_FRAGMENT_DEPTH: usize = 32;

fn collect<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    out: &mut Vec<(&'d str, Vec<&'d SelectionSet>)>,
    depth: usize,
) {
    if depth > MAX_FRAGMENT_DEPTH {
        return;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.as_str();
                let at = match out.iter().position(|(k, _)| *k == key) {
                    Some(at) => at,
                    None => {
                        out.push((key, Vec::new()));
                        out.len() - 1
                    }
                };
                if !field.node.selection_set.node.items.is_empty() {
                    out[at].1.push(&field.node.selection_set.node);
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                    collect(doc, &fragment.node.selection_set.node, out, depth + 1);
                }
            }
            Selection::InlineFragment(inline) => collect(doc, &inline.node.selection_set.node, out, depth + 1),
        }
    }
}

/// Puts `data` (the answer to the operation `operation_name` of `doc`) in selection order.
pub fn restore(data: &mut Value, doc: &ExecutableDocument, operation_name: Option<&str>) {
    if let Some(operation) = super::operation::chosen(doc, operation_name) {
        Plan::of(doc, &[&operation.node.selection_set.node]).apply(data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ordered(query: &str, answer: serde_json::Value) -> String {
        let doc = async_graphql::parser::parse_query(query).expect("a document");
        let mut value = Value::from_json(answer).expect("a value");
        restore(&mut value, &doc, None);
        serde_json::to_string(&value).expect("json")
    }

    #[test]
    fn keys_follow_the_selection_through_aliases_fragments_and_lists() {
        // serde_json's own maps sort keys, so the inputs arrive alphabetically: the worst order.
        let query = "{ z: me { user { name } } ...F ... on Query { a: __typename } } fragment F on Query { m: leads { nodes { x b { y c } } } }";
        let answer = serde_json::json!({ "a": "Query", "m": { "nodes": [{ "b": { "c": 1, "y": 2 }, "x": 3 }, { "b": null, "x": 4 }] }, "z": { "user": { "name": "P" } } });
        assert_eq!(
            ordered(query, answer),
            r#"{"z":{"user":{"name":"P"}},"m":{"nodes":[{"x":3,"b":{"y":2,"c":1}},{"x":4,"b":null}]},"a":"Query"}"#
        );
    }

    #[test]
    fn merged_fields_and_unexpected_keys_are_kept() {
        let query = "{ l: leads { nodes { id } } l: leads { nodes { name } } }";
        let answer = serde_json::json!({ "l": { "nodes": [{ "name": "n", "id": "1", "zz": 0 }] } });
        assert_eq!(ordered(query, answer), r#"{"l":{"nodes":[{"id":"1","name":"n","zz":0}]}}"#);
    }
}
