//! 役割区分: what one group of actors does under a policy.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_roles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub policy_id: i32,
    pub actor_ja: String,
    /// JSON array of ActorType
    #[sea_orm(column_type = "Text")]
    pub actors: String,
    /// JSON array of strings
    #[sea_orm(column_type = "Text")]
    pub items: String,
    pub position: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
