//! 最新値: a municipality's newest observation of a catalogue metric, kept ready for ranking.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "latest_observations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub municipality_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub metric_code: String,
    pub fiscal_year: i32,
    pub observation_id: i32,
    /// As reported, not normalised.
    pub value: f64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
