//! Integration tests: HTTP → GraphQL → sea-orm → a real database (SQLite, and PostgreSQL when
//! `TEST_DATABASE_URL` is set), one binary with a module per domain.

mod helpers;
#[path = "../support/mod.rs"]
mod support;

mod cache;
mod cities;
mod compare_page;
mod crosscity;
mod documents;
mod errors;
mod examples;
mod exports;
mod exports_png_zip;
mod federation;
mod hostile;
mod http;
mod import;
mod introspection;
mod limits;
mod loaders;
mod migrations;
mod outage;
mod portal;
mod recent_changes;
mod scaleout;
mod schema;
mod search_coverage;
mod search_index;
mod writes;
