//! Finding documents: matching a query, scoring and paging in the database, and marking the
//! matches in a snippet.

use sea_orm::{ConnectionTrait, DatabaseBackend};

use crate::error::{AppError, AppResult};
use entity::search_documents;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// Characters of context on each side of the first match in a snippet.
const CONTEXT: usize = 40;

/// The kinds of record searched, in the order results of equal score are listed.
pub const KINDS: [&str; 17] = [
    "PlanItem",
    "Program",
    "Activity",
    "Meeting",
    "Article",
    "Indicator",
    "Body",
    "SupportCenter",
    "PlanSection",
    "Ordinance",
    "Policy",
    "Measure",
    "Plan",
    "Proposal",
    "Observation",
    "Source",
    "Municipality",
];

/// A matching record with its relevance and a highlighted snippet.
#[derive(Clone, Debug)]
pub struct Hit {
    pub document: search_documents::Model,
    pub score: f64,
    /// HTML: the text escaped, every match wrapped in `<mark>`.
    pub snippet: String,
}

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Finds `needle` in `haystack` ignoring ASCII case; returns char offsets of each match.
fn matches(haystack: &[char], needle: &[char]) -> Vec<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i + needle.len() <= haystack.len() {
        if haystack[i..i + needle.len()]
            .iter()
            .zip(needle)
            .all(|(a, b)| a.eq_ignore_ascii_case(b))
        {
            out.push(i);
            i += needle.len();
        } else {
            i += 1;
        }
    }
    out
}

/// The text around the first match, matches marked.
pub fn snippet(text: &str, query: &str) -> String {
    marked(text, query).unwrap_or_else(|| {
        let head: String = text
            .chars()
            .map(|c| if c == '\n' { ' ' } else { c })
            .take(CONTEXT * 2)
            .collect();
        escape_html(&head)
    })
}

/// The text around the first match with matches marked, or `None` without a match.
fn marked(text: &str, query: &str) -> Option<String> {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect();
    let needle: Vec<char> = query.chars().collect();
    let found = matches(&chars, &needle);
    let &first = found.first()?;
    let start = first.saturating_sub(CONTEXT);
    let end = (first + needle.len() + CONTEXT).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut i = start;
    for &m in found
        .iter()
        .filter(|&&m| m >= start && m + needle.len() <= end)
    {
        out.push_str(&escape_html(&chars[i..m].iter().collect::<String>()));
        out.push_str("<mark>");
        out.push_str(&escape_html(
            &chars[m..m + needle.len()].iter().collect::<String>(),
        ));
        out.push_str("</mark>");
        i = m + needle.len();
    }
    out.push_str(&escape_html(&chars[i..end].iter().collect::<String>()));
    if end < chars.len() {
        out.push('…');
    }
    Some(out)
}

/// Checks a query and returns it trimmed.
pub fn check_query(text: &str) -> AppResult<String> {
    let q = text.trim();
    if q.is_empty() {
        return Err(AppError::BadInput(
            "text: give at least one character to search for".into(),
        ));
    }
    let n = q.chars().count();
    if n > MAX_QUERY_CHARS {
        return Err(AppError::BadInput(format!(
            "text: at most {MAX_QUERY_CHARS} characters, got {n}"
        )));
    }
    Ok(q.to_owned())
}

/// One page of results and how many there are in all.
#[derive(Clone, Debug)]
pub struct Page {
    pub hits: Vec<Hit>,
    pub total: usize,
}

/// Builds SQL with the backend's placeholders (`$1, $2 …` on PostgreSQL, `?` on SQLite) and
/// collects the values in the same order.
struct Sql {
    backend: DatabaseBackend,
    text: String,
    values: Vec<sea_orm::Value>,
}

impl Sql {
    fn bind(&mut self, v: impl Into<sea_orm::Value>) -> String {
        self.values.push(v.into());
        match self.backend {
            DatabaseBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }
}

/// Whether `q` holds a letter with case. Without one, case-insensitive matching is the same as
/// exact matching, and PostgreSQL's `LIKE` is much cheaper than its `ILIKE`, which folds the
/// case of every row's text (most Japanese queries have no cased letter).
fn has_case(q: &str) -> bool {
    q.chars().any(|c| c.is_lowercase() || c.is_uppercase())
}

/// The condition that selects matching documents: the FTS5 trigram index on SQLite for three
/// characters or more, otherwise a substring match (which pg_trgm's index serves on PostgreSQL
/// from three characters on).
fn matching(sql: &mut Sql, q: &str, municipalities: Option<&[String]>) -> String {
    let mut cond = if sql.backend == DatabaseBackend::Sqlite && q.chars().count() >= 3 {
        let phrase = format!("\"{}\"", q.replace('"', "\"\""));
        format!(
            "id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH {})",
            sql.bind(phrase)
        )
    } else if sql.backend == DatabaseBackend::Postgres {
        // PostgreSQL escapes LIKE patterns with a backslash by default.
        let op = if has_case(q) { "ILIKE" } else { "LIKE" };
        format!("(title || ' ' || body) {op} {}", sql.bind(escape_like(q)))
    } else {
        format!(
            "(title || ' ' || body) LIKE {} ESCAPE '\\'",
            sql.bind(escape_like(q))
        )
    };
    if let Some(codes) = municipalities {
        let list: Vec<String> = codes.iter().map(|c| sql.bind(c.clone())).collect();
        cond.push_str(&format!(" AND municipality_code IN ({})", list.join(", ")));
    }
    cond
}

/// Records whose title or text contains `text`, best first, `limit` of them from `offset`:
/// matches in the title count three times, then the number of matches, then the kind of
/// record. Ranking, counting and paging happen in the database, so a common word across all of
/// Japan costs one page of rows, not every match.
///
/// One statement, one round trip: the count is a scalar subquery beside the ranked page. (A
/// materialised CTE scored once and read twice was slower on PostgreSQL: ~99k scored rows
/// overflow `work_mem` and go to a temporary file.) The outer `LEFT JOIN` keeps one row even
/// when the page is past the end, so the total still arrives.
pub async fn search(
    db: &impl ConnectionTrait,
    text: &str,
    municipalities: Option<&[String]>,
    offset: usize,
    limit: usize,
) -> AppResult<Page> {
    let q = check_query(text)?;
    let backend = db.get_database_backend();
    if municipalities.is_some_and(<[String]>::is_empty) {
        return Ok(Page {
            hits: Vec::new(),
            total: 0,
        });
    }

    let mut sql = Sql {
        backend,
        text: String::new(),
        values: Vec::new(),
    };
    // Occurrences of q in a column: how much shorter the column gets without them. LOWER makes
    // Latin letters match regardless of case, as LIKE does; a query without such letters
    // skips it.
    let cased = has_case(&q);
    let needle = q.to_lowercase();
    let occurrences = |sql: &mut Sql, col: &str| {
        let a = sql.bind(needle.clone());
        let b = sql.bind(needle.clone());
        let folded = if cased {
            format!("LOWER({col})")
        } else {
            col.to_owned()
        };
        format!(
            "(LENGTH({col}) - LENGTH(REPLACE({folded}, CAST({a} AS TEXT), ''))) / LENGTH(CAST({b} AS TEXT))"
        )
    };
    let counted = matching(&mut sql, &q, municipalities);
    let in_title = occurrences(&mut sql, "title");
    let in_body = occurrences(&mut sql, "body");
    let kind_rank: Vec<String> = KINDS
        .iter()
        .enumerate()
        .map(|(i, k)| format!("WHEN '{k}' THEN {i}"))
        .collect();
    let cond = matching(&mut sql, &q, municipalities);
    let limit_p = sql.bind(i64::try_from(limit).unwrap_or(i64::MAX));
    let offset_p = sql.bind(i64::try_from(offset).unwrap_or(i64::MAX));
    sql.text = format!(
        "SELECT (SELECT COUNT(*) FROM search_documents WHERE {counted}) AS total, \
           page.id, page.municipality_code, page.kind, page.record_id, page.title, page.body, \
           page.created_at, page.updated_at, page.score \
         FROM (SELECT 1 AS one) AS always \
         LEFT JOIN ( \
           SELECT id, municipality_code, kind, record_id, title, body, created_at, updated_at, \
             CASE kind {kinds} ELSE {other} END AS kind_rank, \
             CAST(({in_title}) * 3 + ({in_body}) AS BIGINT) AS score \
           FROM search_documents WHERE {cond} \
           ORDER BY score DESC, kind_rank, municipality_code, record_id \
           LIMIT {limit_p} OFFSET {offset_p}) AS page ON 1 = 1 \
         ORDER BY page.score DESC, page.kind_rank, page.municipality_code, page.record_id",
        kinds = kind_rank.join(" "),
        other = KINDS.len()
    );
    let rows = db
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            backend, sql.text, sql.values,
        ))
        .await?;
    let mut total = 0i64;
    let mut hits = Vec::with_capacity(rows.len());
    for row in rows {
        use sea_orm::FromQueryResult;
        total = row.try_get("", "total")?;
        let Some(score) = row.try_get::<Option<i64>>("", "score")? else {
            continue;
        };
        let document = search_documents::Model::from_query_result(&row, "")?;
        // The title is returned beside the snippet, so the snippet shows the text's match.
        let snippet = marked(&document.body, &q).unwrap_or_else(|| snippet(&document.title, &q));
        hits.push(Hit {
            document,
            score: score as f64,
            snippet,
        });
    }
    Ok(Page {
        hits,
        total: usize::try_from(total).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mark_every_match_and_escape_the_rest() {
        assert_eq!(
            snippet("防災・災害から<子ども>を守る防災", "防災"),
            "<mark>防災</mark>・災害から&lt;子ども&gt;を守る<mark>防災</mark>"
        );
        let long = format!("{}防災{}", "あ".repeat(60), "い".repeat(60));
        let s = snippet(&long, "防災");
        assert!(
            s.starts_with('…') && s.ends_with('…') && s.contains("<mark>防災</mark>"),
            "{s}"
        );
        assert_eq!(
            snippet("Data and data", "DATA"),
            "<mark>Data</mark> and <mark>data</mark>"
        );
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(escape_like("100%_\\"), "%100\\%\\_\\\\%");
    }

    #[test]
    fn queries_are_bounded() {
        assert!(check_query("  ").is_err());
        assert!(check_query(&"あ".repeat(101)).is_err());
        assert_eq!(check_query(" 防 ").ok().as_deref(), Some("防"));
    }
}
