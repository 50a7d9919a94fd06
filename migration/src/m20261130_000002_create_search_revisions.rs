//! 検索改訂番号: one counter per municipality, raised in the transaction that rewrites the
//! city's search documents. Each hub process keeps an in-memory search index (see
//! `src/read/search/engine.rs`); comparing the counters it holds with these tells it which
//! cities another process changed, so it reloads those alone instead of the whole country.

#![expect(
    elided_lifetimes_in_paths,
    reason = "MigrationTrait declares `&SchemaManager` without its lifetime; naming it makes the impl mismatch"
)]

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
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
