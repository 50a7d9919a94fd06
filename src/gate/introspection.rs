//! Introspection bounded on its own terms. The standard IntrospectionQuery (graphql-js
//! `getIntrospectionQuery()`, which GraphiQL, graphql-codegen, Postman and Apollo's tools send)
//! nests 15 fields deep through `ofType`, past the depth limit that suits data queries; but a
//! circular one (`__schema { types { fields { type { fields { type { fields … } } } } } }`)
//! multiplies the schema's size at every level while costing one complexity unit per field.
//!
//! So a document asking for introspection only runs under its own depth bound, sized to the
//! standard query, and every introspection selection obeys graphql-js's
//! `MaxIntrospectionDepthRule`: the lists that lead from a type back to types (`fields`,
//! `interfaces`, `possibleTypes`, `inputFields`) nest at most three deep, as in the standard
//! query (`types` → `fields` → `args`, of which `fields` is one). Both are checked before
//! anything runs.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use crate::gate::MAX_FRAGMENT_NESTING;

/// The depth of graphql-js 16's IntrospectionQuery (`__schema` → `types` → `fields` → `args` →
/// `type` → nine `ofType` → `name`) and one level more, for a client whose type references
/// go one level deeper.
pub const INTROSPECTION_MAX_DEPTH: usize = 16;

/// graphql-js's bound on nested type lists (`MAX_LISTS_DEPTH` of `MaxIntrospectionDepthRule`):
/// a list nested this deep is refused.
const MAX_LISTS_DEPTH: usize = 3;

/// Fields of `__Type` whose answers are lists of fields or types, and so lead back to `__Type`.
const TYPE_LISTS: &[&str] = &["fields", "interfaces", "possibleTypes", "inputFields"];

/// Selections walked at most, fragments expanded: the standard query visits about 60, and
/// spreading one fragment twice in each of a chain of fragments would otherwise double the
/// walk at every link.
const MAX_VISITS: usize = 10_000;

/// Whether every root field of `set` is an introspection field (`__schema`, `__type`,
/// `__typename`), through fragments, and there is at least one.
pub fn introspection_only(doc: &ExecutableDocument, set: &SelectionSet) -> bool {
    let mut roots = Vec::new();
    root_fields(doc, set, 0, &mut roots);
    !roots.is_empty() && roots.iter().all(|name| name.starts_with("__"))
}

fn root_fields<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    nesting: usize,
    out: &mut Vec<&'a str>,
) {
    if nesting > MAX_FRAGMENT_NESTING {
        // A cycle, which validation refuses; never introspection only.
        out.push("");
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(f) => out.push(f.node.name.node.as_str()),
            Selection::InlineFragment(f) => {
                root_fields(doc, &f.node.selection_set.node, nesting + 1, out);
            }
            Selection::FragmentSpread(spread) => {
                match doc.fragments.get(&spread.node.fragment_name.node) {
                    Some(f) => root_fields(doc, &f.node.selection_set.node, nesting + 1, out),
                    None => out.push(""),
                }
            }
        }
    }
}

/// Refuses introspection that nests type lists as deep as graphql-js refuses, with the reason.
/// Only the subtrees of `__schema` and `__type` are walked: data fields may be named `fields`.
pub fn check(doc: &ExecutableDocument, set: &SelectionSet) -> Result<(), String> {
    Walk { doc, visits: 0 }.set(set, None, 0)
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    visits: usize,
}

impl Walk<'_> {
    /// Walks `set`; `lists` is `None` at the operation's root, else how many type lists
    /// enclose it inside `__schema` or `__type`.
    fn set(
        &mut self,
        set: &SelectionSet,
        lists: Option<usize>,
        nesting: usize,
    ) -> Result<(), String> {
        if nesting > MAX_FRAGMENT_NESTING {
            // A cycle, which validation refuses.
            return Ok(());
        }
        for selection in &set.items {
            self.visits += 1;
            if self.visits > MAX_VISITS {
                return Err(format!(
                    "the introspection query selects more than {MAX_VISITS} fields, fragments expanded"
                ));
            }
            match &selection.node {
                Selection::Field(f) => {
                    let name = f.node.name.node.as_str();
                    let inner = match lists {
                        None if name == "__schema" || name == "__type" => 0,
                        // Data fields: not introspection, and bounded by the depth limit.
                        None => continue,
                        Some(n) if TYPE_LISTS.contains(&name) => n + 1,
                        Some(n) => n,
                    };
                    if inner >= MAX_LISTS_DEPTH {
                        return Err(format!(
                            "introspection nests the type lists (fields, interfaces, possibleTypes, inputFields) {inner} deep at `{name}`; at most {} are allowed",
                            MAX_LISTS_DEPTH - 1
                        ));
                    }
                    self.set(&f.node.selection_set.node, Some(inner), nesting)?;
                }
                Selection::InlineFragment(f) => {
                    self.set(&f.node.selection_set.node, lists, nesting + 1)?;
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(f) = self.doc.fragments.get(&spread.node.fragment_name.node) {
                        self.set(&f.node.selection_set.node, lists, nesting + 1)?;
                    }
                }
            }
        }
        Ok(())
    }
}
