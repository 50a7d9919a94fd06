//! 進捗率: how far an indicator has come from its baseline towards its target. One formula, so
//! that an indicator's own `progress` and the cross-city ranking agree.

use entity::indicator_values;

use super::IndicatorValueKind;

/// 指標の値: what the API answers of an indicator's value, without the row's bookkeeping (its
/// indicator and timestamps), so that a list of indicators can read just these columns
/// (README, Performance: "Fewer columns for indicator progress"). Indicator progress reads it
/// from a JSON array per value, in the order of these fields (`VALUE_COLUMNS` in
/// src/read/stats.rs).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct IndicatorValueFields {
    pub id: i32,
    /// An [`IndicatorValueKind`] as stored.
    pub kind: String,
    pub fiscal_year: i32,
    pub value: f64,
    #[serde(deserialize_with = "json_flag")]
    pub approximate: bool,
    /// `None` also where the reader left the text out (see `read::stats::ProgressColumns`).
    pub label_ja: Option<String>,
    /// `None` also where the reader left the text out.
    pub note: Option<String>,
    pub position: i32,
    pub version: i32,
}

impl From<indicator_values::Model> for IndicatorValueFields {
    fn from(v: indicator_values::Model) -> Self {
        IndicatorValueFields {
            id: v.id,
            kind: v.kind,
            fiscal_year: v.fiscal_year,
            value: v.value,
            approximate: v.approximate,
            label_ja: v.label_ja,
            note: v.note,
            position: v.position,
            version: v.version,
        }
    }
}

/// Progress from the baseline towards the last target, from values ordered by fiscal year:
/// 0 at the baseline, 1 at the target. None without a baseline, a target and an observation,
/// or when the target equals the baseline.
pub fn progress(values: &[IndicatorValueFields]) -> Option<f64> {
    let of = |kind: IndicatorValueKind| values.iter().filter(move |v| v.kind == kind.as_str());
    let baseline = of(IndicatorValueKind::Baseline).next()?.value;
    let target = of(IndicatorValueKind::Target).next_back()?.value;
    let latest = of(IndicatorValueKind::Observed).next_back()?.value;
    let span = target - baseline;
    (span.abs() > f64::EPSILON).then(|| (latest - baseline) / span)
}

/// A boolean written as JSON's `true`/`false` (PostgreSQL) or as 1/0 (SQLite, which has no
/// JSON booleans).
fn json_flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct Flag;
    impl serde::de::Visitor<'_> for Flag {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a boolean, 0 or 1")
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<bool, E> {
            match v {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(E::invalid_value(serde::de::Unexpected::Unsigned(v), &self)),
            }
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<bool, E> {
            match u64::try_from(v) {
                Ok(v) => self.visit_u64(v),
                Err(_) => Err(E::invalid_value(serde::de::Unexpected::Signed(v), &self)),
            }
        }
    }
    d.deserialize_any(Flag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_back_as_json_booleans_and_as_sqlite_integers() {
        #[derive(serde::Deserialize)]
        struct F {
            #[serde(deserialize_with = "json_flag")]
            f: bool,
        }
        let read = |s: &str| serde_json::from_str::<F>(s).map(|f| f.f).ok();
        assert_eq!(read(r#"{"f":true}"#), Some(true));
        assert_eq!(read(r#"{"f":false}"#), Some(false));
        assert_eq!(read(r#"{"f":1}"#), Some(true));
        assert_eq!(read(r#"{"f":0}"#), Some(false));
        assert_eq!(read(r#"{"f":2}"#), None);
        assert_eq!(read(r#"{"f":"yes"}"#), None);
    }

    #[test]
    fn a_value_reads_from_an_array_in_field_order() {
        let read = |s: &str| serde_json::from_str::<IndicatorValueFields>(s).ok();
        let value = read(r#"[7, "TARGET", 2025, 12.5, 1, "R7年度", null, 2, 3]"#);
        assert_eq!(
            value,
            Some(IndicatorValueFields {
                id: 7,
                kind: "TARGET".to_owned(),
                fiscal_year: 2025,
                value: 12.5,
                approximate: true,
                label_ja: Some("R7年度".to_owned()),
                note: None,
                position: 2,
                version: 3,
            })
        );
        assert_eq!(read(r#"[7, "TARGET", 2025, 12.5, 1]"#), None);
    }
}
