//! 計画: a collaboration plan.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub municipality_code: String,
    pub key: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub published: Option<String>,
    pub period_start: Option<i32>,
    pub period_end: Option<i32>,
    pub action_plan_start: Option<i32>,
    pub action_plan_end: Option<i32>,
    /// The yearly-schedule table's first and last column, which may reach beyond the action
    /// plan's period as its prose states it (山口市: 平成21年度から平成24年度までの4年間, columns
    /// H20–H24).
    pub schedule_start: Option<i32>,
    pub schedule_end: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub source_id: Option<i32>,
    pub position: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
