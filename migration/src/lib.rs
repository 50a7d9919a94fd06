//! Schema migrations, shared by SQLite and PostgreSQL. Applied files are never edited: a change
//! to the schema is a new migration.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_tables;
mod m20261121_000002_create_search_documents;
mod m20261121_000003_add_tokens_changes_versions;
mod m20261121_000004_create_data_generation;
mod m20261129_000001_add_token_expiry;
mod m20261130_000001_spans_phases_date_kinds;
mod m20261130_000002_create_search_revisions;
mod m20261130_000003_create_latest_observations;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_tables::Migration),
            Box::new(m20261121_000002_create_search_documents::Migration),
            Box::new(m20261121_000003_add_tokens_changes_versions::Migration),
            Box::new(m20261121_000004_create_data_generation::Migration),
            Box::new(m20261129_000001_add_token_expiry::Migration),
            Box::new(m20261130_000001_spans_phases_date_kinds::Migration),
            Box::new(m20261130_000002_create_search_revisions::Migration),
            Box::new(m20261130_000003_create_latest_observations::Migration),
        ]
    }
}
