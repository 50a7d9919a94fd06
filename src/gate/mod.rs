//! What a GraphQL request passes between the HTTP layer and execution: persisted queries, the
//! safelist, parsing, the document limits (aliases, root fields, no mutations over GET) and the
//! cost-based rate limit. async-graphql's own depth, complexity and directive limits and its
//! validation follow inside `Schema::execute`, on the document parsed here.
//!
//! These checks were async-graphql extensions once. With any extension installed, async-graphql
//! resolves every field and every list item of an answer through its slow path (a registry
//! lookup and one boxed future per extension, per field), which cost about a fifth of the CPU
//! of a city's plan tree. Here they run once per request and the schema has no extensions.

pub mod document;
pub mod introspection;
pub mod ratelimit;

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::parser::types::{
    ExecutableDocument, OperationType, Selection, SelectionSet, VariableDefinition,
};
use async_graphql::{Name, Positioned, Request, Response, ServerError, Value, Variables};
use async_graphql_value::{ConstValue, Value as ArgumentValue};
use sha2::{Digest, Sha256};

use crate::config::ServeConfig;
use crate::error::AppError;
use crate::gate::document::{Safelist, count_aliases, count_root_fields};
use crate::gate::ratelimit::{ClientKey, CostLimiter};

/// Page size assumed for a paged field sent without `first`, and its bounds, as the schema's
/// complexity annotations (`first.unwrap_or(20).clamp(1, 100)`) have them.
const DEFAULT_FIRST: i64 = 20;
const MAX_FIRST: i64 = 100;
/// Fragments nested deeper than this are a cycle or an attack; validation refuses both later.
const MAX_FRAGMENT_NESTING: usize = 32;
/// Deepest nesting of `{`, `[` and `(` in a document, and of lists and objects in variables.
/// The standard introspection query nests 13 deep, the deepest example query 11, and field
/// depth is limited to 10 anyway; the parser, validation and execution recurse once per level,
/// and at this bound use a few hundred kilobytes of stack at most in a debug build.
pub const MAX_NESTING: usize = 64;
/// Most items in one list of an argument or variable: more than Japan has municipalities.
/// Each item can become an SQL parameter, and SQLite takes 32,766 in one statement.
pub const MAX_LIST_ITEMS: usize = 2_000;
/// Most operations and fragments one document may define. async-graphql's validation walks
/// fragment spreads for every definition, and a 2.3 MB document of 60,000 chained fragments
/// (within the body limit a token allows) took 12.5 s of CPU to refuse; GraphiQL's
/// introspection query defines 4, generated client code a few dozen.
pub const MAX_DEFINITIONS: usize = 500;

/// What the gate learns of a request's document, for the HTTP layer: whether every operation is
/// a query (only those answers go into the response cache) and the operation's name, for the
/// request log when the client sent no `operationName`.
#[derive(Default)]
pub struct DocumentFacts {
    pub query_only: bool,
    /// Every operation asks for introspection fields only: it runs under the introspection
    /// depth bound ([`introspection::INTROSPECTION_MAX_DEPTH`]) instead of `--max-depth`.
    pub introspection_only: bool,
    pub operation: Option<String>,
}

pub struct Gate {
    paged: PagedFields,
    max_aliases: usize,
    max_root_fields: usize,
    max_complexity: usize,
    persisted: LruCacheStorage,
    /// Documents parsed before, by their text: portals send the same few operations with
    /// different variables, and parsing was 6% of the CPU of a small comparison.
    parsed: LruCacheStorage,
    safelist: Option<Safelist>,
    limiter: Option<CostLimiter>,
}

impl Gate {
    /// The gate in front of the schema whose SDL is `sdl`.
    pub fn new(limits: &ServeConfig, sdl: &str) -> anyhow::Result<Gate> {
        Ok(Gate {
            paged: PagedFields::of_sdl(sdl)?,
            max_aliases: limits.query.max_aliases,
            max_root_fields: limits.query.max_root_fields,
            max_complexity: limits.query.max_complexity,
            persisted: LruCacheStorage::new(limits.query.persisted_queries.max(1)),
            parsed: LruCacheStorage::new(limits.query.persisted_queries.max(1)),
            safelist: limits
                .query
                .safelist
                .as_deref()
                .map(Safelist::load)
                .transpose()?,
            limiter: CostLimiter::new(
                limits.rate.rate_limit_burst,
                limits.rate.rate_limit_per_second,
            ),
        })
    }

    /// Checks `request` and leaves its document parsed in it, or refuses it with the error to
    /// answer. `facts` learns whether it holds queries only and its operation's name.
    pub async fn admit(
        &self,
        request: &mut Request,
        via_get: bool,
        client: ClientKey,
        facts: &mut DocumentFacts,
    ) -> Result<(), ServerError> {
        // Automatic persisted queries (Apollo's protocol): a portal sends a query's SHA-256 in
        // place of its text once the hub has seen the text.
        let mut remember = None;
        let mut stored = None;
        if let Some(value) = request.extensions.remove("persistedQuery") {
            let (version, hash) = persisted_query(value)?;
            if version != 1 {
                return Err(AppError::BadInput(format!(
                    "Only the \"PersistedQuery\" extension of version \"1\" is supported, and the current version is \"{version}\"."
                ))
                .into_server_error());
            }
            if request.query.is_empty() {
                // Only documents that passed the safelist were stored.
                stored = Some(
                    self.persisted
                        .get(hash)
                        .await
                        .ok_or_else(|| AppError::PersistedQueryNotFound.into_server_error())?,
                );
            } else if format!("{:x}", Sha256::digest(request.query.as_bytes())) != hash {
                return Err(
                    AppError::BadInput("provided sha does not match query".into())
                        .into_server_error(),
                );
            } else {
                remember = Some(hash);
            }
        }
        if !request.query.is_empty()
            && let Some(safelist) = &self.safelist
            && !safelist.allows(&request.query)
        {
            return Err(AppError::Forbidden(
                "this endpoint runs registered operations only".into(),
            )
            .into_server_error());
        }
        let doc = match stored {
            Some(doc) => doc,
            None => self.parse(&request.query).await?,
        };
        if let Some(hash) = remember {
            self.persisted.set(hash, doc.clone()).await;
        }
        self.check(&doc, request, via_get, client, facts)?;
        // Execution uses this document instead of parsing the text again.
        request.set_parsed_query(doc);
        Ok(())
    }

    /// Parses `query`, or takes the document parsed from the same text before. Only texts up
    /// to 4 KiB are kept (the example operations are under 1 KiB), so that clients sending
    /// many large distinct documents cannot fill memory: at most ~1,000 small documents.
    async fn parse(&self, query: &str) -> Result<ExecutableDocument, ServerError> {
        const MAX_KEPT_TEXT: usize = 4 * 1024;
        let keep = query.len() <= MAX_KEPT_TEXT;
        if keep && let Some(doc) = self.parsed.get(query.to_owned()).await {
            return Ok(doc);
        }
        // The parser recurses once per level of nesting and bounds only selection sets, so a
        // few kilobytes of `[[[[…` end the process with a stack overflow unless refused first.
        check_nesting(query, MAX_NESTING)?;
        let doc = async_graphql::parser::parse_query(query).map_err(|e| {
            let e = ServerError::from(e);
            let mut coded = AppError::BadInput(e.message).into_server_error();
            coded.locations = e.locations;
            coded
        })?;
        check_document_values(&doc)?;
        if keep {
            self.parsed.set(query.to_owned(), doc.clone()).await;
        }
        Ok(doc)
    }

    fn check(
        &self,
        doc: &ExecutableDocument,
        request: &Request,
        via_get: bool,
        client: ClientKey,
        facts: &mut DocumentFacts,
    ) -> Result<(), ServerError> {
        check_variables(&request.variables)?;
        let definitions = doc.operations.iter().count() + doc.fragments.len();
        if definitions > MAX_DEFINITIONS {
            return Err(limit_exceeded(format!(
                "the document defines {definitions} operations and fragments; at most {MAX_DEFINITIONS} are allowed"
            )));
        }
        facts.query_only = doc
            .operations
            .iter()
            .all(|(_, op)| op.node.ty == OperationType::Query);
        // A document of one named operation may be sent without `operationName`.
        let mut ops = doc.operations.iter();
        if let (Some((Some(name), _)), None) = (ops.next(), ops.next()) {
            facts.operation = Some(name.to_string());
        }
        // A GET must not change anything: caches, prefetchers and links replay GETs.
        if via_get
            && doc
                .operations
                .iter()
                .any(|(_, op)| op.node.ty == OperationType::Mutation)
        {
            return Err(AppError::MutationOverGet.into_server_error());
        }
        let aliases: usize = doc
            .operations
            .iter()
            .map(|(_, op)| count_aliases(&op.node.selection_set.node))
            .sum::<usize>()
            + doc
                .fragments
                .values()
                .map(|f| count_aliases(&f.node.selection_set.node))
                .sum::<usize>();
        if aliases > self.max_aliases {
            return Err(limit_exceeded(format!(
                "the document has {aliases} aliases; at most {} are allowed",
                self.max_aliases
            )));
        }
        facts.introspection_only = doc
            .operations
            .iter()
            .all(|(_, op)| introspection::introspection_only(doc, &op.node.selection_set.node));
        for (_, op) in doc.operations.iter() {
            introspection::check(doc, &op.node.selection_set.node).map_err(limit_exceeded)?;
            let roots = count_root_fields(doc, &op.node.selection_set.node, 0);
            if roots > self.max_root_fields {
                return Err(limit_exceeded(format!(
                    "an operation asks for {roots} root fields; at most {} are allowed",
                    self.max_root_fields
                )));
            }
        }

        if let Some(limiter) = &self.limiter {
            let cost = document_cost(
                &self.paged,
                doc,
                request.operation_name.as_deref(),
                &request.variables,
            );
            // Waiting would never help an operation that costs more than a whole bucket.
            if cost <= self.max_complexity && cost as u64 > limiter.capacity() {
                return Err(limit_exceeded(format!(
                    "this operation costs {cost} units, more than a client's whole budget of {} (--rate-limit-burst): it can never run; ask for less",
                    limiter.capacity()
                )));
            }
            // Over the complexity limit, validation refuses it next, without charge.
            if cost <= self.max_complexity
                && let Err(wait) = limiter.take(client, cost.max(1) as u64)
            {
                return Err(AppError::RateLimited {
                    message: format!(
                        "rate limit: this operation costs {cost} units and the client's budget refills at {} a second; retry in {wait} s",
                        limiter.refill_per_sec()
                    ),
                    retry_after_secs: wait,
                }
                .into_server_error());
            }
        }
        Ok(())
    }
}

fn persisted_query(value: Value) -> Result<(i64, String), ServerError> {
    let invalid = || {
        AppError::BadInput("Invalid \"PersistedQuery\" extension configuration.".into())
            .into_server_error()
    };
    let Value::Object(fields) = value else {
        return Err(invalid());
    };
    let version = match fields.get("version") {
        Some(Value::Number(n)) => n.as_i64().ok_or_else(invalid)?,
        _ => return Err(invalid()),
    };
    match fields.get("sha256Hash") {
        Some(Value::String(hash)) => Ok((version, hash.clone())),
        _ => Err(invalid()),
    }
}

/// A refusal for asking more than one request may.
fn limit_exceeded(message: String) -> ServerError {
    AppError::LimitExceeded(message).into_server_error()
}

/// Gives every error an `extensions.code`. Resolver errors and the checks above carry theirs
/// already; async-graphql's own depth and complexity refusals become `LIMIT_EXCEEDED`; what is
/// left comes from async-graphql rejecting the request (syntax, unknown fields, a variable or
/// argument that does not coerce, such as a fiscal year that is no year), the client's input.
pub fn fill_error_codes(response: &mut Response) {
    for error in &mut response.errors {
        if error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some())
        {
            continue;
        }
        let limit = error.message.starts_with("Query is nested too deep")
            || error.message.starts_with("Query is too complex");
        let refusal = if limit {
            AppError::LimitExceeded(error.message.clone())
        } else {
            AppError::BadInput(error.message.clone())
        };
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", refusal.code().as_str());
        error.source = Some(std::sync::Arc::new(refusal));
    }
}

/// The typed error behind each error of `response`, once [`fill_error_codes`] has run.
pub fn refusals(response: &Response) -> impl Iterator<Item = &AppError> {
    response
        .errors
        .iter()
        .filter_map(|e| e.source::<AppError>())
}

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

/// 入れ子 (nesting): refuses `text` when its braces, brackets and parentheses, outside strings
/// and comments, nest deeper than `max`. One pass over the bytes, before the parser, whose
/// recursion follows the same nesting and has no bound of its own for list and object values.
///
/// Where the text is not valid GraphQL the scan errs towards counting more than the parser
/// would reach (an unterminated string is code again at its line's end, a closing bracket
/// that does not match the innermost opening one closes nothing), so no text the parser reads
/// as nested is seen here as shallower.
pub fn check_nesting(text: &str, max: usize) -> Result<(), ServerError> {
    let bytes = text.as_bytes();
    let mut open: Vec<u8> = Vec::new();
    // Once a block string is found unterminated, every later one is too (the scan for its end
    // would retrace the same bytes), which keeps the pass linear.
    let mut unterminated_block_from = usize::MAX;
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'#' => {
                while bytes.get(i).is_some_and(|b| *b != b'\n' && *b != b'\r') {
                    i += 1;
                }
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                if i < unterminated_block_from {
                    if let Some(end) = block_string_end(bytes, i + 3) {
                        i = end;
                        continue;
                    }
                    unterminated_block_from = i;
                }
                // The parser, finding no end, reads `""` as an empty string and goes on from
                // the third quote.
                i += 2;
                continue;
            }
            b'"' => {
                i = string_end(bytes, i + 1);
                continue;
            }
            b'{' | b'[' | b'(' => {
                open.push(byte);
                if open.len() > max {
                    let (line, column) = line_and_column(text, i);
                    return Err(limit_exceeded(format!(
                        "the document nests braces, brackets and parentheses more than {max} deep \
                         (at line {line}, column {column}); at most {max} levels are allowed"
                    )));
                }
            }
            b'}' | b']' | b')' => {
                let opening = match byte {
                    b'}' => b'{',
                    b']' => b'[',
                    _ => b'(',
                };
                if open.last() == Some(&opening) {
                    open.pop();
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Where a block string whose content starts at `from` ends (just past its closing `"""`).
fn block_string_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    while from < bytes.len() {
        let rest = &bytes[from..];
        if rest.starts_with(b"\\\"\"\"") {
            from += 4;
        } else if rest.starts_with(b"\"\"\"") {
            return Some(from + 3);
        } else {
            from += 1;
        }
    }
    None
}

/// Where a string whose content starts at `from` ends: just past its closing quote, or at the
/// line terminator or escaped line terminator that leaves it unterminated.
fn string_end(bytes: &[u8], mut from: usize) -> usize {
    while let Some(&byte) = bytes.get(from) {
        match byte {
            b'"' => return from + 1,
            b'\n' | b'\r' => return from,
            b'\\' => match bytes.get(from + 1) {
                Some(b'\n' | b'\r') | None => return from + 1,
                Some(_) => from += 2,
            },
            _ => from += 1,
        }
    }
    from
}

fn line_and_column(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

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
fn check_variables(variables: &Variables) -> Result<(), ServerError> {
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
fn check_document_values(doc: &ExecutableDocument) -> Result<(), ServerError> {
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

#[cfg(test)]
mod tests {
    use super::{MAX_NESTING, check_nesting};

    /// GraphiQL's introspection query (graphql-js `getIntrospectionQuery`), the deepest
    /// document a standard tool sends.
    const INTROSPECTION: &str = r#"
    query IntrospectionQuery {
      __schema {
        queryType { name } mutationType { name } subscriptionType { name }
        types { ...FullType }
        directives { name description locations args { ...InputValue } }
      }
    }
    fragment FullType on __Type {
      kind name description
      fields(includeDeprecated: true) {
        name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
      }
      inputFields { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
    fragment TypeRef on __Type {
      kind name
      ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType {
        kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
    }"#;

    fn depth_refused(text: &str) -> bool {
        check_nesting(text, MAX_NESTING).is_err()
    }

    #[test]
    fn the_introspection_query_and_every_example_pass() {
        assert!(!depth_refused(INTROSPECTION));
        assert!(check_nesting(INTROSPECTION, 12).is_ok());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/queries");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("examples/queries") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read");
            assert!(
                check_nesting(&text, MAX_NESTING / 4).is_ok(),
                "{}",
                path.display()
            );
            seen += 1;
        }
        assert!(seen >= 6);
    }

    #[test]
    fn nesting_past_the_bound_is_refused_with_its_place() {
        let list = |n: usize| {
            format!(
                "{{ fiscalYear(label: {}1{}) {{ year }} }}",
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        // The braces and parenthesis around the value count too.
        assert!(!depth_refused(&list(MAX_NESTING - 2)));
        assert!(depth_refused(&list(MAX_NESTING - 1)));
        let e = check_nesting(&list(1800), MAX_NESTING).expect_err("refused");
        assert!(e.message.contains("line 1, column"), "{}", e.message);
        assert_eq!(
            e.extensions
                .and_then(|x| x.get("code").map(ToString::to_string)),
            Some("\"LIMIT_EXCEEDED\"".to_owned())
        );
        let object = format!("{{ a(x: {}1{}) }}", "{a: ".repeat(2000), "}".repeat(2000));
        assert!(depth_refused(&object));
        let selections = format!("{}a{}", "{ b ".repeat(100), "}".repeat(100));
        assert!(depth_refused(&selections));
        let types = format!("query($v: {}Int{}) {{ a }}", "[".repeat(70), "]".repeat(70));
        assert!(depth_refused(&types));
        // Unclosed brackets count as deep as closed ones, and a wrong closing bracket closes
        // nothing.
        assert!(depth_refused(&"[".repeat(100)));
        assert!(depth_refused(&"[)".repeat(100)));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let deep = "[".repeat(500);
        for text in [
            format!("{{ a(x: \"{deep}\") }}"),
            format!("{{ a(x: \"\\\"{deep}\") }}"),
            format!("{{ a(x: \"\"\"{deep}\\\"\"\"{deep}\"\"\") }}"),
            format!("{{ a # {deep}\n b }}"),
        ] {
            assert!(!depth_refused(&text), "{text}");
        }
    }

    #[test]
    fn text_the_parser_reads_as_code_is_counted() {
        let deep = "[".repeat(500);
        for text in [
            // An unterminated block string is, to the parser, an empty string and a string.
            format!("{{ a(x: [\"\"\" \" {deep}"),
            format!("{{ a(x: [\"\"\" \\\"\"\" \" {deep}"),
            // A string ends at its line; an escaped line end leaves it unterminated.
            format!("{{ a(x: \"abc\n{deep}"),
            format!("{{ a(x: \"abc\\\n{deep}"),
            // A comment ends at a carriage return too.
            format!("{{ a # c\r{deep}"),
        ] {
            assert!(depth_refused(&text), "{text:?}");
        }
    }

    #[test]
    fn many_unterminated_block_strings_scan_in_linear_time() {
        let text = "\"\"\" \\\"\"\" ".repeat(200_000);
        let started = std::time::Instant::now();
        let _ = check_nesting(&text, MAX_NESTING);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
