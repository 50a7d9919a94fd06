//! A municipality's value of a catalogue metric for a fiscal year.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "observations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub municipality_code: String,
    pub metric_code: String,
    pub fiscal_year: i32,
    pub value: f64,
    pub approximate: bool,
    pub label_ja: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub source_id: Option<i32>,
    /// Optimistic concurrency: raised by one on every update through the API.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
