//! 進捗率: how far an indicator has come from its baseline towards its target. One formula, so
//! that an indicator's own `progress` and the cross-city ranking agree.

use entity::indicator_values;

use super::IndicatorValueKind;

/// 指標の値: what the API answers of an indicator's value, without the row's bookkeeping (its
/// indicator and timestamps), so that a list of indicators can read just these columns: in
/// indicator progress the timestamps were a third of each value's JSON (README, Performance).
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorValueFields {
    pub id: i32,
    /// An [`IndicatorValueKind`] as stored.
    pub kind: String,
    pub fiscal_year: i32,
    pub value: f64,
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
