//! A deterministic synthetic dataset of all of Japan, for benchmarks.
//!
//! The five transcribed cities in `data/` are far too few to show how the importer, the
//! database and the GraphQL API behave at the scale the hub is meant for: every one of Japan's
//! 1,741 municipalities, each with years of observations, programmes and meetings. This module
//! writes such a dataset in the project's own format (`data/FORMAT.md`), with the shapes and
//! proportions of the real files, so that a benchmark exercises the same code paths as real
//! data: the same validation, the same nested lists, the same gaps in time series and the same
//! kind of Japanese text for search.
//!
//! The output depends only on [`GenerateOptions`]: a seed gives byte-identical files on every
//! run, whatever the number of threads, because each municipality draws from its own random
//! stream. (Scales go through `ln`, `exp` and `powf`, so another platform's libm could, rarely,
//! round a value differently.) The codes never collide with the five real cities, so the synthetic
//! set can be imported next to them.

mod city;
mod places;
mod rng;
mod words;
mod yaml;

use std::path::{Component, Path};

use anyhow::{Context as _, anyhow, bail};

use self::city::{City, Ctx};
use self::places::{liaison_areas, places, regions_text};
use crate::dataset::records::MetricsFile;
use crate::domain::fiscal_year::{MAX_YEAR, MIN_YEAR};

/// Japan's number of municipalities (市区町村, Tokyo's 23 special wards included).
pub const MAX_MUNICIPALITIES: usize = 1741;
/// More years than this would be a time series no municipality publishes.
pub const MAX_YEARS: u32 = 50;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateOptions {
    /// How many municipalities, 1..=1,741.
    pub municipalities: usize,
    /// How many fiscal years of observations, activities and meetings, 1..=50.
    pub years: u32,
    /// The first of those fiscal years.
    pub first_fiscal_year: i32,
    pub seed: u64,
}

impl Default for GenerateOptions {
    /// All of Japan over twenty years: the benchmark the module was written for.
    fn default() -> Self {
        GenerateOptions {
            municipalities: MAX_MUNICIPALITIES,
            years: 20,
            first_fiscal_year: 2005,
            seed: 1,
        }
    }
}

impl GenerateOptions {
    /// Checks the options; the message says which option is wrong and what would be right.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !(1..=MAX_MUNICIPALITIES).contains(&self.municipalities) {
            bail!(
                "municipalities must be between 1 and {MAX_MUNICIPALITIES} (the number of municipalities in Japan), got {}",
                self.municipalities
            );
        }
        if !(1..=MAX_YEARS).contains(&self.years) {
            bail!(
                "years must be between 1 and {MAX_YEARS}, got {}",
                self.years
            );
        }
        if !(MIN_YEAR..=MAX_YEAR).contains(&self.first_fiscal_year) {
            bail!(
                "first_fiscal_year must be between {MIN_YEAR} and {MAX_YEAR} (the years the hub accepts), got {}",
                self.first_fiscal_year
            );
        }
        let last = i64::from(self.first_fiscal_year) + i64::from(self.years) - 1;
        if last > i64::from(MAX_YEAR) {
            bail!(
                "{} fiscal years from {} would end in {last}, after {MAX_YEAR}, the last year the hub accepts; start no later than {}",
                self.years,
                self.first_fiscal_year,
                i64::from(MAX_YEAR) - i64::from(self.years) + 1
            );
        }
        Ok(())
    }

    fn last_fiscal_year(&self) -> i32 {
        // validate() has bounded it by MAX_YEAR, so the sum fits.
        self.first_fiscal_year + i32::try_from(self.years).unwrap_or(1) - 1
    }
}

/// One file of the dataset, its path relative to the dataset folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// e.g. `municipalities/synth-0001.yaml`
    pub path: String,
    pub text: String,
}

/// Files in the same layout as `data/`: `metrics.yaml`, `regions.yaml` and
/// `municipalities/<slug>.yaml`, in that order.
pub fn generate(opts: &GenerateOptions) -> anyhow::Result<Vec<GeneratedFile>> {
    opts.validate()?;
    let catalogue: MetricsFile = serde_norway::from_str(METRICS_YAML)
        .context("the bundled data/metrics.yaml does not parse")?;
    let ctx = Ctx {
        seed: opts.seed,
        first: opts.first_fiscal_year,
        last: opts.last_fiscal_year(),
        metrics: catalogue
            .metrics
            .iter()
            .map(|m| (m.code.clone(), m.unit))
            .collect(),
    };
    let mut places = places(opts.municipalities, opts.seed);
    let areas = liaison_areas(&mut places, opts.seed);

    let mut files = Vec::with_capacity(places.len() + 2);
    files.push(GeneratedFile {
        path: "metrics.yaml".into(),
        text: METRICS_YAML.into(),
    });
    files.push(GeneratedFile {
        path: "regions.yaml".into(),
        text: regions_text(&places, &areas, opts),
    });
    let texts = in_parallel(&places, |place| {
        City::new(&ctx, place, place.area.map(|i| &areas[i])).file()
    })?;
    for (place, text) in places.iter().zip(texts) {
        files.push(GeneratedFile {
            path: format!("municipalities/{}.yaml", place.slug()),
            text,
        });
    }
    Ok(files)
}

/// Writes the files under `dir`, creating the folders they need.
pub fn write(files: &[GeneratedFile], dir: &Path) -> anyhow::Result<()> {
    for file in files {
        let relative = Path::new(&file.path);
        // The paths are ours, but a caller could build a GeneratedFile by hand: never let one
        // escape the folder it was asked to write into.
        if relative.as_os_str().is_empty()
            || !relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
        {
            bail!(
                "{:?} is not a relative path inside the dataset folder",
                file.path
            );
        }
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: cannot create the folder", parent.display()))?;
        }
        std::fs::write(&path, &file.text)
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(())
}

/// The catalogue is shared with the real data, so observations use exactly its codes.
const METRICS_YAML: &str = include_str!("../../../data/metrics.yaml");

/// Runs `f` over the items on all cores and returns the results in the items' order.
fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> anyhow::Result<Vec<R>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, items.len().max(1));
    let chunk = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for handle in handles {
            out.extend(
                handle
                    .join()
                    .map_err(|_| anyhow!("a generator thread panicked"))?,
            );
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::time::Instant;

    use std::collections::BTreeMap;

    use super::places::{REAL_CODES, REAL_COUNTS, apportion};
    use super::yaml::plain_is_safe;
    use super::*;
    use crate::dataset::Dataset;
    use crate::dataset::records::MunicipalityFile;
    use crate::domain::codes::{PREFECTURES, validate_municipality_code};
    use crate::domain::{BodyKind, RegionKind, Unit};

    fn opts(municipalities: usize, years: u32, seed: u64) -> GenerateOptions {
        GenerateOptions {
            municipalities,
            years,
            first_fiscal_year: 2016,
            seed,
        }
    }

    fn parse(files: &[GeneratedFile]) -> Dataset {
        Dataset::from_texts(files.iter().map(|f| (f.path.as_str(), f.text.as_str())))
            .unwrap_or_else(|e| panic!("the generated dataset is refused: {e}"))
    }

    fn small() -> (Vec<GeneratedFile>, Dataset) {
        let files = generate(&opts(25, 5, 7)).unwrap_or_else(|e| panic!("{e}"));
        let ds = parse(&files);
        (files, ds)
    }

    fn cities(ds: &Dataset) -> impl Iterator<Item = &MunicipalityFile> {
        ds.municipalities.iter().map(|(_, m)| m)
    }

    #[test]
    fn a_small_set_passes_the_importers_validation() {
        let (files, ds) = small();
        assert_eq!(files.len(), 27);
        assert_eq!(files[0].path, "metrics.yaml");
        assert_eq!(files[0].text, METRICS_YAML);
        assert_eq!(files[1].path, "regions.yaml");
        assert_eq!(files[2].path, "municipalities/synth-0001.yaml");
        assert_eq!(ds.municipalities.len(), 25);
        let regions = ds.regions.as_ref().expect("regions.yaml is generated");
        assert!(regions.regions.iter().any(|r| r.slug.starts_with("pref-")));
        for r in &regions.regions {
            if matches!(r.kind, RegionKind::LiaisonArea) {
                assert!((4..=8).contains(&r.members.len()), "{}", r.slug);
            }
        }
        for m in cities(&ds) {
            assert!(m.municipality.slug.starts_with("synth-"));
            assert!(m.municipality.name_kana.is_some());
            let population = m.municipality.population.expect("population").0;
            assert!((1_000..=3_700_000).contains(&population), "{population}");
            assert_eq!(m.ordinances.len(), 1);
            assert!((3..=9).contains(&m.programs.len()));
            assert!((2..=4).contains(&m.bodies.len()));
            assert_eq!(m.support_centers.len(), 1);
            let hq = m
                .bodies
                .iter()
                .filter(|b| matches!(b.kind, BodyKind::Headquarters));
            assert_eq!(hq.count(), 1);
            assert!(
                m.bodies
                    .iter()
                    .any(|b| matches!(b.kind, BodyKind::Secretariat) && b.parent.is_some())
            );
        }
    }

    #[test]
    fn the_edges_of_the_year_range_pass_too() {
        for (first, years) in [(1926, 3), (2051, 50), (2100, 1)] {
            let o = GenerateOptions {
                municipalities: 4,
                years,
                first_fiscal_year: first,
                seed: 3,
            };
            parse(&generate(&o).unwrap_or_else(|e| panic!("{first}+{years}: {e}")));
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
        let a = generate(&opts(12, 4, 42)).expect("valid options");
        let b = generate(&opts(12, 4, 42)).expect("valid options");
        let c = generate(&opts(12, 4, 43)).expect("valid options");
        assert_eq!(a, b);
        assert_ne!(a, c);
        // The catalogue is the same whatever the seed; everything a city holds differs.
        assert_eq!(a[0], c[0]);
        assert_ne!(a[2].text, c[2].text);
    }

    #[test]
    fn codes_are_unique_valid_spread_and_never_the_real_five() {
        let all = places(MAX_MUNICIPALITIES, 1);
        let codes: HashSet<&str> = all.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes.len(), MAX_MUNICIPALITIES);
        let mut per_prefecture: HashMap<&str, usize> = HashMap::new();
        for p in &all {
            let prefecture =
                validate_municipality_code(&p.code).unwrap_or_else(|e| panic!("{}: {e}", p.code));
            assert_eq!(prefecture.code, p.prefecture.code);
            *per_prefecture.entry(prefecture.code).or_default() += 1;
        }
        for real in REAL_CODES {
            assert!(!codes.contains(real), "{real} is a real city's code");
        }
        for (prefecture, count) in PREFECTURES.iter().zip(REAL_COUNTS) {
            assert_eq!(per_prefecture.get(prefecture.code), Some(&count));
        }
        // A small set still spreads over many prefectures.
        let few = places(100, 1);
        let spread: HashSet<&str> = few.iter().map(|p| p.prefecture.code).collect();
        assert!(spread.len() >= 40, "{}", spread.len());
        assert_eq!(apportion(100).iter().sum::<usize>(), 100);
    }

    #[test]
    fn observations_have_gaps_but_every_metric_has_values() {
        let (_, ds) = small();
        let catalogue = ds.metrics.as_ref().expect("metrics.yaml");
        let mut per_metric: HashMap<&str, usize> = HashMap::new();
        let mut cells = 0;
        for m in cities(&ds) {
            for o in &m.observations {
                *per_metric.entry(o.metric.as_str()).or_default() += 1;
                assert!((2016..=2020).contains(&o.fiscal_year.0));
            }
            cells += catalogue.metrics.len() * 5;
        }
        for metric in &catalogue.metrics {
            assert!(
                per_metric.get(metric.code.as_str()).is_some_and(|n| *n > 0),
                "{} has no values",
                metric.code
            );
        }
        let total: usize = per_metric.values().sum();
        assert!(total < cells * 95 / 100, "{total} of {cells}: no gaps");
        assert!(total > cells / 2, "{total} of {cells}: too many gaps");
    }

    #[test]
    fn indicator_values_are_in_range_and_progress_is_computable() {
        let (_, ds) = small();
        let (mut indicators, mut with_progress, mut linked) = (0, 0, 0);
        for m in cities(&ds) {
            for plan in &m.plans {
                assert!((3..=5).contains(&plan.policies.len()));
                assert!((3..=10).contains(&plan.indicators.len()));
                for ind in &plan.indicators {
                    indicators += 1;
                    let baseline = ind
                        .baseline
                        .as_ref()
                        .expect("every indicator has a baseline");
                    assert!((1..=2).contains(&ind.targets.len()));
                    for v in ind.targets.iter().chain(&ind.observations) {
                        assert!(v.fiscal_year.0 > baseline.fiscal_year.0);
                    }
                    for v in std::iter::once(baseline)
                        .chain(&ind.targets)
                        .chain(&ind.observations)
                    {
                        assert!(v.value.0 >= 0.0);
                        if matches!(ind.unit, Unit::Percent) {
                            assert!(v.value.0 <= 100.0, "{}: {}", ind.id, v.value.0);
                        }
                    }
                    if let Some(metric) = &ind.metric {
                        for v in &ind.observations {
                            let same = m.observations.iter().find(|o| {
                                &o.metric == metric && o.fiscal_year.0 == v.fiscal_year.0
                            });
                            if let Some(o) = same {
                                assert_eq!(o.value.0, v.value.0, "{}: {metric}", ind.id);
                                linked += 1;
                            }
                        }
                    }
                    let last_target = ind.targets.last().expect("a target").value.0;
                    if !ind.observations.is_empty() && last_target != baseline.value.0 {
                        with_progress += 1;
                    }
                }
            }
        }
        assert!(
            with_progress * 10 > indicators * 6,
            "{with_progress}/{indicators}"
        );
        assert!(linked > 0, "no indicator repeats a catalogue metric");
    }

    #[test]
    fn items_schedules_and_reposts_look_like_the_real_plans() {
        let (_, ds) = small();
        let (mut items, mut reposts) = (0, 0);
        for m in cities(&ds) {
            for plan in &m.plans {
                for policy in &plan.policies {
                    assert!((2..=4).contains(&policy.measures.len()));
                    for measure in &policy.measures {
                        assert!((2..=5).contains(&measure.items.len()));
                        for item in &measure.items {
                            items += 1;
                            reposts += usize::from(item.repost_of.is_some());
                            assert!((4..=5).contains(&item.schedule.len()));
                            let years: Vec<i32> =
                                item.schedule.iter().map(|s| s.fiscal_year.0).collect();
                            assert!(years.windows(2).all(|w| w[1] == w[0] + 1));
                            assert!(!item.departments.is_empty());
                            assert!(!item.targets.is_empty());
                        }
                    }
                }
            }
        }
        assert!(reposts > 0 && reposts * 8 < items, "{reposts}/{items}");
    }

    #[test]
    fn search_terms_are_spread_as_benchmarks_expect() {
        let (files, ds) = small();
        let share = |hits: usize, all: usize| hits as f64 / all as f64;
        let (mut items, mut bosai_items, mut training_items) = (0, 0, 0);
        let (mut programs, mut bosai_programs) = (0, 0);
        let (mut agenda, mut bosai_agenda) = (0, 0);
        for m in cities(&ds) {
            for plan in &m.plans {
                for item in plan
                    .policies
                    .iter()
                    .flat_map(|p| &p.measures)
                    .flat_map(|m| &m.items)
                {
                    let text = format!(
                        "{}{}{}",
                        item.title,
                        item.purpose.as_deref().unwrap_or_default(),
                        item.content.as_deref().unwrap_or_default()
                    );
                    items += 1;
                    bosai_items += usize::from(text.contains("防災"));
                    training_items += usize::from(text.contains("研修"));
                }
            }
            for p in &m.programs {
                programs += 1;
                let text = format!(
                    "{}{}",
                    p.title,
                    p.description.as_deref().unwrap_or_default()
                );
                bosai_programs += usize::from(text.contains("防災"));
            }
            for a in m
                .bodies
                .iter()
                .flat_map(|b| &b.meetings)
                .flat_map(|m| &m.agenda)
            {
                agenda += 1;
                bosai_agenda += usize::from(a.contains("防災"));
            }
            assert!(
                m.bodies.iter().any(|b| b.name_ja.contains("協働推進員")
                    || b.duties.iter().any(|d| d.contains("協働推進員"))),
                "{}",
                m.municipality.slug
            );
        }
        for (what, hits, all) in [
            ("items", bosai_items, items),
            ("programmes", bosai_programs, programs),
            ("agenda items", bosai_agenda, agenda),
        ] {
            let s = share(hits, all);
            assert!((0.1..=0.32).contains(&s), "防災 in {hits}/{all} {what}");
        }
        assert!(share(training_items, items) > 0.1);
        for term in [
            "研修",
            "子育て",
            "環境",
            "地域づくり",
            "市民活動",
            "高齢者",
            "観光",
        ] {
            let cities_with = files[2..].iter().filter(|f| f.text.contains(term)).count();
            assert!(cities_with >= 10, "{term} in {cities_with} cities");
        }
    }

    #[test]
    fn options_are_checked_with_clear_messages() {
        let ok = opts(1, 1, 0);
        assert!(ok.validate().is_ok());
        for (bad, words) in [
            (opts(0, 5, 0), "municipalities"),
            (opts(1742, 5, 0), "1741"),
            (opts(5, 0, 0), "years"),
            (opts(5, 51, 0), "years"),
            (
                GenerateOptions {
                    first_fiscal_year: 1925,
                    ..ok.clone()
                },
                "first_fiscal_year",
            ),
            (
                GenerateOptions {
                    first_fiscal_year: 2090,
                    years: 12,
                    ..ok.clone()
                },
                "2101",
            ),
        ] {
            let e = generate(&bad).expect_err("invalid options").to_string();
            assert!(e.contains(words), "{e}");
        }
    }

    #[test]
    fn written_files_read_back_as_a_dataset() {
        let files = generate(&opts(5, 2, 11)).expect("valid options");
        let dir = tempfile::tempdir().expect("a temporary folder");
        write(&files, dir.path()).expect("written");
        let ds = Dataset::read(dir.path()).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(ds.municipalities.len(), 5);
        let escape = [GeneratedFile {
            path: "../outside.yaml".into(),
            text: String::new(),
        }];
        assert!(write(&escape, dir.path()).is_err());
    }

    #[test]
    fn plain_scalars_are_only_used_where_they_read_back_unchanged() {
        for s in [
            "",
            "-a",
            "1st",
            "true",
            "No",
            "a: b",
            "a #b",
            "*x",
            "[x]",
            "x:",
            " x",
            "2017-09-28",
        ] {
            assert!(!plain_is_safe(s, false), "{s:?}");
        }
        for s in ["a,b", "a:b", "{x"] {
            assert!(!plain_is_safe(s, true), "{s:?}");
        }
        for s in [
            "協働推進員",
            "(1)協働について",
            "○委員長:副市長",
            "→",
            "I-(1)-①",
        ] {
            assert!(plain_is_safe(s, false), "{s:?}");
        }
    }

    /// The benchmark figure: `cargo test --release --lib generate::tests::full_scale -- --ignored --nocapture`
    #[test]
    #[ignore = "full scale; run in release with --ignored --nocapture"]
    fn full_scale() {
        let o = GenerateOptions::default();
        let started = Instant::now();
        let files = generate(&o).expect("valid options");
        let generated = started.elapsed();
        let bytes: usize = files.iter().map(|f| f.text.len()).sum();
        let started = Instant::now();
        let ds = parse(&files);
        let parsed = started.elapsed();

        let mut rows: BTreeMap<&str, usize> = BTreeMap::new();
        let mut add = |k, n| *rows.entry(k).or_default() += n;
        for m in cities(&ds) {
            add("municipalities", 1);
            add("sources", m.sources.len());
            add("ordinances", m.ordinances.len());
            add(
                "articles",
                m.ordinances.iter().map(|o| o.articles.len()).sum(),
            );
            add("plans", m.plans.len());
            for plan in &m.plans {
                add("sections", plan.sections.len());
                add("policies", plan.policies.len());
                for policy in &plan.policies {
                    add("measures", policy.measures.len());
                    for measure in &policy.measures {
                        add("items", measure.items.len());
                        add(
                            "schedule entries",
                            measure.items.iter().map(|i| i.schedule.len()).sum(),
                        );
                    }
                }
                add("indicators", plan.indicators.len());
                add(
                    "indicator values",
                    plan.indicators
                        .iter()
                        .map(|i| 1 + i.targets.len() + i.observations.len())
                        .sum(),
                );
            }
            add("observations", m.observations.len());
            add("programs", m.programs.len());
            add(
                "activities",
                m.programs.iter().map(|p| p.activities.len()).sum(),
            );
            add(
                "proposals",
                m.programs.iter().map(|p| p.proposals.len()).sum(),
            );
            add("bodies", m.bodies.len());
            add("body years", m.bodies.iter().map(|b| b.yearly.len()).sum());
            add("meetings", m.bodies.iter().map(|b| b.meetings.len()).sum());
            add(
                "agenda items",
                m.bodies
                    .iter()
                    .flat_map(|b| &b.meetings)
                    .map(|m| m.agenda.len())
                    .sum(),
            );
            add("support centres", m.support_centers.len());
        }
        let regions = ds.regions.as_ref().expect("regions.yaml");
        add("regions", regions.regions.len());
        add(
            "region members",
            regions.regions.iter().map(|r| r.members.len()).sum(),
        );
        let total: usize = rows.values().sum();
        println!(
            "{} municipalities x {} years: generated in {generated:.2?}, {} files, {bytes} bytes ({:.1} MB); validated by Dataset::from_texts in {parsed:.2?}",
            o.municipalities,
            o.years,
            files.len(),
            bytes as f64 / 1e6
        );
        for (k, n) in &rows {
            println!("  {k:>18}: {n}");
        }
        println!("  {:>18}: {total}", "total rows");
        assert_eq!(ds.municipalities.len(), MAX_MUNICIPALITIES);
    }
}
