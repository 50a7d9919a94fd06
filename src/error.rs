//! The errors a client can see, each with the `extensions.code` of the public contract
//! (`../shared/API.md`). Internal causes are logged with an id and never sent: a client learns
//! that something failed, not which table or SQL statement.

//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts any `Display`
//! type into an error without a code (and with its text), so a `DbErr` passed through `?` in a
//! resolver would reach the client verbatim. Resolvers return [`AppResult`], whose conversion
//! below always sets the code and hides internal causes.

use std::sync::Arc;

use sea_orm::DbErr;

#[derive(Debug, Clone)]
pub enum AppError {
    /// The request names something that does not exist → `NOT_FOUND`.
    NotFound(String),
    /// An argument is malformed or out of range; the message names it → `BAD_USER_INPUT`.
    BadInput(String),
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
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::BadInput(_) => "BAD_USER_INPUT",
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::Conflict(_) => "CONFLICT",
            AppError::Unavailable(_) => "UNAVAILABLE",
            AppError::Db(_) | AppError::Internal(_) => "INTERNAL",
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        let code = e.code();
        let message = match e {
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
            AppError::NotFound(m)
            | AppError::BadInput(m)
            | AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::Conflict(m) => m,
        };
        let mut error = async_graphql::Error::new(message);
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", code);
        error.extensions = Some(ext);
        error
    }
}

/// Result of a resolver.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn internal(e: anyhow::Error) -> Self {
        AppError::from(e)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::sqlx::Error as SqlxError;
    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};

    use super::AppError;

    fn sqlx(e: SqlxError) -> RuntimeErr {
        RuntimeErr::SqlxError(Arc::new(e))
    }

    #[test]
    fn connection_failures_are_unavailable_and_the_rest_internal() {
        let reset = || std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let cases = [
            (
                DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
                "UNAVAILABLE",
            ),
            (
                DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
                "UNAVAILABLE",
            ),
            (
                DbErr::Conn(RuntimeErr::Internal("refused".into())),
                "UNAVAILABLE",
            ),
            (DbErr::Query(sqlx(SqlxError::Io(reset()))), "UNAVAILABLE"),
            (DbErr::Exec(sqlx(SqlxError::PoolTimedOut)), "UNAVAILABLE"),
            (DbErr::Exec(sqlx(SqlxError::PoolClosed)), "UNAVAILABLE"),
            (DbErr::Query(sqlx(SqlxError::RowNotFound)), "INTERNAL"),
            (DbErr::Custom("bad".into()), "INTERNAL"),
        ];
        for (e, code) in cases {
            let shown = e.to_string();
            assert_eq!(AppError::from(e).code(), code, "{shown}");
        }
        // Context added on the way up keeps the meaning.
        let wrapped = anyhow::Error::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))
            .context("loading the city");
        assert_eq!(AppError::from(wrapped).code(), "UNAVAILABLE");
        assert_eq!(
            AppError::internal(anyhow::anyhow!("other")).code(),
            "INTERNAL"
        );
    }
}
