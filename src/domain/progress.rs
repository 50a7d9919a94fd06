//! 進捗率: how far an indicator has come from its baseline towards its target. One formula, so
//! that an indicator's own `progress` and the cross-city ranking agree.

use entity::indicator_values;

use super::IndicatorValueKind;

/// Progress from the baseline towards the last target, from values ordered by fiscal year:
/// 0 at the baseline, 1 at the target. None without a baseline, a target and an observation,
/// or when the target equals the baseline.
pub fn progress(values: &[indicator_values::Model]) -> Option<f64> {
    let of = |kind: IndicatorValueKind| values.iter().filter(move |v| v.kind == kind.as_str());
    let baseline = of(IndicatorValueKind::Baseline).next()?.value;
    let target = of(IndicatorValueKind::Target).next_back()?.value;
    let latest = of(IndicatorValueKind::Observed).next_back()?.value;
    let span = target - baseline;
    (span.abs() > f64::EPSILON).then(|| (latest - baseline) / span)
}
