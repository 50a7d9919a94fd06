//! The dataset files (`data/`, described in `data/FORMAT.md`) as Rust types, and their
//! validation. Reading is strict: an unknown key, a count written as `約130`, a year that is no
//! year or a reference to a source that does not exist is refused with the file, the record and
//! the field, so that a hand edit cannot put a wrong number into the hub unnoticed.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::codes;
use crate::domain::{
    ActorType, BodyKind, ManagementModel, MeetingFormat, ProgramKind, ProposalStage, ProposalTrack,
    RegionKind, SectionKind, Unit,
};
use crate::fiscal_year;

/// A problem in a dataset file, located as precisely as the file allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetError {
    pub file: String,
    /// e.g. `programs[3].activities[2]`; empty for the whole file
    pub record: String,
    /// e.g. `participants`; empty when the record as a whole is wrong
    pub field: String,
    pub message: String,
}

impl fmt::Display for DatasetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if !self.record.is_empty() {
            write!(f, ": {}", self.record)?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for DatasetError {}

// ---------------------------------------------------------------------------------------------
// Field types whose error messages say what was expected and what was found.

/// A fiscal year: a Western year or any era spelling [`fiscal_year::parse`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Year(pub i32);

impl<'de> Deserialize<'de> for Year {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Year;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a fiscal year such as 2017 or \"H29\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Year, E> {
                fiscal_year::check_year(v).map(Year).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Year, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Year, E> {
                Err(E::custom(format!("expected a fiscal year, got {v}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Year, E> {
                fiscal_year::parse(v).map(Year).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A count of people, sessions or groups: a non-negative integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub i32);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                i32::try_from(v)
                    .ok()
                    .filter(|v| *v >= 0)
                    .map(Count)
                    .ok_or_else(|| E::custom(format!("expected a non-negative integer, got {v}")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(-1))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                Err(E::custom(format!(
                    "expected a non-negative integer, got {v}"
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Count, E> {
                Err(E::custom(format!(
                    "expected a non-negative integer, got {v:?}"
                )))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Count, E> {
                Err(E::custom(format!(
                    "expected a non-negative integer, got {v}"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

/// A measured or target value: any finite number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number(pub f64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                if v.is_finite() {
                    Ok(Number(v))
                } else {
                    Err(E::custom(format!("expected a finite number, got {v}")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
                Err(E::custom(format!("expected a number, got {v:?}")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A date as precise as the document gives it: `2017-09-28`, `2003-11` or `2003`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialDate(pub String);

impl PartialDate {
    /// The full date, when the document gave the day.
    pub fn full(&self) -> Option<chrono::NaiveDate> {
        chrono::NaiveDate::parse_from_str(&self.0, "%Y-%m-%d").ok()
    }

    /// The fiscal year of a full or year-and-month date (January–March belong to the year
    /// before); `None` for a bare year, whose fiscal year is ambiguous.
    pub fn fiscal_year(&self) -> Option<i32> {
        let mut parts = self.0.split('-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        Some(if month <= 3 { year - 1 } else { year })
    }

    pub fn parse(s: &str) -> Result<PartialDate, String> {
        let bad = || {
            format!(
                "expected a date as YYYY-MM-DD, YYYY-MM or YYYY (e.g. \"2017-09-28\"), got {s:?}"
            )
        };
        let parts: Vec<&str> = s.split('-').collect();
        let ok = match parts.as_slice() {
            [y] => y.len() == 4 && y.parse::<i32>().is_ok(),
            [y, m] => {
                y.len() == 4
                    && m.len() == 2
                    && y.parse::<i32>().is_ok()
                    && m.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
            }
            [_, _, _] => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10,
            _ => false,
        };
        if !ok {
            return Err(bad());
        }
        let year: i64 = parts[0].parse().map_err(|_| bad())?;
        fiscal_year::check_year(year)
            .map_err(|_| format!("{s:?} is outside the years the hub accepts"))?;
        Ok(PartialDate(s.to_owned()))
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PartialDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quoted date such as \"2017-09-28\", \"2003-11\" or \"2003\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PartialDate, E> {
                PartialDate::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<PartialDate, E> {
                PartialDate::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PartialDate, E> {
                PartialDate::parse(&v.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// Records, as in data/FORMAT.md.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityFile {
    pub municipality: MunicipalityRecord,
    pub sources: Vec<SourceRecord>,
    #[serde(default)]
    pub ordinances: Vec<OrdinanceRecord>,
    #[serde(default)]
    pub plans: Vec<PlanRecord>,
    #[serde(default)]
    pub observations: Vec<ObservationRecord>,
    #[serde(default)]
    pub programs: Vec<ProgramRecord>,
    #[serde(default)]
    pub bodies: Vec<BodyRecord>,
    #[serde(default)]
    pub support_centers: Vec<SupportCenterRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityRecord {
    pub code: String,
    pub slug: String,
    pub name_ja: String,
    pub name_en: String,
    pub name_kana: Option<String>,
    pub population: Option<Count>,
    pub population_year: Option<i32>,
    pub population_source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    pub id: String,
    pub title: String,
    pub publisher: Option<String>,
    pub published: Option<PartialDate>,
    pub url: Option<String>,
    pub document: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdinanceRecord {
    pub title: String,
    pub enacted: Option<PartialDate>,
    pub note: Option<String>,
    pub source: Option<String>,
    #[serde(default)]
    pub articles: Vec<ArticleRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleRecord {
    pub number: Count,
    pub chapter: Option<String>,
    pub heading: Option<String>,
    pub text: String,
    pub commentary: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRecord {
    pub id: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub published: Option<PartialDate>,
    pub period_start: Option<Year>,
    pub period_end: Option<Year>,
    pub action_plan_start: Option<Year>,
    pub action_plan_end: Option<Year>,
    pub note: Option<String>,
    pub source: Option<String>,
    #[serde(default)]
    pub sections: Vec<SectionRecord>,
    #[serde(default)]
    pub policies: Vec<PolicyRecord>,
    #[serde(default)]
    pub indicators: Vec<IndicatorRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionRecord {
    pub kind: SectionKind,
    pub number: Option<String>,
    pub heading: String,
    pub body: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRecord {
    pub label: String,
    pub title: String,
    #[serde(default)]
    pub roles: Vec<RoleRecord>,
    #[serde(default)]
    pub measures: Vec<MeasureRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRecord {
    pub actor_ja: String,
    #[serde(default)]
    pub actors: Vec<ActorType>,
    pub items: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureRecord {
    pub label: String,
    pub title: String,
    #[serde(default)]
    pub items: Vec<ItemRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRecord {
    pub label: String,
    pub title: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub repost_of: Option<String>,
    #[serde(default)]
    pub departments: Vec<String>,
    pub implementers_ja: Option<String>,
    #[serde(default)]
    pub implementers: Vec<ActorType>,
    #[serde(default)]
    pub targets: Vec<ActorType>,
    pub targets_note: Option<String>,
    pub purpose: Option<String>,
    pub current_state: Option<String>,
    pub content: Option<String>,
    pub completion_criterion: Option<String>,
    #[serde(default)]
    pub schedule: Vec<ScheduleRecord>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRecord {
    pub fiscal_year: Year,
    pub label_ja: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRecord {
    pub id: String,
    pub number: Option<String>,
    pub policy: Option<String>,
    pub name: String,
    pub unit: Unit,
    pub metric: Option<String>,
    pub baseline: Option<ValueRecord>,
    #[serde(default)]
    pub targets: Vec<ValueRecord>,
    #[serde(default)]
    pub observations: Vec<ValueRecord>,
    pub note: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueRecord {
    pub fiscal_year: Year,
    pub value: Number,
    pub label_ja: Option<String>,
    #[serde(default)]
    pub approximate: bool,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationRecord {
    pub metric: String,
    pub fiscal_year: Year,
    pub value: Number,
    pub label_ja: Option<String>,
    #[serde(default)]
    pub approximate: bool,
    pub note: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramRecord {
    pub id: String,
    pub kind: ProgramKind,
    pub title: String,
    pub organizer: Option<String>,
    pub department: Option<String>,
    pub started_fiscal_year: Option<Year>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub note: Option<String>,
    pub source: Option<String>,
    #[serde(default)]
    pub activities: Vec<ActivityRecord>,
    #[serde(default)]
    pub proposals: Vec<ProposalRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityRecord {
    pub title: String,
    pub date: Option<PartialDate>,
    pub fiscal_year: Option<Year>,
    pub label_ja: Option<String>,
    pub sessions: Option<Count>,
    pub participants: Option<Count>,
    #[serde(default)]
    pub approximate: bool,
    pub audience: Option<String>,
    pub topic: Option<String>,
    pub department: Option<String>,
    pub venue: Option<String>,
    #[serde(default)]
    pub speakers: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalRecord {
    pub fiscal_year: Year,
    pub track: ProposalTrack,
    pub title: Option<String>,
    pub count: Option<Count>,
    pub stage: Option<ProposalStage>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyRecord {
    pub id: String,
    pub kind: BodyKind,
    pub name_ja: String,
    pub name_en: Option<String>,
    pub parent: Option<String>,
    pub composition: Option<String>,
    pub role: Option<String>,
    #[serde(default)]
    pub duties: Vec<String>,
    pub note: Option<String>,
    pub source: Option<String>,
    #[serde(default)]
    pub yearly: Vec<BodyYearRecord>,
    #[serde(default)]
    pub meetings: Vec<MeetingRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyYearRecord {
    pub fiscal_year: Year,
    pub meetings_held: Option<Count>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingRecord {
    pub number: Option<Count>,
    pub date: Option<PartialDate>,
    pub fiscal_year: Option<Year>,
    pub date_note: Option<String>,
    pub format: MeetingFormat,
    #[serde(default)]
    pub agenda: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportCenterRecord {
    pub id: String,
    pub name_ja: String,
    pub name_en: Option<String>,
    pub opened: Option<PartialDate>,
    pub operator: Option<String>,
    pub management_model: Option<ManagementModel>,
    pub management_since_fiscal_year: Option<Year>,
    pub services: Option<String>,
    pub note: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionsFile {
    pub regions: Vec<RegionRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionRecord {
    pub slug: String,
    pub name_ja: String,
    pub name_en: String,
    pub kind: RegionKind,
    pub description: Option<String>,
    pub note: Option<String>,
    pub source: Option<RegionSourceRecord>,
    pub members: Vec<MemberRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionSourceRecord {
    /// slug of the municipality whose file lists the source
    pub municipality: String,
    pub id: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRecord {
    pub code: String,
    pub name_ja: String,
    pub name_en: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsFile {
    pub metrics: Vec<MetricRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricRecord {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    pub unit: Unit,
    pub description: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Reading.

/// Every file of a dataset, parsed and validated, ready for one import transaction.
#[derive(Debug, Default)]
pub struct Dataset {
    pub metrics: Option<MetricsFile>,
    pub regions: Option<RegionsFile>,
    pub municipalities: Vec<(String, MunicipalityFile)>,
}

/// The dataset shipped with the hub (`data/`), compiled into the binary so that `serve` can
/// fill an empty database wherever it runs.
pub const BUNDLED: &[(&str, &str)] = &[
    ("metrics.yaml", include_str!("../data/metrics.yaml")),
    ("regions.yaml", include_str!("../data/regions.yaml")),
    (
        "municipalities/hofu.yaml",
        include_str!("../data/municipalities/hofu.yaml"),
    ),
    (
        "municipalities/kurashiki.yaml",
        include_str!("../data/municipalities/kurashiki.yaml"),
    ),
    (
        "municipalities/shimonoseki.yaml",
        include_str!("../data/municipalities/shimonoseki.yaml"),
    ),
    (
        "municipalities/toyonaka.yaml",
        include_str!("../data/municipalities/toyonaka.yaml"),
    ),
    (
        "municipalities/yamaguchi.yaml",
        include_str!("../data/municipalities/yamaguchi.yaml"),
    ),
];

/// Splits serde_path_to_error's `a[1].b[2].field` into the record and the field.
fn locate(file: &str, path: &str, message: String) -> DatasetError {
    let (record, field) = match path.rsplit_once('.') {
        Some((record, field)) if !field.contains('[') => (record.to_owned(), field.to_owned()),
        _ if path == "." => (String::new(), String::new()),
        _ if !path.contains('[') && !path.contains('.') => (String::new(), path.to_owned()),
        _ => (path.to_owned(), String::new()),
    };
    DatasetError {
        file: file.to_owned(),
        record,
        field,
        message,
    }
}

fn parse_yaml<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<T, DatasetError> {
    let de = serde_yaml::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        // serde_yaml already starts some messages with the path; say it once.
        let message = message
            .strip_prefix(&format!("{path}: "))
            .map_or(message.clone(), str::to_owned);
        locate(file, &path, message)
    })
}

impl Dataset {
    /// Parses and validates files given as (name, text). The name decides what a file holds:
    /// `metrics.yaml`, `regions.yaml`, or a municipality file.
    pub fn from_texts<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Dataset, DatasetError> {
        let mut ds = Dataset::default();
        for (name, text) in files {
            let base = Path::new(name)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(name);
            match base {
                "metrics.yaml" | "metrics.yml" => ds.metrics = Some(parse_yaml(name, text)?),
                "regions.yaml" | "regions.yml" => ds.regions = Some(parse_yaml(name, text)?),
                _ => ds
                    .municipalities
                    .push((name.to_owned(), parse_yaml(name, text)?)),
            }
        }
        ds.validate()?;
        Ok(ds)
    }

    /// Reads a dataset file, or every `.yaml` file in a folder and its subfolders.
    pub fn read(path: &Path) -> anyhow::Result<Dataset> {
        let mut files: Vec<PathBuf> = Vec::new();
        if path.is_dir() {
            collect_yaml(path, &mut files)?;
            files.sort();
            if files.is_empty() {
                anyhow::bail!("{}: no .yaml files found", path.display());
            }
        } else {
            files.push(path.to_owned());
        }
        let mut texts = Vec::with_capacity(files.len());
        for f in &files {
            let text = std::fs::read_to_string(f)
                .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", f.display()))?;
            let name = f
                .strip_prefix(path)
                .ok()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(f)
                .display()
                .to_string();
            texts.push((name, text));
        }
        Ok(Dataset::from_texts(
            texts.iter().map(|(n, t)| (n.as_str(), t.as_str())),
        )?)
    }

    /// The bundled dataset; a failure here is a defect of the repository, caught by the tests.
    pub fn bundled() -> Result<Dataset, DatasetError> {
        Dataset::from_texts(BUNDLED.iter().copied())
    }

    /// Checks what serde cannot: codes and their check digits, unique ids, references between
    /// records, years that must agree with dates.
    fn validate(&self) -> Result<(), DatasetError> {
        let mut codes = HashSet::new();
        let mut slugs = HashSet::new();
        let known_metrics: Option<HashSet<&str>> = self
            .metrics
            .as_ref()
            .map(|m| m.metrics.iter().map(|m| m.code.as_str()).collect());
        if let Some(m) = &self.metrics {
            let mut seen = HashSet::new();
            for (i, metric) in m.metrics.iter().enumerate() {
                let err = |field: &str, message: String| DatasetError {
                    file: "metrics.yaml".into(),
                    record: format!("metrics[{i}]"),
                    field: field.into(),
                    message,
                };
                check_slug(&metric.code, '_').map_err(|m| err("code", m))?;
                if !seen.insert(metric.code.as_str()) {
                    return Err(err("code", format!("{:?} is listed twice", metric.code)));
                }
            }
        }
        for (file, m) in &self.municipalities {
            validate_municipality(file, m, known_metrics.as_ref())?;
            if !codes.insert(m.municipality.code.as_str()) {
                return Err(DatasetError {
                    file: file.clone(),
                    record: "municipality".into(),
                    field: "code".into(),
                    message: format!("{:?} is also the code of another file", m.municipality.code),
                });
            }
            if !slugs.insert(m.municipality.slug.as_str()) {
                return Err(DatasetError {
                    file: file.clone(),
                    record: "municipality".into(),
                    field: "slug".into(),
                    message: format!("{:?} is also the slug of another file", m.municipality.slug),
                });
            }
        }
        if let Some(r) = &self.regions {
            let mut seen = HashSet::new();
            for (i, region) in r.regions.iter().enumerate() {
                let err = |record: String, field: &str, message: String| DatasetError {
                    file: "regions.yaml".into(),
                    record,
                    field: field.into(),
                    message,
                };
                check_slug(&region.slug, '-')
                    .map_err(|m| err(format!("regions[{i}]"), "slug", m))?;
                if !seen.insert(region.slug.as_str()) {
                    return Err(err(
                        format!("regions[{i}]"),
                        "slug",
                        format!("{:?} is listed twice", region.slug),
                    ));
                }
                let mut members = HashSet::new();
                for (j, member) in region.members.iter().enumerate() {
                    codes::validate_municipality_code(&member.code)
                        .map_err(|m| err(format!("regions[{i}].members[{j}]"), "code", m))?;
                    if !members.insert(member.code.as_str()) {
                        return Err(err(
                            format!("regions[{i}].members[{j}]"),
                            "code",
                            format!("{:?} is listed twice", member.code),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", dir.display()))?
    {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

fn check_slug(s: &str, separator: char) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == separator)
        && !s.starts_with(separator)
        && !s.ends_with(separator);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a valid identifier: use lower-case ASCII letters, digits and '{separator}'"
        ))
    }
}

/// Resolves an activity's or meeting's fiscal year: given, or derived from a full date; when
/// both are given they must agree.
pub fn resolve_fiscal_year(
    date: Option<&PartialDate>,
    fiscal_year: Option<Year>,
) -> Result<i32, String> {
    let derived = date.and_then(PartialDate::fiscal_year);
    match (fiscal_year, derived) {
        (Some(Year(fy)), Some(d)) if fy != d => Err(format!(
            "fiscal_year {fy} does not match date {:?}, which falls in fiscal year {d}",
            date.map(|d| d.0.as_str()).unwrap_or_default()
        )),
        (Some(Year(fy)), _) => Ok(fy),
        (None, Some(d)) => Ok(d),
        (None, None) => Err("give fiscal_year, or a date with at least year and month".into()),
    }
}

fn validate_municipality(
    file: &str,
    m: &MunicipalityFile,
    known_metrics: Option<&HashSet<&str>>,
) -> Result<(), DatasetError> {
    let err = |record: String, field: &str, message: String| DatasetError {
        file: file.to_owned(),
        record,
        field: field.to_owned(),
        message,
    };
    let rec = &m.municipality;
    codes::validate_municipality_code(&rec.code)
        .map_err(|e| err("municipality".into(), "code", e))?;
    check_slug(&rec.slug, '-').map_err(|e| err("municipality".into(), "slug", e))?;
    if m.sources.is_empty() {
        return Err(err(
            String::new(),
            "sources",
            "a municipality file needs at least one source".into(),
        ));
    }
    let mut source_ids = HashSet::new();
    for (i, s) in m.sources.iter().enumerate() {
        if !source_ids.insert(s.id.as_str()) {
            return Err(err(
                format!("sources[{i}]"),
                "id",
                format!("{:?} is listed twice", s.id),
            ));
        }
    }
    let check_source = |record: String, source: &Option<String>| -> Result<(), DatasetError> {
        match source {
            Some(id) if !source_ids.contains(id.as_str()) => Err(err(
                record,
                "source",
                format!("{id:?} is not the id of a source in this file"),
            )),
            _ => Ok(()),
        }
    };
    if rec.population.is_some() != rec.population_year.is_some() {
        return Err(err(
            "municipality".into(),
            "population_year",
            "population and population_year go together".into(),
        ));
    }
    check_source("municipality".into(), &rec.population_source.clone()).map_err(|e| {
        DatasetError {
            field: "population_source".into(),
            ..e
        }
    })?;

    for (i, o) in m.ordinances.iter().enumerate() {
        check_source(format!("ordinances[{i}]"), &o.source)?;
        let mut numbers = HashSet::new();
        for (j, a) in o.articles.iter().enumerate() {
            if !numbers.insert(a.number.0) {
                return Err(err(
                    format!("ordinances[{i}].articles[{j}]"),
                    "number",
                    format!("article {} is listed twice", a.number.0),
                ));
            }
        }
    }

    let mut indicator_ids = HashSet::new();
    let mut plan_ids = HashSet::new();
    for (p, plan) in m.plans.iter().enumerate() {
        let at = format!("plans[{p}]");
        if !plan_ids.insert(plan.id.as_str()) {
            return Err(err(at, "id", format!("{:?} is listed twice", plan.id)));
        }
        check_source(at.clone(), &plan.source)?;
        if let (Some(a), Some(b)) = (plan.period_start, plan.period_end)
            && a.0 > b.0
        {
            return Err(err(
                at,
                "period_end",
                format!("{} is before period_start {}", b.0, a.0),
            ));
        }
        let mut labels: HashMap<&str, bool> = HashMap::new();
        let mut policy_labels = HashSet::new();
        for (pi, policy) in plan.policies.iter().enumerate() {
            if !policy_labels.insert(policy.label.as_str()) {
                return Err(err(
                    format!("{at}.policies[{pi}]"),
                    "label",
                    format!("{:?} is listed twice", policy.label),
                ));
            }
            let mut measure_labels = HashSet::new();
            for (mi, measure) in policy.measures.iter().enumerate() {
                if !measure_labels.insert(measure.label.as_str()) {
                    return Err(err(
                        format!("{at}.policies[{pi}].measures[{mi}]"),
                        "label",
                        format!("{:?} is listed twice", measure.label),
                    ));
                }
                for (ii, item) in measure.items.iter().enumerate() {
                    let at_item = format!("{at}.policies[{pi}].measures[{mi}].items[{ii}]");
                    if labels
                        .insert(item.label.as_str(), item.repost_of.is_some())
                        .is_some()
                    {
                        return Err(err(
                            at_item,
                            "label",
                            format!("{:?} is listed twice in the plan", item.label),
                        ));
                    }
                    let mut years = HashSet::new();
                    for (si, s) in item.schedule.iter().enumerate() {
                        if !years.insert(s.fiscal_year.0) {
                            return Err(err(
                                format!("{at_item}.schedule[{si}]"),
                                "fiscal_year",
                                format!("{} is listed twice", s.fiscal_year.0),
                            ));
                        }
                        if s.label_ja.trim().is_empty() {
                            return Err(err(
                                format!("{at_item}.schedule[{si}]"),
                                "label_ja",
                                "is empty".into(),
                            ));
                        }
                    }
                }
            }
        }
        for (pi, policy) in plan.policies.iter().enumerate() {
            for (mi, measure) in policy.measures.iter().enumerate() {
                for (ii, item) in measure.items.iter().enumerate() {
                    if let Some(target) = &item.repost_of {
                        let at_item = format!("{at}.policies[{pi}].measures[{mi}].items[{ii}]");
                        match labels.get(target.as_str()) {
                            None => {
                                return Err(err(
                                    at_item,
                                    "repost_of",
                                    format!("{target:?} is not the label of an item in this plan"),
                                ));
                            }
                            Some(true) => {
                                return Err(err(
                                    at_item,
                                    "repost_of",
                                    format!("{target:?} is itself a repost; name the original"),
                                ));
                            }
                            Some(false) if target == &item.label => {
                                return Err(err(
                                    at_item,
                                    "repost_of",
                                    "an item cannot repost itself".into(),
                                ));
                            }
                            Some(false) => {}
                        }
                    }
                }
            }
        }
        for (k, ind) in plan.indicators.iter().enumerate() {
            let at_ind = format!("{at}.indicators[{k}]");
            if !indicator_ids.insert(ind.id.as_str()) {
                return Err(err(at_ind, "id", format!("{:?} is listed twice", ind.id)));
            }
            check_source(at_ind.clone(), &ind.source)?;
            if let Some(policy) = &ind.policy
                && !policy_labels.contains(policy.as_str())
            {
                return Err(err(
                    at_ind,
                    "policy",
                    format!("{policy:?} is not the label of a policy of this plan"),
                ));
            }
            if let (Some(metric), Some(known)) = (&ind.metric, known_metrics)
                && !known.contains(metric.as_str())
            {
                return Err(err(
                    at_ind,
                    "metric",
                    format!("{metric:?} is not a code of the metric catalogue"),
                ));
            }
            let mut seen = HashSet::new();
            let values = ind
                .baseline
                .iter()
                .map(|v| ("baseline", v))
                .chain(ind.targets.iter().map(|v| ("targets", v)))
                .chain(ind.observations.iter().map(|v| ("observations", v)));
            for (kind, v) in values {
                let kind_key = if kind == "baseline" { "baseline" } else { kind };
                if !seen.insert((kind_key, v.fiscal_year.0)) {
                    return Err(err(
                        at_ind,
                        kind,
                        format!("fiscal year {} is listed twice", v.fiscal_year.0),
                    ));
                }
                if matches!(ind.unit, Unit::Percent) && !(0.0..=100.0).contains(&v.value.0) {
                    return Err(err(
                        at_ind,
                        kind,
                        format!("{} is not a percentage between 0 and 100", v.value.0),
                    ));
                }
            }
        }
    }

    let mut seen = HashSet::new();
    for (i, o) in m.observations.iter().enumerate() {
        let at = format!("observations[{i}]");
        check_source(at.clone(), &o.source)?;
        if let Some(known) = known_metrics
            && !known.contains(o.metric.as_str())
        {
            return Err(err(
                at,
                "metric",
                format!("{:?} is not a code of the metric catalogue", o.metric),
            ));
        }
        if o.value.0 < 0.0 {
            return Err(err(
                at,
                "value",
                format!("a count cannot be negative, got {}", o.value.0),
            ));
        }
        if !seen.insert((o.metric.as_str(), o.fiscal_year.0)) {
            return Err(err(
                at,
                "fiscal_year",
                format!("{} already has a value for {}", o.metric, o.fiscal_year.0),
            ));
        }
    }

    let mut program_ids = HashSet::new();
    for (i, p) in m.programs.iter().enumerate() {
        let at = format!("programs[{i}]");
        if !program_ids.insert(p.id.as_str()) {
            return Err(err(at, "id", format!("{:?} is listed twice", p.id)));
        }
        check_source(at.clone(), &p.source)?;
        for (j, a) in p.activities.iter().enumerate() {
            resolve_fiscal_year(a.date.as_ref(), a.fiscal_year)
                .map_err(|e| err(format!("{at}.activities[{j}]"), "fiscal_year", e))?;
        }
    }

    let body_ids: HashSet<&str> = m.bodies.iter().map(|b| b.id.as_str()).collect();
    if body_ids.len() != m.bodies.len() {
        return Err(err("bodies".into(), "id", "two bodies share an id".into()));
    }
    for (i, b) in m.bodies.iter().enumerate() {
        let at = format!("bodies[{i}]");
        check_source(at.clone(), &b.source)?;
        if let Some(parent) = &b.parent
            && (!body_ids.contains(parent.as_str()) || parent == &b.id)
        {
            return Err(err(
                at,
                "parent",
                format!("{parent:?} is not the id of another body in this file"),
            ));
        }
        for (j, meeting) in b.meetings.iter().enumerate() {
            resolve_fiscal_year(meeting.date.as_ref(), meeting.fiscal_year)
                .map_err(|e| err(format!("{at}.meetings[{j}]"), "fiscal_year", e))?;
        }
        let mut years = HashSet::new();
        for (j, y) in b.yearly.iter().enumerate() {
            if !years.insert(y.fiscal_year.0) {
                return Err(err(
                    format!("{at}.yearly[{j}]"),
                    "fiscal_year",
                    format!("{} is listed twice", y.fiscal_year.0),
                ));
            }
        }
    }
    // A body's parent chain must end: A → B → A would make the API loop.
    for b in &m.bodies {
        let mut steps = 0;
        let mut cur = b.parent.as_deref();
        while let Some(p) = cur {
            steps += 1;
            if steps > m.bodies.len() {
                return Err(err(
                    "bodies".into(),
                    "parent",
                    format!("the parents of {:?} form a cycle", b.id),
                ));
            }
            cur = m
                .bodies
                .iter()
                .find(|x| x.id == p)
                .and_then(|x| x.parent.as_deref());
        }
    }

    let mut center_ids = HashSet::new();
    for (i, c) in m.support_centers.iter().enumerate() {
        let at = format!("support_centers[{i}]");
        if !center_ids.insert(c.id.as_str()) {
            return Err(err(at, "id", format!("{:?} is listed twice", c.id)));
        }
        check_source(at, &c.source)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
municipality: { code: "352063", slug: hofu, name_ja: 防府市, name_en: Hofu }
sources: [{ id: report, title: 報告 }]
"#;

    #[test]
    fn a_minimal_file_parses() {
        let ds = Dataset::from_texts([("hofu.yaml", MINIMAL)]).expect("valid");
        assert_eq!(ds.municipalities.len(), 1);
    }

    #[test]
    fn an_approximate_count_in_a_number_field_names_file_record_and_field() {
        let text = format!(
            "{MINIMAL}programs:\n  - id: forum\n    kind: FORUM\n    title: フォーラム\n    activities:\n      - {{ title: a, fiscal_year: 2013 }}\n      - {{ title: b, fiscal_year: 2013, participants: 約130 }}\n"
        );
        let e = Dataset::from_texts([("hofu.yaml", text.as_str())]).expect_err("invalid");
        assert_eq!(e.file, "hofu.yaml");
        assert_eq!(e.record, "programs[0].activities[1]");
        assert_eq!(e.field, "participants");
        assert!(
            e.message
                .contains("expected a non-negative integer, got \"約130\""),
            "{e}"
        );
    }

    #[test]
    fn unknown_keys_and_bad_codes_are_refused() {
        let e = Dataset::from_texts([("x.yaml", "municipality: { code: \"352063\", slug: hofu, name_ja: a, name_en: b, nmae: c }\nsources: []\n")])
            .expect_err("unknown key");
        assert!(e.to_string().contains("nmae"), "{e}");
        let bad = MINIMAL.replace("352063", "352064");
        let e = Dataset::from_texts([("hofu.yaml", bad.as_str())]).expect_err("check digit");
        assert_eq!(
            (e.record.as_str(), e.field.as_str()),
            ("municipality", "code")
        );
    }

    #[test]
    fn dates_and_fiscal_years_must_agree() {
        assert_eq!(
            resolve_fiscal_year(PartialDate::parse("2014-02-08").ok().as_ref(), None),
            Ok(2013)
        );
        assert_eq!(
            resolve_fiscal_year(PartialDate::parse("2023-09").ok().as_ref(), None),
            Ok(2023)
        );
        assert!(
            resolve_fiscal_year(
                PartialDate::parse("2014-02-08").ok().as_ref(),
                Some(Year(2014))
            )
            .is_err()
        );
        assert!(resolve_fiscal_year(PartialDate::parse("2014").ok().as_ref(), None).is_err());
        assert!(PartialDate::parse("2017-02-30").is_err());
        assert!(PartialDate::parse("H29.9.28").is_err());
    }

    #[test]
    fn the_bundled_dataset_is_valid() {
        let ds = Dataset::bundled().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ds.municipalities.len(), 5);
    }
}
