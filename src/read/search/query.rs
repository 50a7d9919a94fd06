//! Finding documents: matching, counting and ranking in the index ([`super::engine`]),
//! reading the page's rows, and marking the matches in a snippet.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::engine::{Found, SearchIndex};
use super::normal;

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

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Char offsets in `haystack` where `needle` starts, without overlaps.
fn matches(haystack: &[char], needle: &[char]) -> Vec<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i + needle.len() <= haystack.len() {
        if haystack[i..i + needle.len()] == *needle {
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

/// The text around the first match with matches marked, or `None` without a match. Matching
/// is on the folded text (as the index matches), marking on the text as written: ｂｏｓａｉ
/// found by "bosai" is marked as ｂｏｓａｉ.
fn marked(text: &str, query: &str) -> Option<String> {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect();
    let folded = normal::fold(text);
    let needle: Vec<char> = normal::folded(query).chars().collect();
    // Each match as a range of the original characters.
    let spans: Vec<(usize, usize)> = matches(&folded.chars, &needle)
        .into_iter()
        .filter_map(|m| {
            let first = folded.origin.get(m)?;
            let last = folded.origin.get(m + needle.len() - 1)?;
            Some((first.start, last.end))
        })
        .collect();
    let &(first, first_end) = spans.first()?;
    let start = first.saturating_sub(CONTEXT);
    let end = (first_end + CONTEXT).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut i = start;
    for &(from, to) in spans.iter().filter(|&&(_, to)| to <= end) {
        // Folded matches never overlap, but two may share a cluster of the original.
        if from < i {
            continue;
        }
        out.push_str(&escape_html(&chars[i..from].iter().collect::<String>()));
        out.push_str("<mark>");
        out.push_str(&escape_html(&chars[from..to].iter().collect::<String>()));
        out.push_str("</mark>");
        i = to;
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

/// Records whose title or text contains `text` (folded: NFKC and lowercase), best first,
/// `limit` of them from `offset`, with how many match in all. The in-memory index
/// ([`SearchIndex`]) matches, counts and ranks (BM25, a match in the title counting three
/// times, ties by kind, city and record); one statement then reads the page's rows by id,
/// together with the data generation they were read at. Rows newer than the index (another
/// process wrote since it last looked) make it refresh and search again, once.
pub async fn search(
    db: &DatabaseConnection,
    index: &SearchIndex,
    text: &str,
    municipalities: Option<&[String]>,
    offset: usize,
    limit: usize,
) -> AppResult<Page> {
    let q = check_query(text)?;
    if municipalities.is_some_and(<[String]>::is_empty) {
        return Ok(Page {
            hits: Vec::new(),
            total: 0,
        });
    }
    let needle = normal::folded(&q);
    let mut refreshed = false;
    loop {
        let found = index.find(&needle, municipalities, offset, limit)?;
        let (generation, mut rows) = page_rows(db, &found.page).await?;
        if generation > index.generation() && !refreshed {
            index.refresh(db, generation).await?;
            refreshed = true;
            continue;
        }
        let hits = found
            .page
            .iter()
            .filter_map(|f| {
                let document = rows.remove(&f.id)?;
                // The title is returned beside the snippet, so the snippet shows the text's
                // match.
                let snippet =
                    marked(&document.body, &q).unwrap_or_else(|| snippet(&document.title, &q));
                Some(Hit {
                    document,
                    score: f.score,
                    snippet,
                })
            })
            .collect();
        return Ok(Page {
            hits,
            total: found.total,
        });
    }
}

/// The data generation now and the documents with these ids, in one statement: the outer
/// join keeps the generation's row when the page is empty.
async fn page_rows(
    db: &DatabaseConnection,
    page: &[Found],
) -> AppResult<(u64, HashMap<i64, search_documents::Model>)> {
    use sea_orm::FromQueryResult;
    let backend = db.get_database_backend();
    // Ids come from the index, not the client, and are integers: written inline.
    let ids: Vec<String> = page.iter().map(|f| f.id.to_string()).collect();
    let on = if ids.is_empty() {
        "1 = 0".to_owned()
    } else {
        format!("d.id IN ({})", ids.join(", "))
    };
    let sql = format!(
        "SELECT g.generation, d.id, d.municipality_code, d.kind, d.record_id, d.title, d.body, \
           d.created_at, d.updated_at \
         FROM (SELECT CAST(generation AS BIGINT) AS generation FROM data_generation WHERE id = 1) AS g \
         LEFT JOIN search_documents d ON {on}"
    );
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(backend, sql))
        .await?;
    let mut generation = 0i64;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        generation = row.try_get("", "generation")?;
        if row.try_get::<Option<i32>>("", "id")?.is_none() {
            continue;
        }
        let document = search_documents::Model::from_query_result(&row, "")?;
        out.insert(i64::from(document.id), document);
    }
    Ok((u64::try_from(generation).unwrap_or(0), out))
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
    fn snippets_match_folded_text_and_mark_it_as_written() {
        assert_eq!(
            snippet("ｂｏｓａｉの日とＢｏｓａｉ", "BOSAI"),
            "<mark>ｂｏｓａｉ</mark>の日と<mark>Ｂｏｓａｉ</mark>"
        );
        assert_eq!(snippet("ｶﾞｲﾄﾞ付き", "ガイド"), "<mark>ｶﾞｲﾄﾞ</mark>付き");
        assert_eq!(snippet("第２０２３号", "2023"), "第<mark>２０２３</mark>号");
    }

    #[test]
    fn queries_are_bounded() {
        assert!(check_query("  ").is_err());
        assert!(check_query(&"あ".repeat(101)).is_err());
        assert_eq!(check_query(" 防 ").ok().as_deref(), Some("防"));
    }
}
