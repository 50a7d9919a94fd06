//! 年次計画: an item's plan for one fiscal year.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "schedule_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub item_id: i32,
    pub fiscal_year: i32,
    /// The first of `phases` (kept for the deprecated `ScheduleEntry.phase`).
    pub phase: String,
    /// JSON array of every phase the cell names, in the order written (「検討・実施」: two).
    #[sea_orm(column_type = "Text")]
    pub phases: String,
    pub label_ja: String,
    pub position: i32,
    /// Optimistic concurrency: raised by one on every update through the API.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
