//! What a GraphQL request passes between the HTTP layer and execution: persisted queries, the
//! safelist, parsing, the document limits (aliases, root fields, no mutations over GET) and the
//! cost-based rate limit. async-graphql's own depth, complexity and directive limits and its
//! validation follow inside `Schema::execute`, on the document parsed here.
//!
//! These checks were async-graphql extensions once. With any extension installed, async-graphql
//! resolves every field and every list item of an answer through its slow path (a registry
//! lookup and one boxed future per extension, per field), which cost about a fifth of the CPU
//! of a city's plan tree. Here they run once per request and the schema has no extensions.

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::parser::types::{
    ExecutableDocument, OperationType, Selection, SelectionSet, VariableDefinition,
};
use async_graphql::{Name, Positioned, Request, Response, ServerError, Value, Variables};
use async_graphql_value::{ConstValue, Value as ArgumentValue};
use sha2::{Digest, Sha256};

use crate::limits::{
    ALLOW, Limits, Safelist, coded_error, count_aliases, count_root_fields, limit_error,
};
use crate::ratelimit::{ClientKey, CostLimiter, RETRY_AFTER};

/// Page size assumed for a paged field sent without `first`, and its bounds, as the schema's
/// complexity annotations (`first.unwrap_or(20).clamp(1, 100)`) have them.
const DEFAULT_FIRST: i64 = 20;
const MAX_FIRST: i64 = 100;
/// Fragments nested deeper than this are a cycle or an attack; validation refuses both later.
const MAX_FRAGMENT_NESTING: usize = 32;

/// What the gate learns of a request's document, for the HTTP layer: whether every operation is
/// a query (only those answers go into the response cache) and the operation's name, for the
/// request log when the client sent no `operationName`.
#[derive(Default)]
pub struct DocumentFacts {
    pub query_only: bool,
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
    pub fn new(limits: &Limits, sdl: &str) -> anyhow::Result<Gate> {
        Ok(Gate {
            paged: PagedFields::of_sdl(sdl)?,
            max_aliases: limits.max_aliases,
            max_root_fields: limits.max_root_fields,
            max_complexity: limits.max_complexity,
            persisted: LruCacheStorage::new(limits.persisted_queries.max(1)),
            parsed: LruCacheStorage::new(limits.persisted_queries.max(1)),
            safelist: limits.safelist.as_deref().map(Safelist::load).transpose()?,
            limiter: CostLimiter::new(limits.rate_limit_burst, limits.rate_limit_per_second),
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
                return Err(ServerError::new(
                    format!(
                        "Only the \"PersistedQuery\" extension of version \"1\" is supported, and the current version is \"{version}\"."
                    ),
                    None,
                ));
            }
            if request.query.is_empty() {
                // Only documents that passed the safelist were stored.
                stored = Some(
                    self.persisted
                        .get(hash)
                        .await
                        .ok_or_else(|| ServerError::new("PersistedQueryNotFound", None))?,
                );
            } else if format!("{:x}", Sha256::digest(request.query.as_bytes())) != hash {
                return Err(ServerError::new("provided sha does not match query", None));
            } else {
                remember = Some(hash);
            }
        }
        if !request.query.is_empty()
            && let Some(safelist) = &self.safelist
            && !safelist.allows(&request.query)
        {
            return Err(coded_error(
                "FORBIDDEN",
                "this endpoint runs registered operations only".into(),
            ));
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
        let doc = async_graphql::parser::parse_query(query).map_err(|e| {
            let mut e = ServerError::from(e);
            e.extensions
                .get_or_insert_with(Default::default)
                .set("code", "BAD_USER_INPUT");
            e
        })?;
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
            let mut e = coded_error(
                "BAD_USER_INPUT",
                "mutations are accepted over POST only".into(),
            );
            if let Some(ext) = e.extensions.as_mut() {
                ext.set(ALLOW, "POST");
            }
            return Err(e);
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
            return Err(limit_error(format!(
                "the document has {aliases} aliases; at most {} are allowed",
                self.max_aliases
            )));
        }
        for (_, op) in doc.operations.iter() {
            let roots = count_root_fields(doc, &op.node.selection_set.node, 0);
            if roots > self.max_root_fields {
                return Err(limit_error(format!(
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
            // Over the complexity limit, validation refuses it next, without charge.
            if cost <= self.max_complexity
                && let Err(wait) = limiter.take(client, cost.max(1) as f64)
            {
                let mut e = limit_error(format!(
                    "rate limit: this operation costs {cost} units and the client's budget refills at {} a second; retry in {wait} s",
                    limiter.refill_per_sec()
                ));
                if let Some(ext) = e.extensions.as_mut() {
                    ext.set(RETRY_AFTER, wait);
                }
                return Err(e);
            }
        }
        Ok(())
    }
}

fn persisted_query(value: Value) -> Result<(i64, String), ServerError> {
    let invalid = || ServerError::new("Invalid \"PersistedQuery\" extension configuration.", None);
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

/// Gives every error an `extensions.code`. Resolver errors and the checks above carry theirs
/// already; async-graphql's own depth and complexity refusals become `LIMIT_EXCEEDED`; what is
/// left comes from async-graphql rejecting the request (syntax, unknown fields, a variable or
/// argument that does not coerce, such as a fiscal year that is no year), the client's input.
pub fn fill_error_codes(response: &mut Response) {
    for error in &mut response.errors {
        let ext = error.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            let limit = error.message.starts_with("Query is nested too deep")
                || error.message.starts_with("Query is too complex");
            ext.set(
                "code",
                if limit {
                    "LIMIT_EXCEEDED"
                } else {
                    "BAD_USER_INPUT"
                },
            );
        }
    }
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
