//! Relay connections over offset pages: cursors are opaque offsets, and a page is at most
//! [`MAX_PAGE`] nodes.

use async_graphql::SimpleObject;
use async_graphql::connection::{Connection, Edge};

use crate::error::{AppError, AppResult};
use crate::graphql::ids;

/// Extra fields of a connection.
#[derive(SimpleObject)]
pub struct TotalCount {
    /// Number of nodes across all pages.
    pub total_count: usize,
}

/// Largest page a connection returns.
pub const MAX_PAGE: i32 = 100;
const DEFAULT_PAGE: i32 = 20;

fn cursor(offset: usize) -> String {
    ids::encode("cursor", offset).0
}

/// The `after` that makes a page start at `offset` (none for the first page), for a client
/// inside the hub that addresses pages by number, as the portal's search does: its URLs say
/// `page=3`, which is shareable and survives a change of cursor format, while the API keeps
/// its cursors opaque. `None` also where no cursor reaches that far.
pub fn after_for_offset(offset: usize) -> Option<String> {
    let last = offset.checked_sub(1)?;
    u32::try_from(last).ok().map(|n| cursor(n as usize))
}

/// Where the page after `cursor` starts, if it is a cursor of a list of the hub.
pub fn offset_after(cursor: &str) -> Option<usize> {
    ids::key_of::<u32>(cursor, "cursor").map(|n| n as usize + 1)
}

/// The offset and size of the page `first`/`after` ask for; cursors are opaque offsets.
pub fn page_window(first: Option<i32>, after: Option<String>) -> AppResult<(usize, usize)> {
    let first = first.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&first) {
        return Err(AppError::BadInput(format!(
            "first must be between 1 and {MAX_PAGE}, got {first}"
        )));
    }
    let start = match after {
        None => 0,
        // No list of the hub is near 2³² long, and a bound there keeps `n + 1` and the SQL
        // OFFSET in range whatever number a client writes into a cursor.
        Some(c) => offset_after(&c).ok_or_else(|| {
            AppError::BadInput(format!("after: {c:?} is not a cursor of this list"))
        })?,
    };
    Ok((start, usize::try_from(first).unwrap_or(1)))
}

/// A connection over one page that starts at `offset` of `total` nodes.
pub fn connection<M, N: async_graphql::OutputType>(
    page: Vec<M>,
    offset: usize,
    total: usize,
    node: impl Fn(M) -> N,
) -> Connection<String, N, TotalCount> {
    let end = offset + page.len();
    let mut conn = Connection::with_additional_fields(
        offset > 0,
        end < total,
        TotalCount { total_count: total },
    );
    conn.edges.extend(
        page.into_iter()
            .enumerate()
            .map(|(i, r)| Edge::new(cursor(offset + i), node(r))),
    );
    conn
}

/// Pages an ordered list held in memory with `first`/`after`.
pub fn paginate<M, N: async_graphql::OutputType>(
    rows: Vec<M>,
    first: Option<i32>,
    after: Option<String>,
    node: impl Fn(M) -> N,
) -> AppResult<Connection<String, N, TotalCount>> {
    let (start, size) = page_window(first, after)?;
    let total = rows.len();
    let page: Vec<M> = rows.into_iter().skip(start).take(size).collect();
    Ok(connection(page, start.min(total), total, node))
}
