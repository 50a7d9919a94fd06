//! Questions asked across cities: comparisons, aggregate statistics and full-text search.

pub mod catalogue;
pub mod compare;
pub mod latest;
pub mod plan_tree;
pub mod search;
pub mod stats;

use entity::sources;
use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, Iterable, JoinType, QueryFilter,
    QuerySelect, Select, SelectTwo,
};

/// `query`'s rows, each with the source its `source_id` column cites (none when NULL), in the
/// same statement: a LEFT JOIN, for the lists that cite few sources over few rows.
pub fn with_sources<E: EntityTrait>(
    query: Select<E>,
    source_id: E::Column,
) -> SelectTwo<E, sources::Entity> {
    let cited = E::belongs_to(sources::Entity)
        .from(source_id)
        .to(sources::Column::Id);
    query
        .join(JoinType::LeftJoin, cited.into())
        .select_also(sources::Entity)
}

/// Adds every column of `E` to `select`, each named `prefix` + its name, for
/// `E::Model::from_query_result(row, prefix)`: a third entity beside sea-orm's `A_` and `B_`
/// of a [`SelectTwo`].
pub fn select_prefixed<E: EntityTrait>(select: &mut SelectStatement, prefix: &str) {
    select_prefixed_without::<E>(select, prefix, &[]);
}

/// [`select_prefixed`], with the text columns named in `left_out` selected as NULL: the
/// record still decodes (those fields are `None`), and the database sends none of their text.
pub fn select_prefixed_without<E: EntityTrait>(
    select: &mut SelectStatement,
    prefix: &str,
    left_out: &[&str],
) {
    for column in E::Column::iter() {
        let alias = Alias::new(format!("{prefix}{}", column.as_str()));
        if left_out.contains(&column.as_str()) {
            select.expr_as(Expr::cust("CAST(NULL AS TEXT)"), alias);
        } else {
            select.expr_as(column.select_as(column.into_expr()), alias);
        }
    }
}

/// 出典: the sources that rows cite by `ids` (repeats allowed), in one statement; none when no
/// row cites one. Comparisons, indicator progress and the exports each list their sources.
pub async fn sources_by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> Result<Vec<sources::Model>, DbErr> {
    let mut ids: Vec<i32> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sources::Entity::find()
        .filter(sources::Column::Id.is_in(ids))
        .all(db)
        .await
}
