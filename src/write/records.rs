//! The tables cities maintain through the API, each tied to the municipality that owns its
//! rows. Child tables hold no municipality of their own, so ownership is read through the
//! parent: an activity belongs to its programme's city, a schedule entry to its plan's.

use entity::{
    activities, agenda_items, bodies, body_years, indicator_values, indicators, meetings,
    observations, plan_items, plans, programs, proposals, schedule_entries, support_centers,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use serde_json::Value;

use crate::error::{AppError, AppResult};
use crate::write::{self, Record, Writer};

fn vanished(what: &str, id: i32) -> AppError {
    AppError::internal(anyhow::anyhow!("{what} {id} vanished"))
}

pub async fn program_owner(db: &DatabaseTransaction, id: i32) -> AppResult<String> {
    programs::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|p| p.municipality_code)
        .ok_or_else(|| vanished("program", id))
}

pub async fn indicator_owner(db: &DatabaseTransaction, id: i32) -> AppResult<String> {
    indicators::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|i| i.municipality_code)
        .ok_or_else(|| vanished("indicator", id))
}

pub async fn item_owner(db: &DatabaseTransaction, id: i32) -> AppResult<String> {
    let item = plan_items::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| vanished("plan item", id))?;
    plans::Entity::find_by_id(item.plan_id)
        .one(db)
        .await?
        .map(|p| p.municipality_code)
        .ok_or_else(|| vanished("plan", item.plan_id))
}

/// "3 activities", or nothing when there are none.
fn count_of(n: u64, one: &str, many: &str) -> Option<String> {
    match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    }
}

/// The agenda of a meeting, in order.
pub async fn agenda_of(db: &DatabaseTransaction, meeting: i32) -> AppResult<Vec<String>> {
    Ok(agenda_items::Entity::find()
        .filter(agenda_items::Column::MeetingId.eq(meeting))
        .order_by_asc(agenda_items::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.text)
        .collect())
}

macro_rules! record {
    ($module:ident, $name:literal, searched: $searched:expr, owner($db:ident, $m:ident) $owner:block $($extra:tt)*) => {
        #[async_trait::async_trait]
        impl Record for $module::Entity {
            const NAME: &'static str = $name;
            const SEARCHED: bool = $searched;
            fn id_column() -> $module::Column {
                $module::Column::Id
            }
            fn version_column() -> $module::Column {
                $module::Column::Version
            }
            fn updated_at_column() -> $module::Column {
                $module::Column::UpdatedAt
            }
            fn id_of(m: &$module::Model) -> i32 {
                m.id
            }
            fn version_of(m: &$module::Model) -> i32 {
                m.version
            }
            async fn owner_of($db: &DatabaseTransaction, $m: &$module::Model) -> AppResult<String> $owner
            $($extra)*
        }
    };
}

record!(observations, "Observation", searched: true, owner(_db, m) {
    Ok(m.municipality_code.clone())
});

record!(indicator_values, "IndicatorValue", searched: true, owner(db, m) {
    indicator_owner(db, m.indicator_id).await
});

record!(programs, "Program", searched: true, owner(_db, m) {
    Ok(m.municipality_code.clone())
}
    async fn dependents(db: &DatabaseTransaction, m: &programs::Model) -> AppResult<Vec<String>> {
        let activities = activities::Entity::find()
            .filter(activities::Column::ProgramId.eq(m.id))
            .count(db)
            .await?;
        let proposals = proposals::Entity::find()
            .filter(proposals::Column::ProgramId.eq(m.id))
            .count(db)
            .await?;
        Ok([
            count_of(activities, "activity", "activities"),
            count_of(proposals, "proposal", "proposals"),
        ]
        .into_iter()
        .flatten()
        .collect())
    }
);

record!(activities, "Activity", searched: true, owner(db, m) {
    program_owner(db, m.program_id).await
});

record!(proposals, "Proposal", searched: true, owner(db, m) {
    program_owner(db, m.program_id).await
});

record!(bodies, "Body", searched: true, owner(_db, m) {
    Ok(m.municipality_code.clone())
}
    async fn dependents(db: &DatabaseTransaction, m: &bodies::Model) -> AppResult<Vec<String>> {
        let meetings = meetings::Entity::find()
            .filter(meetings::Column::BodyId.eq(m.id))
            .count(db)
            .await?;
        let years = body_years::Entity::find()
            .filter(body_years::Column::BodyId.eq(m.id))
            .count(db)
            .await?;
        let children = bodies::Entity::find()
            .filter(bodies::Column::ParentId.eq(m.id))
            .count(db)
            .await?;
        Ok([
            count_of(meetings, "meeting", "meetings"),
            count_of(years, "yearly meeting count", "yearly meeting counts"),
            count_of(children, "sub-body", "sub-bodies"),
        ]
        .into_iter()
        .flatten()
        .collect())
    }
);

record!(meetings, "Meeting", searched: true, owner(_db, m) {
    Ok(m.municipality_code.clone())
}
    // The agenda is part of the meeting: it is written with it and kept in its audit image.
    async fn audit_json(db: &DatabaseTransaction, m: &meetings::Model) -> AppResult<Value> {
        let mut json = serde_json::to_value(m).map_err(|e| AppError::internal(e.into()))?;
        if let Value::Object(o) = &mut json {
            o.insert("agenda".to_owned(), agenda_of(db, m.id).await?.into());
        }
        Ok(json)
    }
);

record!(support_centers, "SupportCenter", searched: true, owner(_db, m) {
    Ok(m.municipality_code.clone())
});

record!(schedule_entries, "ScheduleEntry", searched: true, owner(db, m) {
    item_owner(db, m.item_id).await
});

/// A city's value of a catalogue metric for a fiscal year, checked and ready to store.
pub struct ObservationValue {
    pub municipality: String,
    pub metric: String,
    pub fiscal_year: i32,
    pub value: f64,
    pub approximate: bool,
    pub label_ja: Option<String>,
    pub note: Option<String>,
    pub source_id: Option<i32>,
}

impl ObservationValue {
    /// Whether `stored` already says exactly this.
    pub fn same_as(&self, stored: &observations::Model) -> bool {
        stored.value == self.value
            && stored.approximate == self.approximate
            && stored.label_ja == self.label_ja
            && stored.note == self.note
            && stored.source_id == self.source_id
    }
}

/// Stores `v`: over `existing`, the stored value of the same municipality, metric and fiscal
/// year, at version `expected` (its current one when `None`), or as a new record. The one
/// write behind `upsertObservation` and `importObservations`.
pub async fn save_observation(
    w: &mut Writer,
    v: ObservationValue,
    existing: Option<observations::Model>,
    expected: Option<i32>,
) -> AppResult<observations::Model> {
    match existing {
        Some(found) => {
            let expected = expected.unwrap_or(found.version);
            let loaded = write::loaded::<observations::Entity>(w, found).await?;
            let am = observations::ActiveModel {
                value: Set(v.value),
                approximate: Set(v.approximate),
                label_ja: Set(v.label_ja),
                note: Set(v.note),
                source_id: Set(v.source_id),
                ..Default::default()
            };
            write::update::<observations::Entity>(w, loaded, expected, am, "key").await
        }
        None => {
            let am = observations::ActiveModel {
                municipality_code: Set(v.municipality.clone()),
                metric_code: Set(v.metric),
                fiscal_year: Set(v.fiscal_year),
                value: Set(v.value),
                approximate: Set(v.approximate),
                label_ja: Set(v.label_ja),
                note: Set(v.note),
                source_id: Set(v.source_id),
                created_at: Set(w.now()),
                ..Default::default()
            };
            write::insert::<observations::Entity>(
                w,
                &v.municipality,
                "municipality, metric and fiscal year",
                am,
            )
            .await
        }
    }
}
