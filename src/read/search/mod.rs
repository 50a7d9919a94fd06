//! Full-text search over the Japanese text of every city: plan items and sections, programmes,
//! activities, meetings' agendas, ordinance articles, indicators, bodies and support centres.
//!
//! Each searchable record has one row in `search_documents`, rebuilt in the same transaction
//! that writes the record (an import rebuilds the whole municipality), so the index cannot
//! drift from what it indexes.
//! Matching is by substring, accelerated by character trigrams (see the migration): a word
//! such as 防災 or 研修 has no spaces around it in Japanese, so word tokenizers would miss it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::error::{AppError, AppResult};
use entity::{
    activities, agenda_items, bodies, indicators, meetings, ordinance_articles, ordinances,
    plan_items, plan_sections, plans, programs, search_documents, support_centers,
};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// Characters of context on each side of the first match in a snippet.
const CONTEXT: usize = 40;

/// The kinds of record searched, in the order results of equal score are listed.
pub const KINDS: [&str; 9] = [
    "PlanItem",
    "Program",
    "Activity",
    "Meeting",
    "Article",
    "Indicator",
    "Body",
    "SupportCenter",
    "PlanSection",
];

fn join(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn json_list(text: &str) -> String {
    serde_json::from_str::<Vec<String>>(text)
        .unwrap_or_default()
        .join("・")
}

struct Doc {
    kind: &'static str,
    record_id: i32,
    title: String,
    body: String,
}

fn program_doc(p: programs::Model) -> Doc {
    Doc {
        kind: "Program",
        record_id: p.id,
        title: p.title.clone(),
        body: join(&[
            p.description.as_deref(),
            p.organizer.as_deref(),
            p.department.as_deref(),
        ]),
    }
}

fn activity_doc(a: activities::Model) -> Doc {
    Doc {
        kind: "Activity",
        record_id: a.id,
        title: a.title.clone(),
        body: join(&[
            a.topic.as_deref(),
            a.audience.as_deref(),
            a.department.as_deref(),
            a.venue.as_deref(),
            Some(&json_list(&a.speakers)),
        ]),
    }
}

fn body_doc(b: bodies::Model) -> Doc {
    Doc {
        kind: "Body",
        record_id: b.id,
        title: b.name_ja.clone(),
        body: join(&[
            b.composition.as_deref(),
            b.role.as_deref(),
            Some(&json_list(&b.duties)),
        ]),
    }
}

fn support_center_doc(c: support_centers::Model) -> Doc {
    Doc {
        kind: "SupportCenter",
        record_id: c.id,
        title: c.name_ja,
        body: join(&[c.services.as_deref(), c.operator.as_deref()]),
    }
}

/// The documents of these meetings: the body's name and the date in the title, the agenda as
/// the text.
async fn meeting_docs(
    db: &impl ConnectionTrait,
    meeting_rows: Vec<meetings::Model>,
    body_names: &HashMap<i32, String>,
) -> Result<Vec<Doc>, DbErr> {
    let mut agenda: HashMap<i32, Vec<String>> = HashMap::new();
    if meeting_rows.is_empty() {
        return Ok(Vec::new());
    }
    for item in agenda_items::Entity::find()
        .filter(agenda_items::Column::MeetingId.is_in(meeting_rows.iter().map(|m| m.id)))
        .order_by_asc(agenda_items::Column::Position)
        .all(db)
        .await?
    {
        agenda.entry(item.meeting_id).or_default().push(item.text);
    }
    Ok(meeting_rows
        .into_iter()
        .map(|m| {
            let name = body_names.get(&m.body_id).cloned().unwrap_or_default();
            let when = m
                .date
                .clone()
                .unwrap_or_else(|| format!("{}年度", m.fiscal_year));
            Doc {
                kind: "Meeting",
                record_id: m.id,
                title: format!("{name} {when}"),
                body: agenda.remove(&m.id).unwrap_or_default().join("\n"),
            }
        })
        .collect())
}

/// Makes this transaction the only one changing `code`'s search documents until it ends.
///
/// Two transactions indexing the same record (an update of a body re-titles its meetings
/// while a meeting of that body changes) would otherwise both delete its document and both
/// insert one, and the second insert fails on the unique key. The lock is held briefly, at
/// the end of a write, and is released by the commit; every statement after it sees what the
/// previous holder committed (PostgreSQL's READ COMMITTED takes a snapshot per statement).
/// SQLite has one writer at a time already.
async fn lock_index(db: &impl ConnectionTrait, code: &str) -> Result<(), DbErr> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let (space, key) = crate::db::lock_key(crate::db::LockSpace::SearchIndex, code);
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1, $2)",
        [space.into(), key.into()],
    ))
    .await?;
    Ok(())
}

async fn insert_docs(db: &impl ConnectionTrait, code: &str, docs: &[Doc]) -> Result<(), DbErr> {
    let now = chrono::Utc::now();
    // Stay well under SQLite's limit on bound parameters per statement.
    for chunk in docs.chunks(500) {
        search_documents::Entity::insert_many(chunk.iter().map(|d| {
            search_documents::ActiveModel {
                id: NotSet,
                municipality_code: Set(code.to_owned()),
                kind: Set(d.kind.to_owned()),
                record_id: Set(d.record_id),
                title: Set(d.title.clone()),
                body: Set(d.body.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Rebuilds the search documents of one municipality from its records.
pub async fn reindex_municipality(db: &impl ConnectionTrait, code: &str) -> Result<(), DbErr> {
    lock_index(db, code).await?;
    search_documents::Entity::delete_many()
        .filter(search_documents::Column::MunicipalityCode.eq(code))
        .exec(db)
        .await?;
    let mut docs: Vec<Doc> = Vec::new();

    let plan_ids: Vec<i32> = plans::Entity::find()
        .filter(plans::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    for item in plan_items::Entity::find()
        .filter(plan_items::Column::PlanId.is_in(plan_ids.clone()))
        .all(db)
        .await?
    {
        docs.push(Doc {
            kind: "PlanItem",
            record_id: item.id,
            title: format!("{} {}", item.label, item.title),
            body: join(&[
                item.purpose.as_deref(),
                item.current_state.as_deref(),
                item.content.as_deref(),
                item.completion_criterion.as_deref(),
                Some(&json_list(&item.departments)),
            ]),
        });
    }
    for s in plan_sections::Entity::find()
        .filter(plan_sections::Column::PlanId.is_in(plan_ids))
        .all(db)
        .await?
    {
        docs.push(Doc {
            kind: "PlanSection",
            record_id: s.id,
            title: s.heading.clone(),
            body: s.body,
        });
    }
    let progs = programs::Entity::find()
        .filter(programs::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?;
    for a in activities::Entity::find()
        .filter(activities::Column::ProgramId.is_in(progs.iter().map(|p| p.id)))
        .all(db)
        .await?
    {
        docs.push(activity_doc(a));
    }
    docs.extend(progs.into_iter().map(program_doc));
    let body_rows = bodies::Entity::find()
        .filter(bodies::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?;
    let body_names: HashMap<i32, String> = body_rows
        .iter()
        .map(|b| (b.id, b.name_ja.clone()))
        .collect();
    docs.extend(body_rows.into_iter().map(body_doc));
    let meeting_rows = meetings::Entity::find()
        .filter(meetings::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?;
    docs.extend(meeting_docs(db, meeting_rows, &body_names).await?);
    let ordinance_rows = ordinances::Entity::find()
        .filter(ordinances::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?;
    let titles: HashMap<i32, String> = ordinance_rows
        .iter()
        .map(|o| (o.id, o.title.clone()))
        .collect();
    for a in ordinance_articles::Entity::find()
        .filter(ordinance_articles::Column::OrdinanceId.is_in(ordinance_rows.iter().map(|o| o.id)))
        .all(db)
        .await?
    {
        let ordinance = titles.get(&a.ordinance_id).cloned().unwrap_or_default();
        docs.push(Doc {
            kind: "Article",
            record_id: a.id,
            title: format!(
                "{ordinance} 第{}条 {}",
                a.number,
                a.heading.as_deref().unwrap_or_default()
            ),
            body: join(&[Some(&a.text), a.commentary.as_deref()]),
        });
    }
    for i in indicators::Entity::find()
        .filter(indicators::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?
    {
        docs.push(Doc {
            kind: "Indicator",
            record_id: i.id,
            title: i.name,
            body: String::new(),
        });
    }
    for c in support_centers::Entity::find()
        .filter(support_centers::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?
    {
        docs.push(support_center_doc(c));
    }
    insert_docs(db, code, &docs).await
}

/// The rows whose `column` is one of `ids`, without a statement when there are none.
async fn by_ids<E: EntityTrait>(
    db: &impl ConnectionTrait,
    column: E::Column,
    ids: &BTreeSet<i32>,
) -> Result<Vec<E::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    E::find()
        .filter(column.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// Brings the search documents of these records of municipality `code` up to date, given as
/// (kind, id): a record that exists gets its document rebuilt, one that was deleted loses it.
/// Only what a write touched is indexed, so a write costs the same in a large city as in a
/// small one, and concurrent writes of different records never touch the same document.
///
/// A body's name is in the titles of its meetings, so a body brings its meetings along. A
/// kind the API does not write (plan items, articles, indicators) rebuilds the whole city.
pub async fn reindex_records(
    db: &impl ConnectionTrait,
    code: &str,
    records: &BTreeSet<(String, i32)>,
) -> Result<(), DbErr> {
    if records.is_empty() {
        return Ok(());
    }
    let mut ids: BTreeMap<&str, BTreeSet<i32>> = BTreeMap::new();
    for (kind, id) in records {
        let kind = kind.as_str();
        if !matches!(
            kind,
            "Program" | "Activity" | "Body" | "Meeting" | "SupportCenter"
        ) {
            return reindex_municipality(db, code).await;
        }
        ids.entry(kind).or_default().insert(*id);
    }
    lock_index(db, code).await?;
    let mut of = |kind: &str| ids.remove(kind).unwrap_or_default();
    let (program_ids, activity_ids, support_center_ids) =
        (of("Program"), of("Activity"), of("SupportCenter"));
    let (body_ids, mut meeting_ids) = (of("Body"), of("Meeting"));
    let body_rows = by_ids::<bodies::Entity>(db, bodies::Column::Id, &body_ids).await?;
    let mut meeting_rows =
        by_ids::<meetings::Entity>(db, meetings::Column::Id, &meeting_ids).await?;
    meeting_rows.extend(
        by_ids::<meetings::Entity>(db, meetings::Column::BodyId, &body_ids)
            .await?
            .into_iter()
            .filter(|m| !meeting_ids.contains(&m.id)),
    );
    meeting_rows.retain(|m| m.municipality_code == code);
    meeting_ids.extend(meeting_rows.iter().map(|m| m.id));

    for (kind, set) in [
        ("Program", &program_ids),
        ("Activity", &activity_ids),
        ("SupportCenter", &support_center_ids),
        ("Body", &body_ids),
        ("Meeting", &meeting_ids),
    ] {
        if set.is_empty() {
            continue;
        }
        search_documents::Entity::delete_many()
            .filter(search_documents::Column::Kind.eq(kind))
            .filter(search_documents::Column::RecordId.is_in(set.iter().copied()))
            .exec(db)
            .await?;
    }

    let mut docs: Vec<Doc> = Vec::new();
    docs.extend(
        by_ids::<programs::Entity>(db, programs::Column::Id, &program_ids)
            .await?
            .into_iter()
            .map(program_doc),
    );
    docs.extend(
        by_ids::<activities::Entity>(db, activities::Column::Id, &activity_ids)
            .await?
            .into_iter()
            .map(activity_doc),
    );
    docs.extend(
        by_ids::<support_centers::Entity>(db, support_centers::Column::Id, &support_center_ids)
            .await?
            .into_iter()
            .map(support_center_doc),
    );
    let meeting_bodies: BTreeSet<i32> = meeting_rows
        .iter()
        .map(|m| m.body_id)
        .filter(|id| !body_ids.contains(id))
        .collect();
    let mut body_names: HashMap<i32, String> = body_rows
        .iter()
        .map(|b| (b.id, b.name_ja.clone()))
        .collect();
    for b in by_ids::<bodies::Entity>(db, bodies::Column::Id, &meeting_bodies).await? {
        body_names.insert(b.id, b.name_ja);
    }
    docs.extend(body_rows.into_iter().map(body_doc));
    docs.extend(meeting_docs(db, meeting_rows, &body_names).await?);
    insert_docs(db, code, &docs).await
}

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
