//! One change of the audit trail: who changed which record, how, and its values before and
//! after. Written in the same transaction as the change itself.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub at: DateTimeUtc,
    /// The token that made the change; none for `kyodo-hub import` on the command line.
    pub token_id: Option<i32>,
    /// The token's label (kept even if the token is revoked).
    pub actor: String,
    pub actor_role: String,
    pub actor_municipality_code: Option<String>,
    /// The municipality that owns the record.
    pub municipality_code: String,
    /// The GraphQL type of the record, e.g. `Observation`.
    pub entity: String,
    pub record_id: i32,
    /// CREATE, UPDATE, DELETE or IMPORT
    pub operation: String,
    /// JSON of the record before the change; none for a creation.
    #[sea_orm(column_type = "Text")]
    pub before: Option<String>,
    /// JSON of the record after the change; none for a deletion.
    #[sea_orm(column_type = "Text")]
    pub after: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
