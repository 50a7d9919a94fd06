//! 日付: dates as precise as the source documents give them. A report may name the day of a
//! meeting, only the month of a course or only the year of a plan; the hub keeps what was
//! written rather than invent the rest.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::domain::fiscal_year::check_year;

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
        check_year(year).map_err(|_| format!("{s:?} is outside the years the hub accepts"))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_dates_in_the_three_precisions_parse() {
        assert!(PartialDate::parse("2017-09-28").is_ok());
        assert!(PartialDate::parse("2003-11").is_ok());
        assert!(PartialDate::parse("2003").is_ok());
        assert!(PartialDate::parse("2017-02-30").is_err());
        assert!(PartialDate::parse("H29.9.28").is_err());
        assert!(PartialDate::parse("2017-9").is_err());
    }

    #[test]
    fn january_to_march_belong_to_the_fiscal_year_before() {
        let fy = |s: &str| PartialDate::parse(s).ok().and_then(|d| d.fiscal_year());
        assert_eq!(fy("2014-02-08"), Some(2013));
        assert_eq!(fy("2023-09"), Some(2023));
        assert_eq!(fy("2023-04-01"), Some(2023));
        assert_eq!(fy("2014"), None);
    }
}
