//! Batched loading for nested fields. Every nested list or parent link resolves through a
//! [`ByColumn`] loader: whatever number of parents a query touches, each kind of child costs
//! one `SELECT … WHERE column IN (…)`, so the statement count depends on the query's shape and
//! not on how many municipalities or rows it returns.
//!
//! The loaders do not cache, so one set is shared by all requests.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::sea_query::ValueType;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, ModelTrait, QueryFilter, QueryOrder, Value,
};

use crate::error::AppResult;
use crate::read::plan_tree::{self, Depth, PlanTree};
use entity::*;

/// Loads the rows of `E` whose `column` equals one of the keys, grouped by key.
pub struct ByColumn<E: EntityTrait> {
    db: DatabaseConnection,
    column: E::Column,
    order: Vec<E::Column>,
}

impl<E> Loader<i32> for ByColumn<E>
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
{
    type Value = Vec<E::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        self.load_keys(keys).await
    }
}

impl<E> Loader<String> for ByColumn<E>
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
{
    type Value = Vec<E::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        self.load_keys(keys).await
    }
}

impl<E: EntityTrait> ByColumn<E> {
    async fn load_keys<K>(&self, keys: &[K]) -> Result<HashMap<K, Vec<E::Model>>, Arc<DbErr>>
    where
        K: ValueType + Into<Value> + Clone + Eq + Hash,
    {
        let mut query = E::find().filter(self.column.is_in(keys.iter().cloned()));
        for c in &self.order {
            query = query.order_by_asc(*c);
        }
        let rows = query.all(&self.db).await.map_err(Arc::new)?;
        let mut grouped: HashMap<K, Vec<E::Model>> = HashMap::new();
        for row in rows {
            // A NULL foreign key belongs to no parent.
            if let Ok(key) = K::try_from(row.get(self.column)) {
                grouped.entry(key).or_default().push(row);
            }
        }
        Ok(grouped)
    }
}

fn loader<E: EntityTrait + Send + Sync>(
    db: &DatabaseConnection,
    column: E::Column,
    order: &[E::Column],
) -> DataLoader<ByColumn<E>>
where
    E::Model: Send + Sync,
{
    DataLoader::new(
        ByColumn::<E> {
            db: db.clone(),
            column,
            order: order.to_vec(),
        },
        tokio::spawn,
    )
}

/// Rows of a child table for one parent key, in the table's order.
pub async fn children<E, K>(loader: &DataLoader<ByColumn<E>>, key: K) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
    K: Send + Sync + Hash + Eq + Clone + 'static,
    ByColumn<E>: Loader<K, Value = Vec<E::Model>, Error = Arc<DbErr>>,
{
    Ok(loader.load_one(key).await?.unwrap_or_default())
}

/// Rows of a child table for one parent key, each wrapped in its GraphQL type.
pub async fn children_as<E, K, T>(
    loader: &DataLoader<ByColumn<E>>,
    key: K,
    wrap: impl Fn(E::Model) -> T,
) -> AppResult<Vec<T>>
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
    K: Send + Sync + Hash + Eq + Clone + 'static,
    ByColumn<E>: Loader<K, Value = Vec<E::Model>, Error = Arc<DbErr>>,
{
    Ok(children(loader, key).await?.into_iter().map(wrap).collect())
}

/// The row with a unique key, if any.
pub async fn one<E, K>(loader: &DataLoader<ByColumn<E>>, key: K) -> AppResult<Option<E::Model>>
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
    K: Send + Sync + Hash + Eq + Clone + 'static,
    ByColumn<E>: Loader<K, Value = Vec<E::Model>, Error = Arc<DbErr>>,
{
    Ok(loader
        .load_one(key)
        .await?
        .and_then(|rows| rows.into_iter().next()))
}

/// 計画の体系: cities' plan trees as deep as their queries ask, keyed by (city, depth). One
/// batch reads its cities' trees at the deepest depth asked, in one statement per depth
/// ([`plan_tree::read`]), and every key of it gets the same tree.
pub struct PlanTrees {
    db: DatabaseConnection,
}

impl Loader<(String, Depth)> for PlanTrees {
    type Value = Arc<PlanTree>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[(String, Depth)],
    ) -> Result<HashMap<(String, Depth), Self::Value>, Self::Error> {
        let depth = keys.iter().map(|(_, d)| *d).max().unwrap_or(Depth::Plans);
        let mut cities: Vec<String> = keys.iter().map(|(c, _)| c.clone()).collect();
        cities.sort_unstable();
        cities.dedup();
        let tree = Arc::new(
            plan_tree::read(&self.db, &cities, depth)
                .await
                .map_err(Arc::new)?,
        );
        Ok(keys.iter().map(|k| (k.clone(), tree.clone())).collect())
    }
}

/// Every loader the schema uses, by the relation it serves.
pub struct Loaders {
    pub plan_trees: DataLoader<PlanTrees>,
    pub municipality: DataLoader<ByColumn<municipalities::Entity>>,
    pub source: DataLoader<ByColumn<sources::Entity>>,
    pub sources_of_municipality: DataLoader<ByColumn<sources::Entity>>,
    pub metric: DataLoader<ByColumn<metrics::Entity>>,
    pub region_members_of_region: DataLoader<ByColumn<region_members::Entity>>,
    pub region_memberships: DataLoader<ByColumn<region_members::Entity>>,
    pub region: DataLoader<ByColumn<regions::Entity>>,
    pub ordinances_of_municipality: DataLoader<ByColumn<ordinances::Entity>>,
    pub articles_of_ordinance: DataLoader<ByColumn<ordinance_articles::Entity>>,
    pub plan: DataLoader<ByColumn<plans::Entity>>,
    pub sections_of_plan: DataLoader<ByColumn<plan_sections::Entity>>,
    pub policy: DataLoader<ByColumn<policies::Entity>>,
    pub policies_of_plan: DataLoader<ByColumn<policies::Entity>>,
    pub roles_of_policy: DataLoader<ByColumn<policy_roles::Entity>>,
    pub measure: DataLoader<ByColumn<measures::Entity>>,
    pub measures_of_policy: DataLoader<ByColumn<measures::Entity>>,
    pub item: DataLoader<ByColumn<plan_items::Entity>>,
    pub items_of_measure: DataLoader<ByColumn<plan_items::Entity>>,
    pub items_of_plan: DataLoader<ByColumn<plan_items::Entity>>,
    pub reposts_of_item: DataLoader<ByColumn<plan_items::Entity>>,
    pub schedule_of_item: DataLoader<ByColumn<schedule_entries::Entity>>,
    pub indicators_of_municipality: DataLoader<ByColumn<indicators::Entity>>,
    pub indicators_of_plan: DataLoader<ByColumn<indicators::Entity>>,
    pub indicators_of_policy: DataLoader<ByColumn<indicators::Entity>>,
    pub values_of_indicator: DataLoader<ByColumn<indicator_values::Entity>>,
    pub observations_of_municipality: DataLoader<ByColumn<observations::Entity>>,
    pub program: DataLoader<ByColumn<programs::Entity>>,
    pub programs_of_municipality: DataLoader<ByColumn<programs::Entity>>,
    pub activities_of_program: DataLoader<ByColumn<activities::Entity>>,
    pub proposals_of_program: DataLoader<ByColumn<proposals::Entity>>,
    pub body: DataLoader<ByColumn<bodies::Entity>>,
    pub bodies_of_municipality: DataLoader<ByColumn<bodies::Entity>>,
    pub children_of_body: DataLoader<ByColumn<bodies::Entity>>,
    pub years_of_body: DataLoader<ByColumn<body_years::Entity>>,
    pub meetings_of_body: DataLoader<ByColumn<meetings::Entity>>,
    pub meetings_of_municipality: DataLoader<ByColumn<meetings::Entity>>,
    pub agenda_of_meeting: DataLoader<ByColumn<agenda_items::Entity>>,
    pub support_centers_of_municipality: DataLoader<ByColumn<support_centers::Entity>>,
    pub section: DataLoader<ByColumn<plan_sections::Entity>>,
    pub activity: DataLoader<ByColumn<activities::Entity>>,
    pub meeting: DataLoader<ByColumn<meetings::Entity>>,
    pub article: DataLoader<ByColumn<ordinance_articles::Entity>>,
    pub ordinance: DataLoader<ByColumn<ordinances::Entity>>,
    pub indicator: DataLoader<ByColumn<indicators::Entity>>,
    pub support_center: DataLoader<ByColumn<support_centers::Entity>>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        use entity::{
            activities as act, agenda_items as agenda, bodies as bod, body_years as by,
            indicator_values as iv, indicators as ind, measures as mea, meetings as mt,
            metrics as met, municipalities as mun, observations as obs, ordinance_articles as art,
            ordinances as ord, plan_items as item, plan_sections as sec, plans as pl,
            policies as pol, policy_roles as role, programs as prog, proposals as prop,
            region_members as rm, regions as reg, schedule_entries as sch, sources as src,
            support_centers as sc,
        };
        Loaders {
            plan_trees: DataLoader::new(PlanTrees { db: db.clone() }, tokio::spawn),
            municipality: loader::<mun::Entity>(db, mun::Column::Code, &[]),
            source: loader::<src::Entity>(db, src::Column::Id, &[]),
            sources_of_municipality: loader::<src::Entity>(
                db,
                src::Column::MunicipalityCode,
                &[src::Column::Id],
            ),
            metric: loader::<met::Entity>(db, met::Column::Code, &[]),
            region_members_of_region: loader::<rm::Entity>(
                db,
                rm::Column::RegionId,
                &[rm::Column::Position],
            ),
            region_memberships: loader::<rm::Entity>(
                db,
                rm::Column::MemberCode,
                &[rm::Column::RegionId],
            ),
            region: loader::<reg::Entity>(db, reg::Column::Id, &[]),
            ordinances_of_municipality: loader::<ord::Entity>(
                db,
                ord::Column::MunicipalityCode,
                &[ord::Column::Position],
            ),
            articles_of_ordinance: loader::<art::Entity>(
                db,
                art::Column::OrdinanceId,
                &[art::Column::Position],
            ),
            plan: loader::<pl::Entity>(db, pl::Column::Id, &[]),
            sections_of_plan: loader::<sec::Entity>(
                db,
                sec::Column::PlanId,
                &[sec::Column::Position],
            ),
            policy: loader::<pol::Entity>(db, pol::Column::Id, &[]),
            policies_of_plan: loader::<pol::Entity>(
                db,
                pol::Column::PlanId,
                &[pol::Column::Position],
            ),
            roles_of_policy: loader::<role::Entity>(
                db,
                role::Column::PolicyId,
                &[role::Column::Position],
            ),
            measure: loader::<mea::Entity>(db, mea::Column::Id, &[]),
            measures_of_policy: loader::<mea::Entity>(
                db,
                mea::Column::PolicyId,
                &[mea::Column::Position],
            ),
            item: loader::<item::Entity>(db, item::Column::Id, &[]),
            items_of_measure: loader::<item::Entity>(
                db,
                item::Column::MeasureId,
                &[item::Column::Position],
            ),
            items_of_plan: loader::<item::Entity>(db, item::Column::PlanId, &[item::Column::Id]),
            reposts_of_item: loader::<item::Entity>(
                db,
                item::Column::RepostOfId,
                &[item::Column::Id],
            ),
            schedule_of_item: loader::<sch::Entity>(
                db,
                sch::Column::ItemId,
                &[sch::Column::FiscalYear],
            ),
            indicators_of_municipality: loader::<ind::Entity>(
                db,
                ind::Column::MunicipalityCode,
                &[ind::Column::Position],
            ),
            indicators_of_plan: loader::<ind::Entity>(
                db,
                ind::Column::PlanId,
                &[ind::Column::Position],
            ),
            indicators_of_policy: loader::<ind::Entity>(
                db,
                ind::Column::PolicyId,
                &[ind::Column::Position],
            ),
            values_of_indicator: loader::<iv::Entity>(
                db,
                iv::Column::IndicatorId,
                &[iv::Column::FiscalYear, iv::Column::Position],
            ),
            observations_of_municipality: loader::<obs::Entity>(
                db,
                obs::Column::MunicipalityCode,
                &[obs::Column::MetricCode, obs::Column::FiscalYear],
            ),
            program: loader::<prog::Entity>(db, prog::Column::Id, &[]),
            programs_of_municipality: loader::<prog::Entity>(
                db,
                prog::Column::MunicipalityCode,
                &[prog::Column::Position],
            ),
            activities_of_program: loader::<act::Entity>(
                db,
                act::Column::ProgramId,
                &[act::Column::Position],
            ),
            proposals_of_program: loader::<prop::Entity>(
                db,
                prop::Column::ProgramId,
                &[prop::Column::Position],
            ),
            body: loader::<bod::Entity>(db, bod::Column::Id, &[]),
            bodies_of_municipality: loader::<bod::Entity>(
                db,
                bod::Column::MunicipalityCode,
                &[bod::Column::Position],
            ),
            children_of_body: loader::<bod::Entity>(
                db,
                bod::Column::ParentId,
                &[bod::Column::Position],
            ),
            years_of_body: loader::<by::Entity>(db, by::Column::BodyId, &[by::Column::FiscalYear]),
            meetings_of_body: loader::<mt::Entity>(db, mt::Column::BodyId, &[mt::Column::Position]),
            meetings_of_municipality: loader::<mt::Entity>(
                db,
                mt::Column::MunicipalityCode,
                &[
                    mt::Column::FiscalYear,
                    mt::Column::BodyId,
                    mt::Column::Position,
                ],
            ),
            agenda_of_meeting: loader::<agenda::Entity>(
                db,
                agenda::Column::MeetingId,
                &[agenda::Column::Position],
            ),
            support_centers_of_municipality: loader::<sc::Entity>(
                db,
                sc::Column::MunicipalityCode,
                &[sc::Column::Position],
            ),
            section: loader::<sec::Entity>(db, sec::Column::Id, &[]),
            activity: loader::<act::Entity>(db, act::Column::Id, &[]),
            meeting: loader::<mt::Entity>(db, mt::Column::Id, &[]),
            article: loader::<art::Entity>(db, art::Column::Id, &[]),
            ordinance: loader::<ord::Entity>(db, ord::Column::Id, &[]),
            indicator: loader::<ind::Entity>(db, ind::Column::Id, &[]),
            support_center: loader::<sc::Entity>(db, sc::Column::Id, &[]),
        }
    }
}
