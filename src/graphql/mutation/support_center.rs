//! 市民活動支援センター: mutations of civic activity support centres.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::support_centers;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::{
    Deleted, begin, delete_record, municipality_code, optional_source, patch, patch_nullable,
    patch_required, patch_source, patch_text, position, record_id,
};
use crate::domain::ManagementModel;
use crate::error::AppResult;
use crate::graphql::scalars::FiscalYear;
use crate::graphql::types::support_center::SupportCenter;
use crate::write;
use crate::write::validate::{self as v, MAX_TEXT, MAX_TITLE};

#[derive(Default)]
pub struct SupportCenterMutation;

#[derive(InputObject)]
pub struct CreateSupportCenterInput {
    pub municipality: ID,
    pub key: String,
    pub name_ja: String,
    pub name_en: Option<String>,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub opened: Option<String>,
    pub operator: Option<String>,
    pub management_model: ManagementModel,
    pub management_since_fiscal_year: Option<FiscalYear>,
    pub services: Option<String>,
    pub note: Option<String>,
    pub source: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateSupportCenterInput {
    pub id: ID,
    pub version: i32,
    pub name_ja: Option<String>,
    pub name_en: MaybeUndefined<String>,
    pub opened: MaybeUndefined<String>,
    pub operator: MaybeUndefined<String>,
    pub management_model: Option<ManagementModel>,
    pub management_since_fiscal_year: MaybeUndefined<FiscalYear>,
    pub services: MaybeUndefined<String>,
    pub note: MaybeUndefined<String>,
    pub source: MaybeUndefined<String>,
}

#[Object]
impl SupportCenterMutation {
    async fn create_support_center(
        &self,
        ctx: &Context<'_>,
        input: CreateSupportCenterInput,
    ) -> AppResult<SupportCenter> {
        let mut w = begin(ctx).await?;
        let owner = municipality_code(&w, "input.municipality", &input.municipality).await?;
        w.authorize(&owner)?;
        let siblings = support_centers::Entity::find()
            .filter(support_centers::Column::MunicipalityCode.eq(&owner))
            .count(w.txn())
            .await?;
        let am = support_centers::ActiveModel {
            municipality_code: Set(owner.clone()),
            key: Set(v::key("input.key", &input.key)?),
            name_ja: Set(v::required("input.nameJa", &input.name_ja, MAX_TITLE)?),
            name_en: Set(v::optional("input.nameEn", input.name_en, MAX_TITLE)?),
            opened: Set(input
                .opened
                .as_deref()
                .map(|d| v::partial_date("input.opened", d).map(|d| d.0))
                .transpose()?),
            operator: Set(v::optional("input.operator", input.operator, MAX_TEXT)?),
            management_model: Set(input.management_model.as_str().to_owned()),
            management_since_fiscal_year: Set(input.management_since_fiscal_year.map(|y| y.0)),
            services: Set(v::optional("input.services", input.services, MAX_TEXT)?),
            note: Set(v::optional("input.note", input.note, MAX_TEXT)?),
            source_id: Set(optional_source(&w, "input.source", &owner, input.source).await?),
            position: Set(position(siblings)),
            created_at: Set(w.now()),
            ..Default::default()
        };
        let m = write::insert::<support_centers::Entity>(&mut w, &owner, "key", am).await?;
        w.commit().await?;
        Ok(SupportCenter(m))
    }

    async fn update_support_center(
        &self,
        ctx: &Context<'_>,
        input: UpdateSupportCenterInput,
    ) -> AppResult<SupportCenter> {
        let mut w = begin(ctx).await?;
        let id = record_id("input.id", &input.id, "SupportCenter")?;
        let loaded = write::load::<support_centers::Entity>(&w, id).await?;
        let owner = loaded.owner.clone();
        let opened = match input.opened {
            MaybeUndefined::Undefined => NotSet,
            MaybeUndefined::Null => Set(None),
            MaybeUndefined::Value(d) => Set(Some(v::partial_date("input.opened", &d)?.0)),
        };
        let am = support_centers::ActiveModel {
            name_ja: patch_required("input.nameJa", input.name_ja, MAX_TITLE)?,
            name_en: patch_text("input.nameEn", input.name_en, MAX_TITLE)?,
            opened,
            operator: patch_text("input.operator", input.operator, MAX_TEXT)?,
            management_model: patch(input.management_model.map(|m| m.as_str().to_owned())),
            management_since_fiscal_year: patch_nullable(
                input.management_since_fiscal_year.map_value(|y| y.0),
            ),
            services: patch_text("input.services", input.services, MAX_TEXT)?,
            note: patch_text("input.note", input.note, MAX_TEXT)?,
            source_id: patch_source(&w, "input.source", &owner, input.source).await?,
            ..Default::default()
        };
        let m = write::update::<support_centers::Entity>(&mut w, loaded, input.version, am, "key")
            .await?;
        w.commit().await?;
        Ok(SupportCenter(m))
    }

    async fn delete_support_center(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> AppResult<Deleted> {
        delete_record::<support_centers::Entity>(ctx, &id, version).await
    }
}
