//! One counter raised by every transaction that changes the dataset (an import, a mutation), so
//! that each hub process can tell, with one cheap read, whether answers it has cached are still
//! true, including after a change made by another process on the same database.

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
        manager
            .create_table(
                Table::create()
                    .table(DataGeneration::Table)
                    .col(integer(DataGeneration::Id).primary_key())
                    .col(big_integer(DataGeneration::Generation).default(0))
                    .col(
                        timestamp_with_time_zone(DataGeneration::CreatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .col(
                        timestamp_with_time_zone(DataGeneration::UpdatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(DataGeneration::Table)
                    .columns([DataGeneration::Id, DataGeneration::Generation])
                    .values_panic([1.into(), 0.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DataGeneration::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DataGeneration {
    Table,
    Id,
    Generation,
    CreatedAt,
    UpdatedAt,
}
