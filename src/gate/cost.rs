//! 費用 (cost): what an operation may cost before it runs, counted as async-graphql counts
//! complexity, with paged lists multiplied by the page they ask for; the rate limit charges it.

use async_graphql::parser::types::{
    ExecutableDocument, Selection, SelectionSet, VariableDefinition,
};
use async_graphql::{Name, Positioned, Variables};
use async_graphql_value::{ConstValue, Value as ArgumentValue};

use crate::gate::{DEFAULT_FIRST, MAX_FIRST, MAX_FRAGMENT_NESTING};

/// The names of the fields that take `first` (paged lists), read from the schema's SDL. A
/// field of that name is costed as paged wherever it appears, which can only overcharge, and
/// only if another type had a field of the same name without paging (none has).
pub struct PagedFields(std::collections::HashSet<String>);

impl PagedFields {
    pub fn of_sdl(sdl: &str) -> anyhow::Result<PagedFields> {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let sdl = async_graphql::parser::parse_schema(sdl)?;
        let mut names = std::collections::HashSet::new();
        for definition in &sdl.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let fields = match &ty.node.kind {
                TypeKind::Object(o) => &o.fields,
                TypeKind::Interface(i) => &i.fields,
                _ => continue,
            };
            for field in fields {
                if field
                    .node
                    .arguments
                    .iter()
                    .any(|a| a.node.name.node == "first")
                {
                    names.insert(field.node.name.node.to_string());
                }
            }
        }
        Ok(PagedFields(names))
    }
}

/// The complexity async-graphql computes for the operation (every field 1 plus its children; a
/// paged field `first` (default 20, at most 100) times its children plus 1), for the rate limit
/// to charge before execution. A test compares the two on every example query.
pub fn document_cost(
    paged: &PagedFields,
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> usize {
    doc.operations
        .iter()
        .filter(|(name, _)| operation_name.is_none() || name.map(Name::as_str) == operation_name)
        .map(|(_, op)| {
            let cx = Cost {
                paged,
                doc,
                variables,
                definitions: &op.node.variable_definitions,
            };
            cx.of(&op.node.selection_set.node, 0)
        })
        .fold(0, usize::saturating_add)
}

struct Cost<'a> {
    paged: &'a PagedFields,
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    definitions: &'a [Positioned<VariableDefinition>],
}

impl Cost<'_> {
    fn of(&self, set: &SelectionSet, nesting: usize) -> usize {
        if nesting > MAX_FRAGMENT_NESTING {
            return usize::MAX;
        }
        set.items
            .iter()
            .map(|s| match &s.node {
                // async-graphql does not count `__typename`.
                Selection::Field(f) if f.node.name.node == "__typename" => 0,
                Selection::Field(f) => {
                    let children = self.of(&f.node.selection_set.node, nesting);
                    if self.paged.0.contains(f.node.name.node.as_str()) {
                        self.first(f.node.get_argument("first").map(|v| &v.node))
                            .saturating_mul(children)
                            .saturating_add(1)
                    } else {
                        children.saturating_add(1)
                    }
                }
                Selection::InlineFragment(f) => self.of(&f.node.selection_set.node, nesting + 1),
                Selection::FragmentSpread(spread) => self
                    .doc
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .map_or(0, |f| self.of(&f.node.selection_set.node, nesting + 1)),
            })
            .fold(0, usize::saturating_add)
    }

    fn first(&self, value: Option<&ArgumentValue>) -> usize {
        let given = match value {
            None => None,
            Some(ArgumentValue::Variable(name)) => {
                self.variables.get(name).cloned().or_else(|| {
                    self.definitions
                        .iter()
                        .find(|d| d.node.name.node == *name)
                        .and_then(|d| d.node.default_value.as_ref())
                        .map(|v| v.node.clone())
                })
            }
            Some(other) => other.clone().into_const(),
        };
        let n = match given {
            Some(ConstValue::Number(n)) => n.as_i64().unwrap_or(DEFAULT_FIRST),
            _ => DEFAULT_FIRST,
        };
        n.clamp(1, MAX_FIRST) as usize
    }
}
