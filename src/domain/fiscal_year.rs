//! 年度 (fiscal years) and the Japanese era names the source documents write them in.
//!
//! The documents say `平成29年度`, `H28`, `令和5年度` or `平成32年` (a plan written before the era
//! changed in 2019 keeps counting Heisei years), while the hub stores and compares Western years.
//! Every place that reads a year from a person goes through [`parse`], so the API and the
//! importer accept the same spellings and reject the same mistakes with the same message.

use std::fmt;

use crate::domain::date::PartialDate;

/// Earliest fiscal year the hub accepts: the first year of Shōwa, the oldest era it can name.
pub const MIN_YEAR: i32 = 1926;
/// Latest fiscal year the hub accepts; a plan's targets rarely reach further than a decade.
pub const MAX_YEAR: i32 = 2100;

/// 元号: the eras a fiscal year can be named in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Era {
    /// 昭和 (1926–1989)
    Showa,
    /// 平成 (1989–2019)
    Heisei,
    /// 令和 (2019–)
    Reiwa,
}

impl Era {
    /// The Western year of the era's first year (元年) minus one.
    fn offset(self) -> i32 {
        match self {
            Era::Showa => 1925,
            Era::Heisei => 1988,
            Era::Reiwa => 2018,
        }
    }

    pub fn name_ja(self) -> &'static str {
        match self {
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The era a fiscal year is officially named in. A 年度 is named by the era in force when it
    /// ends its first month, so FY2019 is 令和元年度 and FY1989 is 平成元年度.
    pub fn of_fiscal_year(year: i32) -> Era {
        if year >= 2019 {
            Era::Reiwa
        } else if year >= 1989 {
            Era::Heisei
        } else {
            Era::Showa
        }
    }
}

/// A fiscal year's Western year with its Japanese name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FiscalYearInfo {
    pub year: i32,
    pub era: Era,
    pub era_year: i32,
    /// e.g. `平成29年度`, `令和元年度`
    pub label_ja: String,
}

impl FiscalYearInfo {
    pub fn of(year: i32) -> Self {
        let era = Era::of_fiscal_year(year);
        let era_year = year - era.offset();
        let number = if era_year == 1 {
            "元".to_owned()
        } else {
            era_year.to_string()
        };
        FiscalYearInfo {
            year,
            era,
            era_year,
            label_ja: format!("{}{}年度", era.name_ja(), number),
        }
    }
}

/// Why a fiscal year label was refused; the message names the label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FiscalYearError {
    pub input: String,
    reason: &'static str,
}

impl fmt::Display for FiscalYearError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid fiscal year {:?}: {}; expected a Western year such as 2017 or an era year \
             such as H29, 平成29年度, R5 or 令和元年度 ({MIN_YEAR}–{MAX_YEAR})",
            self.input, self.reason
        )
    }
}

impl std::error::Error for FiscalYearError {}

/// Checks that a Western year lies in the range the hub accepts.
pub fn check_year(year: i64) -> Result<i32, FiscalYearError> {
    match i32::try_from(year) {
        Ok(y) if (MIN_YEAR..=MAX_YEAR).contains(&y) => Ok(y),
        _ => Err(FiscalYearError {
            input: year.to_string(),
            reason: "out of range",
        }),
    }
}

/// Folds full-width digits and Latin letters (２０１７, Ｈ２９) to ASCII and drops spaces, the
/// way the documents and spreadsheets of Japanese offices often write them.
fn normalise(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            other => other,
        })
        .collect()
}

/// Parses a fiscal year written as `2017`, `"2017年度"`, `"FY2017"`, `"H29"`, `"平成29年度"`,
/// `"平成29年"`, `"R5"`, `"令和元年度"`, `"S63"` or any of those in full-width characters.
pub fn parse(input: &str) -> Result<i32, FiscalYearError> {
    let err = |reason| FiscalYearError {
        input: input.to_owned(),
        reason,
    };
    let s = normalise(input);
    let s = s
        .strip_suffix("年度")
        .or_else(|| s.strip_suffix('年'))
        .unwrap_or(&s);
    if s.is_empty() {
        return Err(err("empty"));
    }
    let (era, number) = if let Some(rest) = s.strip_prefix("平成") {
        (Some(Era::Heisei), rest)
    } else if let Some(rest) = s.strip_prefix("令和") {
        (Some(Era::Reiwa), rest)
    } else if let Some(rest) = s.strip_prefix("昭和") {
        (Some(Era::Showa), rest)
    } else if let Some(rest) = s.strip_prefix(['H', 'h']) {
        (Some(Era::Heisei), rest)
    } else if let Some(rest) = s.strip_prefix(['R', 'r']) {
        (Some(Era::Reiwa), rest)
    } else if let Some(rest) = s.strip_prefix(['S', 's']) {
        (Some(Era::Showa), rest)
    } else if let Some(rest) = s.strip_prefix("FY").or_else(|| s.strip_prefix("fy")) {
        (None, rest)
    } else {
        (None, s)
    };
    let value: i64 = match (era, number) {
        (Some(_), "元") => 1,
        (_, digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse().map_err(|_| err("too many digits"))?
        }
        _ => return Err(err("not a year")),
    };
    match era {
        None => check_year(value).map_err(|_| err("out of range")),
        Some(_) if value < 1 => Err(err("era years start at 1 (元年)")),
        Some(era) => check_year(value + i64::from(era.offset())).map_err(|_| err("out of range")),
    }
}

/// The fiscal year of an activity or meeting: given, or read from a date with its month; when
/// both are given they must agree. The API and the importer both ask this, and each puts its own
/// field name in front of the message.
pub fn resolve(given: Option<i32>, date: Option<&PartialDate>) -> Result<i32, String> {
    let from_date = date.and_then(PartialDate::fiscal_year);
    match (given, from_date) {
        (Some(y), Some(d)) if y != d => Err(format!(
            "the date {} falls in fiscal year {d}, not {y}",
            date.map(|d| d.0.as_str()).unwrap_or("")
        )),
        (Some(y), _) | (None, Some(y)) => Ok(y),
        (None, None) => Err("give the fiscal year, or a date with at least its month".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn western_and_era_spellings_parse_to_the_same_year() {
        for (label, year) in [
            ("2017", 2017),
            ("２０１７", 2017),
            ("2017年度", 2017),
            ("FY2017", 2017),
            ("H29", 2017),
            ("h29", 2017),
            ("Ｈ２９", 2017),
            ("平成29年度", 2017),
            ("平成29年", 2017),
            ("平成２９年度", 2017),
            ("平成32年", 2020),
            ("平成31年度", 2019),
            ("R5", 2023),
            ("令和5年度", 2023),
            ("令和元年度", 2019),
            ("平成元年度", 1989),
            ("S63", 1988),
            ("昭和63年度", 1988),
            (" H28 ", 2016),
        ] {
            assert_eq!(parse(label), Ok(year), "{label}");
        }
    }

    #[test]
    fn nonsense_is_refused_with_the_input_in_the_message() {
        for label in [
            "",
            "H",
            "平成",
            "H0",
            "令和0年度",
            "20x7",
            "1800",
            "99999999999999",
            "大正5年",
            "約2017",
        ] {
            let e = parse(label).expect_err(label);
            assert!(e.to_string().contains(&format!("{label:?}")), "{e}");
        }
    }

    #[test]
    fn labels_name_the_first_year_of_an_era_gan() {
        assert_eq!(FiscalYearInfo::of(2017).label_ja, "平成29年度");
        assert_eq!(FiscalYearInfo::of(2023).label_ja, "令和5年度");
        assert_eq!(FiscalYearInfo::of(2019).label_ja, "令和元年度");
        assert_eq!(FiscalYearInfo::of(1989).label_ja, "平成元年度");
        assert_eq!(FiscalYearInfo::of(1988).label_ja, "昭和63年度");
        assert_eq!(FiscalYearInfo::of(2020).era_year, 2);
    }

    #[test]
    fn a_date_gives_the_fiscal_year_and_must_agree_with_a_given_one() {
        let date = |s: &str| PartialDate::parse(s).ok();
        assert_eq!(resolve(None, date("2014-02-08").as_ref()), Ok(2013));
        assert_eq!(resolve(None, date("2023-09").as_ref()), Ok(2023));
        assert_eq!(resolve(Some(2014), date("2014").as_ref()), Ok(2014));
        assert_eq!(
            resolve(Some(2014), date("2014-02-08").as_ref()),
            Err("the date 2014-02-08 falls in fiscal year 2013, not 2014".to_owned())
        );
        assert!(resolve(None, date("2014").as_ref()).is_err());
        assert!(resolve(None, None).is_err());
    }
}
