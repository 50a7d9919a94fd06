//! 出典: the documents records were transcribed from.

use async_graphql::{ID, Object};
use entity::*;

use crate::graphql::ids;

/// 出典: the document a record was transcribed from.
pub struct Source(pub sources::Model);

#[Object]
impl Source {
    pub(super) async fn id(&self) -> ID {
        ids::encode("Source", self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn publisher(&self) -> Option<&str> {
        self.0.publisher.as_deref()
    }
    /// As precise as known: YYYY, YYYY-MM or YYYY-MM-DD.
    async fn published(&self) -> Option<&str> {
        self.0.published.as_deref()
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// The text extract the record was transcribed from.
    async fn document(&self) -> Option<&str> {
        self.0.document.as_deref()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}
