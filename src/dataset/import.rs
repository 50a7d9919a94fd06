//! Loads a validated [`Dataset`] into the database in one transaction.
//!
//! Importing a municipality replaces everything the hub holds for it: its row is deleted (the
//! foreign keys cascade to every record that hangs off it) and written anew. That makes a
//! re-import idempotent — no duplicates, no orphans — and lets a city's file be the single
//! place its data is edited. If anything fails, the transaction rolls back and the database is
//! as it was.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};

use crate::dataset::Dataset;
use crate::dataset::records::{self, MunicipalityFile};
use crate::domain::codes;
use crate::domain::fiscal_year;
use crate::domain::json_list;
use crate::domain::{DateKind, IndicatorValueKind, ManagementModel, ProposalStage, SchedulePhase};
use entity::*;

/// What an import wrote, for the command's summary line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// Metrics written, those lent by the bundled catalogue included.
    pub metrics: usize,
    /// Metrics taken from the bundled `data/metrics.yaml` because the cities named codes the
    /// database lacked and the import brought no catalogue.
    pub metrics_from_bundle: usize,
    pub regions: usize,
    pub municipalities: Vec<String>,
}

/// Writes `ds` in one transaction.
pub async fn import(db: &DatabaseConnection, ds: &Dataset) -> anyhow::Result<ImportSummary> {
    let txn = db.begin().await?;
    let mut summary = ImportSummary::default();
    if let Some(m) = &ds.metrics {
        for metric in &m.metrics {
            write_metric(&txn, metric).await?;
        }
        summary.metrics = m.metrics.len();
    } else if !ds.municipalities.is_empty() {
        let bundled = Dataset::bundled_metrics().context("the bundled metrics.yaml is invalid")?;
        let lent = borrow_catalogue(&txn, ds, &bundled).await?;
        for metric in &lent {
            write_metric(&txn, metric).await?;
        }
        summary.metrics = lent.len();
        summary.metrics_from_bundle = lent.len();
    }
    for (file, m) in &ds.municipalities {
        let replaced = municipalities::Entity::find_by_id(m.municipality.code.clone())
            .one(&txn)
            .await?
            .is_some();
        write_municipality(&txn, m)
            .await
            .with_context(|| format!("{file}: cannot be written"))?;
        audit_import(&txn, file, m, replaced).await?;
        summary.municipalities.push(m.municipality.slug.clone());
    }
    if let Some(r) = &ds.regions {
        write_regions(&txn, r)
            .await
            .context("regions.yaml: cannot be written")?;
        summary.regions = r.regions.len();
    }
    crate::cache::bump_generation(&txn).await?;
    txn.commit().await?;
    // PostgreSQL plans from statistics; right after a large import it has none until
    // autovacuum comes round (if it runs at all), and the load benchmark measured nested
    // queries 4× slower in that state. SQLite plans from its indexes alone.
    // Only the hub's own tables: a database-wide ANALYZE run by the role that owns the
    // database (the production setup in docs/operations.md) logs a warning for every system
    // catalogue it may not analyse.
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let tables: Vec<String> = db
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT quote_ident(tablename) AS name FROM pg_tables \
                 WHERE schemaname = current_schema() AND tableowner = current_user",
            ))
            .await?
            .iter()
            .filter_map(|row| row.try_get::<String>("", "name").ok())
            .collect();
        if !tables.is_empty() {
            db.execute_unprepared(&format!("ANALYZE {}", tables.join(", ")))
                .await?;
        }
    }
    Ok(summary)
}

/// A city's file imported on its own names metric codes but brings no catalogue: they must be
/// in the database, or they are taken from the bundled catalogue (all of it when the database
/// has none, as on a fresh one). Checks the files against that catalogue before anything is
/// written and returns the bundled metrics to write; a code found in neither is refused,
/// naming the file, record and field and what to import first.
async fn borrow_catalogue<'a>(
    db: &impl ConnectionTrait,
    ds: &Dataset,
    bundled: &'a records::MetricsFile,
) -> anyhow::Result<Vec<&'a records::MetricRecord>> {
    let stored: Vec<(String, crate::domain::Unit)> = metrics::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| Some((m.code, m.unit.parse().ok()?)))
        .collect();
    let needed = ds.metric_codes();
    let mut catalogue: HashMap<&str, crate::domain::Unit> =
        stored.iter().map(|(c, u)| (c.as_str(), *u)).collect();
    let lent: Vec<&records::MetricRecord> = bundled
        .metrics
        .iter()
        .filter(|m| {
            !catalogue.contains_key(m.code.as_str())
                && (stored.is_empty() || needed.contains(m.code.as_str()))
        })
        .collect();
    for m in &lent {
        catalogue.insert(m.code.as_str(), m.unit);
    }
    ds.check_metrics(
        &catalogue,
        "neither the database nor the bundled data/metrics.yaml has it: import a metrics.yaml that defines it first, or in the same import",
    )?;
    Ok(lent)
}

/// Records in the audit trail that a whole municipality was written from a file: edits made
/// through the API before are replaced, and the trail must say when and by what.
async fn audit_import(
    db: &impl ConnectionTrait,
    file: &str,
    m: &records::MunicipalityFile,
    replaced: bool,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let code = &m.municipality.code;
    entity::changes::ActiveModel {
        id: NotSet,
        at: Set(now),
        token_id: Set(None),
        actor: Set("kyodo-hub import".to_owned()),
        actor_role: Set("CLI".to_owned()),
        actor_municipality_code: Set(None),
        municipality_code: Set(code.clone()),
        entity: Set("Municipality".to_owned()),
        record_id: Set(code.parse().with_context(|| format!("{file}: code {code:?}"))?),
        operation: Set(crate::domain::ChangeOperation::Import.as_str().to_owned()),
        before: Set(None),
        after: Set(Some(
            serde_json::json!({ "file": file, "nameJa": m.municipality.name_ja, "replaced": replaced })
                .to_string(),
        )),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Fills an empty database with the bundled dataset; leaves a filled one alone. Returns whether
/// it loaded anything.
pub async fn load_bundled_if_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
    if municipalities::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let ds = Dataset::bundled().context("the bundled dataset is invalid")?;
    import(db, &ds).await?;
    Ok(true)
}

async fn write_metric(db: &impl ConnectionTrait, m: &records::MetricRecord) -> anyhow::Result<()> {
    let now = Utc::now();
    let existing = metrics::Entity::find_by_id(m.code.clone()).one(db).await?;
    let mut model = metrics::ActiveModel {
        code: Set(m.code.clone()),
        name_ja: Set(m.name_ja.clone()),
        name_en: Set(m.name_en.clone()),
        unit: Set(m.unit.as_str().to_owned()),
        description: Set(m.description.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    match existing {
        Some(old) => {
            model.created_at = Set(old.created_at);
            model.update(db).await?;
        }
        None => {
            model.insert(db).await?;
        }
    }
    Ok(())
}

async fn write_regions(
    db: &impl ConnectionTrait,
    file: &records::RegionsFile,
) -> anyhow::Result<()> {
    // A regions file replaces the regions it names and leaves the others, so a synthetic set
    // can be imported beside the real one.
    regions::Entity::delete_many()
        .filter(regions::Column::Slug.is_in(file.regions.iter().map(|r| r.slug.clone())))
        .exec(db)
        .await?;
    let now = Utc::now();
    for r in &file.regions {
        let source_code = match &r.source {
            Some(s) => {
                let m = municipalities::Entity::find()
                    .filter(municipalities::Column::Slug.eq(&s.municipality))
                    .one(db)
                    .await?
                    .with_context(|| {
                        format!(
                            "region {:?}: source names municipality {:?}, which is not in the hub",
                            r.slug, s.municipality
                        )
                    })?;
                let found = sources::Entity::find()
                    .filter(sources::Column::MunicipalityCode.eq(&m.code))
                    .filter(sources::Column::Key.eq(&s.id))
                    .one(db)
                    .await?;
                if found.is_none() {
                    anyhow::bail!(
                        "region {:?}: {} has no source {:?}",
                        r.slug,
                        s.municipality,
                        s.id
                    );
                }
                Some(m.code)
            }
            None => None,
        };
        let region = regions::ActiveModel {
            id: NotSet,
            slug: Set(r.slug.clone()),
            name_ja: Set(r.name_ja.clone()),
            name_en: Set(r.name_en.clone()),
            kind: Set(r.kind.as_str().to_owned()),
            description: Set(r.description.clone()),
            note: Set(r.note.clone()),
            source_municipality_code: Set(source_code),
            source_key: Set(r.source.as_ref().map(|s| s.id.clone())),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        let mut batch = Vec::new();
        for (position, m) in r.members.iter().enumerate() {
            batch.push(region_members::ActiveModel {
                id: NotSet,
                region_id: Set(region.id),
                member_code: Set(m.code.clone()),
                name_ja: Set(m.name_ja.clone()),
                name_en: Set(m.name_en.clone()),
                position: Set(pos(position)),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        insert_all(db, batch).await?;
    }
    Ok(())
}

/// Inserts rows in chunks: a round trip per chunk instead of per row, and never more bound
/// parameters in one statement than SQLite allows.
async fn insert_all<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), sea_orm::DbErr>
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send + Clone,
{
    for chunk in rows.chunks(200) {
        <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

fn pos(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

async fn write_municipality(db: &impl ConnectionTrait, m: &MunicipalityFile) -> anyhow::Result<()> {
    let now = Utc::now();
    let rec = &m.municipality;
    let code = rec.code.clone();
    let prefecture = codes::validate_municipality_code(&code).map_err(anyhow::Error::msg)?;
    // Deleted explicitly rather than by the cascade, so that SQLite's full-text triggers see it.
    search_documents::Entity::delete_many()
        .filter(search_documents::Column::MunicipalityCode.eq(&code))
        .exec(db)
        .await?;
    municipalities::Entity::delete_by_id(code.clone())
        .exec(db)
        .await?;
    // A slug may move to a new code only if the old holder is gone; say so rather than fail on
    // the unique index.
    if let Some(other) = municipalities::Entity::find()
        .filter(municipalities::Column::Slug.eq(&rec.slug))
        .one(db)
        .await?
    {
        anyhow::bail!(
            "slug {:?} already belongs to municipality {}",
            rec.slug,
            other.code
        );
    }
    municipalities::ActiveModel {
        code: Set(code.clone()),
        slug: Set(rec.slug.clone()),
        name_ja: Set(rec.name_ja.clone()),
        name_en: Set(rec.name_en.clone()),
        name_kana: Set(rec.name_kana.clone()),
        prefecture_code: Set(prefecture.code.to_owned()),
        population: Set(rec.population.map(|c| c.0)),
        population_year: Set(rec.population_year),
        population_source_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;

    let mut source_ids: HashMap<&str, i32> = HashMap::new();
    for s in &m.sources {
        let row = sources::ActiveModel {
            id: NotSet,
            municipality_code: Set(code.clone()),
            key: Set(s.id.clone()),
            title: Set(s.title.clone()),
            publisher: Set(s.publisher.clone()),
            published: Set(s.published.as_ref().map(|d| d.0.clone())),
            url: Set(s.url.clone()),
            document: Set(s.document.clone()),
            note: Set(s.note.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        source_ids.insert(s.id.as_str(), row.id);
    }
    // Records without `source:` cite the file's first source (validation guarantees one).
    let default_source = m
        .sources
        .first()
        .and_then(|s| source_ids.get(s.id.as_str()).copied());
    let source_of = |key: &Option<String>| -> Option<i32> {
        match key {
            Some(k) => source_ids.get(k.as_str()).copied(),
            None => default_source,
        }
    };
    if let Some(key) = &rec.population_source {
        let mut row: municipalities::ActiveModel = municipalities::Entity::find_by_id(code.clone())
            .one(db)
            .await?
            .context("municipality vanished mid-import")?
            .into();
        row.population_source_id = Set(source_ids.get(key.as_str()).copied());
        row.update(db).await?;
    }

    for (i, o) in m.ordinances.iter().enumerate() {
        let ordinance = ordinances::ActiveModel {
            id: NotSet,
            municipality_code: Set(code.clone()),
            title: Set(o.title.clone()),
            enacted: Set(o.enacted.as_ref().map(|d| d.0.clone())),
            note: Set(o.note.clone()),
            source_id: Set(source_of(&o.source)),
            position: Set(pos(i)),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        let mut batch = Vec::new();
        for (j, a) in o.articles.iter().enumerate() {
            batch.push(ordinance_articles::ActiveModel {
                id: NotSet,
                ordinance_id: Set(ordinance.id),
                number: Set(a.number.0),
                chapter: Set(a.chapter.clone()),
                heading: Set(a.heading.clone()),
                text: Set(a.text.clone()),
                commentary: Set(a.commentary.clone()),
                position: Set(pos(j)),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        insert_all(db, batch).await?;
    }

    for (i, p) in m.plans.iter().enumerate() {
        write_plan(db, &code, i, p, source_of(&p.source), &source_of).await?;
    }

    let mut batch = Vec::new();
    for o in &m.observations {
        batch.push(observations::ActiveModel {
            id: NotSet,
            municipality_code: Set(code.clone()),
            metric_code: Set(o.metric.clone()),
            fiscal_year: Set(o.fiscal_year.0),
            value: Set(o.value.0),
            approximate: Set(o.approximate),
            label_ja: Set(o.label_ja.clone()),
            note: Set(o.note.clone()),
            source_id: Set(source_of(&o.source)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    insert_all(db, batch).await?;

    for (i, p) in m.programs.iter().enumerate() {
        let program = programs::ActiveModel {
            id: NotSet,
            municipality_code: Set(code.clone()),
            key: Set(p.id.clone()),
            kind: Set(p.kind.as_str().to_owned()),
            title: Set(p.title.clone()),
            organizer: Set(p.organizer.clone()),
            department: Set(p.department.clone()),
            started_fiscal_year: Set(p.started_fiscal_year.map(|y| y.0)),
            description: Set(p.description.clone()),
            url: Set(p.url.clone()),
            note: Set(p.note.clone()),
            source_id: Set(source_of(&p.source)),
            position: Set(pos(i)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        let mut batch = Vec::new();
        for (j, a) in p.activities.iter().enumerate() {
            let fiscal_year = fiscal_year::resolve(a.fiscal_year.map(|y| y.0), a.date.as_ref())
                .map_err(anyhow::Error::msg)?;
            batch.push(activities::ActiveModel {
                id: NotSet,
                program_id: Set(program.id),
                title: Set(a.title.clone()),
                date: Set(a.date.as_ref().map(|d| d.0.clone())),
                date_end: Set(a.date_end.as_ref().map(|d| d.0.clone())),
                fiscal_year: Set(fiscal_year),
                fiscal_year_to: Set(a.fiscal_year_to.map_or(fiscal_year, |y| y.0)),
                label_ja: Set(a.label_ja.clone()),
                sessions: Set(a.sessions.map(|c| c.0)),
                participants: Set(a.participants.map(|c| c.0)),
                approximate: Set(a.approximate),
                audience: Set(a.audience.clone()),
                topic: Set(a.topic.clone()),
                department: Set(a.department.clone()),
                venue: Set(a.venue.clone()),
                speakers: Set(json_list::encode(&a.speakers)),
                note: Set(a.note.clone()),
                position: Set(pos(j)),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        insert_all(db, batch).await?;
        let mut batch = Vec::new();
        for (j, pr) in p.proposals.iter().enumerate() {
            batch.push(proposals::ActiveModel {
                id: NotSet,
                program_id: Set(program.id),
                fiscal_year: Set(pr.fiscal_year.0),
                track: Set(pr.track.as_str().to_owned()),
                title: Set(pr.title.clone()),
                count: Set(pr.count.map_or(1, |c| c.0)),
                stage: Set(pr
                    .stage
                    .unwrap_or(ProposalStage::Unknown)
                    .as_str()
                    .to_owned()),
                note: Set(pr.note.clone()),
                position: Set(pos(j)),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        insert_all(db, batch).await?;
    }

    let mut body_ids: HashMap<&str, i32> = HashMap::new();
    for (i, b) in m.bodies.iter().enumerate() {
        let body = bodies::ActiveModel {
            id: NotSet,
            municipality_code: Set(code.clone()),
            key: Set(b.id.clone()),
            kind: Set(b.kind.as_str().to_owned()),
            name_ja: Set(b.name_ja.clone()),
            name_en: Set(b.name_en.clone()),
            parent_id: Set(None),
            composition: Set(b.composition.clone()),
            role: Set(b.role.clone()),
            duties: Set(json_list::encode(&b.duties)),
            note: Set(b.note.clone()),
            source_id: Set(source_of(&b.source)),
            position: Set(pos(i)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        body_ids.insert(b.id.as_str(), body.id);
        let mut batch = Vec::new();
        for y in &b.yearly {
            batch.push(body_years::ActiveModel {
                id: NotSet,
                body_id: Set(body.id),
                fiscal_year: Set(y.fiscal_year.0),
                meetings_held: Set(y.meetings_held.map(|c| c.0)),
                note: Set(y.note.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        insert_all(db, batch).await?;
        for (j, mt) in b.meetings.iter().enumerate() {
            let fiscal_year = fiscal_year::resolve(mt.fiscal_year.map(|y| y.0), mt.date.as_ref())
                .map_err(anyhow::Error::msg)?;
            let meeting = meetings::ActiveModel {
                id: NotSet,
                body_id: Set(body.id),
                municipality_code: Set(code.clone()),
                number: Set(mt.number.map(|c| c.0)),
                date: Set(mt.date.as_ref().map(|d| d.0.clone())),
                fiscal_year: Set(fiscal_year),
                date_kind: Set(mt
                    .date_kind
                    .unwrap_or_else(|| DateKind::from_wording(mt.date_note.as_deref()))
                    .as_str()
                    .to_owned()),
                date_note: Set(mt.date_note.clone()),
                format: Set(mt.format.as_str().to_owned()),
                note: Set(mt.note.clone()),
                position: Set(pos(j)),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
            let mut batch = Vec::new();
            for (k, text) in mt.agenda.iter().enumerate() {
                batch.push(agenda_items::ActiveModel {
                    id: NotSet,
                    meeting_id: Set(meeting.id),
                    text: Set(text.clone()),
                    position: Set(pos(k)),
                    created_at: Set(now),
                    updated_at: Set(now),
                });
            }
            insert_all(db, batch).await?;
        }
    }
    // Parents are linked once every body of the file has its id.
    for b in &m.bodies {
        if let (Some(parent), Some(id)) = (&b.parent, body_ids.get(b.id.as_str())) {
            bodies::ActiveModel {
                id: Set(*id),
                parent_id: Set(body_ids.get(parent.as_str()).copied()),
                ..Default::default()
            }
            .update(db)
            .await?;
        }
    }

    for (i, c) in m.support_centers.iter().enumerate() {
        support_centers::ActiveModel {
            id: NotSet,
            municipality_code: Set(code.clone()),
            key: Set(c.id.clone()),
            name_ja: Set(c.name_ja.clone()),
            name_en: Set(c.name_en.clone()),
            opened: Set(c.opened.as_ref().map(|d| d.0.clone())),
            operator: Set(c.operator.clone()),
            management_model: Set(c
                .management_model
                .unwrap_or(ManagementModel::Unknown)
                .as_str()
                .to_owned()),
            management_since_fiscal_year: Set(c.management_since_fiscal_year.map(|y| y.0)),
            services: Set(c.services.clone()),
            note: Set(c.note.clone()),
            source_id: Set(source_of(&c.source)),
            position: Set(pos(i)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    crate::read::search::index::reindex_municipality(db, &code).await?;
    crate::read::latest::refresh(db, &std::collections::BTreeSet::from([code])).await?;
    Ok(())
}

async fn write_plan(
    db: &impl ConnectionTrait,
    code: &str,
    position: usize,
    p: &records::PlanRecord,
    source_id: Option<i32>,
    source_of: &impl Fn(&Option<String>) -> Option<i32>,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let plan = plans::ActiveModel {
        id: NotSet,
        municipality_code: Set(code.to_owned()),
        key: Set(p.id.clone()),
        title: Set(p.title.clone()),
        subtitle: Set(p.subtitle.clone()),
        published: Set(p.published.as_ref().map(|d| d.0.clone())),
        period_start: Set(p.period_start.map(|y| y.0)),
        period_end: Set(p.period_end.map(|y| y.0)),
        action_plan_start: Set(p.action_plan_start.map(|y| y.0)),
        action_plan_end: Set(p.action_plan_end.map(|y| y.0)),
        schedule_start: Set(p.schedule_start.map(|y| y.0)),
        schedule_end: Set(p.schedule_end.map(|y| y.0)),
        note: Set(p.note.clone()),
        source_id: Set(source_id),
        position: Set(pos(position)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    let mut batch = Vec::new();
    for (i, s) in p.sections.iter().enumerate() {
        batch.push(plan_sections::ActiveModel {
            id: NotSet,
            plan_id: Set(plan.id),
            kind: Set(s.kind.as_str().to_owned()),
            number: Set(s.number.clone()),
            heading: Set(s.heading.clone()),
            body: Set(s.body.clone()),
            position: Set(pos(i)),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    insert_all(db, batch).await?;
    let mut item_ids: HashMap<&str, i32> = HashMap::new();
    let mut policy_ids: HashMap<&str, i32> = HashMap::new();
    for (pi, policy) in p.policies.iter().enumerate() {
        let policy_row = policies::ActiveModel {
            id: NotSet,
            plan_id: Set(plan.id),
            label: Set(policy.label.clone()),
            title: Set(policy.title.clone()),
            position: Set(pos(pi)),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        policy_ids.insert(policy.label.as_str(), policy_row.id);
        let mut batch = Vec::new();
        for (ri, role) in policy.roles.iter().enumerate() {
            batch.push(policy_roles::ActiveModel {
                id: NotSet,
                policy_id: Set(policy_row.id),
                actor_ja: Set(role.actor_ja.clone()),
                actors: Set(json_list::encode(&role.actors)),
                items: Set(json_list::encode(&role.items)),
                position: Set(pos(ri)),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        insert_all(db, batch).await?;
        for (mi, measure) in policy.measures.iter().enumerate() {
            let measure_row = measures::ActiveModel {
                id: NotSet,
                policy_id: Set(policy_row.id),
                label: Set(measure.label.clone()),
                title: Set(measure.title.clone()),
                position: Set(pos(mi)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
            for (ii, item) in measure.items.iter().enumerate() {
                let item_row = plan_items::ActiveModel {
                    id: NotSet,
                    measure_id: Set(measure_row.id),
                    plan_id: Set(plan.id),
                    label: Set(item.label.clone()),
                    title: Set(item.title.clone()),
                    tags: Set(json_list::encode(&item.tags)),
                    repost_of_id: Set(None),
                    departments: Set(json_list::encode(&item.departments)),
                    implementers_ja: Set(item.implementers_ja.clone()),
                    implementers: Set(json_list::encode(&item.implementers)),
                    targets: Set(json_list::encode(&item.targets)),
                    targets_note: Set(item.targets_note.clone()),
                    purpose: Set(item.purpose.clone()),
                    current_state: Set(item.current_state.clone()),
                    content: Set(item.content.clone()),
                    completion_criterion: Set(item.completion_criterion.clone()),
                    note: Set(item.note.clone()),
                    position: Set(pos(ii)),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(db)
                .await?;
                item_ids.insert(item.label.as_str(), item_row.id);
                let mut batch = Vec::new();
                for (si, s) in item.schedule.iter().enumerate() {
                    batch.push(schedule_entries::ActiveModel {
                        id: NotSet,
                        item_id: Set(item_row.id),
                        fiscal_year: Set(s.fiscal_year.0),
                        phase: Set(SchedulePhase::from_label(&s.label_ja).as_str().to_owned()),
                        phases: Set(json_list::encode(&SchedulePhase::list_from_label(
                            &s.label_ja,
                        ))),
                        label_ja: Set(s.label_ja.clone()),
                        position: Set(pos(si)),
                        version: Set(1),
                        created_at: Set(now),
                        updated_at: Set(now),
                    });
                }
                insert_all(db, batch).await?;
            }
        }
    }
    // Reposts point at items that may come later in the plan, so they are linked last.
    for policy in &p.policies {
        for measure in &policy.measures {
            for item in &measure.items {
                if let (Some(target), Some(id)) =
                    (&item.repost_of, item_ids.get(item.label.as_str()))
                {
                    plan_items::ActiveModel {
                        id: Set(*id),
                        repost_of_id: Set(item_ids.get(target.as_str()).copied()),
                        ..Default::default()
                    }
                    .update(db)
                    .await?;
                }
            }
        }
    }
    for (k, ind) in p.indicators.iter().enumerate() {
        let row = indicators::ActiveModel {
            id: NotSet,
            municipality_code: Set(code.to_owned()),
            plan_id: Set(Some(plan.id)),
            policy_id: Set(ind
                .policy
                .as_ref()
                .and_then(|l| policy_ids.get(l.as_str()).copied())),
            key: Set(ind.id.clone()),
            number: Set(ind.number.clone()),
            name: Set(ind.name.clone()),
            unit: Set(ind.unit.as_str().to_owned()),
            metric_code: Set(ind.metric.clone()),
            note: Set(ind.note.clone()),
            source_id: Set(match &ind.source {
                Some(_) => source_of(&ind.source),
                None => source_id,
            }),
            position: Set(pos(k)),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        let values = ind
            .baseline
            .iter()
            .map(|v| (IndicatorValueKind::Baseline, v))
            .chain(ind.targets.iter().map(|v| (IndicatorValueKind::Target, v)))
            .chain(
                ind.observations
                    .iter()
                    .map(|v| (IndicatorValueKind::Observed, v)),
            );
        let mut batch = Vec::new();
        for (vi, (kind, v)) in values.enumerate() {
            batch.push(indicator_values::ActiveModel {
                id: NotSet,
                indicator_id: Set(row.id),
                kind: Set(kind.as_str().to_owned()),
                fiscal_year: Set(v.fiscal_year.0),
                value: Set(v.value.0),
                approximate: Set(v.approximate),
                label_ja: Set(v.label_ja.clone()),
                note: Set(v.note.clone()),
                position: Set(pos(vi)),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        insert_all(db, batch).await?;
    }
    Ok(())
}
