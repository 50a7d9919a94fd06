//! What a GraphQL request passes between the HTTP layer and execution: persisted queries, the
//! safelist, parsing, the document limits (aliases, root fields, no mutations over GET) and the
//! cost-based rate limit. async-graphql's own depth, complexity and directive limits and its
//! validation follow inside `Schema::execute`, on the document parsed here.
//!
//! These checks were async-graphql extensions once. With any extension installed, async-graphql
//! resolves every field and every list item of an answer through its slow path (a registry
//! lookup and one boxed future per extension, per field), which cost about a fifth of the CPU
//! of a city's plan tree. Here they run once per request and the schema has no extensions.

pub mod cost;
pub mod document;
pub mod introspection;
mod nesting;
pub mod ratelimit;
mod values;
pub use values::{argument_and_variable_at, argument_at};

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Request, Response, ServerError, Value};
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
    paged: cost::PagedFields,
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
            paged: cost::PagedFields::of_sdl(sdl)?,
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

    /// Takes `cost` units for `what` (an export, a chart) from the budget `client` spends on
    /// GraphQL operations too, so that downloading instead of querying buys no extra room.
    pub fn charge(&self, client: ClientKey, cost: u64, what: &str) -> Result<(), AppError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        // A budget smaller than one download still lets it through once full, as GraphQL lets
        // through nothing bigger than the budget: an operator who shrinks the budget below an
        // export's cost has not switched the export off.
        let cost = cost.min(limiter.capacity()).max(1);
        limiter.take(client, cost).map_err(|wait| match wait {
            // Only a budget of 0 (`--rate-limit-burst 0`) refuses for ever.
            u64::MAX => AppError::LimitExceeded(format!(
                "{what} costs {cost} units, more than a client's whole budget of {} (--rate-limit-burst)",
                limiter.capacity()
            )),
            wait => AppError::RateLimited {
                message: format!(
                    "rate limit: {what} costs {cost} units and the client's budget refills at {} a second; retry in {wait} s",
                    limiter.refill_per_sec()
                ),
                retry_after_secs: wait,
            },
        })
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
        nesting::check_nesting(query, MAX_NESTING)?;
        let doc = async_graphql::parser::parse_query(query).map_err(|e| {
            let e = ServerError::from(e);
            let mut coded = AppError::BadInput(e.message).into_server_error();
            coded.locations = e.locations;
            coded
        })?;
        values::check_document_values(&doc)?;
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
        values::check_variables(&request.variables)?;
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
            let cost = cost::document_cost(
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

/// Names the argument in each error of a value that did not parse as its type (a fiscal year,
/// a date, an ID): async-graphql reports such a value by its line and column only, as
/// `Failed to parse "FiscalYear": …`, and a client reading the message should not have to
/// count columns. `query` is the operation's text.
pub fn name_arguments(response: &mut Response, query: &str) {
    for error in &mut response.errors {
        if !error.message.starts_with("Failed to parse") {
            continue;
        }
        let Some((argument, variable)) = error
            .locations
            .first()
            .and_then(|at| argument_and_variable_at(query, *at))
        else {
            continue;
        };
        let named = match variable {
            Some(variable) => format!("argument \"{argument}\" (variable ${variable})"),
            None => format!("argument \"{argument}\""),
        };
        error.message = format!("{named}: {}", error.message);
    }
}

/// The typed error behind each error of `response`, once [`fill_error_codes`] has run.
pub fn refusals(response: &Response) -> impl Iterator<Item = &AppError> {
    response
        .errors
        .iter()
        .filter_map(|e| e.source::<AppError>())
}
