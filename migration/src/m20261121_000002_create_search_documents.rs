//! The search index: one row per searchable record (plan item, section, programme, activity,
//! meeting, article, indicator, body, support centre) holding its Japanese text. Japanese has
//! no spaces between words, so matching is by character n-grams: SQLite gets an FTS5 table
//! with the trigram tokenizer kept in step by triggers, PostgreSQL a pg_trgm GIN index. Queries
//! shorter than three characters fall back to a substring scan on both.

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
        manager
            .create_table(
                Table::create()
                    .table(SearchDocuments::Table)
                    .col(pk_auto(SearchDocuments::Id))
                    .col(string(SearchDocuments::MunicipalityCode))
                    .col(string(SearchDocuments::Kind))
                    .col(integer(SearchDocuments::RecordId))
                    .col(text(SearchDocuments::Title))
                    .col(text(SearchDocuments::Body))
                    .col(
                        timestamp_with_time_zone(SearchDocuments::CreatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .col(
                        timestamp_with_time_zone(SearchDocuments::UpdatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_search_documents_municipality_code")
                            .from(SearchDocuments::Table, SearchDocuments::MunicipalityCode)
                            .to(Municipalities::Table, Municipalities::Code)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_search_documents_kind_record_id")
                    .table(SearchDocuments::Table)
                    .col(SearchDocuments::Kind)
                    .col(SearchDocuments::RecordId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_search_documents_municipality_code")
                    .table(SearchDocuments::Table)
                    .col(SearchDocuments::MunicipalityCode)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                for sql in [
                    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_documents', content_rowid='id', tokenize='trigram')",
                    "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN \
                     INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
                    "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN \
                     INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END",
                    "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN \
                     INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); \
                     INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
                ] {
                    db.execute_unprepared(sql).await?;
                }
            }
            DatabaseBackend::Postgres => {
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    .await?;
                db.execute_unprepared(
                    "CREATE INDEX ix_search_documents_trgm ON search_documents \
                     USING gin ((title || ' ' || body) gin_trgm_ops)",
                )
                .await?;
            }
            other => {
                return Err(DbErr::Migration(format!(
                    "search index: unsupported database {other:?}"
                )));
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Sqlite {
            let db = manager.get_connection();
            for sql in [
                "DROP TRIGGER IF EXISTS search_documents_au",
                "DROP TRIGGER IF EXISTS search_documents_ad",
                "DROP TRIGGER IF EXISTS search_documents_ai",
                "DROP TABLE IF EXISTS search_fts",
            ] {
                db.execute_unprepared(sql).await?;
            }
        }
        // The pg_trgm extension stays: other objects of the database may use it.
        manager
            .drop_table(Table::drop().table(SearchDocuments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SearchDocuments {
    Table,
    Id,
    MunicipalityCode,
    Kind,
    RecordId,
    Title,
    Body,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Municipalities {
    Table,
    Code,
}
