//! Federation: the records another subgraph may reference, resolved by the key it holds. An ID
//! of another type, or of no record, answers null rather than an error, as the gateway expects.

use async_graphql::{Context, ID, Object};

use crate::error::AppResult;
use crate::graphql::loaders::one;
use crate::graphql::types::indicator::Indicator;
use crate::graphql::types::municipality::Municipality;
use crate::graphql::types::plan::Plan;
use crate::graphql::types::program::Program;
use crate::graphql::{ids, loaders};

#[derive(Default)]
pub struct FederationQuery;

// Only entity resolvers: they answer `_entities` and add no field to `Query`.
#[Object]
impl FederationQuery {
    /// Federation: resolves a `Plan` referenced by another subgraph, by its global ID.
    #[graphql(entity)]
    async fn find_plan_by_id(
        &self,
        ctx: &Context<'_>,
        #[graphql(key)] id: ID,
    ) -> AppResult<Option<Plan>> {
        let Some(pk) = ids::key_of::<i32>(&id, "Plan") else {
            return Ok(None);
        };
        Ok(one(&loaders(ctx).plan, pk).await?.map(Plan::new))
    }

    /// Federation: resolves a `Program` referenced by another subgraph, by its global ID.
    #[graphql(entity)]
    async fn find_program_by_id(
        &self,
        ctx: &Context<'_>,
        #[graphql(key)] id: ID,
    ) -> AppResult<Option<Program>> {
        let Some(pk) = ids::key_of::<i32>(&id, "Program") else {
            return Ok(None);
        };
        Ok(one(&loaders(ctx).program, pk).await?.map(Program))
    }

    /// Federation: resolves an `Indicator` referenced by another subgraph, by its global ID.
    #[graphql(entity)]
    async fn find_indicator_by_id(
        &self,
        ctx: &Context<'_>,
        #[graphql(key)] id: ID,
    ) -> AppResult<Option<Indicator>> {
        let Some(pk) = ids::key_of::<i32>(&id, "Indicator") else {
            return Ok(None);
        };
        Ok(one(&loaders(ctx).indicator, pk).await?.map(Indicator::new))
    }

    /// Federation: resolves a `Municipality` referenced by another subgraph.
    #[graphql(entity)]
    async fn find_municipality_by_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(key)] code: ID,
    ) -> AppResult<Option<Municipality>> {
        Ok(one(&loaders(ctx).municipality, code.to_string())
            .await?
            .map(Municipality))
    }
}
