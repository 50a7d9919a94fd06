//! 事業: a programme (proposal scheme, training, forum …).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "programs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub municipality_code: String,
    pub key: String,
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub organizer: Option<String>,
    pub department: Option<String>,
    pub started_fiscal_year: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub url: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub source_id: Option<i32>,
    pub position: i32,
    /// Optimistic concurrency: raised by one on every update through the API.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
