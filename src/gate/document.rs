//! The checks of a GraphQL document the gate runs before execution: aliases, root fields, the
//! safelist.

use std::sync::Arc;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Aliases anywhere in a selection set (fragments are counted where they are defined).
pub(crate) fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(f) => {
                usize::from(f.node.alias.is_some()) + count_aliases(&f.node.selection_set.node)
            }
            Selection::InlineFragment(f) => count_aliases(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Root fields of a selection set, looking through inline fragments and named fragments.
pub(crate) fn count_root_fields(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    depth: usize,
) -> usize {
    if depth > 8 {
        return 0;
    }
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(f) => {
                count_root_fields(doc, &f.node.selection_set.node, depth + 1)
            }
            Selection::FragmentSpread(spread) => doc
                .fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |f| {
                    count_root_fields(doc, &f.node.selection_set.node, depth + 1)
                }),
        })
        .sum()
}

/// An operation's text without comments and with whitespace folded, so that a registered
/// operation matches however a client indents it.
pub fn normalise_operation(text: &str) -> String {
    text.lines()
        .map(|l| match l.find('#') {
            // A '#' inside a string literal is rare in operations; registered ones have none.
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Executes only registered operations.
pub struct Safelist {
    allowed: Arc<std::collections::HashSet<String>>,
}

impl Safelist {
    /// Reads every `.graphql` file of `dir`.
    pub fn load(dir: &std::path::Path) -> anyhow::Result<Self> {
        let mut allowed = std::collections::HashSet::new();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| anyhow::anyhow!("safelist {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "graphql") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                allowed.insert(normalise_operation(&text));
            }
        }
        if allowed.is_empty() {
            anyhow::bail!("safelist {}: no .graphql files", dir.display());
        }
        Ok(Safelist {
            allowed: Arc::new(allowed),
        })
    }

    /// Whether `query` is one of the registered operations.
    pub fn allows(&self, query: &str) -> bool {
        self.allowed.contains(&normalise_operation(query))
    }
}
