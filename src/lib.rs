//! kyodo-hub: one queryable, source-cited dataset of how Japanese municipalities work with
//! their citizens (協働), served as a GraphQL API.
//!
//! - [`dataset`] reads the hand-edited YAML files in `data/`, validates them and imports them
//!   to SQLite or PostgreSQL through sea-orm, in one transaction;
//! - [`graphql`] serves them, nested lists batched through DataLoaders;
//! - [`read`] answers questions across cities, [`write`] is the one path every change takes;
//! - [`gate`] checks a request before execution, [`http`] is the axum router, [`cli`] the
//!   commands.

pub mod app;
pub mod cache;
pub mod cli;
pub mod config;
pub mod dataset;
pub mod db;
pub mod domain;
pub mod error;
pub mod gate;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod read;
pub mod write;
