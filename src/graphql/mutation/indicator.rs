//! 成果指標: mutations of the baseline, target and yearly values of a plan's indicators.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::{indicator_values, indicators};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::{Deleted, begin, delete_record, patch, patch_text, position, record_id};
use crate::domain::IndicatorValueKind;
use crate::error::{AppError, AppResult};
use crate::graphql::scalars::FiscalYear;
use crate::graphql::types::indicator::IndicatorValue;
use crate::write;
use crate::write::validate::{self as v, MAX_LABEL, MAX_TEXT};

#[derive(Default)]
pub struct IndicatorMutation;

#[derive(InputObject)]
pub struct CreateIndicatorValueInput {
    pub indicator: ID,
    pub kind: IndicatorValueKind,
    pub fiscal_year: FiscalYear,
    pub value: f64,
    #[graphql(default)]
    pub approximate: bool,
    pub label_ja: Option<String>,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateIndicatorValueInput {
    pub id: ID,
    pub version: i32,
    pub kind: Option<IndicatorValueKind>,
    pub fiscal_year: Option<FiscalYear>,
    pub value: Option<f64>,
    pub approximate: Option<bool>,
    pub label_ja: MaybeUndefined<String>,
    pub note: MaybeUndefined<String>,
}

#[Object]
impl IndicatorMutation {
    async fn create_indicator_value(
        &self,
        ctx: &Context<'_>,
        input: CreateIndicatorValueInput,
    ) -> AppResult<IndicatorValue> {
        let mut w = begin(ctx).await?;
        let indicator_id = record_id("input.indicator", &input.indicator, "Indicator")?;
        let indicator = indicators::Entity::find_by_id(indicator_id)
            .one(w.txn())
            .await?
            .ok_or_else(|| AppError::NotFound("input.indicator: no such indicator".into()))?;
        let owner = indicator.municipality_code.clone();
        w.authorize(&owner)?;
        let value = v::value_in_unit("input.value", &indicator.unit, input.value)?;
        let siblings = indicator_values::Entity::find()
            .filter(indicator_values::Column::IndicatorId.eq(indicator_id))
            .count(w.txn())
            .await?;
        let am = indicator_values::ActiveModel {
            indicator_id: Set(indicator_id),
            kind: Set(input.kind.as_str().to_owned()),
            fiscal_year: Set(input.fiscal_year.0),
            value: Set(value),
            approximate: Set(input.approximate),
            label_ja: Set(v::optional("input.labelJa", input.label_ja, MAX_LABEL)?),
            note: Set(v::optional("input.note", input.note, MAX_TEXT)?),
            position: Set(position(siblings)),
            created_at: Set(w.now()),
            ..Default::default()
        };
        let m = write::insert::<indicator_values::Entity>(
            &mut w,
            &owner,
            "indicator, kind and fiscal year",
            am,
        )
        .await?;
        w.commit().await?;
        Ok(IndicatorValue(m.into()))
    }

    async fn update_indicator_value(
        &self,
        ctx: &Context<'_>,
        input: UpdateIndicatorValueInput,
    ) -> AppResult<IndicatorValue> {
        let mut w = begin(ctx).await?;
        let id = record_id("input.id", &input.id, "IndicatorValue")?;
        let loaded = write::load::<indicator_values::Entity>(&w, id).await?;
        let value = match input.value {
            Some(x) => {
                let indicator = indicators::Entity::find_by_id(loaded.model.indicator_id)
                    .one(w.txn())
                    .await?
                    .ok_or_else(|| AppError::internal(anyhow::anyhow!("indicator vanished")))?;
                Set(v::value_in_unit("input.value", &indicator.unit, x)?)
            }
            None => NotSet,
        };
        let am = indicator_values::ActiveModel {
            kind: patch(input.kind.map(|k| k.as_str().to_owned())),
            fiscal_year: patch(input.fiscal_year.map(|y| y.0)),
            value,
            approximate: patch(input.approximate),
            label_ja: patch_text("input.labelJa", input.label_ja, MAX_LABEL)?,
            note: patch_text("input.note", input.note, MAX_TEXT)?,
            ..Default::default()
        };
        let m = write::update::<indicator_values::Entity>(
            &mut w,
            loaded,
            input.version,
            am,
            "indicator, kind and fiscal year",
        )
        .await?;
        w.commit().await?;
        Ok(IndicatorValue(m.into()))
    }

    async fn delete_indicator_value(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> AppResult<Deleted> {
        delete_record::<indicator_values::Entity>(ctx, &id, version).await
    }
}
