//! 市民活動支援センター: a civic activity support centre.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "support_centers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub municipality_code: String,
    pub key: String,
    pub name_ja: String,
    pub name_en: Option<String>,
    pub opened: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub operator: Option<String>,
    pub management_model: String,
    pub management_since_fiscal_year: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub services: Option<String>,
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
