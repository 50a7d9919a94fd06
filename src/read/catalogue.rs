//! 共通指標 (kyōtsū shihyō): the shared metric catalogue, held in memory between requests.
//! Every comparison names a metric, and reading its seven-row table again was one statement of
//! compare's three, with its round trip and sqlx's ping on the way back to the pool (README,
//! Performance). The catalogue changes only when a dataset is imported, and every import
//! raises `data_generation`: the process's generation watch (`src/app.rs`) calls
//! [`Catalogue::observe`], which forgets the copy when the generation moves.
//!
//! A code the copy lacks reads the catalogue again before it is called unknown, so a metric
//! that another process has just imported is found at once. What the copy can hold stale, for
//! at most one poll of the generation, is a changed name, unit or description, as the response
//! cache can. The municipalities are not held here: a city imported by another process must
//! be listed at once, and nothing short of a statement can tell that one was.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use arc_swap::ArcSwapOption;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryOrder};

use entity::{metrics, municipalities};

/// The catalogue as one read found it.
#[derive(Debug)]
pub struct Snapshot {
    /// The epoch it was read in: a copy read before a change is not served after it.
    epoch: u64,
    /// In code order: a handful of rows, searched in order.
    pub metrics: Vec<metrics::Model>,
}

impl Snapshot {
    pub fn metric(&self, code: &str) -> Option<&metrics::Model> {
        self.metrics.iter().find(|m| m.code == code)
    }
}

/// The copy kept between requests; see the module's comment for when it is read again.
pub struct Catalogue {
    // Swapped whole, read without a lock: every comparison reads it, on every core.
    copy: ArcSwapOption<Snapshot>,
    epoch: AtomicU64,
    generation: AtomicU64,
    /// How many municipalities the hub held when last counted (at each read of the catalogue,
    /// and by every comparison of all of them). It chooses how a comparison reads its rows,
    /// never what it answers, so a count one import old does no harm.
    cities: AtomicUsize,
}

impl Default for Catalogue {
    fn default() -> Self {
        Catalogue {
            copy: ArcSwapOption::empty(),
            epoch: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            cities: AtomicUsize::new(usize::MAX),
        }
    }
}

impl Catalogue {
    pub fn new() -> Catalogue {
        Catalogue::default()
    }

    /// The number of municipalities in the hub when last counted; `usize::MAX` before the
    /// first count.
    pub fn cities(&self) -> usize {
        self.cities.load(Ordering::Relaxed)
    }

    /// Records the number of municipalities in the hub, as a comparison of all of them found.
    pub fn counted(&self, cities: usize) {
        self.cities.store(cities, Ordering::Relaxed);
    }

    /// The catalogue, read from the database unless a current copy is held.
    pub async fn current(&self, db: &DatabaseConnection) -> Result<Arc<Snapshot>, DbErr> {
        let epoch = self.epoch.load(Ordering::Acquire);
        match self.copy.load_full() {
            Some(copy) if copy.epoch == epoch => Ok(copy),
            _ => self.read(db, epoch).await,
        }
    }

    /// The catalogue read from the database now, kept for the requests after: for a code or
    /// name the copy held does not know.
    pub async fn fresh(&self, db: &DatabaseConnection) -> Result<Arc<Snapshot>, DbErr> {
        self.read(db, self.epoch.load(Ordering::Acquire)).await
    }

    /// The metric with `code`; `None` when the catalogue, read again, has no such code.
    pub async fn metric(
        &self,
        db: &DatabaseConnection,
        code: &str,
    ) -> Result<Option<metrics::Model>, DbErr> {
        let copy = self.current(db).await?;
        if let Some(found) = copy.metric(code) {
            return Ok(Some(found.clone()));
        }
        Ok(self.fresh(db).await?.metric(code).cloned())
    }

    /// Forgets the copy if the database's generation `now` moved since the last call.
    pub fn observe(&self, now: u64) {
        if self.generation.swap(now, Ordering::AcqRel) != now {
            self.forget();
        }
    }

    /// Forgets the copy: the next comparison reads the catalogue again.
    pub fn forget(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.copy.store(None);
    }

    async fn read(&self, db: &DatabaseConnection, epoch: u64) -> Result<Arc<Snapshot>, DbErr> {
        let (metrics, cities) = tokio::try_join!(
            metrics::Entity::find()
                .order_by_asc(metrics::Column::Code)
                .all(db),
            municipalities::Entity::find().count(db),
        )?;
        self.counted(usize::try_from(cities).unwrap_or(usize::MAX));
        let copy = Arc::new(Snapshot { epoch, metrics });
        // A copy stored after a change has an old epoch and is not served; the next read
        // replaces it.
        self.copy.store(Some(copy.clone()));
        Ok(copy)
    }
}
