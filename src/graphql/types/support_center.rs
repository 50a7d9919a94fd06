//! 市民活動支援センター: civic activity support centres.

use async_graphql::{Context, ID, Object};
use entity::*;

use super::indicator::Observation;
use super::municipality::Municipality;
use super::source::Source;
use super::{municipality_of, source_of, vocab};
use crate::domain::ManagementModel;
use crate::error::AppResult;
use crate::graphql::loaders::children;
use crate::graphql::scalars::FiscalYear;
use crate::graphql::{ids, loaders};

/// 市民活動支援センター: a civic activity support centre.
pub struct SupportCenter(pub support_centers::Model);

#[Object]
impl SupportCenter {
    pub(super) async fn id(&self) -> ID {
        ids::encode("SupportCenter", self.0.id)
    }
    /// Raised by one on every update; send it back with an update to detect a concurrent one.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn name_ja(&self) -> &str {
        &self.0.name_ja
    }
    async fn name_en(&self) -> Option<&str> {
        self.0.name_en.as_deref()
    }
    /// 開設: as precise as known (YYYY-MM-DD, YYYY-MM or YYYY).
    async fn opened(&self) -> Option<&str> {
        self.0.opened.as_deref()
    }
    /// 運営者
    async fn operator(&self) -> Option<&str> {
        self.0.operator.as_deref()
    }
    async fn management_model(&self) -> AppResult<ManagementModel> {
        vocab(&self.0.management_model)
    }
    /// First fiscal year of the current management model.
    async fn management_since_fiscal_year(&self) -> Option<FiscalYear> {
        self.0.management_since_fiscal_year.map(FiscalYear)
    }
    async fn services(&self) -> Option<&str> {
        self.0.services.as_deref()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// 登録団体数: the municipality's `registered_groups` observations.
    async fn registered_groups(&self, ctx: &Context<'_>) -> AppResult<Vec<Observation>> {
        let rows = children(
            &loaders(ctx).observations_of_municipality,
            self.0.municipality_code.clone(),
        )
        .await?;
        Ok(rows
            .into_iter()
            .filter(|o| o.metric_code == "registered_groups")
            .map(Observation)
            .collect())
    }
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Municipality> {
        municipality_of(ctx, &self.0.municipality_code).await
    }
    async fn source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}
