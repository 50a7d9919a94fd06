//! 推進項目: an item of a measure.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub measure_id: i32,
    pub plan_id: i32,
    pub label: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// JSON array
    #[sea_orm(column_type = "Text")]
    pub tags: String,
    pub repost_of_id: Option<i32>,
    /// JSON array
    #[sea_orm(column_type = "Text")]
    pub departments: String,
    pub implementers_ja: Option<String>,
    /// JSON array of ActorType
    #[sea_orm(column_type = "Text")]
    pub implementers: String,
    /// JSON array of ActorType
    #[sea_orm(column_type = "Text")]
    pub targets: String,
    #[sea_orm(column_type = "Text")]
    pub targets_note: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub purpose: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub current_state: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub content: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub completion_criterion: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub position: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
