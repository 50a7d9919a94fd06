//! 提案: a proposal under a proposal scheme.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "proposals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub program_id: i32,
    pub fiscal_year: i32,
    pub track: String,
    #[sea_orm(column_type = "Text")]
    pub title: Option<String>,
    pub count: i32,
    pub stage: String,
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
