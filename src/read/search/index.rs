//! The search documents: one per searchable record, built from the record's own text and
//! rebuilt in the transaction that writes it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use entity::{
    activities, agenda_items, bodies, body_years, indicator_values, indicators, measures, meetings,
    metrics, municipalities, observations, ordinance_articles, ordinances, plan_items,
    plan_sections, plans, policies, policy_roles, programs, proposals, schedule_entries,
    search_documents, sources, support_centers,
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

/// Groups child rows under their parent's id, keeping the rows' order.
fn grouped<T>(rows: Vec<T>, parent: impl Fn(&T) -> i32) -> HashMap<i32, Vec<T>> {
    let mut out: HashMap<i32, Vec<T>> = HashMap::new();
    for row in rows {
        out.entry(parent(&row)).or_default().push(row);
    }
    out
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
            p.note.as_deref(),
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
            a.label_ja.as_deref(),
            a.note.as_deref(),
        ]),
    }
}

/// A proposal's own title when it has one, else its programme's and year: most proposals are
/// counts of a year's submissions with no title of their own.
fn proposal_doc(p: proposals::Model, program_titles: &HashMap<i32, String>) -> Doc {
    let title = match p.title.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => t.to_owned(),
        _ => format!(
            "{} {}年度",
            program_titles
                .get(&p.program_id)
                .cloned()
                .unwrap_or_default(),
            p.fiscal_year
        ),
    };
    Doc {
        kind: "Proposal",
        record_id: p.id,
        title,
        body: join(&[p.note.as_deref()]),
    }
}

/// A body with the notes of its yearly counts, which the API serves under the body.
fn body_doc(b: bodies::Model, years: &[body_years::Model]) -> Doc {
    let year_notes: Vec<Option<&str>> = years.iter().map(|y| y.note.as_deref()).collect();
    Doc {
        kind: "Body",
        record_id: b.id,
        title: b.name_ja.clone(),
        body: join(&[
            b.name_en.as_deref(),
            b.composition.as_deref(),
            b.role.as_deref(),
            Some(&json_list(&b.duties)),
            b.note.as_deref(),
            Some(&join(&year_notes)),
        ]),
    }
}

async fn body_docs(db: &impl ConnectionTrait, rows: Vec<bodies::Model>) -> Result<Vec<Doc>, DbErr> {
    let ids: BTreeSet<i32> = rows.iter().map(|b| b.id).collect();
    let mut years = grouped(
        by_ids::<body_years::Entity>(db, body_years::Column::BodyId, &ids).await?,
        |y| y.body_id,
    );
    for ys in years.values_mut() {
        ys.sort_by_key(|y| y.fiscal_year);
    }
    Ok(rows
        .into_iter()
        .map(|b| {
            let ys = years.remove(&b.id).unwrap_or_default();
            body_doc(b, &ys)
        })
        .collect())
}

fn support_center_doc(c: support_centers::Model) -> Doc {
    Doc {
        kind: "SupportCenter",
        record_id: c.id,
        title: c.name_ja,
        body: join(&[
            c.name_en.as_deref(),
            c.services.as_deref(),
            c.operator.as_deref(),
            c.note.as_deref(),
        ]),
    }
}

/// An observation titled by its metric's Japanese name and year, since the row itself holds
/// only the city's wording and notes.
fn observation_doc(o: observations::Model, metric_names: &HashMap<String, String>) -> Doc {
    let metric = metric_names
        .get(&o.metric_code)
        .cloned()
        .unwrap_or_else(|| o.metric_code.clone());
    Doc {
        kind: "Observation",
        record_id: o.id,
        title: format!("{metric} {}年度", o.fiscal_year),
        body: join(&[o.label_ja.as_deref(), o.note.as_deref()]),
    }
}

async fn metric_names(db: &impl ConnectionTrait) -> Result<HashMap<String, String>, DbErr> {
    Ok(metrics::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.code, m.name_ja))
        .collect())
}

/// The documents of these meetings: the body's name and the date in the title, the agenda,
/// the wording of the date and the note as the text.
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
            let items = agenda.remove(&m.id).unwrap_or_default().join("\n");
            Doc {
                kind: "Meeting",
                record_id: m.id,
                title: format!("{name} {when}"),
                body: join(&[Some(&items), m.date_note.as_deref(), m.note.as_deref()]),
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
    crate::db::lock_for_transaction(db, crate::db::LockSpace::SearchIndex, code).await
}

/// Raises `code`'s search revision, so that every hub process reloads the city's documents
/// into its index (see [`super::engine`]). Called under [`lock_index`], in the transaction
/// that rewrites them.
async fn bump_revision(db: &impl ConnectionTrait, code: &str) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let placeholder = if backend == DatabaseBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        format!(
            "INSERT INTO search_revisions (municipality_code, generation) VALUES ({placeholder}, 1) \
             ON CONFLICT (municipality_code) DO UPDATE SET generation = search_revisions.generation + 1"
        ),
        [code.into()],
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

/// The plan's own documents and those of everything under it: sections, policies with their
/// role divisions (役割区分), measures, and plan items with their schedule's wording.
async fn plan_docs(db: &impl ConnectionTrait, code: &str) -> Result<Vec<Doc>, DbErr> {
    let mut docs = Vec::new();
    let plan_rows = plans::Entity::find()
        .filter(plans::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?;
    let plan_ids: BTreeSet<i32> = plan_rows.iter().map(|p| p.id).collect();
    for p in plan_rows {
        docs.push(Doc {
            kind: "Plan",
            record_id: p.id,
            title: p.title,
            body: join(&[p.subtitle.as_deref(), p.note.as_deref()]),
        });
    }
    let policy_rows = by_ids::<policies::Entity>(db, policies::Column::PlanId, &plan_ids).await?;
    let policy_ids: BTreeSet<i32> = policy_rows.iter().map(|p| p.id).collect();
    let mut roles = grouped(
        by_ids::<policy_roles::Entity>(db, policy_roles::Column::PolicyId, &policy_ids).await?,
        |r| r.policy_id,
    );
    for p in policy_rows {
        let mut rs = roles.remove(&p.id).unwrap_or_default();
        rs.sort_by_key(|r| r.position);
        let lines: Vec<String> = rs
            .iter()
            .map(|r| format!("{}：{}", r.actor_ja, json_list(&r.items)))
            .collect();
        docs.push(Doc {
            kind: "Policy",
            record_id: p.id,
            title: format!("{} {}", p.label, p.title),
            body: lines.join("\n"),
        });
    }
    for m in by_ids::<measures::Entity>(db, measures::Column::PolicyId, &policy_ids).await? {
        docs.push(Doc {
            kind: "Measure",
            record_id: m.id,
            title: format!("{} {}", m.label, m.title),
            body: String::new(),
        });
    }
    let item_rows = by_ids::<plan_items::Entity>(db, plan_items::Column::PlanId, &plan_ids).await?;
    let item_ids: BTreeSet<i32> = item_rows.iter().map(|i| i.id).collect();
    let mut schedule = grouped(
        by_ids::<schedule_entries::Entity>(db, schedule_entries::Column::ItemId, &item_ids).await?,
        |e| e.item_id,
    );
    for item in item_rows {
        let mut cells = schedule.remove(&item.id).unwrap_or_default();
        cells.sort_by_key(|e| (e.fiscal_year, e.position));
        let cells: Vec<&str> = cells.iter().map(|e| e.label_ja.as_str()).collect();
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
                item.implementers_ja.as_deref(),
                Some(&json_list(&item.tags)),
                item.targets_note.as_deref(),
                item.note.as_deref(),
                Some(&cells.join("・")),
            ]),
        });
    }
    for s in by_ids::<plan_sections::Entity>(db, plan_sections::Column::PlanId, &plan_ids).await? {
        docs.push(Doc {
            kind: "PlanSection",
            record_id: s.id,
            title: s.heading.clone(),
            body: join(&[Some(&s.body), s.number.as_deref()]),
        });
    }
    Ok(docs)
}

/// Ordinances under their own titles and notes (an ordinance may have no articles), and each
/// article under its ordinance's title.
async fn ordinance_docs(db: &impl ConnectionTrait, code: &str) -> Result<Vec<Doc>, DbErr> {
    let mut docs = Vec::new();
    let ordinance_rows = ordinances::Entity::find()
        .filter(ordinances::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?;
    let ids: BTreeSet<i32> = ordinance_rows.iter().map(|o| o.id).collect();
    let titles: HashMap<i32, String> = ordinance_rows
        .iter()
        .map(|o| (o.id, o.title.clone()))
        .collect();
    for o in ordinance_rows {
        docs.push(Doc {
            kind: "Ordinance",
            record_id: o.id,
            title: o.title,
            body: join(&[o.note.as_deref()]),
        });
    }
    for a in by_ids::<ordinance_articles::Entity>(db, ordinance_articles::Column::OrdinanceId, &ids)
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
            body: join(&[a.chapter.as_deref(), Some(&a.text), a.commentary.as_deref()]),
        });
    }
    Ok(docs)
}

/// Indicators with their notes and the wording and notes of their values, which the API
/// serves under the indicator.
async fn indicator_docs(db: &impl ConnectionTrait, code: &str) -> Result<Vec<Doc>, DbErr> {
    let rows = indicators::Entity::find()
        .filter(indicators::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?;
    let ids: BTreeSet<i32> = rows.iter().map(|i| i.id).collect();
    let mut values = grouped(
        by_ids::<indicator_values::Entity>(db, indicator_values::Column::IndicatorId, &ids).await?,
        |v| v.indicator_id,
    );
    Ok(rows
        .into_iter()
        .map(|i| {
            let mut vs = values.remove(&i.id).unwrap_or_default();
            vs.sort_by_key(|v| (v.fiscal_year, v.position));
            let mut parts = vec![i.number.as_deref(), i.note.as_deref()];
            for v in &vs {
                parts.push(v.label_ja.as_deref());
                parts.push(v.note.as_deref());
            }
            Doc {
                kind: "Indicator",
                record_id: i.id,
                title: i.name.clone(),
                body: join(&parts),
            }
        })
        .collect())
}

/// Rebuilds the search documents of one municipality from its records.
pub async fn reindex_municipality(db: &impl ConnectionTrait, code: &str) -> Result<(), DbErr> {
    lock_index(db, code).await?;
    bump_revision(db, code).await?;
    search_documents::Entity::delete_many()
        .filter(search_documents::Column::MunicipalityCode.eq(code))
        .exec(db)
        .await?;
    let mut docs: Vec<Doc> = Vec::new();

    // A city's key is its code, six digits (validated on import), which is also a number
    // unique among cities, as the index's (kind, record_id) key needs.
    if let (Some(m), Ok(record_id)) = (
        municipalities::Entity::find_by_id(code.to_owned())
            .one(db)
            .await?,
        code.parse::<i32>(),
    ) {
        docs.push(Doc {
            kind: "Municipality",
            record_id,
            title: m.name_ja,
            body: join(&[m.name_kana.as_deref(), Some(&m.name_en)]),
        });
    }
    for s in sources::Entity::find()
        .filter(sources::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?
    {
        docs.push(Doc {
            kind: "Source",
            record_id: s.id,
            title: s.title,
            body: join(&[
                s.publisher.as_deref(),
                s.document.as_deref(),
                s.note.as_deref(),
            ]),
        });
    }
    docs.extend(plan_docs(db, code).await?);
    docs.extend(ordinance_docs(db, code).await?);
    docs.extend(indicator_docs(db, code).await?);

    let progs = programs::Entity::find()
        .filter(programs::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?;
    let program_ids: BTreeSet<i32> = progs.iter().map(|p| p.id).collect();
    let program_titles: HashMap<i32, String> =
        progs.iter().map(|p| (p.id, p.title.clone())).collect();
    for a in by_ids::<activities::Entity>(db, activities::Column::ProgramId, &program_ids).await? {
        docs.push(activity_doc(a));
    }
    for p in by_ids::<proposals::Entity>(db, proposals::Column::ProgramId, &program_ids).await? {
        docs.push(proposal_doc(p, &program_titles));
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
    docs.extend(body_docs(db, body_rows).await?);
    let meeting_rows = meetings::Entity::find()
        .filter(meetings::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?;
    docs.extend(meeting_docs(db, meeting_rows, &body_names).await?);

    for c in support_centers::Entity::find()
        .filter(support_centers::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?
    {
        docs.push(support_center_doc(c));
    }
    let observation_rows = observations::Entity::find()
        .filter(observations::Column::MunicipalityCode.eq(code))
        .all(db)
        .await?;
    if !observation_rows.is_empty() {
        let names = metric_names(db).await?;
        docs.extend(
            observation_rows
                .into_iter()
                .map(|o| observation_doc(o, &names)),
        );
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
/// A body's name is in the titles of its meetings, so a body brings its meetings along; a
/// programme's title is in the titles of its untitled proposals, so it brings its proposals.
/// A record whose text sits in another record's document (an indicator value, a schedule
/// entry) or a kind the API does not write rebuilds the whole city.
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
            "Program"
                | "Activity"
                | "Proposal"
                | "Body"
                | "Meeting"
                | "SupportCenter"
                | "Observation"
        ) {
            return reindex_municipality(db, code).await;
        }
        ids.entry(kind).or_default().insert(*id);
    }
    lock_index(db, code).await?;
    bump_revision(db, code).await?;
    let mut of = |kind: &str| ids.remove(kind).unwrap_or_default();
    let (program_ids, activity_ids, support_center_ids, observation_ids) = (
        of("Program"),
        of("Activity"),
        of("SupportCenter"),
        of("Observation"),
    );
    let (body_ids, mut meeting_ids, mut proposal_ids) = (of("Body"), of("Meeting"), of("Proposal"));
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
    let mut proposal_rows =
        by_ids::<proposals::Entity>(db, proposals::Column::Id, &proposal_ids).await?;
    proposal_rows.extend(
        by_ids::<proposals::Entity>(db, proposals::Column::ProgramId, &program_ids)
            .await?
            .into_iter()
            .filter(|p| !proposal_ids.contains(&p.id)),
    );
    proposal_ids.extend(proposal_rows.iter().map(|p| p.id));

    for (kind, set) in [
        ("Program", &program_ids),
        ("Activity", &activity_ids),
        ("Proposal", &proposal_ids),
        ("SupportCenter", &support_center_ids),
        ("Observation", &observation_ids),
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
    let program_rows = by_ids::<programs::Entity>(db, programs::Column::Id, &program_ids).await?;
    let proposal_programs: BTreeSet<i32> = proposal_rows.iter().map(|p| p.program_id).collect();
    let program_titles: HashMap<i32, String> =
        by_ids::<programs::Entity>(db, programs::Column::Id, &proposal_programs)
            .await?
            .into_iter()
            .map(|p| (p.id, p.title))
            .collect();
    docs.extend(
        proposal_rows
            .into_iter()
            .map(|p| proposal_doc(p, &program_titles)),
    );
    docs.extend(program_rows.into_iter().map(program_doc));
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
    let observation_rows =
        by_ids::<observations::Entity>(db, observations::Column::Id, &observation_ids).await?;
    if !observation_rows.is_empty() {
        let names = metric_names(db).await?;
        docs.extend(
            observation_rows
                .into_iter()
                .map(|o| observation_doc(o, &names)),
        );
    }
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
    docs.extend(body_docs(db, body_rows).await?);
    docs.extend(meeting_docs(db, meeting_rows, &body_names).await?);
    insert_docs(db, code, &docs).await
}
