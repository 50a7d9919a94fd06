//! 地域: regions and their members, some of which the hub may not hold yet.

use async_graphql::{Context, ID, Object};
use entity::*;

use super::municipality::Municipality;
use super::source::Source;
use super::vocab;
use crate::domain::RegionKind;
use crate::error::AppResult;
use crate::graphql::loaders::{children, children_as, one};
use crate::graphql::{ids, loaders};

/// 地域: a prefecture, liaison area or partnership of municipalities.
pub struct Region(pub regions::Model);

/// A member of a region. Members not yet in the hub are listed by code and name.
pub struct RegionMember(pub region_members::Model);

#[Object]
impl Region {
    pub(super) async fn id(&self) -> ID {
        ids::encode("Region", self.0.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name_ja(&self) -> &str {
        &self.0.name_ja
    }
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }
    async fn kind(&self) -> AppResult<RegionKind> {
        vocab(&self.0.kind)
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        let (Some(code), Some(key)) = (&self.0.source_municipality_code, &self.0.source_key) else {
            return Ok(None);
        };
        let sources = children(&loaders(ctx).sources_of_municipality, code.clone()).await?;
        Ok(sources.into_iter().find(|s| &s.key == key).map(Source))
    }
    /// Every member the sources name, in the hub or not.
    async fn members(&self, ctx: &Context<'_>) -> AppResult<Vec<RegionMember>> {
        children_as(
            &loaders(ctx).region_members_of_region,
            self.0.id,
            RegionMember,
        )
        .await
    }
    /// The members that are in the hub.
    async fn municipalities(&self, ctx: &Context<'_>) -> AppResult<Vec<Municipality>> {
        let l = loaders(ctx);
        let members = children(&l.region_members_of_region, self.0.id).await?;
        let found = l
            .municipality
            .load_many(members.iter().map(|m| m.member_code.clone()))
            .await?;
        let mut out = Vec::new();
        for m in members {
            if let Some(rows) = found.get(&m.member_code) {
                out.extend(rows.iter().cloned().map(Municipality));
            }
        }
        Ok(out)
    }
}

#[Object]
impl RegionMember {
    /// 全国地方公共団体コード
    async fn code(&self) -> ID {
        ID(self.0.member_code.clone())
    }
    async fn name_ja(&self) -> &str {
        &self.0.name_ja
    }
    async fn name_en(&self) -> Option<&str> {
        self.0.name_en.as_deref()
    }
    /// The municipality, when the hub has its data.
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Option<Municipality>> {
        Ok(one(&loaders(ctx).municipality, self.0.member_code.clone())
            .await?
            .map(Municipality))
    }
}
