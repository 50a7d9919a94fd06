//! 会議: a meeting of a body.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub body_id: i32,
    /// denormalised from the body for date-range lookups
    pub municipality_code: String,
    pub number: Option<i32>,
    /// partial ISO date
    pub date: Option<String>,
    pub fiscal_year: i32,
    /// What `date` is: the day it was held, or a deadline (…まで).
    pub date_kind: String,
    #[sea_orm(column_type = "Text")]
    pub date_note: Option<String>,
    pub format: String,
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
