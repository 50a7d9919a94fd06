//! 条例: ordinances and their articles.

use async_graphql::{Context, ID, Object};
use entity::*;

use super::municipality::Municipality;
use super::source::Source;
use super::{municipality_of, source_of};
use crate::error::AppResult;
use crate::graphql::loaders::children_as;
use crate::graphql::{ids, loaders};

/// 条例: an ordinance.
pub struct Ordinance(pub ordinances::Model);

/// 条: an article, as quoted by the source.
pub struct Article(pub ordinance_articles::Model);

#[Object]
impl Ordinance {
    pub(super) async fn id(&self) -> ID {
        ids::encode("Ordinance", self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// As precise as known: YYYY, YYYY-MM or YYYY-MM-DD.
    async fn enacted(&self) -> Option<&str> {
        self.0.enacted.as_deref()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The articles the source quotes (not necessarily all of the ordinance).
    async fn articles(&self, ctx: &Context<'_>) -> AppResult<Vec<Article>> {
        children_as(&loaders(ctx).articles_of_ordinance, self.0.id, Article).await
    }
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Municipality> {
        municipality_of(ctx, &self.0.municipality_code).await
    }
    async fn source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

#[Object]
impl Article {
    /// 第N条
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// 章, e.g. 第4章
    async fn chapter(&self) -> Option<&str> {
        self.0.chapter.as_deref()
    }
    /// The caption, e.g. 協働の推進
    async fn heading(&self) -> Option<&str> {
        self.0.heading.as_deref()
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// What the source reports about the article's implementation (取組み状況).
    async fn commentary(&self) -> Option<&str> {
        self.0.commentary.as_deref()
    }
}
