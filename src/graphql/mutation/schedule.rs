//! 年次計画: mutations of a plan item's schedule, one fiscal year per entry.

use async_graphql::{Context, ID, InputObject, Object};
use entity::{plan_items, schedule_entries};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::{Deleted, begin, delete_record, patch, position, record_id};
use crate::domain::{SchedulePhase, json_list};
use crate::error::{AppError, AppResult};
use crate::graphql::scalars::FiscalYear;
use crate::graphql::types::plan::ScheduleEntry;
use crate::write;
use crate::write::records;
use crate::write::validate::{self as v, MAX_LABEL};

#[derive(Default)]
pub struct ScheduleMutation;

#[derive(InputObject)]
pub struct CreateScheduleEntryInput {
    /// The plan item (推進項目) the entry belongs to.
    pub item: ID,
    pub fiscal_year: FiscalYear,
    /// The cell as printed, e.g. 検討, 実施, →.
    pub label_ja: String,
    /// One phase; `phases` supersedes it. Not marked deprecated, because tools that introspect
    /// with the standard query would then not see it at all. Read from the label when left out.
    pub phase: Option<SchedulePhase>,
    /// Every phase the cell names, in order; read from the label when left out.
    pub phases: Option<Vec<SchedulePhase>>,
}

#[derive(InputObject)]
pub struct UpdateScheduleEntryInput {
    pub id: ID,
    pub version: i32,
    pub fiscal_year: Option<FiscalYear>,
    pub label_ja: Option<String>,
    /// One phase; `phases` supersedes it (see `CreateScheduleEntryInput.phase`).
    pub phase: Option<SchedulePhase>,
    /// Every phase the cell names; a new label without it (or `phase`) re-reads it.
    pub phases: Option<Vec<SchedulePhase>>,
}

/// The phases to write: those given, else the one `phase` given, else none.
fn given_phases(
    phases: Option<Vec<SchedulePhase>>,
    phase: Option<SchedulePhase>,
) -> AppResult<Option<Vec<SchedulePhase>>> {
    match (phases, phase) {
        (Some(list), _) if list.is_empty() => Err(AppError::BadInput(
            "input.phases: give at least one phase, or leave it out to read it from labelJa".into(),
        )),
        (Some(list), _) => {
            let mut unique: Vec<SchedulePhase> = Vec::with_capacity(list.len());
            for p in list {
                if unique.contains(&p) {
                    return Err(AppError::BadInput(format!(
                        "input.phases: {} is listed twice",
                        p.as_str()
                    )));
                }
                unique.push(p);
            }
            Ok(Some(unique))
        }
        (None, Some(p)) => Ok(Some(vec![p])),
        (None, None) => Ok(None),
    }
}

#[Object]
impl ScheduleMutation {
    /// Adds a fiscal year to a plan item's schedule (工程表).
    async fn create_schedule_entry(
        &self,
        ctx: &Context<'_>,
        input: CreateScheduleEntryInput,
    ) -> AppResult<ScheduleEntry> {
        let mut w = begin(ctx).await?;
        let item_id = record_id("input.item", &input.item, "PlanItem")?;
        if plan_items::Entity::find_by_id(item_id)
            .one(w.txn())
            .await?
            .is_none()
        {
            return Err(AppError::NotFound("input.item: no such plan item".into()));
        }
        let owner = records::item_owner(w.txn(), item_id).await?;
        w.authorize(&owner)?;
        let label = v::required("input.labelJa", &input.label_ja, MAX_LABEL)?;
        let phases = given_phases(input.phases, input.phase)?
            .unwrap_or_else(|| SchedulePhase::list_from_label(&label));
        let phase = phases.first().copied().unwrap_or(SchedulePhase::Other);
        let siblings = schedule_entries::Entity::find()
            .filter(schedule_entries::Column::ItemId.eq(item_id))
            .count(w.txn())
            .await?;
        let am = schedule_entries::ActiveModel {
            item_id: Set(item_id),
            fiscal_year: Set(input.fiscal_year.0),
            phase: Set(phase.as_str().to_owned()),
            phases: Set(json_list::encode(&phases)),
            label_ja: Set(label),
            position: Set(position(siblings)),
            created_at: Set(w.now()),
            ..Default::default()
        };
        let m =
            write::insert::<schedule_entries::Entity>(&mut w, &owner, "item and fiscal year", am)
                .await?;
        w.commit().await?;
        Ok(ScheduleEntry(m))
    }

    async fn update_schedule_entry(
        &self,
        ctx: &Context<'_>,
        input: UpdateScheduleEntryInput,
    ) -> AppResult<ScheduleEntry> {
        let mut w = begin(ctx).await?;
        let id = record_id("input.id", &input.id, "ScheduleEntry")?;
        let loaded = write::load::<schedule_entries::Entity>(&w, id).await?;
        let label = input
            .label_ja
            .map(|l| v::required("input.labelJa", &l, MAX_LABEL))
            .transpose()?;
        // A new label without phases re-reads them from it.
        let phases = given_phases(input.phases, input.phase)?
            .or_else(|| label.as_deref().map(SchedulePhase::list_from_label));
        let phase = phases.as_ref().and_then(|p| p.first().copied());
        let am = schedule_entries::ActiveModel {
            fiscal_year: patch(input.fiscal_year.map(|y| y.0)),
            label_ja: patch(label),
            phase: patch(phase.map(|p| p.as_str().to_owned())),
            phases: patch(phases.map(|p| json_list::encode(&p))),
            ..Default::default()
        };
        let m = write::update::<schedule_entries::Entity>(
            &mut w,
            loaded,
            input.version,
            am,
            "item and fiscal year",
        )
        .await?;
        w.commit().await?;
        Ok(ScheduleEntry(m))
    }

    async fn delete_schedule_entry(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> AppResult<Deleted> {
        delete_record::<schedule_entries::Entity>(ctx, &id, version).await
    }
}
