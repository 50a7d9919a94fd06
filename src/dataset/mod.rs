//! The dataset files (`data/`, described in `data/FORMAT.md`) as Rust types, and their
//! validation. Reading is strict: an unknown key, a count written as `約130`, a year that is no
//! year or a reference to a source that does not exist is refused with the file, the record and
//! the field, so that a hand edit cannot put a wrong number into the hub unnoticed.

pub mod generate;
pub mod import;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::domain::codes;
use crate::domain::date::PartialDate;
use crate::domain::fiscal_year;
use crate::domain::{
    ActorType, BodyKind, ManagementModel, MeetingFormat, ProgramKind, ProposalStage, ProposalTrack,
    RegionKind, SectionKind, Unit,
};

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

// ---------------------------------------------------------------------------------------------
// Text and year fields under the bounds the API's writes apply (`crate::write::validate`), checked as
// the YAML is read so that a refusal carries the line and column of the value.

mod bounds {
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};

    use crate::write::validate::{self as v, MAX_LABEL, MAX_LIST, MAX_TEXT, MAX_TITLE};

    /// A check of one text: `None` when it passes, else the problem.
    type Check = fn(&str) -> Result<(), String>;

    fn stored(value: &str) -> Result<(), String> {
        v::unnamed(|f| v::storable(f, value))
    }

    fn title_check(value: &str) -> Result<(), String> {
        stored(value)?;
        v::unnamed(|f| v::required(f, value, MAX_TITLE)).map(drop)
    }

    fn text_check(value: &str) -> Result<(), String> {
        stored(value)?;
        v::unnamed(|f| v::required(f, value, MAX_TEXT)).map(drop)
    }

    fn label_check(value: &str) -> Result<(), String> {
        stored(value)?;
        v::unnamed(|f| v::required(f, value, MAX_LABEL)).map(drop)
    }

    fn key_check(value: &str) -> Result<(), String> {
        // The key's own message quotes the value; keep a huge one out of it.
        if value.len() > 64 {
            return Err(format!(
                "expected 1–64 characters of a–z, 0–9, - and _ (e.g. \"kyodo-teian\"), got {} characters",
                value.chars().count()
            ));
        }
        v::unnamed(|f| v::key(f, value)).map(drop)
    }

    fn url_check(value: &str) -> Result<(), String> {
        stored(value)?;
        v::unnamed(|f| v::url(f, Some(value.to_owned()))).map(drop)
    }

    /// Optional texts may be empty, as in the API, where empty counts as left out.
    fn optional(check: Check) -> impl Fn(&str) -> Result<(), String> {
        move |value| {
            if value.trim().is_empty() {
                stored(value)
            } else {
                check(value)
            }
        }
    }

    struct Text {
        check: Check,
        optional: bool,
    }

    impl<'de> Visitor<'de> for Text {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("text")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
            let result = if self.optional {
                optional(self.check)(value)
            } else {
                (self.check)(value)
            };
            result.map(|()| value.to_owned()).map_err(E::custom)
        }
    }

    impl<'de> DeserializeSeed<'de> for Text {
        type Value = String;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
            d.deserialize_string(self)
        }
    }

    struct Optional(Check);

    impl<'de> Visitor<'de> for Optional {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("text, or nothing")
        }

        fn visit_none<E: de::Error>(self) -> Result<Option<String>, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
            d.deserialize_string(Text {
                check: self.0,
                optional: true,
            })
            .map(Some)
        }
    }

    struct List(Check);

    impl<'de> Visitor<'de> for List {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a list of at most {MAX_LIST} texts")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::new();
            while let Some(value) = seq.next_element_seed(Text {
                check: self.0,
                optional: false,
            })? {
                if out.len() == MAX_LIST {
                    return Err(de::Error::custom(format!(
                        "at most {MAX_LIST} entries, got more"
                    )));
                }
                out.push(value);
            }
            Ok(out)
        }
    }

    macro_rules! text_fields {
        ($($required:ident, $optional:ident, $list:ident => $check:ident;)+) => {
            $(
                #[allow(dead_code, reason = "not every kind of text is required somewhere")]
                pub fn $required<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
                    d.deserialize_string(Text { check: $check, optional: false })
                }

                #[allow(dead_code, reason = "not every kind of text is optional somewhere")]
                pub fn $optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
                    d.deserialize_option(Optional($check))
                }

                #[allow(dead_code, reason = "not every kind of text comes in lists")]
                pub fn $list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
                    d.deserialize_seq(List($check))
                }
            )+
        };
    }

    text_fields! {
        title, opt_title, titles => title_check;
        text, opt_text, texts => text_check;
        label, opt_label, labels => label_check;
        key, opt_key, keys => key_check;
        url, opt_url, urls => url_check;
    }

    /// Text that may be empty but must be there, such as the body of a heading without text of
    /// its own.
    pub fn text_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_string(Text {
            check: text_check,
            optional: true,
        })
    }

    /// A calendar year such as a census year, within the years the hub accepts.
    pub fn census_year<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
        struct Year;
        impl Visitor<'_> for Year {
            type Value = Option<i32>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a year such as 2020")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Option<i32>, E> {
                Ok(None)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<i32>, E> {
                crate::domain::fiscal_year::check_year(v)
                    .map(Some)
                    .map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<i32>, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
        }
        d.deserialize_any(Year)
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
    #[serde(deserialize_with = "bounds::label")]
    pub code: String,
    #[serde(deserialize_with = "bounds::key")]
    pub slug: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_ja: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_en: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub name_kana: Option<String>,
    pub population: Option<Count>,
    #[serde(default, deserialize_with = "bounds::census_year")]
    pub population_year: Option<i32>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub population_source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub publisher: Option<String>,
    pub published: Option<PartialDate>,
    #[serde(default, deserialize_with = "bounds::opt_url")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub document: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdinanceRecord {
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    pub enacted: Option<PartialDate>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub source: Option<String>,
    #[serde(default)]
    pub articles: Vec<ArticleRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleRecord {
    pub number: Count,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub chapter: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub heading: Option<String>,
    #[serde(deserialize_with = "bounds::text")]
    pub text: String,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub commentary: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub subtitle: Option<String>,
    pub published: Option<PartialDate>,
    pub period_start: Option<Year>,
    pub period_end: Option<Year>,
    pub action_plan_start: Option<Year>,
    pub action_plan_end: Option<Year>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
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
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub number: Option<String>,
    #[serde(deserialize_with = "bounds::title")]
    pub heading: String,
    #[serde(deserialize_with = "bounds::text_or_empty")]
    pub body: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRecord {
    #[serde(deserialize_with = "bounds::label")]
    pub label: String,
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    #[serde(default)]
    pub roles: Vec<RoleRecord>,
    #[serde(default)]
    pub measures: Vec<MeasureRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRecord {
    #[serde(deserialize_with = "bounds::title")]
    pub actor_ja: String,
    #[serde(default)]
    pub actors: Vec<ActorType>,
    #[serde(deserialize_with = "bounds::labels")]
    pub items: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureRecord {
    #[serde(deserialize_with = "bounds::label")]
    pub label: String,
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    #[serde(default)]
    pub items: Vec<ItemRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRecord {
    #[serde(deserialize_with = "bounds::label")]
    pub label: String,
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    #[serde(default, deserialize_with = "bounds::labels")]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub repost_of: Option<String>,
    #[serde(default, deserialize_with = "bounds::titles")]
    pub departments: Vec<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub implementers_ja: Option<String>,
    #[serde(default)]
    pub implementers: Vec<ActorType>,
    #[serde(default)]
    pub targets: Vec<ActorType>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub targets_note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub purpose: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub current_state: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub content: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub completion_criterion: Option<String>,
    #[serde(default)]
    pub schedule: Vec<ScheduleRecord>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRecord {
    pub fiscal_year: Year,
    #[serde(deserialize_with = "bounds::label")]
    pub label_ja: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub number: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub policy: Option<String>,
    #[serde(deserialize_with = "bounds::title")]
    pub name: String,
    pub unit: Unit,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub metric: Option<String>,
    pub baseline: Option<ValueRecord>,
    #[serde(default)]
    pub targets: Vec<ValueRecord>,
    #[serde(default)]
    pub observations: Vec<ValueRecord>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueRecord {
    pub fiscal_year: Year,
    pub value: Number,
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub label_ja: Option<String>,
    #[serde(default)]
    pub approximate: bool,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub metric: String,
    pub fiscal_year: Year,
    pub value: Number,
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub label_ja: Option<String>,
    #[serde(default)]
    pub approximate: bool,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
    pub kind: ProgramKind,
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub organizer: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub department: Option<String>,
    pub started_fiscal_year: Option<Year>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_url")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub source: Option<String>,
    #[serde(default)]
    pub activities: Vec<ActivityRecord>,
    #[serde(default)]
    pub proposals: Vec<ProposalRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityRecord {
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    pub date: Option<PartialDate>,
    pub fiscal_year: Option<Year>,
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub label_ja: Option<String>,
    pub sessions: Option<Count>,
    pub participants: Option<Count>,
    #[serde(default)]
    pub approximate: bool,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub audience: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub topic: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub department: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub venue: Option<String>,
    #[serde(default, deserialize_with = "bounds::titles")]
    pub speakers: Vec<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalRecord {
    pub fiscal_year: Year,
    pub track: ProposalTrack,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub title: Option<String>,
    pub count: Option<Count>,
    pub stage: Option<ProposalStage>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
    pub kind: BodyKind,
    #[serde(deserialize_with = "bounds::title")]
    pub name_ja: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub name_en: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub parent: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub composition: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub role: Option<String>,
    #[serde(default, deserialize_with = "bounds::texts")]
    pub duties: Vec<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
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
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingRecord {
    pub number: Option<Count>,
    pub date: Option<PartialDate>,
    pub fiscal_year: Option<Year>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub date_note: Option<String>,
    pub format: MeetingFormat,
    #[serde(default, deserialize_with = "bounds::texts")]
    pub agenda: Vec<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportCenterRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_ja: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub name_en: Option<String>,
    pub opened: Option<PartialDate>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub operator: Option<String>,
    pub management_model: Option<ManagementModel>,
    pub management_since_fiscal_year: Option<Year>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub services: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
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
    #[serde(deserialize_with = "bounds::key")]
    pub slug: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_ja: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_en: String,
    pub kind: RegionKind,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    pub source: Option<RegionSourceRecord>,
    pub members: Vec<MemberRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionSourceRecord {
    /// slug of the municipality whose file lists the source
    #[serde(deserialize_with = "bounds::key")]
    pub municipality: String,
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRecord {
    #[serde(deserialize_with = "bounds::label")]
    pub code: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_ja: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
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
    #[serde(deserialize_with = "bounds::key")]
    pub code: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_ja: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_en: String,
    pub unit: Unit,
    #[serde(default, deserialize_with = "bounds::opt_text")]
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

/// The metric catalogue shipped with the hub, which a municipality file imported on its own
/// borrows from when the database lacks the codes it names.
const BUNDLED_METRICS: (&str, &str) = ("metrics.yaml", include_str!("../../data/metrics.yaml"));

/// The dataset shipped with the hub (`data/`), compiled into the binary so that `serve` can
/// fill an empty database wherever it runs.
pub const BUNDLED: &[(&str, &str)] = &[
    BUNDLED_METRICS,
    ("regions.yaml", include_str!("../../data/regions.yaml")),
    (
        "municipalities/hofu.yaml",
        include_str!("../../data/municipalities/hofu.yaml"),
    ),
    (
        "municipalities/kurashiki.yaml",
        include_str!("../../data/municipalities/kurashiki.yaml"),
    ),
    (
        "municipalities/shimonoseki.yaml",
        include_str!("../../data/municipalities/shimonoseki.yaml"),
    ),
    (
        "municipalities/toyonaka.yaml",
        include_str!("../../data/municipalities/toyonaka.yaml"),
    ),
    (
        "municipalities/yamaguchi.yaml",
        include_str!("../../data/municipalities/yamaguchi.yaml"),
    ),
];

/// Largest dataset file the importer reads, in bytes: ten times the largest file `kyodo-hub
/// generate` writes (a city over its maximum of 50 years, 425 KB; `regions.yaml` of all 1,741
/// municipalities, 350 KB), and 25 times the largest real city (Yamaguchi, 170 KB). A file over
/// it is refused before it is read.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Deepest nesting of lists and mappings a dataset file may have; the format itself needs
/// about ten levels (a plan's items' schedules).
pub const MAX_NESTING: usize = 32;

/// Where a YAML text nests lists and mappings deeper than `max` levels, as (line, column),
/// found in one pass before the text reaches the YAML parser: libyaml spends time quadratic in the
/// depth of nested `[`/`{` (a 200 KB file of `[` took 15–20 s of CPU before it was refused).
///
/// It reads just enough of YAML to count what nests: indentation and `- ` entries in block
/// context, `[`/`{` where a value starts and every bracket inside a flow collection. Quoted
/// scalars, block scalars (`|`, `>`), plain scalars continued on a deeper line and comments
/// are skipped, so brackets in text do not count. It may count a level or two too many in
/// unusual layouts, never too few.
fn nesting_beyond(text: &str, max: usize) -> Option<(usize, usize)> {
    let mut block: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    // Inside a quoted scalar: its quote.
    let mut quote: Option<char> = None;
    // A `'` inside single quotes that may be the first of an escaped `''`.
    let mut quote_pending = false;
    // Inside a block scalar: lines indented more than this are its text.
    let mut scalar_parent: Option<usize> = None;
    // Whether the last thing read leaves a value to come (after `key:`, `- `, `[`, `,`).
    let mut value_next = true;
    for (n, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        if let Some(parent) = scalar_parent {
            if rest.is_empty() || indent > parent {
                continue;
            }
            scalar_parent = None;
        }
        if quote_pending {
            quote = None;
            quote_pending = false;
        }
        let mut escaped = false;
        let mut start = 0;
        if quote.is_none() && flow == 0 {
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            let top = block.last().copied();
            // A deeper line after a complete plain value continues that value.
            if !value_next && top.is_some_and(|t| indent > t) {
                continue;
            }
            while block.last().is_some_and(|&t| t > indent) {
                block.pop();
            }
            if block.last() != Some(&indent) {
                block.push(indent);
            }
            // `- - x` and `? ` open one level per indicator on the same line.
            let mut col = indent;
            loop {
                let r = &line[col..];
                let opens = (r.starts_with("- ") || r.starts_with("? ")) || r == "-" || r == "?";
                if !opens {
                    break;
                }
                col += 1 + (r[1..].len() - r[1..].trim_start_matches(' ').len());
                if col < line.len() {
                    block.push(col);
                }
                if block.len() + flow > max {
                    return Some((n + 1, col + 1));
                }
            }
            start = col;
            value_next = true;
        }
        if block.len() + flow > max {
            return Some((n + 1, start + 1));
        }
        let mut after_space = true;
        let mut in_property = false;
        let mut chars = line[start..].char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if quote_pending {
                quote_pending = false;
                if c == '\'' {
                    continue;
                }
                quote = None;
            }
            match quote {
                Some('"') => {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        quote = None;
                        value_next = false;
                    }
                    continue;
                }
                Some(_) => {
                    if c == '\'' {
                        quote_pending = true;
                        value_next = false;
                    }
                    continue;
                }
                None => {}
            }
            if c == ' ' || c == '\t' {
                after_space = true;
                in_property = false;
                continue;
            }
            if in_property {
                continue;
            }
            let next_blank = chars.peek().is_none_or(|&(_, n)| n == ' ' || n == '\t');
            match c {
                '#' if after_space => break,
                '"' | '\'' if value_next => quote = Some(c),
                '&' | '!' if value_next => in_property = true,
                '[' | '{' if flow > 0 || value_next => {
                    flow += 1;
                    if block.len() + flow > max {
                        let column = line[..start + i].chars().count() + 1;
                        return Some((n + 1, column));
                    }
                    value_next = true;
                }
                ']' | '}' if flow > 0 => {
                    flow -= 1;
                    value_next = false;
                }
                ',' if flow > 0 => value_next = true,
                ':' if flow > 0 || next_blank => value_next = true,
                '|' | '>' if value_next && flow == 0 => {
                    scalar_parent = Some(block.last().copied().unwrap_or(0));
                    break;
                }
                _ => value_next = false,
            }
            after_space = false;
        }
    }
    None
}

/// Refuses, before any parsing, a text too large or nested too deep to be a dataset file.
fn check_shape(file: &str, text: &str) -> Result<(), DatasetError> {
    let whole = |message: String| DatasetError {
        file: file.to_owned(),
        record: String::new(),
        field: String::new(),
        message,
    };
    let bytes = u64::try_from(text.len()).unwrap_or(u64::MAX);
    if bytes > MAX_FILE_BYTES {
        return Err(whole(too_large(bytes)));
    }
    if let Some((line, column)) = nesting_beyond(text, MAX_NESTING) {
        return Err(whole(format!(
            "lists and mappings nest deeper than {MAX_NESTING} levels at line {line} column {column}; the format needs about ten"
        )));
    }
    Ok(())
}

fn too_large(bytes: u64) -> String {
    format!(
        "the file has {bytes} bytes; a dataset file may have at most {MAX_FILE_BYTES} ({} MiB)",
        MAX_FILE_BYTES / (1024 * 1024)
    )
}

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
    check_shape(file, text)?;
    let de = serde_norway::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        // The YAML parser already starts some messages with the path; say it once.
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
            // Refused before it is read, so a huge file costs neither memory nor time.
            let bytes = std::fs::metadata(f)
                .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", f.display()))?
                .len();
            if bytes > MAX_FILE_BYTES {
                anyhow::bail!("{}: {}", f.display(), too_large(bytes));
            }
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

    /// The metric catalogue of the bundled dataset (`data/metrics.yaml`).
    pub fn bundled_metrics() -> Result<MetricsFile, DatasetError> {
        let (name, text) = BUNDLED_METRICS;
        parse_yaml(name, text)
    }

    /// Every metric code the municipality files name (observations and plan indicators).
    pub fn metric_codes(&self) -> HashSet<&str> {
        self.municipalities
            .iter()
            .flat_map(|(_, m)| {
                m.observations.iter().map(|o| o.metric.as_str()).chain(
                    m.plans
                        .iter()
                        .flat_map(|p| p.indicators.iter().filter_map(|i| i.metric.as_deref())),
                )
            })
            .collect()
    }

    /// Checks the municipality files against a metric catalogue (code → unit): every code they
    /// name must be in it, and every observation's value must suit its metric's unit, as the
    /// API's `upsertObservation` requires. `whose` says where the catalogue came from, for the
    /// message.
    pub fn check_metrics(
        &self,
        catalogue: &HashMap<&str, Unit>,
        whose: &str,
    ) -> Result<(), DatasetError> {
        for (file, m) in &self.municipalities {
            let err = |record: String, field: &str, message: String| DatasetError {
                file: file.clone(),
                record,
                field: field.to_owned(),
                message,
            };
            let unknown =
                |code: &str| format!("{code:?} is not a code of the metric catalogue ({whose})");
            for (p, plan) in m.plans.iter().enumerate() {
                for (k, ind) in plan.indicators.iter().enumerate() {
                    if let Some(code) = &ind.metric
                        && !catalogue.contains_key(code.as_str())
                    {
                        return Err(err(
                            format!("plans[{p}].indicators[{k}]"),
                            "metric",
                            unknown(code),
                        ));
                    }
                }
            }
            for (i, o) in m.observations.iter().enumerate() {
                let at = format!("observations[{i}]");
                let Some(unit) = catalogue.get(o.metric.as_str()) else {
                    return Err(err(at, "metric", unknown(&o.metric)));
                };
                crate::write::validate::unnamed(|f| {
                    crate::write::validate::value_in_unit(f, unit.as_str(), o.value.0)
                })
                .map_err(|e| err(at, "value", e))?;
            }
        }
        Ok(())
    }

    /// Checks what serde cannot: codes and their check digits, unique ids, references between
    /// records, years that must agree with dates.
    fn validate(&self) -> Result<(), DatasetError> {
        let mut codes = HashSet::new();
        let mut slugs = HashSet::new();
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
            validate_municipality(file, m)?;
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
        if let Some(m) = &self.metrics {
            let catalogue = m
                .metrics
                .iter()
                .map(|m| (m.code.as_str(), m.unit))
                .collect();
            self.check_metrics(&catalogue, "metrics.yaml")?;
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

fn validate_municipality(file: &str, m: &MunicipalityFile) -> Result<(), DatasetError> {
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
                crate::write::validate::unnamed(|f| {
                    crate::write::validate::value_in_unit(f, ind.unit.as_str(), v.value.0)
                })
                .map_err(|e| err(at_ind.clone(), kind, e))?;
            }
        }
    }

    let mut seen = HashSet::new();
    for (i, o) in m.observations.iter().enumerate() {
        let at = format!("observations[{i}]");
        check_source(at.clone(), &o.source)?;
        // Checked against the metric's unit once the catalogue is known (`check_metrics`).
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
            fiscal_year::resolve(a.fiscal_year.map(|y| y.0), a.date.as_ref())
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
            fiscal_year::resolve(meeting.fiscal_year.map(|y| y.0), meeting.date.as_ref())
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
    fn deep_nesting_is_refused_in_one_pass_naming_line_and_column() {
        let started = std::time::Instant::now();
        for text in [
            "[".repeat(200_000),
            format!("municipality: {}", "{a: ".repeat(50_000)),
            format!("{}x\n", "- ".repeat(100_000)),
            (0..40)
                .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
                .collect::<String>(),
        ] {
            let e = Dataset::from_texts([("deep.yaml", text.as_str())]).expect_err("too deep");
            assert_eq!((e.record.as_str(), e.field.as_str()), ("", ""));
            assert!(
                e.message
                    .starts_with("lists and mappings nest deeper than 32 levels at line "),
                "{e}"
            );
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let e =
            Dataset::from_texts([("deep.yaml", "a:\n  b: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[")])
                .expect_err("too deep");
        assert!(e.message.contains("at line 2 column 36"), "{e}");
    }

    #[test]
    fn brackets_in_text_do_not_count_as_nesting() {
        let deep = "[{".repeat(40);
        let text = format!(
            "{MINIMAL}ordinances:\n  - title: \"{deep}\"\n    note: '{deep} it''s'\n    articles:\n      - number: 1\n        text: |\n          {deep}\n          [[[\n        commentary: plain {deep}\n          {deep} continued # {deep}\n"
        );
        let ds =
            Dataset::from_texts([("hofu.yaml", text.as_str())]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ds.municipalities[0].1.ordinances[0].articles[0].text,
            format!("{deep}\n[[[\n")
        );
    }

    #[test]
    fn the_bundled_files_nest_about_ten_levels() {
        for (name, text) in BUNDLED {
            assert!(nesting_beyond(text, 12).is_none(), "{name}");
        }
        let (_, yamaguchi) = BUNDLED[BUNDLED.len() - 1];
        assert!(
            nesting_beyond(yamaguchi, 6).is_some(),
            "the scan counts nesting at all"
        );
    }

    #[test]
    fn a_file_over_the_byte_limit_is_refused_before_parsing() {
        let text = format!("{MINIMAL}# {}\n", "x".repeat(4 * 1024 * 1024));
        let e = Dataset::from_texts([("hofu.yaml", text.as_str())]).expect_err("too large");
        assert!(
            e.to_string().starts_with("hofu.yaml: the file has 4194429 bytes; a dataset file may have at most 4194304 (4 MiB)"),
            "{e}"
        );
    }

    #[test]
    fn text_is_bounded_as_the_api_bounds_it_naming_line_and_column() {
        let long = MINIMAL.replace("name_en: Hofu", &format!("name_en: {}", "A".repeat(301)));
        let e = Dataset::from_texts([("hofu.yaml", long.as_str())]).expect_err("too long");
        assert_eq!(
            e.to_string(),
            "hofu.yaml: municipality: name_en: at most 300 characters, got 301 at line 2 column 68"
        );
        let nul = MINIMAL.replace("title: 報告", "title: \"報\\0告\"");
        let e = Dataset::from_texts([("hofu.yaml", nul.as_str())]).expect_err("NUL");
        assert_eq!(
            (e.record.as_str(), e.field.as_str()),
            ("sources[0]", "title")
        );
        assert!(
            e.message
                .starts_with("contains the control character U+0000 at character 2"),
            "{e}"
        );
        let key = MINIMAL.replace("id: report", "id: Report");
        let e = Dataset::from_texts([("hofu.yaml", key.as_str())]).expect_err("key");
        assert!(
            e.to_string()
                .starts_with("hofu.yaml: sources[0]: id: expected 1–64 characters of a–z"),
            "{e}"
        );
        let url = MINIMAL.replace("title: 報告", "title: 報告, url: \"javascript:alert(1)\"");
        let e = Dataset::from_texts([("hofu.yaml", url.as_str())]).expect_err("url");
        assert!(
            e.message
                .starts_with("expected an http:// or https:// address"),
            "{e}"
        );
        let speakers = format!(
            "{MINIMAL}programs:\n  - id: forum\n    kind: FORUM\n    title: フォーラム\n    activities:\n      - {{ title: a, fiscal_year: 2013, speakers: [{}] }}\n",
            vec!["x"; 101].join(", ")
        );
        let e = Dataset::from_texts([("hofu.yaml", speakers.as_str())]).expect_err("list");
        assert_eq!(e.field, "speakers");
        assert!(e.message.starts_with("at most 100 entries"), "{e}");
        let year = MINIMAL.replace(
            "name_en: Hofu",
            "name_en: Hofu, population: 1, population_year: 20200",
        );
        let e = Dataset::from_texts([("hofu.yaml", year.as_str())]).expect_err("year");
        assert_eq!(e.field, "population_year");
    }

    #[test]
    fn values_must_suit_their_unit() {
        let metrics = "metrics:\n  - { code: promotion_officers, name_ja: 推進員, name_en: Officers, unit: PEOPLE }\n";
        let observation = format!(
            "{MINIMAL}observations:\n  - {{ metric: promotion_officers, fiscal_year: 2020, value: 1.5 }}\n"
        );
        let e = Dataset::from_texts([
            ("metrics.yaml", metrics),
            ("hofu.yaml", observation.as_str()),
        ])
        .expect_err("fraction of a person");
        assert_eq!(
            e.to_string(),
            "hofu.yaml: observations[0]: value: a count of people must be a non-negative whole number, got 1.5"
        );
        let unknown = observation.replace("promotion_officers, fiscal", "officers, fiscal");
        let e = Dataset::from_texts([("metrics.yaml", metrics), ("hofu.yaml", unknown.as_str())])
            .expect_err("unknown metric");
        assert_eq!(e.field, "metric");
    }

    #[test]
    fn the_bundled_dataset_is_valid() {
        let ds = Dataset::bundled().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ds.municipalities.len(), 5);
    }
}
