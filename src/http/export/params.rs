//! The query strings of the exports, read strictly: a parameter the endpoint does not know, or
//! one given twice, is refused by name rather than ignored, because a meeting's staff member
//! who mistypes `regions=` must not receive every city of the hub as if it were their region.
//! Regions and metrics are found by the names the API and the files print as well as by code.

use std::collections::BTreeMap;

use sea_orm::DatabaseConnection;

use super::ExportError;
use crate::domain::fiscal_year;
use crate::error::AppError;
use crate::gate::MAX_LIST_ITEMS;
use crate::read::catalogue::Catalogue;
use crate::read::compare::{self, CompareParams, Normalization};
use crate::read::stats::ProgressOrder;

/// The parameters of `/export/compare.*` and `/charts/compare.svg`.
pub const COMPARE: [&str; 6] = ["metric", "municipalities", "region", "from", "to", "per"];

/// The parameters of `/export/observations.*`.
pub const OBSERVATIONS: [&str; 5] = ["municipalities", "region", "metric", "from", "to"];

/// The parameters of `/export/indicators.*`.
pub const INDICATORS: [&str; 3] = ["municipalities", "region", "order"];

/// A query string whose names are all known to the endpoint and each given once.
#[derive(Debug, Default)]
pub struct Strict {
    values: BTreeMap<&'static str, String>,
}

impl Strict {
    /// Reads `raw` against the endpoint's `known` names; every unknown or repeated name is
    /// listed in one answer, with the names that would work.
    pub fn parse(raw: Option<&str>, known: &[&'static str]) -> Result<Self, ExportError> {
        let mut values = BTreeMap::new();
        let mut unknown: Vec<String> = Vec::new();
        let mut repeated: Vec<String> = Vec::new();
        for (name, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match known.iter().find(|k| **k == name) {
                None => {
                    if !unknown.contains(&name.to_string()) {
                        unknown.push(name.into_owned());
                    }
                }
                Some(k) => {
                    if values.insert(*k, value.into_owned()).is_some()
                        && !repeated.iter().any(|r| r == k)
                    {
                        repeated.push((*k).to_owned());
                    }
                }
            }
        }
        if unknown.is_empty() && repeated.is_empty() {
            return Ok(Strict { values });
        }
        let mut parts = Vec::new();
        if !unknown.is_empty() {
            let quoted: Vec<String> = unknown.iter().map(|u| format!("{u:?}")).collect();
            parts.push(format!(
                "unknown parameter{} {}",
                if unknown.len() == 1 { "" } else { "s" },
                quoted.join(", ")
            ));
        }
        if !repeated.is_empty() {
            parts.push(format!(
                "given more than once: {} (give each once; municipalities takes a comma-separated list)",
                repeated.join(", ")
            ));
        }
        let takes = if known.is_empty() {
            "no parameters".to_owned()
        } else {
            known.join(", ")
        };
        let message = format!("{}; this endpoint takes {takes}", parts.join("; "));
        Err(ExportError::Parameters {
            names: unknown.into_iter().chain(repeated).collect(),
            message,
        })
    }

    /// A parameter's value, `None` when absent or blank; NUL is refused here because no
    /// database can search for it (PostgreSQL's text cannot hold it at all).
    pub(super) fn get(&self, name: &'static str) -> Result<Option<&str>, ExportError> {
        match self.values.get(name).map(|v| v.trim()) {
            None | Some("") => Ok(None),
            Some(v) if v.contains('\0') => Err(ExportError::bad(
                name,
                format!(
                    "{name}: contains a NUL character (U+0000), which no code, slug, name or year holds; remove it"
                ),
            )),
            Some(v) => Ok(Some(v)),
        }
    }

    pub(super) fn year(&self, name: &'static str) -> Result<Option<i32>, ExportError> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => fiscal_year::parse(v)
                .map(Some)
                .map_err(|e| ExportError::bad(name, format!("{name}: {e}"))),
        }
    }

    /// The comma-separated codes of `municipalities`, at most as many as a GraphQL list
    /// argument may hold (each becomes an SQL parameter, and SQLite takes 32,766).
    pub fn codes(&self) -> Result<Option<Vec<String>>, ExportError> {
        let Some(value) = self.get("municipalities")? else {
            return Ok(None);
        };
        let codes: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        if codes.len() > MAX_LIST_ITEMS {
            return Err(ExportError::bad(
                "municipalities",
                format!(
                    "municipalities: {} codes given; at most {MAX_LIST_ITEMS} are allowed",
                    codes.len()
                ),
            ));
        }
        Ok(Some(codes))
    }

    /// The region's slug, found by slug or by name.
    pub async fn region(&self, db: &DatabaseConnection) -> Result<Option<String>, ExportError> {
        match self.get("region")? {
            None => Ok(None),
            Some(given) => Ok(Some(compare::region_named(db, given).await?.slug)),
        }
    }

    /// What to compare, with the metric and region resolved from whatever name was given.
    pub async fn compare(
        &self,
        db: &DatabaseConnection,
        catalogue: &Catalogue,
    ) -> Result<CompareParams, ExportError> {
        // Every value is checked for NUL before any is looked up.
        for name in COMPARE {
            self.get(name)?;
        }
        let given = self.get("metric")?.ok_or_else(|| {
            ExportError::bad(
                "metric",
                "metric: give a catalogue code or name, e.g. metric=promotion_officers or metric=協働推進員数".into(),
            )
        })?;
        let municipalities = self.codes()?;
        let from = self.year("from")?;
        let to = self.year("to")?;
        let per = Normalization::parse(self.get("per")?.unwrap_or(""))
            .map_err(|e| ExportError::bad("per", e))?;
        let metric = compare::metric_named(db, catalogue, given).await?.code;
        Ok(CompareParams {
            metric,
            municipalities,
            region: self.region(db).await?,
            from,
            to,
            per,
        })
    }

    /// How indicators are ordered.
    pub fn order(&self) -> Result<ProgressOrder, ExportError> {
        match self.get("order")? {
            None | Some("PROGRESS_DESC") => Ok(ProgressOrder::ProgressDesc),
            Some("PROGRESS_ASC") => Ok(ProgressOrder::ProgressAsc),
            Some("MUNICIPALITY") => Ok(ProgressOrder::Municipality),
            Some(other) => Err(ExportError::bad(
                "order",
                format!("order: {other:?} is not one of PROGRESS_DESC, PROGRESS_ASC, MUNICIPALITY"),
            )),
        }
    }

    /// Refuses a NUL in any of `names` before anything is looked up.
    pub fn storable(&self, names: &[&'static str]) -> Result<(), ExportError> {
        for name in names {
            self.get(name)?;
        }
        Ok(())
    }
}

impl From<AppError> for ExportError {
    fn from(e: AppError) -> Self {
        ExportError::App(e)
    }
}

#[cfg(test)]
mod tests {
    use super::{COMPARE, Strict};
    use crate::http::export::ExportError;

    #[test]
    fn unknown_and_repeated_names_are_all_listed() {
        let refused = Strict::parse(
            Some("metric=a&regions=x&prefecture=%E5%B1%B1&metric=b"),
            &COMPARE,
        );
        let Err(ExportError::Parameters { names, message }) = refused else {
            panic!("refused by name");
        };
        assert_eq!(names, ["regions", "prefecture", "metric"]);
        assert!(
            message.contains("metric, municipalities, region"),
            "{message}"
        );
        assert!(Strict::parse(Some("metric=a&per="), &COMPARE).is_ok());
        assert!(Strict::parse(None, &COMPARE).is_ok());
    }
}
