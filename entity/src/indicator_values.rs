//! An indicator's baseline, target or observed value.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "indicator_values")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub indicator_id: i32,
    /// BASELINE, TARGET or OBSERVED
    pub kind: String,
    pub fiscal_year: i32,
    pub value: f64,
    pub approximate: bool,
    pub label_ja: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub position: i32,
    /// Optimistic concurrency: raised by one on every update through the API.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
