//! The errors a client can see, each with the `extensions.code` of the public contract
//! (`../shared/API.md`). Internal causes are logged with an id and never sent: a client learns
//! that something failed, not which table or SQL statement.
//!
//! Every refusal the API answers is a variant here, and the variant alone decides the code,
//! the message, the HTTP status and the `Retry-After` and `Allow` headers; no other module
//! spells a code (`tests/error_codes.rs`). Errors inside a GraphQL answer carry their variant
//! in `source`, where the HTTP layer finds it again.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts any `Display`
//! type into an error without a code (and with its text), so a `DbErr` passed through `?` in a
//! resolver would reach the client verbatim. Resolvers return [`AppResult`], whose conversion
//! below always sets the code and hides internal causes.

use std::sync::Arc;

use async_graphql::ServerError;
use http::StatusCode;
use sea_orm::DbErr;

/// The `extensions.code` of an error, as the public contract spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCode {
    NotFound,
    BadUserInput,
    Unauthenticated,
    Forbidden,
    Conflict,
    Unavailable,
    LimitExceeded,
    /// Apollo's clients send a query's text again on this code, and only on this one.
    PersistedQueryNotFound,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 9] = [
        ErrorCode::NotFound,
        ErrorCode::BadUserInput,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::Conflict,
        ErrorCode::Unavailable,
        ErrorCode::LimitExceeded,
        ErrorCode::PersistedQueryNotFound,
        ErrorCode::Internal,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::LimitExceeded => "LIMIT_EXCEEDED",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

#[derive(Debug, Clone)]
pub enum AppError {
    /// The request names something that does not exist → `NOT_FOUND`.
    NotFound(String),
    /// An argument is malformed or out of range; the message names it → `BAD_USER_INPUT`.
    BadInput(String),
    /// 引数 A parameter the GraphQL fields share with the export endpoints is malformed or out
    /// of range → `BAD_USER_INPUT`. The message starts with `name` for GraphQL clients; an
    /// export names it in a field of its own.
    BadParameter { name: &'static str, message: String },
    /// A parameter names something the hub does not hold (a region, a municipality) →
    /// `NOT_FOUND`, naming the parameter as [`AppError::BadParameter`] does.
    ParameterNotFound { name: &'static str, message: String },
    /// No token, or one that is malformed, unknown or revoked → `UNAUTHENTICATED`.
    Unauthenticated(String),
    /// The token may not do this (another municipality's record, or a viewer writing) →
    /// `FORBIDDEN`.
    Forbidden(String),
    /// The record changed since the client read it (stale `version`), or a record with the
    /// same key exists → `CONFLICT`.
    Conflict(String),
    /// The database cannot be reached or is too busy to answer now (connection refused or
    /// lost, no pooled connection within the acquire timeout, server shutting down) →
    /// `UNAVAILABLE`, HTTP 503 with `Retry-After`; cause logged.
    Unavailable(String),
    /// The hub itself cannot answer this now, for a reason the client may read: a part of it
    /// is still starting (the search index after a start) or every chart renderer is busy →
    /// `UNAVAILABLE`, HTTP 503 with `Retry-After`; the message says why.
    Busy(String),
    /// The request asks for more than one request may (depth, complexity, aliases, nesting,
    /// running time) → `LIMIT_EXCEEDED`.
    LimitExceeded(String),
    /// The client has spent its budget (of cost units, or of bad tokens) → `LIMIT_EXCEEDED`,
    /// HTTP 429 with `Retry-After`.
    RateLimited {
        message: String,
        retry_after_secs: u64,
    },
    /// The body is larger than the client may send (`limit` bytes, when the limit was known
    /// before reading it) → `LIMIT_EXCEEDED`, HTTP 413.
    BodyTooLarge { limit: Option<usize> },
    /// A POST that a browser sends cross-site without a preflight (a form or text body),
    /// refused against request forgery → `BAD_USER_INPUT`, HTTP 415.
    CrossSitePost,
    /// A mutation sent over GET, which caches and prefetchers replay → `BAD_USER_INPUT`,
    /// HTTP 405 with `Allow: POST`.
    MutationOverGet,
    /// A persisted query's hash whose text this process has not seen →
    /// `PERSISTED_QUERY_NOT_FOUND`, with the message Apollo's clients look for.
    PersistedQueryNotFound,
    /// The database failed → `INTERNAL`, cause logged. (Shared because DataLoaders hand one
    /// error to every waiting resolver.)
    Db(Arc<DbErr>),
    /// Anything else that should not happen → `INTERNAL`, cause logged.
    Internal(Arc<anyhow::Error>),
}
/// Seconds a client is asked to wait (`Retry-After`) before retrying an `UNAVAILABLE` answer:
/// the hub reconnects by itself as soon as the database answers again.
pub const RETRY_AFTER_UNAVAILABLE: u32 = 1;

/// How a database error reads to a client, apart from the generic `INTERNAL`.
enum DbFault {
    /// The connection, not the statement, failed.
    Unavailable,
    /// A concurrent transaction got in the way (deadlock, serialization failure).
    Contended,
}

/// SQLSTATE classes and codes of PostgreSQL that say the server, not the statement, is the
/// problem: connection exceptions (08…), too many connections (53300), out of memory or disk
/// (53…), operator intervention and shutdown (57P01–57P05), a cancelled (timed-out)
/// statement (57014).
fn unavailable_sqlstate(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("53") || code.starts_with("57")
}

fn classify_sqlx(e: &sea_orm::sqlx::Error) -> Option<DbFault> {
    use sea_orm::sqlx::Error as E;
    match e {
        E::Io(_) | E::Tls(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => {
            Some(DbFault::Unavailable)
        }
        E::Database(d) => {
            let code = d.code()?;
            match code.as_ref() {
                // PostgreSQL: serialization failure, deadlock detected, lock not available.
                "40001" | "40P01" | "55P03" => Some(DbFault::Contended),
                // SQLite: the database stayed busy (locked by another process) past the busy
                // timeout; primary codes 5 (BUSY) and 6 (LOCKED) with their extended forms.
                c if c.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6)) => {
                    Some(DbFault::Unavailable)
                }
                c if unavailable_sqlstate(c) => Some(DbFault::Unavailable),
                _ => None,
            }
        }
        _ => None,
    }
}

fn classify(e: &DbErr) -> Option<DbFault> {
    use sea_orm::RuntimeErr;
    match e {
        DbErr::ConnectionAcquire(_) => Some(DbFault::Unavailable),
        DbErr::Conn(RuntimeErr::SqlxError(s)) => classify_sqlx(s).or(Some(DbFault::Unavailable)),
        DbErr::Conn(_) => Some(DbFault::Unavailable),
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => {
            classify_sqlx(s)
        }
        _ => None,
    }
}

/// Whether `e` says the database could not be reached or was too busy, rather than that a
/// statement failed.
pub fn is_unavailable(e: &DbErr) -> bool {
    matches!(classify(e), Some(DbFault::Unavailable))
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        AppError::from(Arc::new(e))
    }
}

impl From<Arc<DbErr>> for AppError {
    fn from(e: Arc<DbErr>) -> Self {
        match classify(&e) {
            Some(DbFault::Unavailable) => AppError::Unavailable(e.to_string()),
            Some(DbFault::Contended) => AppError::Conflict(
                "a concurrent change to the same records got in the way and nothing was written; retry"
                    .to_owned(),
            ),
            None => AppError::Db(e),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        // A database error wrapped with context keeps its meaning.
        let db = e.chain().find_map(|c| c.downcast_ref::<DbErr>());
        if let Some(db) = db
            && classify(db).is_some()
        {
            return AppError::from(db.clone());
        }
        AppError::Internal(Arc::new(e))
    }
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::NotFound(_) | AppError::ParameterNotFound { .. } => ErrorCode::NotFound,
            AppError::BadInput(_)
            | AppError::BadParameter { .. }
            | AppError::CrossSitePost
            | AppError::MutationOverGet => ErrorCode::BadUserInput,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::Unavailable(_) | AppError::Busy(_) => ErrorCode::Unavailable,
            AppError::LimitExceeded(_)
            | AppError::RateLimited { .. }
            | AppError::BodyTooLarge { .. } => ErrorCode::LimitExceeded,
            AppError::PersistedQueryNotFound => ErrorCode::PersistedQueryNotFound,
            AppError::Db(_) | AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The HTTP status of a request refused with this error before, or instead of, a GraphQL
    /// answer (the HTTP layer's own checks, the exports).
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) | AppError::ParameterNotFound { .. } => StatusCode::NOT_FOUND,
            AppError::BadInput(_) | AppError::BadParameter { .. } | AppError::LimitExceeded(_) => {
                StatusCode::BAD_REQUEST
            }
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unavailable(_) | AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::CrossSitePost => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::MutationOverGet => StatusCode::METHOD_NOT_ALLOWED,
            // Apollo's clients look for the code in an answer of 200.
            AppError::PersistedQueryNotFound => StatusCode::OK,
            AppError::Db(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The status a GraphQL answer holding this error gets instead of 200. Only refusals that
    /// a client or a proxy must act on (wait, retry, use POST) change it; the rest are
    /// answers.
    pub fn answer_status(&self) -> Option<StatusCode> {
        match self {
            AppError::RateLimited { .. }
            | AppError::MutationOverGet
            | AppError::Unavailable(_)
            | AppError::Busy(_) => Some(self.status()),
            _ => None,
        }
    }

    /// Seconds the client should wait before asking again (`Retry-After`).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            AppError::Unavailable(_) | AppError::Busy(_) => {
                Some(u64::from(RETRY_AFTER_UNAVAILABLE))
            }
            _ => None,
        }
    }

    /// The methods the endpoint takes instead (`Allow`).
    pub fn allow(&self) -> Option<&'static str> {
        matches!(self, AppError::MutationOverGet).then_some("POST")
    }

    /// The request parameter the error is about, for answers that name it apart.
    pub fn parameter(&self) -> Option<&'static str> {
        match self {
            AppError::BadParameter { name, .. } | AppError::ParameterNotFound { name, .. } => {
                Some(name)
            }
            _ => None,
        }
    }

    /// What the client is told. Internal causes are logged here, and the client learns only
    /// that something failed.
    pub fn client_message(self) -> String {
        match self {
            AppError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                format!("the database is unavailable; retry in {RETRY_AFTER_UNAVAILABLE} s")
            }
            AppError::Db(e) => {
                tracing::error!(error = %e, "database error");
                "internal error".to_owned()
            }
            AppError::Internal(e) => {
                tracing::error!(error = %format!("{:#}", e.as_ref()), "internal error");
                "internal error".to_owned()
            }
            AppError::BodyTooLarge { limit: Some(limit) } => {
                format!("the request body is larger than {limit} bytes")
            }
            AppError::BodyTooLarge { limit: None } => {
                "the request body is larger than allowed".to_owned()
            }
            AppError::CrossSitePost => "POST /graphql takes Content-Type: application/json (or an apollo-require-preflight header)".to_owned(),
            AppError::MutationOverGet => "mutations are accepted over POST only".to_owned(),
            AppError::PersistedQueryNotFound => "PersistedQueryNotFound".to_owned(),
            AppError::NotFound(m)
            | AppError::BadInput(m)
            | AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::Conflict(m)
            | AppError::LimitExceeded(m)
            | AppError::Busy(m)
            | AppError::BadParameter { message: m, .. }
            | AppError::ParameterNotFound { message: m, .. }
            | AppError::RateLimited { message: m, .. } => m,
        }
    }

    /// The error as one of a GraphQL answer's, for refusals made before execution.
    pub fn into_server_error(self) -> ServerError {
        let e = async_graphql::Error::from(self);
        let mut server = ServerError::new(e.message, None);
        server.source = e.source;
        server.extensions = e.extensions;
        server
    }

    pub fn internal(e: anyhow::Error) -> Self {
        AppError::from(e)
    }
}

/// Extension key of the seconds a rate-limited client should wait (sent as `Retry-After` too).
pub const RETRY_AFTER_EXTENSION: &str = "retryAfterSeconds";
/// Extension key of the methods to use instead (sent as `Allow` too).
pub const ALLOW_EXTENSION: &str = "allow";

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", e.code().as_str());
        if let AppError::RateLimited {
            retry_after_secs, ..
        } = &e
        {
            ext.set(RETRY_AFTER_EXTENSION, *retry_after_secs);
        }
        if let Some(allow) = e.allow() {
            ext.set(ALLOW_EXTENSION, allow);
        }
        // The HTTP layer takes the status and headers from the error itself, found again
        // through `source`, not from what the client is sent.
        let source: Arc<dyn std::any::Any + Send + Sync> = Arc::new(e.clone());
        let mut error = async_graphql::Error::new(e.client_message());
        error.extensions = Some(ext);
        error.source = Some(source);
        error
    }
}

/// Result of a resolver.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::sqlx::Error as SqlxError;
    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};

    use super::{AppError, ErrorCode};

    fn sqlx(e: SqlxError) -> RuntimeErr {
        RuntimeErr::SqlxError(Arc::new(e))
    }

    #[test]
    fn connection_failures_are_unavailable_and_the_rest_internal() {
        let reset = || std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let cases = [
            (
                DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
                ErrorCode::Unavailable,
            ),
            (
                DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
                ErrorCode::Unavailable,
            ),
            (
                DbErr::Conn(RuntimeErr::Internal("refused".into())),
                ErrorCode::Unavailable,
            ),
            (
                DbErr::Query(sqlx(SqlxError::Io(reset()))),
                ErrorCode::Unavailable,
            ),
            (
                DbErr::Exec(sqlx(SqlxError::PoolTimedOut)),
                ErrorCode::Unavailable,
            ),
            (
                DbErr::Exec(sqlx(SqlxError::PoolClosed)),
                ErrorCode::Unavailable,
            ),
            (
                DbErr::Query(sqlx(SqlxError::RowNotFound)),
                ErrorCode::Internal,
            ),
            (DbErr::Custom("bad".into()), ErrorCode::Internal),
        ];
        for (e, code) in cases {
            let shown = e.to_string();
            assert_eq!(AppError::from(e).code(), code, "{shown}");
        }
        // Context added on the way up keeps the meaning.
        let wrapped = anyhow::Error::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))
            .context("loading the city");
        assert_eq!(AppError::from(wrapped).code(), ErrorCode::Unavailable);
        assert_eq!(
            AppError::internal(anyhow::anyhow!("other")).code(),
            ErrorCode::Internal
        );
    }
}
