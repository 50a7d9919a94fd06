//! One city's records and the catalogues around them: municipalities, regions, metrics, fiscal
//! years, and any record by its global ID.

use async_graphql::{Context, ID, Object};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::codes;
use crate::domain::fiscal_year::{self, FiscalYearInfo};
use crate::error::{AppError, AppResult};
use crate::graphql::types::body::{Body, Meeting};
use crate::graphql::types::calendar::FiscalYearDetails;
use crate::graphql::types::indicator::{Indicator, Metric, Observation};
use crate::graphql::types::municipality::Municipality;
use crate::graphql::types::node::Node;
use crate::graphql::types::ordinance::Ordinance;
use crate::graphql::types::plan::{Measure, Plan, PlanItem, PlanSection, Policy};
use crate::graphql::types::program::{Activity, Program, Proposal};
use crate::graphql::types::region::Region;
use crate::graphql::types::source::Source;
use crate::graphql::types::support_center::SupportCenter;
use crate::graphql::{db, ids};
use crate::read::compare;
use entity::*;

#[derive(Default)]
pub struct CityQuery;

#[Object]
impl CityQuery {
    /// A municipality by its local government code or its slug. `NOT_FOUND` when the hub does
    /// not have it; `BAD_USER_INPUT` when the code is malformed or neither argument is given.
    async fn municipality(
        &self,
        ctx: &Context<'_>,
        code: Option<ID>,
        slug: Option<String>,
    ) -> AppResult<Option<Municipality>> {
        let query = match (&code, &slug) {
            (Some(code), _) => {
                codes::validate_municipality_code(code).map_err(AppError::BadInput)?;
                municipalities::Entity::find_by_id(code.to_string())
            }
            (None, Some(slug)) => {
                municipalities::Entity::find().filter(municipalities::Column::Slug.eq(slug))
            }
            (None, None) => {
                return Err(AppError::BadInput(
                    "give the municipality's code or slug".into(),
                ));
            }
        };
        let found = query.one(db(ctx)).await?;
        if let (Some(m), Some(slug)) = (&found, &slug)
            && &m.slug != slug
        {
            return Err(AppError::BadInput(format!(
                "code {} belongs to {:?}, not {slug:?}",
                m.code, m.slug
            )));
        }
        match found {
            Some(m) => Ok(Some(Municipality(m))),
            None => Err(AppError::NotFound(match (code, slug) {
                (Some(code), _) => format!("no municipality with code {:?}", code.as_str()),
                (None, slug) => format!("no municipality with slug {:?}", slug.unwrap_or_default()),
            })),
        }
    }

    /// Municipalities in the hub, by code; optionally those of a region (slug) or a prefecture
    /// (code such as "35", or name such as 山口県 / Yamaguchi).
    async fn municipalities(
        &self,
        ctx: &Context<'_>,
        region: Option<String>,
        prefecture: Option<String>,
    ) -> AppResult<Vec<Municipality>> {
        let mut query = municipalities::Entity::find().order_by_asc(municipalities::Column::Code);
        if let Some(p) = &prefecture {
            let pref = codes::prefecture(p).ok_or_else(|| {
                AppError::BadInput(format!(
                    "prefecture: {p:?} is not a prefecture code or name"
                ))
            })?;
            query = query.filter(municipalities::Column::PrefectureCode.eq(pref.code));
        }
        if let Some(slug) = &region {
            let members = compare::region_member_codes(db(ctx), slug).await?;
            query = query.filter(municipalities::Column::Code.is_in(members));
        }
        Ok(query
            .all(db(ctx))
            .await?
            .into_iter()
            .map(Municipality)
            .collect())
    }

    /// A region by slug, e.g. "nats", "yamaguchi-prefecture". `NOT_FOUND` when unknown.
    async fn region(&self, ctx: &Context<'_>, slug: String) -> AppResult<Option<Region>> {
        Ok(Some(Region(compare::find_region(db(ctx), &slug).await?)))
    }

    /// Every region, by slug.
    async fn regions(&self, ctx: &Context<'_>) -> AppResult<Vec<Region>> {
        Ok(regions::Entity::find()
            .order_by_asc(regions::Column::Slug)
            .all(db(ctx))
            .await?
            .into_iter()
            .map(Region)
            .collect())
    }

    /// The shared metric catalogue.
    async fn metrics(&self, ctx: &Context<'_>) -> AppResult<Vec<Metric>> {
        Ok(metrics::Entity::find()
            .order_by_asc(metrics::Column::Code)
            .all(db(ctx))
            .await?
            .into_iter()
            .map(Metric)
            .collect())
    }

    /// Converts a fiscal year label (2017, "H29", "平成29年度", "令和元年度", "平成32年" …) to the
    /// Western year and its Japanese name. `BAD_USER_INPUT` naming the label when it is none.
    async fn fiscal_year(&self, label: String) -> AppResult<FiscalYearDetails> {
        let year = fiscal_year::parse(&label).map_err(|e| AppError::BadInput(e.to_string()))?;
        Ok(FiscalYearInfo::of(year).into())
    }

    /// Any record by its global ID. Null when the ID is well-formed but the record is gone;
    /// `BAD_USER_INPUT` when it is not an ID of this API.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<Node>> {
        let bad = || AppError::BadInput(format!("{:?} is not an ID of this API", id.as_str()));
        let (type_name, key) = ids::decode(&id).ok_or_else(bad)?;
        let db = db(ctx);
        if type_name == "Municipality" {
            return Ok(municipalities::Entity::find_by_id(key)
                .one(db)
                .await?
                .map(|m| Node::Municipality(Municipality(m))));
        }
        let pk: i32 = key.parse().map_err(|_| bad())?;
        Ok(match type_name.as_str() {
            "Region" => regions::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::Region(Region(m))),
            "Source" => sources::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::Source(Source(m))),
            "Ordinance" => ordinances::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::Ordinance(Ordinance(m))),
            "Plan" => plans::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::Plan(Plan::new(m))),
            "PlanSection" => plan_sections::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::PlanSection(PlanSection(m))),
            "Policy" => policies::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::Policy(Policy::new(m))),
            "Measure" => measures::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::Measure(Measure::new(m))),
            "PlanItem" => plan_items::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::PlanItem(PlanItem::new(m))),
            "Indicator" => indicators::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::Indicator(Indicator::new(m))),
            "Observation" => observations::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::Observation(Observation(m))),
            "Program" => programs::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::Program(Program(m))),
            "Activity" => activities::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::Activity(Activity(m))),
            "Proposal" => proposals::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::Proposal(Proposal(m))),
            "Body" => bodies::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::Body(Body(m))),
            "Meeting" => meetings::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::Meeting(Meeting(m))),
            "SupportCenter" => support_centers::Entity::find_by_id(pk)
                .one(db)
                .await?
                .map(|m| Node::SupportCenter(SupportCenter(m))),
            _ => return Err(bad()),
        })
    }
}
