//! The search documents: one per searchable record, built from the record's own text and
//! rebuilt in the transaction that writes it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use entity::{
    activities, agenda_items, bodies, indicators, meetings, ordinance_articles, ordinances,
    plan_items, plan_sections, plans, programs, search_documents, support_centers,
};

fn join(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A list column as one searchable line; a column that does not decode indexes as nothing
/// rather than failing the write that re-indexes it.
fn json_list(text: &str) -> String {
    crate::domain::json_list::decode::<String>(text)
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
