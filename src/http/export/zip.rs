//! `/export/dataset.zip`, the bulk download open-data users expect: every table of the hub as
//! CSV (the writer of the other exports: UTF-8 with BOM, CRLF), the YAML files the hub was
//! filled from, and a README in Japanese and English naming each file's columns, the terms of
//! reuse, and when and from which hub the archive was made.
//!
//! Tables are read generically through each sea-orm entity (its columns in declaration order,
//! rows by primary key), so a column added to an entity appears in the archive without a
//! change here. Left out: API tokens (secret hashes), the audit trail (who edited what, a
//! token's own business) and the search index (derived from the tables).

use std::fmt::Write as _;
use std::io::Write as _;

use sea_orm::sea_query::ColumnType;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, IdenStatic, Iterable, PrimaryKeyToColumn,
    QueryOrder,
};
use serde_json::Value;

use super::table::{Cell, Table};
use crate::error::AppError;

/// One table as it goes into the archive, with what its README entry says.
struct Dumped {
    file: &'static str,
    about: &'static str,
    /// Each column's name, type word and whether it may be empty.
    columns: Vec<(&'static str, &'static str, bool)>,
    table: Table,
}

/// The type of a column as the README names it.
fn type_word(t: &ColumnType) -> &'static str {
    match t {
        ColumnType::Boolean => "true/false",
        ColumnType::TinyInteger
        | ColumnType::SmallInteger
        | ColumnType::Integer
        | ColumnType::BigInteger
        | ColumnType::TinyUnsigned
        | ColumnType::SmallUnsigned
        | ColumnType::Unsigned
        | ColumnType::BigUnsigned => "integer",
        ColumnType::Float | ColumnType::Double | ColumnType::Decimal(_) => "number",
        ColumnType::Date => "date (YYYY-MM-DD)",
        ColumnType::DateTime | ColumnType::Timestamp | ColumnType::TimestampWithTimeZone => {
            "date-time (UTC)"
        }
        ColumnType::Json | ColumnType::JsonBinary => "JSON",
        _ => "text",
    }
}

/// A JSON value of a row as a CSV cell. Numbers are written exactly as the database holds
/// them (the comparison export rounds to two places for people; this one is data).
fn cell(v: Option<&Value>, t: &ColumnType) -> Cell {
    match v {
        None | Some(Value::Null) => Cell::Empty,
        // SQLite hands booleans back as 0 and 1.
        Some(Value::Number(n)) if matches!(t, ColumnType::Boolean) => {
            Cell::Text((n.as_i64() != Some(0)).to_string())
        }
        Some(Value::Bool(b)) => Cell::Text(b.to_string()),
        Some(Value::Number(n)) => Cell::Text(n.to_string()),
        Some(Value::String(s)) => Cell::Text(s.clone()),
        Some(other) => Cell::Text(other.to_string()),
    }
}

async fn dump<E: EntityTrait>(
    db: &DatabaseConnection,
    file: &'static str,
    about: &'static str,
) -> Result<Dumped, AppError> {
    let columns: Vec<E::Column> = E::Column::iter().collect();
    let mut select = E::find();
    for key in E::PrimaryKey::iter() {
        select = select.order_by_asc(key.into_column());
    }
    let rows = select.into_json().all(db).await.map_err(AppError::from)?;
    let types: Vec<ColumnType> = columns
        .iter()
        .map(|c| c.def().get_column_type().clone())
        .collect();
    let table = Table {
        header: columns.iter().map(|c| c.as_str().to_owned()).collect(),
        rows: rows
            .iter()
            .map(|row| {
                columns
                    .iter()
                    .zip(&types)
                    .map(|(c, t)| cell(row.get(c.as_str()), t))
                    .collect()
            })
            .collect(),
        stem: file.trim_end_matches(".csv").to_owned(),
        sources: Vec::new(),
    };
    Ok(Dumped {
        file,
        about,
        columns: columns
            .iter()
            .zip(&types)
            .map(|(c, t)| (c.as_str(), type_word(t), c.def().is_null()))
            .collect(),
        table,
    })
}

/// Every table, in the order a reader meets them: places, the catalogue, then each city's
/// records from its documents down.
async fn tables(db: &DatabaseConnection) -> Result<Vec<Dumped>, AppError> {
    use entity::*;
    Ok(vec![
        dump::<municipalities::Entity>(db, "municipalities.csv", "市区町村（6桁の地方公共団体コード、人口とその年） / municipalities (6-digit local government code, population and its year)").await?,
        dump::<regions::Entity>(db, "regions.csv", "地域（県、連絡会、連携の枠組み） / regions (prefectures, liaison areas, partnerships)").await?,
        dump::<region_members::Entity>(db, "region_members.csv", "地域の構成自治体（ハブにない自治体も含む） / members of each region, in the hub or not").await?,
        dump::<sources::Entity>(db, "sources.csv", "出典（各レコードの source_id が指す文書） / sources: the documents records cite by source_id").await?,
        dump::<metrics::Entity>(db, "metrics.csv", "共通指標の定義 / the shared metric catalogue").await?,
        dump::<observations::Entity>(db, "observations.csv", "共通指標の年度別の値 / each municipality's value of a metric by fiscal year").await?,
        dump::<ordinances::Entity>(db, "ordinances.csv", "協働に関する条例 / ordinances on collaboration").await?,
        dump::<ordinance_articles::Entity>(db, "ordinance_articles.csv", "条例の条文 / the ordinances' articles").await?,
        dump::<plans::Entity>(db, "plans.csv", "協働推進計画 / collaboration plans").await?,
        dump::<plan_sections::Entity>(db, "plan_sections.csv", "計画の本文の節 / the plans' prose sections").await?,
        dump::<policies::Entity>(db, "policies.csv", "推進方針 / the plans' policies").await?,
        dump::<policy_roles::Entity>(db, "policy_roles.csv", "役割区分 / role divisions under a policy").await?,
        dump::<measures::Entity>(db, "measures.csv", "推進施策 / measures under a policy").await?,
        dump::<plan_items::Entity>(db, "plan_items.csv", "推進項目（【再掲】は repost_of_id） / items under a measure (reposts point to their original)").await?,
        dump::<schedule_entries::Entity>(db, "schedule_entries.csv", "推進項目の年次計画 / each item's plan by fiscal year").await?,
        dump::<indicators::Entity>(db, "indicators.csv", "成果指標 / outcome indicators").await?,
        dump::<indicator_values::Entity>(db, "indicator_values.csv", "成果指標の基準値・目標値・実績値 / indicators' baseline, target and observed values").await?,
        dump::<programs::Entity>(db, "programs.csv", "事業（提案制度、研修、フォーラム等） / programmes (proposal schemes, training, forums …)").await?,
        dump::<activities::Entity>(db, "activities.csv", "事業の開催回（回数、参加者数） / programmes' sessions, courses and events").await?,
        dump::<proposals::Entity>(db, "proposals.csv", "提案制度の提案 / proposals under a proposal scheme").await?,
        dump::<bodies::Entity>(db, "bodies.csv", "推進体制（本部、幹事会、審議会、推進員等） / collaboration bodies").await?,
        dump::<body_years::Entity>(db, "body_years.csv", "推進体制の年度別の開催状況 / how often a body met each fiscal year").await?,
        dump::<meetings::Entity>(db, "meetings.csv", "会議 / meetings of a body").await?,
        dump::<agenda_items::Entity>(db, "agenda_items.csv", "会議の案件 / items on a meeting's agenda").await?,
        dump::<support_centers::Entity>(db, "support_centers.csv", "市民活動支援センター / civic activity support centres").await?,
    ])
}

/// The file a `…_id` column points into, when the archive has one.
fn points_to(column: &str, files: &[&str]) -> Option<String> {
    let stem = column.strip_suffix("_id")?;
    let stem = match stem {
        "repost_of" | "item" => "plan_item",
        "population_source" => "source",
        other => other,
    };
    let plural = match stem.strip_suffix('y') {
        Some(s) => format!("{s}ies"),
        None => format!("{stem}s"),
    };
    let file = format!("{plural}.csv");
    files.contains(&file.as_str()).then_some(file)
}

/// What a column whose meaning its name alone does not tell holds.
fn column_note(file: &str, column: &str, files: &[&str]) -> Option<String> {
    if let Some(file) = points_to(column, files) {
        return Some(format!("→ {file} id"));
    }
    match (file, column) {
        ("municipalities.csv", "code") => {
            return Some("全国地方公共団体コード（検査数字付き6桁、文字列） / local government code, 6 digits with check digit, as text".to_owned());
        }
        ("metrics.csv", "code") => {
            return Some("指標コード（observations.csv の metric_code） / metric code, as observations.csv names it".to_owned());
        }
        _ => {}
    }
    Some(
        match column {
            "id" => "行の番号（この版の中でのみ有効） / row number, valid within this archive",
            "municipality_code" | "member_code" | "actor_municipality_code" => {
                "6桁の地方公共団体コード（文字列、先頭の0も含む） / 6-digit local government code, as text"
            }
            "metric_code" => "→ metrics.csv code",
            "fiscal_year" => "年度（4月始まり、開始年の西暦） / fiscal year, April to March, by its starting year",
            "version" => "更新ごとに1増える版番号 / raised by one on every update",
            "created_at" | "updated_at" => "ハブに記録・更新した日時 / when the hub recorded or last changed the row",
            "approximate" => "約（およその数） / the document gives an approximate figure (約)",
            _ => return None,
        }
        .to_owned(),
    )
}

/// What the archive's README says.
fn readme(dumped: &[Dumped], yaml: &[&str], made_at: &str, backend: &str) -> String {
    let files: Vec<&str> = dumped.iter().map(|d| d.file).collect();
    let mut out = String::new();
    let version = env!("CARGO_PKG_VERSION");
    let _ = write!(
        out,
        "kyodo-hub データセット / dataset\n\
         ================================\n\n\
         作成日時 / Made at: {made_at}\n\
         作成 / Made by: kyodo-hub {version} (GET /export/dataset.zip, {backend})\n\n\
         自治体の協働（市民と行政の協働）に関する公開文書から書き起こしたデータの全件です。\n\
         Every record of the hub: municipalities' citizen-collaboration (協働) documents,\n\
         transcribed so that cities can be compared.\n\n\
         形式 / Format\n\
         -------------\n\
         - tables/*.csv: UTF-8（BOM付き）、CRLF、1行目が列名。空欄は値なし。\n\
         \x20 UTF-8 with a byte-order mark, CRLF line ends, column names in the first row; an empty\n\
         \x20 cell has no value. Codes keep their leading zeros (read them as text).\n\
         - yaml/: ハブを最初に満たしたデータファイル（data/FORMAT.md の形式）。その後の API による\n\
         \x20 更新や `kyodo-hub import` は CSV にのみ反映されています。\n\
         \x20 The dataset files the hub was first filled from (the format of data/FORMAT.md in the\n\
         \x20 kyodo-hub repository), for the municipalities in this hub. Changes made since, through\n\
         \x20 the API or `kyodo-hub import`, are in the CSV files only.\n\n\
         利用条件 / Terms of reuse\n\
         -------------------------\n\
         各レコードは出典（sources.csv: 文書名、発行者、発行日、URL）を示します。数値や事実は各自治体の\n\
         公表資料によるもので、再利用の条件は各出典に従ってください。条例の本文は著作権の目的となりません\n\
         （著作権法第13条）。ハブのプログラムは MIT または Apache-2.0 です。\n\
         Every record names its source (sources.csv: title, publisher, date, URL). The figures\n\
         and facts are those the municipalities published; reuse them on the terms of each\n\
         source. Ordinance texts are not subject to copyright in Japan (Copyright Act, art. 13).\n\
         The hub's software is MIT OR Apache-2.0.\n\n\
         含まないもの / Not included: API tokens, the audit trail of changes, the search index.\n\n\
         ファイルと列 / Files and columns\n\
         --------------------------------\n"
    );
    for d in dumped {
        let _ = write!(
            out,
            "\ntables/{} ({} 行 / rows)\n  {}\n",
            d.file,
            d.table.rows.len(),
            d.about
        );
        for (name, word, nullable) in &d.columns {
            let _ = write!(
                out,
                "  - {name}: {word}{}",
                if *nullable {
                    ", 空欄可 / may be empty"
                } else {
                    ""
                }
            );
            if let Some(note) = column_note(d.file, name, &files) {
                let _ = write!(out, "; {note}");
            }
            out.push('\n');
        }
    }
    if !yaml.is_empty() {
        out.push_str("\nyaml/\n");
        for name in yaml {
            let _ = writeln!(out, "  - {name}");
        }
    }
    out.replace('\n', "\r\n")
}

/// The archive, deflated.
pub async fn archive(db: &DatabaseConnection) -> Result<Vec<u8>, AppError> {
    let dumped = tables(db).await?;
    // The bundled files of the municipalities this hub holds (each file is named by slug),
    // with the catalogue and the regions they were loaded with.
    let slugs: Vec<String> = entity::municipalities::Entity::find()
        .all(db)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|m| m.slug)
        .collect();
    let yaml: Vec<(&str, &str)> = crate::dataset::BUNDLED
        .iter()
        .filter(|(name, _)| match name.strip_prefix("municipalities/") {
            Some(file) => slugs.iter().any(|s| file == format!("{s}.yaml")),
            None => true,
        })
        .copied()
        .collect();
    let now = chrono::Utc::now();
    let backend = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => "PostgreSQL",
        sea_orm::DatabaseBackend::Sqlite => "SQLite",
        _ => "SQL",
    };
    let names: Vec<&str> = yaml.iter().map(|(n, _)| *n).collect();
    let readme = readme(
        &dumped,
        &names,
        &now.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        backend,
    );
    write(&dumped, &yaml, &readme, now)
        .map_err(|e| AppError::internal(anyhow::anyhow!("dataset.zip: {e}")))
}

fn write(
    dumped: &[Dumped],
    yaml: &[(&str, &str)],
    readme: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Vec<u8>> {
    use chrono::{Datelike, Timelike};
    let at = ::zip::DateTime::from_date_and_time(
        u16::try_from(now.year()).unwrap_or(1980),
        u8::try_from(now.month()).unwrap_or(1),
        u8::try_from(now.day()).unwrap_or(1),
        u8::try_from(now.hour()).unwrap_or(0),
        u8::try_from(now.minute()).unwrap_or(0),
        u8::try_from(now.second()).unwrap_or(0),
    )
    .unwrap_or_default();
    let options = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated)
        .last_modified_time(at);
    let mut archive = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    archive.start_file("README.txt", options)?;
    archive.write_all("\u{feff}".as_bytes())?;
    archive.write_all(readme.as_bytes())?;
    for d in dumped {
        archive.start_file(format!("tables/{}", d.file), options)?;
        let csv = super::csv_bytes(&d.table).map_err(|e| anyhow::anyhow!("{}: {e:?}", d.file))?;
        archive.write_all(&csv)?;
    }
    for (name, text) in yaml {
        archive.start_file(format!("yaml/{name}"), options)?;
        archive.write_all(text.as_bytes())?;
    }
    Ok(archive.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::points_to;

    #[test]
    fn id_columns_point_to_their_files() {
        let files = ["plans.csv", "policies.csv", "bodies.csv", "plan_items.csv"];
        assert_eq!(points_to("plan_id", &files).as_deref(), Some("plans.csv"));
        assert_eq!(
            points_to("policy_id", &files).as_deref(),
            Some("policies.csv")
        );
        assert_eq!(points_to("body_id", &files).as_deref(), Some("bodies.csv"));
        assert_eq!(
            points_to("repost_of_id", &files).as_deref(),
            Some("plan_items.csv")
        );
        assert_eq!(
            points_to("item_id", &files).as_deref(),
            Some("plan_items.csv")
        );
        assert_eq!(points_to("region_id", &files), None);
        assert_eq!(points_to("name", &files), None);
    }
}
