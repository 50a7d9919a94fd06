//! 検索改訂番号: one counter per municipality, raised in the transaction that rewrites the
//! city's search documents. Each hub process keeps an in-memory search index (see
//! `src/read/search/engine.rs`); comparing the counters it holds with these tells it which
//! cities another process changed, so it reloads those alone instead of the whole country.
//!
//! The databases' own trigram indexes over the documents (SQLite's FTS5 table and its
//! triggers, PostgreSQL's pg_trgm GIN index) go: nothing reads them any more, and every write
//! and import paid to keep them. `down` builds them again from the documents.

#![expect(
    elided_lifetimes_in_paths,
    reason = "MigrationTrait declares `&SchemaManager` without its lifetime; naming it makes the impl mismatch"
)]

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // No foreign key to municipalities: a city that is replaced or removed keeps its row,
        // so that processes still holding its documents learn that they changed.
        manager
            .create_table(
                Table::create()
                    .table(SearchRevisions::Table)
                    .col(string(SearchRevisions::MunicipalityCode).primary_key())
                    .col(big_integer(SearchRevisions::Generation).default(0))
                    .to_owned(),
            )
            .await?;
        let drops: &[&str] = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => &[
                "DROP TRIGGER IF EXISTS search_documents_au",
                "DROP TRIGGER IF EXISTS search_documents_ad",
                "DROP TRIGGER IF EXISTS search_documents_ai",
                "DROP TABLE IF EXISTS search_fts",
            ],
            // The pg_trgm extension stays: other objects of the database may use it.
            DatabaseBackend::Postgres => &["DROP INDEX IF EXISTS ix_search_documents_trgm"],
            _ => &[],
        };
        for sql in drops {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let creates: &[&str] = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => &[
                "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_documents', content_rowid='id', tokenize='trigram')",
                "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
                "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN \
                 INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
                "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN \
                 INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END",
                "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN \
                 INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); \
                 INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
            ],
            DatabaseBackend::Postgres => &[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE INDEX ix_search_documents_trgm ON search_documents \
                 USING gin ((title || ' ' || body) gin_trgm_ops)",
            ],
            _ => &[],
        };
        for sql in creates {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        manager
            .drop_table(Table::drop().table(SearchRevisions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SearchRevisions {
    Table,
    MunicipalityCode,
    Generation,
}
