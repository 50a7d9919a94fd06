//! Each city's latest value of each catalogue metric, kept ready so that a national comparison
//! ranks 1,741 small rows instead of reading every value of every year (issue 14). The hub
//! rewrites a city's rows in the transaction that changes its observations; this migration
//! fills the table from the observations a database already holds.

#![expect(
    elided_lifetimes_in_paths,
    reason = "MigrationTrait declares `&SchemaManager` without its lifetime; naming it makes the impl mismatch"
)]

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The newest fiscal year of each (city, metric) pair; the unique key of observations makes it
/// one row per pair.
const FILL: &str = "INSERT INTO latest_observations \
     (municipality_code, metric_code, fiscal_year, observation_id, value) \
     SELECT o.municipality_code, o.metric_code, o.fiscal_year, o.id, o.value \
     FROM observations o \
     WHERE NOT EXISTS (SELECT 1 FROM observations n \
         WHERE n.municipality_code = o.municipality_code \
         AND n.metric_code = o.metric_code \
         AND n.fiscal_year > o.fiscal_year)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LatestObservations::Table)
                    .col(string(LatestObservations::MunicipalityCode))
                    .col(string(LatestObservations::MetricCode))
                    .col(integer(LatestObservations::FiscalYear))
                    .col(integer(LatestObservations::ObservationId))
                    .col(double(LatestObservations::Value))
                    .col(
                        timestamp_with_time_zone(LatestObservations::CreatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .col(
                        timestamp_with_time_zone(LatestObservations::UpdatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .primary_key(
                        Index::create()
                            .col(LatestObservations::MunicipalityCode)
                            .col(LatestObservations::MetricCode),
                    )
                    // A deleted observation takes its row with it even before the write that
                    // deleted it puts the previous year in its place.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_latest_observations_observation_id")
                            .from(LatestObservations::Table, LatestObservations::ObservationId)
                            .to(Observations::Table, Observations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_latest_observations_metric_code")
                    .table(LatestObservations::Table)
                    .col(LatestObservations::MetricCode)
                    .to_owned(),
            )
            .await?;
        // The cascade looks rows up by observation.
        manager
            .create_index(
                Index::create()
                    .name("ix_latest_observations_observation_id")
                    .table(LatestObservations::Table)
                    .col(LatestObservations::ObservationId)
                    .to_owned(),
            )
            .await?;
        manager.get_connection().execute_unprepared(FILL).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LatestObservations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LatestObservations {
    Table,
    MunicipalityCode,
    MetricCode,
    FiscalYear,
    ObservationId,
    Value,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Observations {
    Table,
    Id,
}
