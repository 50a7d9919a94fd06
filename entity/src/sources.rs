//! 出典: a document a record was transcribed from.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sources")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub municipality_code: String,
    /// id within the municipality's dataset file
    pub key: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub publisher: Option<String>,
    /// partial ISO date
    pub published: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub url: Option<String>,
    pub document: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
