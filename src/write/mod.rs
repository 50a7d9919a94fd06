//! The one path every change takes: a transaction, the token's right to the record's
//! municipality (read from the database, never from the client), the record's `version`, and
//! an audit row written in the same transaction, so a change never lands without its record
//! and a record never exists without its change. The search documents of the records written
//! are rebuilt before the commit.

pub mod auth;
pub mod observations;
pub mod records;
pub mod validate;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::Utc;
use entity::changes;
use sea_orm::sea_query::IntoCondition;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, IntoActiveModel, NotSet, QueryFilter, SqlErr, TransactionTrait,
};
use serde_json::Value;

use crate::domain::ChangeOperation;
use crate::error::{AppError, AppResult};
use crate::read::search::engine::SearchIndex;
use crate::write::auth::Principal;

/// SQLite has one writer at a time. Queuing this process's write transactions behind a mutex
/// spares them SQLite's busy-wait and lock-upgrade failures; other processes still wait on
/// the busy timeout. PostgreSQL needs no such queue: row versions guard each update, and the
/// search documents of a municipality are updated under a lock of their own, taken only for
/// the indexing at the end of a write (see `search::index::reindex_records`).
#[derive(Clone, Default)]
pub struct WriteLock(Option<Arc<tokio::sync::Mutex<()>>>);

impl WriteLock {
    pub fn for_connection(db: &DatabaseConnection) -> Self {
        match db.get_database_backend() {
            DbBackend::Sqlite => WriteLock(Some(Arc::default())),
            _ => WriteLock(None),
        }
    }
}

/// An open write transaction on behalf of one token.
pub struct Writer {
    txn: DatabaseTransaction,
    principal: Principal,
    at: chrono::DateTime<Utc>,
    /// Searchable records written, by municipality: (kind, id). Ordered, so that every
    /// transaction locks municipalities' indexes in the same order.
    reindex: BTreeMap<String, BTreeSet<(String, i32)>>,
    /// Municipalities whose observations changed: their latest values are rewritten before
    /// the commit.
    observed: BTreeSet<String>,
    cache: Option<Arc<crate::cache::ResponseCache>>,
    /// The process's search index, refreshed in a task of its own once this write commits.
    search: Option<(DatabaseConnection, Arc<SearchIndex>)>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Writer {
    pub async fn begin(
        db: &DatabaseConnection,
        lock: &WriteLock,
        cache: Option<Arc<crate::cache::ResponseCache>>,
        search: Option<Arc<SearchIndex>>,
        principal: Principal,
    ) -> AppResult<Writer> {
        let turn = match &lock.0 {
            Some(m) => Some(m.clone().lock_owned().await),
            None => None,
        };
        Ok(Writer {
            txn: db.begin().await?,
            principal,
            at: Utc::now(),
            reindex: BTreeMap::new(),
            observed: BTreeSet::new(),
            cache,
            search: search.map(|s| (db.clone(), s)),
            _turn: turn,
        })
    }

    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub fn now(&self) -> chrono::DateTime<Utc> {
        self.at
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Refuses unless the token may change `municipality`'s records.
    pub fn authorize(&self, municipality: &str) -> AppResult<()> {
        self.principal.check_write(municipality)
    }

    /// Records a change in the audit trail, in this transaction.
    #[expect(clippy::too_many_arguments, reason = "one audit row's columns")]
    pub async fn audit(
        &mut self,
        municipality: &str,
        entity: &str,
        record_id: i32,
        operation: ChangeOperation,
        before: Option<Value>,
        after: Option<Value>,
        searched: bool,
    ) -> AppResult<()> {
        changes::ActiveModel {
            id: NotSet,
            at: Set(self.at),
            token_id: Set(Some(self.principal.token_id)),
            actor: Set(self.principal.label.clone()),
            actor_role: Set(self.principal.role.as_str().to_owned()),
            actor_municipality_code: Set(self.principal.municipality.clone()),
            municipality_code: Set(municipality.to_owned()),
            entity: Set(entity.to_owned()),
            record_id: Set(record_id),
            operation: Set(operation.as_str().to_owned()),
            before: Set(before.map(|v| v.to_string())),
            after: Set(after.map(|v| v.to_string())),
            created_at: Set(self.at),
            updated_at: Set(self.at),
        }
        .insert(&self.txn)
        .await?;
        if entity == <entity::observations::Entity as Record>::NAME {
            self.observed.insert(municipality.to_owned());
        }
        if searched {
            self.reindex
                .entry(municipality.to_owned())
                .or_default()
                .insert((entity.to_owned(), record_id));
        }
        Ok(())
    }

    /// Undoes everything written: what a dry run does once it knows what it would change.
    pub async fn rollback(self) -> AppResult<()> {
        self.txn.rollback().await?;
        Ok(())
    }

    /// Rebuilds the search documents and latest values of the records written, then commits.
    pub async fn commit(mut self) -> AppResult<()> {
        for (code, records) in &self.reindex {
            crate::read::search::index::reindex_records(&self.txn, code, records).await?;
        }
        crate::read::latest::refresh(&self.txn, &self.observed).await?;
        crate::cache::bump_generation(&self.txn).await?;
        self.txn.commit().await?;
        if let Some(cache) = &self.cache {
            cache.clear();
        }
        // The next writer may start while this one's search index catches up.
        self._turn = None;
        // The write is committed: its answer must not wait for the index, or a request timeout
        // could tell the client "refused" about data that is stored (the fault test of
        // concurrent uploads saw it: a city's re-indexing outlasted the timeout). The refresh
        // runs on its own; a search meanwhile finds its rows newer than the index and catches
        // up first, and a refresh that fails is tried again by the index's poll.
        if let Some((db, search)) = self.search.take() {
            tokio::spawn(async move {
                if let Err(e) = search.catch_up(&db).await {
                    tracing::warn!(error = ?e, "cannot refresh the search index after a write");
                }
            });
        }
        Ok(())
    }
}

/// A table whose records the API creates, updates and deletes.
#[async_trait::async_trait]
pub trait Record: EntityTrait
where
    Self::Model: serde::Serialize + IntoActiveModel<Self::ActiveModel> + Sync,
    Self::ActiveModel: ActiveModelTrait<Entity = Self> + Send,
{
    /// The GraphQL type, used in messages, global ids and the audit trail.
    const NAME: &'static str;
    /// Whether the record's text is in the search index.
    const SEARCHED: bool;
    fn id_column() -> Self::Column;
    fn version_column() -> Self::Column;
    fn updated_at_column() -> Self::Column;
    fn id_of(m: &Self::Model) -> i32;
    fn version_of(m: &Self::Model) -> i32;
    /// The municipality that owns the record, read from the database.
    async fn owner_of(db: &DatabaseTransaction, m: &Self::Model) -> AppResult<String>;
    /// The record as the audit trail keeps it.
    async fn audit_json(_db: &DatabaseTransaction, m: &Self::Model) -> AppResult<Value> {
        serde_json::to_value(m).map_err(|e| AppError::internal(e.into()))
    }
    /// What must be deleted first, e.g. "3 activities"; deleting never cascades silently past
    /// the audit trail.
    async fn dependents(_db: &DatabaseTransaction, _m: &Self::Model) -> AppResult<Vec<String>> {
        Ok(Vec::new())
    }
}

/// A record loaded for a change, with its owner checked and its audit image taken.
pub struct Loaded<M> {
    pub model: M,
    pub owner: String,
    before: Value,
}

fn by_id<E: Record>(id: i32) -> impl IntoCondition
where
    E::Model: serde::Serialize + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    E::id_column().eq(id)
}

/// Loads record `id`: `NOT_FOUND` if there is none, `FORBIDDEN` unless the token may change
/// the municipality that owns it.
pub async fn load<E: Record>(w: &Writer, id: i32) -> AppResult<Loaded<E::Model>>
where
    E::Model: serde::Serialize + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let model = E::find()
        .filter(by_id::<E>(id))
        .one(w.txn())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("{}: no record with this id", E::NAME)))?;
    loaded::<E>(w, model).await
}

/// As [`load`], for a record the caller has fetched already (e.g. many at once).
pub async fn loaded<E: Record>(w: &Writer, model: E::Model) -> AppResult<Loaded<E::Model>>
where
    E::Model: serde::Serialize + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let owner = E::owner_of(w.txn(), &model).await?;
    w.authorize(&owner)?;
    let before = E::audit_json(w.txn(), &model).await?;
    Ok(Loaded {
        model,
        owner,
        before,
    })
}

/// Turns a unique-key violation into `CONFLICT`; other database errors stay internal.
pub fn on_unique(entity: &str, key: &str) -> impl FnOnce(DbErr) -> AppError {
    move |e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(format!(
            "{entity}: a record with the same {key} exists already; update it instead"
        )),
        _ => AppError::from(e),
    }
}

/// Inserts a record owned by `owner` and records its creation.
pub async fn insert<E: Record>(
    w: &mut Writer,
    owner: &str,
    key: &str,
    am: E::ActiveModel,
) -> AppResult<E::Model>
where
    E::Model: serde::Serialize + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let model = insert_row::<E>(w, owner, key, am).await?;
    audit_created::<E>(w, owner, &model).await?;
    Ok(model)
}

/// The first half of [`insert`], for a record whose audit image needs rows written after it
/// (a meeting's agenda): call [`audit_created`] once they are.
pub async fn insert_row<E: Record>(
    w: &mut Writer,
    owner: &str,
    key: &str,
    mut am: E::ActiveModel,
) -> AppResult<E::Model>
where
    E::Model: serde::Serialize + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    // Callers check first, so that FORBIDDEN comes before any validation message; checked
    // again here so that no path can write without it.
    w.authorize(owner)?;
    am.set(E::version_column(), 1.into());
    am.set(E::updated_at_column(), w.now().into());
    am.insert(w.txn()).await.map_err(on_unique(E::NAME, key))
}

/// The second half of [`insert`]: the creation's audit record.
pub async fn audit_created<E: Record>(
    w: &mut Writer,
    owner: &str,
    model: &E::Model,
) -> AppResult<()>
where
    E::Model: serde::Serialize + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let after = E::audit_json(w.txn(), model).await?;
    w.audit(
        owner,
        E::NAME,
        E::id_of(model),
        ChangeOperation::Create,
        None,
        Some(after),
        E::SEARCHED,
    )
    .await
}

fn stale(entity: &str, current: i32, expected: i32) -> AppError {
    AppError::Conflict(format!(
        "{entity} is at version {current}, not {expected}: it changed since you read it; read it again and retry"
    ))
}

/// `CONFLICT` unless the loaded record is still at version `expected`.
pub fn check_version<E: Record>(loaded: &Loaded<E::Model>, expected: i32) -> AppResult<()>
where
    E::Model: serde::Serialize + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let current = E::version_of(&loaded.model);
    if current == expected {
        Ok(())
    } else {
        Err(stale(E::NAME, current, expected))
    }
}

/// Applies the fields `am` sets to a loaded record, if its version is still `expected`.
pub async fn update<E: Record>(
    w: &mut Writer,
    loaded: Loaded<E::Model>,
    expected: i32,
    mut am: E::ActiveModel,
    key: &str,
) -> AppResult<E::Model>
where
    E::Model: serde::Serialize + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    check_version::<E>(&loaded, expected)?;
    let id = E::id_of(&loaded.model);
    am.set(E::version_column(), (expected + 1).into());
    am.set(E::updated_at_column(), w.now().into());
    // The version in the WHERE clause makes a concurrent update that committed after our read
    // lose this race instead of being overwritten.
    let result = E::update_many()
        .set(am)
        .filter(by_id::<E>(id))
        .filter(E::version_column().eq(expected))
        .exec(w.txn())
        .await
        .map_err(on_unique(E::NAME, key))?;
    if result.rows_affected == 0 {
        return Err(stale(E::NAME, expected + 1, expected));
    }
    let model = E::find()
        .filter(by_id::<E>(id))
        .one(w.txn())
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("{} {id} vanished", E::NAME)))?;
    let after = E::audit_json(w.txn(), &model).await?;
    w.audit(
        &loaded.owner,
        E::NAME,
        id,
        ChangeOperation::Update,
        Some(loaded.before),
        Some(after),
        E::SEARCHED,
    )
    .await?;
    Ok(model)
}

/// Deletes a loaded record, if its version is still `expected` (when given) and nothing
/// depends on it.
pub async fn delete<E: Record>(
    w: &mut Writer,
    loaded: Loaded<E::Model>,
    expected: Option<i32>,
) -> AppResult<()>
where
    E::Model: serde::Serialize + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    if let Some(expected) = expected {
        check_version::<E>(&loaded, expected)?;
    }
    let current = E::version_of(&loaded.model);
    let dependents = E::dependents(w.txn(), &loaded.model).await?;
    if !dependents.is_empty() {
        return Err(AppError::Conflict(format!(
            "{} still has {}; delete those first",
            E::NAME,
            dependents.join(" and ")
        )));
    }
    let id = E::id_of(&loaded.model);
    let result = E::delete_many()
        .filter(by_id::<E>(id))
        .filter(E::version_column().eq(current))
        .exec(w.txn())
        .await?;
    if result.rows_affected == 0 {
        return Err(stale(E::NAME, current + 1, current));
    }
    w.audit(
        &loaded.owner,
        E::NAME,
        id,
        ChangeOperation::Delete,
        Some(loaded.before),
        None,
        E::SEARCHED,
    )
    .await?;
    Ok(())
}
