//! An API token: who may write (or read what is not public) for one municipality, or for all
//! as an admin. Only an argon2 hash of the secret is kept.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Who holds it, e.g. "Hofu citizen activities section".
    pub label: String,
    /// ADMIN, EDITOR or VIEWER
    pub role: String,
    /// The municipality an editor or viewer acts for; none for an admin.
    pub municipality_code: Option<String>,
    /// PHC string of the argon2id hash of the secret.
    pub secret_hash: String,
    pub revoked_at: Option<DateTimeUtc>,
    /// When it stops working by itself: the end of its lifetime (`token create --expires-in`)
    /// or of its grace period after `token rotate`; none for a token that lasts until revoked.
    pub expires_at: Option<DateTimeUtc>,
    /// The token that replaced this one when it was rotated.
    pub replaced_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
