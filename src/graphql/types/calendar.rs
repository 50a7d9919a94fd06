//! 年度: fiscal years as the API shows them, with their Japanese era names.

use async_graphql::SimpleObject;

use crate::domain::fiscal_year::{Era, FiscalYearInfo};
use crate::graphql::scalars::FiscalYear;

/// 年度: a fiscal year with its Japanese name.
#[derive(SimpleObject)]
#[graphql(name = "FiscalYearInfo")]
pub struct FiscalYearDetails {
    /// The Western year the fiscal year starts in (April).
    pub year: FiscalYear,
    /// e.g. 平成29年度, 令和元年度
    pub label_ja: String,
    pub era: EraName,
    /// The year within the era (元年 = 1).
    pub era_year: i32,
}

/// 元号: a Japanese era.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Era")]
pub enum EraName {
    /// 昭和
    Showa,
    /// 平成
    Heisei,
    /// 令和
    Reiwa,
}

impl From<FiscalYearInfo> for FiscalYearDetails {
    fn from(info: FiscalYearInfo) -> Self {
        FiscalYearDetails {
            year: FiscalYear(info.year),
            label_ja: info.label_ja,
            era: match info.era {
                Era::Showa => EraName::Showa,
                Era::Heisei => EraName::Heisei,
                Era::Reiwa => EraName::Reiwa,
            },
            era_year: info.era_year,
        }
    }
}
