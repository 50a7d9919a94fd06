//! What serde cannot check: codes and their check digits, unique ids, references between
//! records, fiscal years that must agree with dates, and values that must suit their metric's
//! unit.

use std::collections::{HashMap, HashSet};

use super::records::MunicipalityFile;
use super::{Dataset, DatasetError};
use crate::domain::{Unit, codes, fiscal_year};

impl Dataset {
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
    pub(super) fn validate(&self) -> Result<(), DatasetError> {
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
            let from = fiscal_year::resolve(a.fiscal_year.map(|y| y.0), a.date.as_ref())
                .map_err(|e| err(format!("{at}.activities[{j}]"), "fiscal_year", e))?;
            match (&a.date, &a.date_end) {
                (None, Some(_)) => {
                    return Err(err(
                        format!("{at}.activities[{j}]"),
                        "date_end",
                        "a period needs its start in `date`".into(),
                    ));
                }
                (Some(start), Some(end)) if end.0 < start.0 => {
                    return Err(err(
                        format!("{at}.activities[{j}]"),
                        "date_end",
                        format!("{} is before the date {}", end.0, start.0),
                    ));
                }
                _ => {}
            }
            if let Some(to) = a.fiscal_year_to
                && to.0 < from
            {
                return Err(err(
                    format!("{at}.activities[{j}]"),
                    "fiscal_year_to",
                    format!("{} is before the span's first fiscal year {from}", to.0),
                ));
            }
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
