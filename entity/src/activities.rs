//! A programme's session, course or event.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub program_id: i32,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// partial ISO date
    pub date: Option<String>,
    /// partial ISO date: the last day (or month) of a period the document gives, e.g.
    /// 令和5年7月から9月まで; `date` is then its start
    pub date_end: Option<String>,
    /// The first fiscal year the activity covers (`fiscalYearFrom`).
    pub fiscal_year: i32,
    /// The last fiscal year it covers: the same as `fiscal_year` unless the document gives one
    /// line for a span of years (「H23～27年度 … 計411名」).
    pub fiscal_year_to: i32,
    pub label_ja: Option<String>,
    pub sessions: Option<i32>,
    pub participants: Option<i32>,
    pub approximate: bool,
    #[sea_orm(column_type = "Text")]
    pub audience: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub topic: Option<String>,
    pub department: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub venue: Option<String>,
    /// JSON array
    #[sea_orm(column_type = "Text")]
    pub speakers: String,
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
