//! Custom scalars of the public contract.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

use crate::domain::fiscal_year;

/// 年度: a fiscal year, serialised as the Western year it starts in (April of that year to
/// March of the next). As input it also takes the Japanese spellings documents use: `"H29"`,
/// `"平成29年度"`, `"R5"`, `"令和元年度"`, `"平成32年"` (= 2020), full-width digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FiscalYear(pub i32);

#[Scalar(name = "FiscalYear")]
impl ScalarType for FiscalYear {
    fn parse(value: Value) -> InputValueResult<Self> {
        let year = match &value {
            Value::Number(n) => match n.as_i64() {
                Some(y) => fiscal_year::check_year(y),
                None => fiscal_year::parse(&n.to_string()),
            },
            Value::String(s) => fiscal_year::parse(s),
            _ => {
                return Err(InputValueError::custom(format!(
                    "invalid fiscal year {value}: expected an Int or a String"
                )));
            }
        };
        year.map(FiscalYear)
            .map_err(|e| InputValueError::custom(e.to_string()))
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub chrono::NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!("invalid date {s:?}: expected YYYY-MM-DD"))
                }),
            _ => Err(InputValueError::custom(format!(
                "invalid date {value}: expected a string YYYY-MM-DD"
            ))),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}
