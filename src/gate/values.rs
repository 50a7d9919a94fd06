//! Argument and variable values a database cannot take or a parser should not walk: NUL
//! characters, lists past the parameter limit, nesting past the bound; refused naming the
//! argument.

use async_graphql::parser::types::{ExecutableDocument, Selection};
use async_graphql::{Name, Positioned, ServerError, Variables};
use async_graphql_value::{ConstValue, Value as ArgumentValue};

use crate::error::AppError;
use crate::gate::{MAX_LIST_ITEMS, MAX_NESTING, limit_exceeded};

/// Why an input value cannot go further, found by [`inspect_value`].
enum Unusable {
    /// A NUL character: PostgreSQL's text cannot hold one and SQLite's search cuts the text at
    /// it.
    Nul,
    /// Lists and objects nested deeper than [`MAX_NESTING`].
    TooDeep,
    /// A list of more than [`MAX_LIST_ITEMS`] items.
    TooLong(usize),
}

/// A value of the document (with variables) or of the variables, seen alike.
trait InputValue {
    fn string(&self) -> Option<&str>;
    fn items(&self) -> Option<&[Self]>
    where
        Self: Sized;
    fn fields(&self) -> Option<Box<dyn Iterator<Item = (&str, &Self)> + '_>>;
}

impl InputValue for ArgumentValue {
    fn string(&self) -> Option<&str> {
        match self {
            ArgumentValue::String(s) => Some(s),
            _ => None,
        }
    }
    fn items(&self) -> Option<&[Self]> {
        match self {
            ArgumentValue::List(items) => Some(items),
            _ => None,
        }
    }
    fn fields(&self) -> Option<Box<dyn Iterator<Item = (&str, &Self)> + '_>> {
        match self {
            ArgumentValue::Object(fields) => {
                Some(Box::new(fields.iter().map(|(k, v)| (k.as_str(), v))))
            }
            _ => None,
        }
    }
}

impl InputValue for ConstValue {
    fn string(&self) -> Option<&str> {
        match self {
            ConstValue::String(s) => Some(s),
            _ => None,
        }
    }
    fn items(&self) -> Option<&[Self]> {
        match self {
            ConstValue::List(items) => Some(items),
            _ => None,
        }
    }
    fn fields(&self) -> Option<Box<dyn Iterator<Item = (&str, &Self)> + '_>> {
        match self {
            ConstValue::Object(fields) => {
                Some(Box::new(fields.iter().map(|(k, v)| (k.as_str(), v))))
            }
            _ => None,
        }
    }
}

/// The first part of `value` that cannot be used, with its path below `value` (`.note`,
/// `[2]`), built only when there is one. The recursion stops at [`MAX_NESTING`].
fn inspect_value<V: InputValue>(value: &V, depth: usize) -> Option<(Unusable, String)> {
    if depth > MAX_NESTING {
        return Some((Unusable::TooDeep, String::new()));
    }
    if let Some(s) = value.string() {
        return s.contains('\0').then(|| (Unusable::Nul, String::new()));
    }
    if let Some(items) = value.items() {
        if items.len() > MAX_LIST_ITEMS {
            return Some((Unusable::TooLong(items.len()), String::new()));
        }
        return items.iter().enumerate().find_map(|(i, item)| {
            inspect_value(item, depth + 1).map(|(why, path)| (why, format!("[{i}]{path}")))
        });
    }
    value.fields()?.find_map(|(key, item)| {
        if key.contains('\0') {
            return Some((Unusable::Nul, String::new()));
        }
        inspect_value(item, depth + 1).map(|(why, path)| (why, format!(".{key}{path}")))
    })
}

/// The refusal of an unusable value at `place` (e.g. "argument `text` of `search`").
fn unusable_error(why: Unusable, place: String, argument: String) -> ServerError {
    let mut e = match why {
        Unusable::Nul => AppError::BadInput(format!(
            "{place} contains a NUL character (U+0000), which the hub cannot store or search; remove it"
        ))
        .into_server_error(),
        Unusable::TooDeep => limit_exceeded(format!(
            "{place} nests lists and objects more than {MAX_NESTING} deep; at most {MAX_NESTING} levels are allowed"
        )),
        Unusable::TooLong(n) => limit_exceeded(format!(
            "{place} is a list of {n} items; at most {MAX_LIST_ITEMS} are allowed"
        )),
    };
    if let Some(ext) = e.extensions.as_mut() {
        ext.set("argument", argument);
    }
    e
}

/// Refuses a variable holding what no argument may: a NUL character, or nesting deeper than a
/// document may have (JSON bodies are read with serde_json's own bound of 128).
pub(super) fn check_variables(variables: &Variables) -> Result<(), ServerError> {
    for (name, value) in variables.iter() {
        if let Some((why, path)) = inspect_value(value, 0) {
            let argument = format!("${name}{path}");
            return Err(unusable_error(
                why,
                format!("variable `{argument}`"),
                argument,
            ));
        }
    }
    Ok(())
}

/// Refuses a document with a NUL character or an overlong list in an argument of a field or
/// directive or in a variable's default value, naming the argument, before any of it reaches
/// SQL.
pub(super) fn check_document_values(doc: &ExecutableDocument) -> Result<(), ServerError> {
    let mut sets = Vec::new();
    for (_, op) in doc.operations.iter() {
        check_directives(&op.node.directives)?;
        for definition in &op.node.variable_definitions {
            let definition = &definition.node;
            check_directives(&definition.directives)?;
            if let Some(default) = &definition.default_value
                && let Some((why, path)) = inspect_value(&default.node, 0)
            {
                let argument = format!("${}{path}", definition.name.node);
                return Err(unusable_error(
                    why,
                    format!("the default value of `{argument}`"),
                    argument,
                ));
            }
        }
        sets.push(&op.node.selection_set.node);
    }
    for fragment in doc.fragments.values() {
        check_directives(&fragment.node.directives)?;
        sets.push(&fragment.node.selection_set.node);
    }
    // Selection sets are walked with a stack of their own: the parser bounds their nesting,
    // but nothing here needs to rely on it.
    while let Some(set) = sets.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    check_arguments(&field.arguments, field.name.node.as_str())?;
                    check_directives(&field.directives)?;
                    sets.push(&field.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    check_directives(&fragment.node.directives)?;
                    sets.push(&fragment.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => check_directives(&spread.node.directives)?,
            }
        }
    }
    Ok(())
}

/// The argument whose value stands at `at` in `query`, as a client named it: the variable
/// (`from` for `$from`) where the value is one, else the argument. A value that does not
/// parse as its type is reported at its position only, which says nothing to a person who
/// filled in a form; this finds the name to say.
pub fn argument_at(query: &str, at: async_graphql::Pos) -> Option<String> {
    let (argument, variable) = argument_and_variable_at(query, at)?;
    Some(variable.unwrap_or(argument))
}

/// The argument whose value stands at `at` in `query`, and the variable that value is, if it
/// is one.
pub fn argument_and_variable_at(
    query: &str,
    at: async_graphql::Pos,
) -> Option<(String, Option<String>)> {
    let doc = async_graphql::parser::parse_query(query).ok()?;
    let mut sets = Vec::new();
    for (_, op) in doc.operations.iter() {
        sets.push(&op.node.selection_set.node);
    }
    for fragment in doc.fragments.values() {
        sets.push(&fragment.node.selection_set.node);
    }
    while let Some(set) = sets.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    for (name, value) in &field.node.arguments {
                        if value.pos == at {
                            let variable = match &value.node {
                                ArgumentValue::Variable(variable) => Some(variable.to_string()),
                                _ => None,
                            };
                            return Some((name.node.to_string(), variable));
                        }
                    }
                    sets.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    sets.push(&fragment.node.selection_set.node);
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    None
}

fn check_directives(
    directives: &[Positioned<async_graphql::parser::types::Directive>],
) -> Result<(), ServerError> {
    for directive in directives {
        let name = format!("@{}", directive.node.name.node);
        check_arguments(&directive.node.arguments, &name)?;
    }
    Ok(())
}

fn check_arguments(
    arguments: &[(Positioned<Name>, Positioned<ArgumentValue>)],
    of: &str,
) -> Result<(), ServerError> {
    for (name, value) in arguments {
        if let Some((why, path)) = inspect_value(&value.node, 0) {
            let argument = format!("{}{path}", name.node);
            return Err(unusable_error(
                why,
                format!("argument `{argument}` of `{of}`"),
                format!("{of}.{argument}"),
            ));
        }
    }
    Ok(())
}
