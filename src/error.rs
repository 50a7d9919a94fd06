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
    /// The database failed → `INTERNAL`, cause logged. (Shared because DataLoaders hand one
    /// error to every waiting resolver.)
    Db(Arc<DbErr>),
    /// Anything else that should not happen → `INTERNAL`, cause logged.
    Internal(Arc<anyhow::Error>),
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        AppError::Db(Arc::new(e))
    }
}

impl From<Arc<DbErr>> for AppError {
    fn from(e: Arc<DbErr>) -> Self {
        AppError::Db(e)
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
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
            AppError::Db(_) | AppError::Internal(_) => "INTERNAL",
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        let code = e.code();
        let message = match e {
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
        AppError::Internal(Arc::new(e))
    }
}
