//! 最新値 (saishin-chi): each city's newest value of each catalogue metric, kept in
//! `latest_observations` so that a national comparison ranks one small row per city instead of
//! reading every value of every fiscal year. Every transaction that changes a city's
//! observations (the API's writes, `importObservations`, `kyodo-hub import`) rewrites that
//! city's rows from `observations` before it commits, so the table never disagrees with what
//! a reader of the same snapshot sees.

use std::collections::BTreeSet;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use entity::{latest_observations as latest, observations};

/// Makes this transaction the only one rewriting `code`'s latest values until it ends.
///
/// Without it two PostgreSQL transactions changing the same city could each compute the
/// city's rows from a snapshot that lacks the other's uncommitted change, and the later
/// commit would keep a row pointing at a value the other had replaced. Under the lock every
/// statement sees what the previous holder committed (READ COMMITTED takes a snapshot per
/// statement), and the last writer to commit recomputes from everything committed before it.
/// SQLite has one writer at a time already.
async fn lock(db: &impl ConnectionTrait, code: &str) -> Result<(), DbErr> {
    crate::db::lock_for_transaction(db, crate::db::LockSpace::LatestObservations, code).await
}

/// Rewrites the latest values of the municipalities `codes` from their observations: one
/// `DELETE` and one `INSERT … SELECT`, in the caller's transaction, whatever the number of
/// cities and metrics. A deleted newest value gives way to the year before it.
pub async fn refresh(db: &impl ConnectionTrait, codes: &BTreeSet<String>) -> Result<(), DbErr> {
    if codes.is_empty() {
        return Ok(());
    }
    // In code order, as every writer takes them, so that two writers never wait on each other.
    for code in codes {
        lock(db, code).await?;
    }
    latest::Entity::delete_many()
        .filter(latest::Column::MunicipalityCode.is_in(codes.iter().cloned()))
        .exec(db)
        .await?;
    let (o, n) = (Alias::new("o"), Alias::new("n"));
    let newer = Query::select()
        .expr(Expr::val(1))
        .from_as(observations::Entity, n.clone())
        .and_where(
            Expr::col((n.clone(), observations::Column::MunicipalityCode))
                .equals((o.clone(), observations::Column::MunicipalityCode)),
        )
        .and_where(
            Expr::col((n.clone(), observations::Column::MetricCode))
                .equals((o.clone(), observations::Column::MetricCode)),
        )
        .and_where(
            Expr::col((n, observations::Column::FiscalYear))
                .gt(Expr::col((o.clone(), observations::Column::FiscalYear))),
        )
        .to_owned();
    let newest = Query::select()
        .columns([
            (o.clone(), observations::Column::MunicipalityCode),
            (o.clone(), observations::Column::MetricCode),
            (o.clone(), observations::Column::FiscalYear),
            (o.clone(), observations::Column::Id),
            (o.clone(), observations::Column::Value),
        ])
        .from_as(observations::Entity, o.clone())
        .and_where(
            Expr::col((o, observations::Column::MunicipalityCode)).is_in(codes.iter().cloned()),
        )
        .and_where(Expr::not_exists(newer))
        .to_owned();
    let insert = Query::insert()
        .into_table(latest::Entity)
        .columns([
            latest::Column::MunicipalityCode,
            latest::Column::MetricCode,
            latest::Column::FiscalYear,
            latest::Column::ObservationId,
            latest::Column::Value,
        ])
        .select_from(newest)
        .map_err(|e| DbErr::Custom(format!("latest values: {e}")))?
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}

/// The latest value of `metric` of each municipality that has one, as reported (code,
/// fiscal year, value); only those of `codes` when given.
pub async fn of_metric(
    db: &impl ConnectionTrait,
    metric: &str,
    codes: Option<&[String]>,
) -> Result<Vec<(String, i32, f64)>, DbErr> {
    let mut query = latest::Entity::find()
        .select_only()
        .columns([
            latest::Column::MunicipalityCode,
            latest::Column::FiscalYear,
            latest::Column::Value,
        ])
        .filter(latest::Column::MetricCode.eq(metric));
    if let Some(codes) = codes {
        query = query.filter(latest::Column::MunicipalityCode.is_in(codes.iter().cloned()));
    }
    query.into_tuple().all(db).await
}
