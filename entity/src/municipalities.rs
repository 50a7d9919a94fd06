//! 市区町村: a municipality, keyed by its 6-digit local government code.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "municipalities")]
pub struct Model {
    /// 全国地方公共団体コード with check digit
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub slug: String,
    pub name_ja: String,
    pub name_en: String,
    pub name_kana: Option<String>,
    /// JIS X 0401 two-digit prefecture code
    pub prefecture_code: String,
    pub population: Option<i32>,
    /// census year of `population`
    pub population_year: Option<i32>,
    /// source of `population`; no FK because sources reference municipalities
    pub population_source_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
