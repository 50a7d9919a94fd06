//! 計画の体系: cities' plans with their policies, measures, items and yearly schedules, read
//! together before their fields resolve.
//!
//! With a loader per depth, a plan tree of seven depths waited out seven batch windows, each
//! with a hand-off to the loader's task and back, and every parent got its own copy of its
//! children. A query's selection under `plans` says how deep it goes, so the tree is read here
//! as deep as that at once: one statement per depth, all keyed by the cities, run side by side.
//! The `plan_trees` loader (src/graphql/loaders.rs) batches the cities of concurrent requests
//! into one read and hands every field the same tree.

use std::collections::HashMap;

use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use entity::{measures, plan_items, plans, policies, schedule_entries, sources};

/// How far below the plans a query reaches; each depth is one statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Depth {
    Plans,
    Policies,
    Measures,
    Items,
    Schedule,
}

/// The rows of some cities' plans down to a [`Depth`], each list in the order its loader
/// gives. A map is `None` when its depth was not read: the field uses its loader then.
#[derive(Debug, Default)]
pub struct PlanTree {
    /// Plans by municipality code, in each city's order.
    pub plans: HashMap<String, Vec<plans::Model>>,
    /// The sources the plans cite, by id.
    pub sources: HashMap<i32, sources::Model>,
    /// Policies by plan id.
    pub policies: Option<HashMap<i32, Vec<policies::Model>>>,
    /// Measures by policy id.
    pub measures: Option<HashMap<i32, Vec<measures::Model>>>,
    /// Items by measure id.
    pub items: Option<HashMap<i32, Vec<plan_items::Model>>>,
    /// Schedule entries by item id.
    pub schedule: Option<HashMap<i32, Vec<schedule_entries::Model>>>,
    /// Where each item sits in `items`: (measure id, index), for a repost's original.
    item_index: HashMap<i32, (i32, usize)>,
}

impl PlanTree {
    /// The rows under `parent` in `map`: `None` when that depth was not read, and an empty
    /// list when it was and `parent` has none.
    pub fn under<T: Clone>(map: &Option<HashMap<i32, Vec<T>>>, parent: i32) -> Option<Vec<T>> {
        map.as_ref()
            .map(|m| m.get(&parent).cloned().unwrap_or_default())
    }

    /// An item of the tree by id (a repost's original is in the same plan).
    pub fn item(&self, id: i32) -> Option<&plan_items::Model> {
        let (measure, at) = self.item_index.get(&id)?;
        self.items.as_ref()?.get(measure)?.get(*at)
    }
}

/// Reads the plans of `municipalities` and what lies under them down to `depth`.
pub async fn read(
    db: &impl ConnectionTrait,
    municipalities: &[String],
    depth: Depth,
) -> Result<PlanTree, DbErr> {
    // Each depth names its parents by a subquery on the cities, not by the ids the depth above
    // found, so the statements do not wait for one another and their size does not grow with
    // the number of rows.
    let plan_ids = || -> SelectStatement {
        Query::select()
            .column(plans::Column::Id)
            .from(plans::Entity)
            .and_where(plans::Column::MunicipalityCode.is_in(municipalities.iter().cloned()))
            .to_owned()
    };
    let plans = super::with_sources(
        plans::Entity::find()
            .filter(plans::Column::MunicipalityCode.is_in(municipalities.iter().cloned()))
            .order_by_asc(plans::Column::Position),
        plans::Column::SourceId,
    )
    .all(db);
    let policy_ids = Query::select()
        .column(policies::Column::Id)
        .from(policies::Entity)
        .and_where(policies::Column::PlanId.in_subquery(plan_ids()))
        .to_owned();
    let item_ids = Query::select()
        .column(plan_items::Column::Id)
        .from(plan_items::Entity)
        .and_where(plan_items::Column::PlanId.in_subquery(plan_ids()))
        .to_owned();
    let policies = reached(
        depth >= Depth::Policies,
        policies::Entity::find()
            .filter(policies::Column::PlanId.in_subquery(plan_ids()))
            .order_by_asc(policies::Column::Position)
            .all(db),
    );
    let measures = reached(
        depth >= Depth::Measures,
        measures::Entity::find()
            .filter(measures::Column::PolicyId.in_subquery(policy_ids))
            .order_by_asc(measures::Column::Position)
            .all(db),
    );
    let items = reached(
        depth >= Depth::Items,
        plan_items::Entity::find()
            .filter(plan_items::Column::PlanId.in_subquery(plan_ids()))
            .order_by_asc(plan_items::Column::Position)
            .all(db),
    );
    let schedule = reached(
        depth >= Depth::Schedule,
        schedule_entries::Entity::find()
            .filter(schedule_entries::Column::ItemId.in_subquery(item_ids))
            .order_by_asc(schedule_entries::Column::FiscalYear)
            .all(db),
    );
    let (plans, policies, measures, items, schedule) =
        tokio::try_join!(plans, policies, measures, items, schedule)?;

    let mut tree = PlanTree::default();
    for (plan, source) in plans {
        if let Some(source) = source {
            tree.sources.insert(source.id, source);
        }
        tree.plans
            .entry(plan.municipality_code.clone())
            .or_default()
            .push(plan);
    }
    tree.policies = policies.map(|rows| grouped(rows, |p| p.plan_id));
    tree.measures = measures.map(|rows| grouped(rows, |m| m.policy_id));
    tree.items = items.map(|rows| grouped(rows, |i| i.measure_id));
    if let Some(items) = &tree.items {
        for (measure, list) in items {
            for (at, item) in list.iter().enumerate() {
                tree.item_index.insert(item.id, (*measure, at));
            }
        }
    }
    tree.schedule = schedule.map(|rows| grouped(rows, |e| e.item_id));
    Ok(tree)
}

/// The rows of a depth the query reaches; for one it does not, `None` and no statement (the
/// read is a future, which sends nothing until it is awaited).
async fn reached<M>(
    asked: bool,
    read: impl Future<Output = Result<Vec<M>, DbErr>>,
) -> Result<Option<Vec<M>>, DbErr> {
    if !asked {
        return Ok(None);
    }
    read.await.map(Some)
}

fn grouped<T>(rows: Vec<T>, parent: impl Fn(&T) -> i32) -> HashMap<i32, Vec<T>> {
    let mut out: HashMap<i32, Vec<T>> = HashMap::new();
    for row in rows {
        out.entry(parent(&row)).or_default().push(row);
    }
    out
}
