//! kyodo-hub: one queryable, source-cited dataset of how Japanese municipalities work with
//! their citizens (協働), served as a GraphQL API.
//!
//! - [`dataset`] reads the hand-edited YAML files in `data/` and validates them;
//! - [`import`] writes them to SQLite or PostgreSQL through sea-orm, in one transaction;
//! - [`graphql`] serves them, nested lists batched through DataLoaders;
//! - [`compare`], [`stats`] and [`search`] answer questions across cities;
//! - [`generate`] writes a synthetic national dataset for benchmarks;
//! - [`http`] is the axum router, [`cli`] the commands.

pub mod auth;
pub mod cache;
pub mod cli;
pub mod codes;
pub mod compare;
pub mod dataset;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod fiscal_year;
pub mod gate;
pub mod generate;
pub mod graphql;
pub mod http;
pub mod import;
pub mod limits;
pub mod metrics;
pub mod observation_csv;
pub mod ratelimit;
pub mod records;
pub mod search;
pub mod server;
pub mod stats;
pub mod validate;
pub mod write;
