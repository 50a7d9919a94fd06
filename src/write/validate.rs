//! Checks on what cities write through the API. Every message starts with the field it is
//! about (`value: …`, `input.title: …`), so a form can put it next to the right box.

use crate::domain::Unit;
use crate::domain::date::PartialDate;
use crate::domain::fiscal_year;
use crate::error::{AppError, AppResult};

/// Titles and names.
pub const MAX_TITLE: usize = 300;
/// Notes, descriptions, roles: a paragraph or a few.
pub const MAX_TEXT: usize = 4000;
/// Short labels such as 平成29年度 or 実施.
pub const MAX_LABEL: usize = 100;
/// Entries of a list field (agenda, duties, speakers).
pub const MAX_LIST: usize = 100;

fn bad(field: &str, problem: impl std::fmt::Display) -> AppError {
    AppError::BadInput(format!("{field}: {problem}"))
}

/// Text that must be there: trimmed, not empty, at most `max` characters.
pub fn required(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(bad(field, "must not be empty"));
    }
    let n = value.chars().count();
    if n > max {
        return Err(bad(field, format!("at most {max} characters, got {n}")));
    }
    Ok(value.to_owned())
}

/// Text that may be left out; empty text counts as left out.
pub fn optional(field: &str, value: Option<String>, max: usize) -> AppResult<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => required(field, &v, max).map(Some),
    }
}

/// A record's key within its city: lower-case letters, digits, `-` and `_`.
pub fn key(field: &str, value: &str) -> AppResult<String> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(bad(
            field,
            format!(
                "expected 1–64 characters of a–z, 0–9, - and _ (e.g. \"kyodo-teian\"), got {value:?}"
            ),
        ))
    }
}

/// Sessions, participants, proposals: whole numbers, never negative.
pub fn count(field: &str, value: i32) -> AppResult<i32> {
    if value < 0 {
        return Err(bad(
            field,
            format!("a count cannot be negative, got {value}"),
        ));
    }
    Ok(value)
}

/// A value in the unit it is counted in: a percentage within 0–100, a count a non-negative
/// whole number.
pub fn value_in_unit(field: &str, unit: &str, value: f64) -> AppResult<f64> {
    if !value.is_finite() {
        return Err(bad(field, format!("expected a number, got {value}")));
    }
    let unit: Unit = unit
        .parse()
        .map_err(|e: String| AppError::internal(anyhow::anyhow!(e)))?;
    match unit {
        Unit::Percent if !(0.0..=100.0).contains(&value) => Err(bad(
            field,
            format!("a percentage must be within 0–100, got {value}"),
        )),
        Unit::Percent => Ok(value),
        _ if value < 0.0 || value.fract() != 0.0 => Err(bad(
            field,
            format!(
                "a count of {} must be a non-negative whole number, got {value}",
                unit.as_str().to_lowercase()
            ),
        )),
        _ => Ok(value),
    }
}

/// A date as precise as the city knows it: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, and a real one.
pub fn partial_date(field: &str, value: &str) -> AppResult<PartialDate> {
    PartialDate::parse(value.trim()).map_err(|e| bad(field, e))
}

/// A web address.
pub fn url(field: &str, value: Option<String>) -> AppResult<Option<String>> {
    let Some(value) = optional(field, value, 2000)? else {
        return Ok(None);
    };
    if value.starts_with("https://") || value.starts_with("http://") {
        Ok(Some(value))
    } else {
        Err(bad(
            field,
            format!("expected an http:// or https:// address, got {value:?}"),
        ))
    }
}

/// A list of short texts, each checked, kept in order.
pub fn list(field: &str, values: Vec<String>, max_len: usize) -> AppResult<Vec<String>> {
    if values.len() > MAX_LIST {
        return Err(bad(
            field,
            format!("at most {MAX_LIST} entries, got {}", values.len()),
        ));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, v)| required(&format!("{field}[{i}]"), v, max_len))
        .collect()
}

/// The fiscal year of an activity or meeting, as [`fiscal_year::resolve`] decides it.
pub fn fiscal_year_of(
    field: &str,
    given: Option<i32>,
    date: Option<&PartialDate>,
) -> AppResult<i32> {
    fiscal_year::resolve(given, date).map_err(|m| bad(field, m))
}

/// The last fiscal year of a span that starts in `from`: not before it.
pub fn span_end(field: &str, from: i32, to: i32) -> AppResult<i32> {
    if to < from {
        return Err(bad(
            field,
            format!("{to} is before the span's first fiscal year {from}"),
        ));
    }
    fiscal_year::check_year(i64::from(to)).map_err(|m| bad(field, m))
}

/// Text a database can hold and a reader can see: no NUL (PostgreSQL cannot store it, and
/// SQLite's full-text index stops at it) and no other control character but tab and line
/// breaks.
pub fn storable(field: &str, value: &str) -> AppResult<()> {
    match value
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        None => Ok(()),
        Some((i, c)) => Err(bad(
            field,
            format!(
                "contains the control character U+{:04X} at character {}; text may hold tabs and line breaks but no NUL or other control characters",
                u32::from(c),
                i + 1
            ),
        )),
    }
}

/// Runs one of the checks above for a caller that says where the value is itself (the
/// importer names file, record, field and line) and returns the problem without a field
/// name: `unnamed(|f| required(f, v, MAX_TITLE))`.
pub fn unnamed<T>(check: impl FnOnce(&str) -> AppResult<T>) -> Result<T, String> {
    check("").map_err(|e| match e {
        AppError::BadInput(m) => m.strip_prefix(": ").map_or(m.clone(), str::to_owned),
        other => async_graphql::Error::from(other).message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_and_counts_are_checked_against_their_unit() {
        assert!(value_in_unit("value", "PERCENT", 55.5).is_ok());
        assert!(value_in_unit("value", "PERCENT", 100.5).is_err());
        assert!(value_in_unit("value", "PEOPLE", 12.0).is_ok());
        assert!(value_in_unit("value", "PEOPLE", -1.0).is_err());
        assert!(value_in_unit("value", "PEOPLE", 1.5).is_err());
        assert!(value_in_unit("value", "COUNT", f64::NAN).is_err());
    }

    #[test]
    fn dates_must_be_real() {
        assert!(partial_date("date", "2024-02-29").is_ok());
        assert!(partial_date("date", "2023-02-29").is_err());
        assert!(partial_date("date", "2024-13").is_err());
    }

    #[test]
    fn fiscal_year_follows_the_date() {
        let march = PartialDate::parse("2025-03-10").expect("date");
        assert_eq!(fiscal_year_of("fy", None, Some(&march)).ok(), Some(2024));
        assert!(fiscal_year_of("fy", Some(2025), Some(&march)).is_err());
        assert!(fiscal_year_of("fy", None, None).is_err());
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(required("t", "  a ", 3).ok().as_deref(), Some("a"));
        assert!(required("t", "   ", 3).is_err());
        assert!(required("t", "あいうえ", 3).is_err());
        assert!(key("key", "Bad Key").is_err());
    }

    #[test]
    fn nul_and_control_characters_are_refused_tabs_and_breaks_kept() {
        assert!(storable("t", "a\tb\r\nc 協働").is_ok());
        let e = unnamed(|f| storable(f, "ab\0c")).expect_err("NUL");
        assert!(
            e.starts_with("contains the control character U+0000 at character 3"),
            "{e}"
        );
        assert!(storable("t", "\u{1b}[31m").is_err());
        assert!(storable("t", "\u{85}").is_err());
    }

    #[test]
    fn unnamed_gives_the_problem_without_the_field() {
        assert_eq!(
            unnamed(|f| required(f, "あいうえ", 3)),
            Err("at most 3 characters, got 4".to_owned())
        );
        assert_eq!(unnamed(|f| key(f, "ok-1")), Ok("ok-1".to_owned()));
    }
}
