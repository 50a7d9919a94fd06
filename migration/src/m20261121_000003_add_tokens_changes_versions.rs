//! Writes by cities themselves (issue 4): API tokens (stored as argon2 hashes), the audit trail
//! of every change (`changes`), and a `version` on every record the API updates, for optimistic
//! concurrency. Tokens and changes carry municipality codes without foreign keys on purpose:
//! re-importing a city deletes and rewrites its rows, and neither its tokens nor the record
//! of who changed what may go with them.

#![expect(
    elided_lifetimes_in_paths,
    reason = "MigrationTrait declares `&SchemaManager` without its lifetime; naming it makes the impl mismatch"
)]

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose records the API creates, updates and deletes.
const VERSIONED: [&str; 9] = [
    "observations",
    "indicator_values",
    "programs",
    "activities",
    "proposals",
    "bodies",
    "meetings",
    "support_centers",
    "schedule_entries",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(pk_auto(ApiTokens::Id))
                    .col(string(ApiTokens::Label))
                    .col(string(ApiTokens::Role))
                    .col(string_null(ApiTokens::MunicipalityCode))
                    .col(string(ApiTokens::SecretHash))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .col(
                        timestamp_with_time_zone(ApiTokens::CreatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .col(
                        timestamp_with_time_zone(ApiTokens::UpdatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Changes::Table)
                    .col(pk_auto(Changes::Id))
                    .col(timestamp_with_time_zone(Changes::At))
                    .col(integer_null(Changes::TokenId))
                    .col(string(Changes::Actor))
                    .col(string(Changes::ActorRole))
                    .col(string_null(Changes::ActorMunicipalityCode))
                    .col(string(Changes::MunicipalityCode))
                    .col(string(Changes::Entity))
                    .col(integer(Changes::RecordId))
                    .col(string(Changes::Operation))
                    .col(text_null(Changes::Before))
                    .col(text_null(Changes::After))
                    .col(
                        timestamp_with_time_zone(Changes::CreatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .col(
                        timestamp_with_time_zone(Changes::UpdatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_changes_municipality_code_id")
                    .table(Changes::Table)
                    .col(Changes::MunicipalityCode)
                    .col(Changes::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_changes_at")
                    .table(Changes::Table)
                    .col(Changes::At)
                    .to_owned(),
            )
            .await?;
        for table in VERSIONED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(integer(Alias::new("version")).default(1))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in VERSIONED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new("version"))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Changes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ApiTokens::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Label,
    Role,
    MunicipalityCode,
    SecretHash,
    RevokedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Changes {
    Table,
    Id,
    At,
    TokenId,
    Actor,
    ActorRole,
    ActorMunicipalityCode,
    MunicipalityCode,
    Entity,
    RecordId,
    Operation,
    Before,
    After,
    CreatedAt,
    UpdatedAt,
}
