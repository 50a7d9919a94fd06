//! One municipality's file, and the labels its documents would print.

use std::collections::BTreeMap;

use super::places::{Area, Place};
use super::rng::{Rng, STREAM_CITY};
use super::words::{
    AFFILIATIONS, AGENDA, ARTICLES, BOSAI, BOSAI_AGENDA, CIRCLED, COMPLETIONS, CONTENTS,
    CURRENT_STATES, FIELDS, Field, GENERAL_DEPARTMENTS, GIVEN_NAMES, IMPLEMENTERS, INDICATORS,
    ITEM_TITLES, MEASURE_TITLES, POLICY_TITLES, PURPOSES, ROMAN, SECTIONS, SURNAMES, TARGET_ACTORS,
};
use super::yaml::{Flow, Yaml};
use crate::domain::fiscal_year::{Era, FiscalYearInfo, MAX_YEAR, MIN_YEAR};
use crate::domain::{
    ActorType, BodyKind, ManagementModel, MeetingFormat, ProgramKind, ProposalStage, ProposalTrack,
    Unit,
};

/// Share of observation cells left empty, so that benchmarks meet gaps as in real reports.
const MISSING_SHARE: f64 = 0.15;
/// Share of items, programmes and agenda items about disaster prevention (防災): a search
/// benchmark needs a term that is neither rare nor everywhere.
const BOSAI_SHARE: f64 = 0.2;
/// Share of plan items printed again under another measure (【再掲】).
const REPOST_SHARE: f64 = 1.0 / 15.0;

// ---------------------------------------------------------------------------------------------
// Labels the documents would print.

fn era_letter(era: Era) -> char {
    match era {
        Era::Showa => 'S',
        Era::Heisei => 'H',
        Era::Reiwa => 'R',
    }
}

/// `H29`, `R5`
fn short_year_label(year: i32) -> String {
    let info = FiscalYearInfo::of(year);
    format!("{}{}", era_letter(info.era), info.era_year)
}

/// The era of a calendar date: (name, letter, year of the era).
fn calendar_era(year: i32, month: u32, day: u32) -> (&'static str, char, i32) {
    let ymd = (year, month, day);
    if ymd >= (2019, 5, 1) {
        ("令和", 'R', year - 2018)
    } else if ymd >= (1989, 1, 8) {
        ("平成", 'H', year - 1988)
    } else if ymd >= (1926, 12, 25) {
        ("昭和", 'S', year - 1925)
    } else {
        ("大正", 'T', year - 1911)
    }
}

fn era_number(n: i32) -> String {
    if n == 1 {
        "元".to_owned()
    } else {
        n.to_string()
    }
}

/// A calendar date inside a fiscal year.
#[derive(Clone, Copy)]
struct Day {
    year: i32,
    month: u32,
    day: u32,
}

impl Day {
    fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
    fn iso_month(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
    /// 令和5年8月10日
    fn ja(self) -> String {
        let (era, _, n) = calendar_era(self.year, self.month, self.day);
        format!("{era}{}年{}月{}日", era_number(n), self.month, self.day)
    }
    /// 令和5年8月
    fn ja_month(self) -> String {
        let (era, _, n) = calendar_era(self.year, self.month, self.day);
        format!("{era}{}年{}月", era_number(n), self.month)
    }
    /// R5.8.10
    fn dotted(self) -> String {
        let (_, letter, n) = calendar_era(self.year, self.month, self.day);
        format!("{letter}{n}.{}.{}", self.month, self.day)
    }
}

/// Months of a fiscal year counted from April; FY2100 stops in December because 2101 is
/// outside the years the hub accepts.
fn fiscal_months(fiscal_year: i32) -> usize {
    if fiscal_year >= MAX_YEAR { 9 } else { 12 }
}

fn day_in(fiscal_year: i32, fiscal_month: usize, day: u32) -> Day {
    let month = (fiscal_month as u32 + 3) % 12 + 1;
    Day {
        year: if month <= 3 {
            fiscal_year + 1
        } else {
            fiscal_year
        },
        month,
        day,
    }
}

/// Fills a template: `{f}` the field, `{a}` its activity, `{g}` its goal, `{m}` 市, 町 or 村.
/// Other braces are left as they are.
fn fill(m: &str, template: &str, f: &Field) -> String {
    let mut out = String::with_capacity(template.len() + 48);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (value, skip) = match tail.get(..3) {
            Some("{f}") => (f.name, 3),
            Some("{a}") => (f.activity, 3),
            Some("{g}") => (f.goal, 3),
            Some("{m}") => (m, 3),
            _ => ("{", 1),
        };
        out.push_str(value);
        rest = &tail[skip..];
    }
    out.push_str(rest);
    out
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

// ---------------------------------------------------------------------------------------------
// One municipality's file.

pub(super) struct Ctx {
    pub(super) seed: u64,
    pub(super) first: i32,
    pub(super) last: i32,
    /// the catalogue's codes and units, in catalogue order
    pub(super) metrics: Vec<(String, Unit)>,
}

/// A plan's header, decided before the sources so that the plan can cite its own document.
struct PlanHeader {
    id: &'static str,
    source: &'static str,
    title: String,
    subtitle: Option<&'static str>,
    published: String,
    period_start: i32,
    period_end: i32,
    action_start: i32,
    /// prefix of its indicator ids, unique within the file
    id_prefix: &'static str,
}

#[derive(Clone)]
struct Item {
    label: String,
    title: String,
    tags: Vec<&'static str>,
    repost_of: Option<String>,
    departments: Vec<&'static str>,
    implementers: (&'static str, &'static [ActorType]),
    targets: Vec<ActorType>,
    purpose: String,
    current_state: String,
    content: String,
    completion: String,
    schedule: Vec<(i32, &'static str)>,
    note: Option<String>,
}

#[derive(Default)]
struct Activity {
    title: String,
    date: Option<String>,
    fiscal_year: i32,
    label_ja: Option<String>,
    sessions: Option<i64>,
    participants: Option<i64>,
    approximate: bool,
    audience: Option<String>,
    topic: Option<String>,
    department: Option<&'static str>,
    venue: Option<String>,
    speakers: Vec<String>,
    note: Option<String>,
}

/// A catalogue metric's cells: (fiscal year, value, approximate).
type Series<'c> = (&'c str, Vec<(i32, f64, bool)>);

struct Proposal {
    fiscal_year: i32,
    track: ProposalTrack,
    title: Option<String>,
    count: i64,
    stage: ProposalStage,
}

/// Yearly totals the observations repeat, so that a benchmark comparing programmes with the
/// catalogue metrics finds them consistent.
#[derive(Default)]
struct Totals {
    /// proposals received per fiscal year, when the city has a proposal scheme
    proposals: Option<BTreeMap<i32, i64>>,
    /// staff trained per fiscal year, and whether any count was approximate
    training: BTreeMap<i32, (i64, bool)>,
}

struct Center {
    opened: i32,
    model: ManagementModel,
}

pub(super) struct City<'a> {
    ctx: &'a Ctx,
    place: &'a Place,
    area: Option<&'a Area>,
    rng: Rng,
    name: String,
    /// 市, 町 or 村: the word the texts use for the municipality
    m: &'static str,
    /// grows with population; scales counts of people
    size: f64,
}

impl<'a> City<'a> {
    pub(super) fn new(ctx: &'a Ctx, place: &'a Place, area: Option<&'a Area>) -> City<'a> {
        City {
            ctx,
            place,
            area,
            rng: Rng::stream(ctx.seed, STREAM_CITY + place.number as u64),
            name: place.name_ja(),
            m: place.kind.suffix(),
            size: (f64::from(place.population) / 100_000.0).powf(0.35),
        }
    }

    fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.ctx.first..=self.ctx.last
    }

    /// A field of collaboration; 防災 in [`BOSAI_SHARE`] of draws.
    fn any_field(&mut self) -> &'static Field {
        if self.rng.chance(BOSAI_SHARE) {
            &BOSAI
        } else {
            self.rng.pick(&FIELDS)
        }
    }

    fn other_field(&mut self) -> &'static Field {
        self.rng.pick(&FIELDS)
    }

    fn year_label(&mut self, year: i32) -> String {
        if self.rng.chance(0.3) {
            short_year_label(year)
        } else {
            FiscalYearInfo::of(year).label_ja
        }
    }

    fn day(&mut self, fiscal_year: i32) -> Day {
        let months = fiscal_months(fiscal_year);
        let month = self.rng.below(months);
        let day = self.rng.between(1, 28) as u32;
        day_in(fiscal_year, month, day)
    }

    /// A count of people that grows with the municipality.
    fn people(&mut self, lo: f64, hi: f64) -> i64 {
        ((self.rng.uniform(lo, hi) * self.size).round() as i64).max(3)
    }

    fn clamp_year(year: i32) -> i32 {
        year.clamp(MIN_YEAR, MAX_YEAR)
    }

    pub(super) fn file(mut self) -> String {
        let years = (self.ctx.last - self.ctx.first + 1) as usize;
        let mut y = Yaml::with_capacity(48_000 + years * 4_000);
        y.comment(&format!(
            "{} — synthetic municipality generated by kyodo-hub (seed {}); not real data.",
            self.name, self.ctx.seed
        ));
        y.s.push('\n');

        y.key(0, "municipality");
        y.quoted(2, "code", &self.place.code);
        y.str(2, "slug", &self.place.slug());
        y.str(2, "name_ja", &self.name);
        y.str(2, "name_en", &self.place.name_en());
        y.str(2, "name_kana", &self.place.name_kana());
        y.number(2, "population", i64::from(self.place.population));
        y.number(2, "population_year", 2020);
        y.str(2, "population_source", "census-2020");
        y.s.push('\n');

        let plans = self.plan_headers();
        let center = Center {
            opened: Self::clamp_year(self.ctx.first - self.rng.between(-2, 15)),
            model: match self.rng.weighted(&[25, 45, 25, 5]) {
                0 => ManagementModel::Direct,
                1 => ManagementModel::DesignatedManager,
                2 => ManagementModel::Outsourced,
                _ => ManagementModel::Unknown,
            },
        };
        // Programmes and metric series are drawn first: the observations repeat the
        // programmes' totals, and indicators tied to a catalogue metric repeat its values.
        let mut programs = Yaml::with_capacity(16_000 + years * 1_500);
        let totals = self.programs(&mut programs);
        let series = self.metric_series(&totals, &center);

        self.sources(&mut y, &plans);
        self.ordinance(&mut y);
        if !plans.is_empty() {
            y.key(0, "plans");
            for plan in &plans {
                self.plan(&mut y, plan, &series);
            }
            y.s.push('\n');
        }
        self.observations(&mut y, series);
        y.s.push_str(&programs.s);
        self.bodies(&mut y);
        self.support_center(&mut y, &center);
        y.s
    }

    fn plan_headers(&mut self) -> Vec<PlanHeader> {
        let count = match self.rng.weighted(&[8, 82, 10]) {
            0 => 0,
            1 => 1,
            _ => 2,
        };
        let mut out = Vec::new();
        if count == 0 {
            return out;
        }
        let base_title = match self.rng.below(3) {
            0 => format!("{}協働推進プラン", self.name),
            1 => format!("{}市民協働推進計画", self.name),
            _ => format!("{}協働のまちづくり推進計画", self.name),
        };
        // The action plan's five years overlap the observed window, as a current plan would.
        let lo = self.ctx.first - 2;
        let hi = (self.ctx.last - 4).max(lo);
        let mut action_start = self.rng.between(lo, hi).clamp(MIN_YEAR + 1, MAX_YEAR - 4);
        for k in 0..count {
            if k > 0 && action_start + 4 > MAX_YEAR {
                break;
            }
            // A plan followed by a 第2次 plan ends where its successor begins.
            let period_end = if k + 1 < count {
                action_start + 4
            } else {
                (action_start + 4 + self.rng.between(0, 5)).min(MAX_YEAR)
            };
            let subtitle = *self.rng.pick(&[
                Some("自立と共生の地域社会を目指して"),
                Some("みんなでつくる協働のまち"),
                Some("つながり、支え合うまちづくり"),
                None,
            ]);
            out.push(PlanHeader {
                id: if k == 0 { "plan" } else { "plan-2" },
                source: if k == 0 { "plan" } else { "plan-2" },
                title: if k == 0 {
                    base_title.clone()
                } else {
                    format!("第2次{base_title}")
                },
                subtitle,
                published: format!("{:04}-03", (action_start - 1).max(MIN_YEAR)),
                period_start: action_start,
                period_end,
                action_start,
                id_prefix: if k == 0 { "" } else { "p2-" },
            });
            action_start += 5;
        }
        out
    }

    fn sources(&mut self, y: &mut Yaml, plans: &[PlanHeader]) {
        y.key(0, "sources");
        y.item();
        y.str(4, "id", "report");
        y.str(
            4,
            "title",
            &format!("{}協働の推進に関する取組状況報告書", self.name),
        );
        y.str(4, "publisher", &self.name);
        let published = (self.ctx.last + 1).min(MAX_YEAR);
        y.quoted(
            4,
            "published",
            &format!("{published:04}-{:02}", self.rng.between(4, 9)),
        );
        y.str(
            4,
            "note",
            &format!(
                "Synthetic: generated by kyodo-hub for benchmarks (seed {}). No such document exists.",
                self.ctx.seed
            ),
        );
        y.item();
        y.str(4, "id", "census-2020");
        y.str(4, "title", "令和2年国勢調査");
        y.str(4, "publisher", "総務省統計局");
        y.str(
            4,
            "note",
            "Synthetic population drawn log-uniformly; not a census count.",
        );
        for plan in plans {
            y.item();
            y.str(4, "id", plan.source);
            y.str(4, "title", &plan.title);
            y.str(4, "publisher", &self.name);
            y.quoted(4, "published", &plan.published);
        }
        y.s.push('\n');
    }

    fn ordinance(&mut self, y: &mut Yaml) {
        let title = match self.rng.below(4) {
            0 => format!("{}協働のまちづくり条例", self.name),
            1 => format!("{}参画及び協働の推進に関する条例", self.name),
            2 => format!("{}市民活動推進条例", self.name),
            _ => format!("{}自治基本条例", self.name),
        };
        let enacted = Self::clamp_year(self.ctx.first - self.rng.between(1, 15));
        let count = self.rng.between(3, 5) as usize;
        let start = self.rng.below(ARTICLES.len() - count + 1);
        y.key(0, "ordinances");
        y.item();
        y.str(4, "title", &title);
        y.quoted(
            4,
            "enacted",
            &format!("{enacted:04}-{:02}", self.rng.between(1, 12)),
        );
        y.str(4, "source", "report");
        y.key(4, "articles");
        for (i, (heading, chapter, text)) in ARTICLES.iter().enumerate().skip(start).take(count) {
            let f = self.other_field();
            y.item();
            y.number(8, "number", i as i64 + 1);
            y.str(8, "chapter", chapter);
            y.str(8, "heading", &fill(self.m, heading, f));
            y.text(8, "text", &fill(self.m, text, f));
            if self.rng.chance(0.4) {
                let year = self.rng.between(enacted, self.ctx.last);
                let year = self.year_label(year);
                let commentary = fill(
                    self.m,
                    &format!(
                        "{year}から関係各課において{{a}}等の協働事業を実施した。\n協働推進員を通じて各課の取組状況を把握している。"
                    ),
                    f,
                );
                y.text(8, "commentary", &commentary);
            }
        }
        y.s.push('\n');
    }

    fn plan(&mut self, y: &mut Yaml, plan: &PlanHeader, series: &[Series<'_>]) {
        y.item();
        y.str(4, "id", plan.id);
        y.str(4, "title", &plan.title);
        y.opt_str(4, "subtitle", plan.subtitle);
        y.quoted(4, "published", &plan.published);
        y.number(4, "period_start", i64::from(plan.period_start));
        y.number(4, "period_end", i64::from(plan.period_end));
        y.number(4, "action_plan_start", i64::from(plan.action_start));
        y.number(4, "action_plan_end", i64::from(plan.action_start + 4));
        y.str(4, "source", plan.source);

        let sections = self.rng.between(2, 4) as usize;
        let mut chosen = self.rng.distinct(SECTIONS.len(), sections);
        chosen.sort_unstable();
        y.key(4, "sections");
        for i in chosen {
            let (kind, number, heading, body) = SECTIONS[i];
            let f = self.other_field();
            y.item();
            y.str(8, "kind", kind.as_str());
            y.str(8, "number", number);
            y.str(8, "heading", &fill(self.m, heading, f));
            y.text(8, "body", &fill(self.m, body, f));
        }

        let policies = self.rng.between(3, 5) as usize;
        let titles = self.rng.distinct(POLICY_TITLES.len(), policies);
        let measure_counts: Vec<usize> = (0..policies)
            .map(|_| self.rng.between(2, 4) as usize)
            .collect();
        let mut measure_titles = self
            .rng
            .distinct(MEASURE_TITLES.len(), measure_counts.iter().sum())
            .into_iter();
        let mut originals: Vec<Item> = Vec::new();
        y.key(4, "policies");
        for (p, title) in titles.iter().enumerate() {
            y.item();
            y.quoted(8, "label", ROMAN[p]);
            y.str(8, "title", POLICY_TITLES[*title]);
            if self.rng.chance(0.25) {
                y.key(8, "roles");
                y.item();
                y.str(12, "actor_ja", "市民・市民活動団体");
                y.s.push_str("            actors: [CITIZEN, CIVIC_GROUP]\n");
                y.strs(
                    12,
                    "items",
                    &["情報の提供と共有", "活動への参加", "研修への参加"],
                );
                y.item();
                y.str(12, "actor_ja", "行政");
                y.s.push_str("            actors: [ADMINISTRATION]\n");
                y.strs(12, "items", &["活動の場の提供", "協働事業の実施"]);
            }
            y.key(8, "measures");
            for m in 0..measure_counts[p] {
                let measure_title = measure_titles
                    .next()
                    .map_or("協働の推進", |i| MEASURE_TITLES[i]);
                y.item();
                y.quoted(12, "label", &format!("({})", m + 1));
                y.str(12, "title", measure_title);
                y.key(12, "items");
                let items = self.rng.between(2, 5) as usize;
                for number in CIRCLED.iter().take(items) {
                    let label = format!("{}-({})-{}", ROMAN[p], m + 1, number);
                    let item = if !originals.is_empty() && self.rng.chance(REPOST_SHARE) {
                        let original = self.rng.pick(&originals).clone();
                        Item {
                            note: Some(format!("【再掲】 of {}.", original.label)),
                            repost_of: Some(original.label.clone()),
                            label,
                            ..original
                        }
                    } else {
                        let item = self.item(label, plan.action_start);
                        originals.push(item.clone());
                        item
                    };
                    write_item(y, &item);
                }
            }
        }
        self.indicators(y, plan, series);
    }

    fn item(&mut self, label: String, action_start: i32) -> Item {
        let f = self.any_field();
        let mut departments = vec![f.department];
        if self.rng.chance(0.6) {
            departments.insert(0, "協働推進課");
        }
        if self.rng.chance(0.3) {
            let extra = *self.rng.pick(&GENERAL_DEPARTMENTS);
            if !departments.contains(&extra) {
                departments.push(extra);
            }
        }
        let implementers = *self.rng.pick(&IMPLEMENTERS);
        let mut targets: Vec<ActorType> = TARGET_ACTORS
            .iter()
            .copied()
            .filter(|_| self.rng.chance(0.4))
            .collect();
        if targets.is_empty() {
            targets.push(*self.rng.pick(&TARGET_ACTORS));
        }
        Item {
            label,
            title: fill(self.m, self.rng.word(&ITEM_TITLES), f),
            tags: if self.rng.chance(0.12) {
                vec!["行政改革大綱推進計画"]
            } else {
                Vec::new()
            },
            repost_of: None,
            departments,
            implementers,
            targets,
            purpose: fill(self.m, self.rng.word(&PURPOSES), f),
            current_state: fill(self.m, self.rng.word(&CURRENT_STATES), f),
            content: fill(self.m, self.rng.word(&CONTENTS), f),
            completion: fill(self.m, self.rng.word(&COMPLETIONS), f),
            schedule: self.schedule(action_start),
            note: None,
        }
    }

    /// 年次計画: one cell per year of the action plan, in the documents' wording.
    fn schedule(&mut self, start: i32) -> Vec<(i32, &'static str)> {
        #[derive(Clone, Copy)]
        enum Phase {
            Study,
            Partial,
            Doing,
        }
        const FIRST: [(&str, Phase); 6] = [
            ("検討", Phase::Study),
            ("実施", Phase::Doing),
            ("検討・実施", Phase::Doing),
            ("一部実施", Phase::Partial),
            ("検討・一部実施", Phase::Partial),
            ("検討・周知", Phase::Study),
        ];
        const AFTER_STUDY: [(&str, Phase); 4] = [
            ("→", Phase::Study),
            ("実施", Phase::Doing),
            ("一部実施", Phase::Partial),
            ("検討・実施", Phase::Doing),
        ];
        const AFTER_PARTIAL: [(&str, Phase); 3] = [
            ("→", Phase::Partial),
            ("実施", Phase::Doing),
            ("見直し・実施", Phase::Doing),
        ];
        const AFTER_DOING: [(&str, Phase); 4] = [
            ("→", Phase::Doing),
            ("見直し・実施", Phase::Doing),
            ("実施", Phase::Doing),
            ("拡充", Phase::Doing),
        ];
        let skip = usize::from(self.rng.chance(0.15));
        let mut out = Vec::with_capacity(5);
        let mut phase = Phase::Study;
        for k in skip..5 {
            let (label, next) = if out.is_empty() {
                FIRST[self.rng.weighted(&[35, 30, 12, 10, 8, 5])]
            } else {
                match phase {
                    Phase::Study => AFTER_STUDY[self.rng.weighted(&[35, 35, 15, 15])],
                    Phase::Partial => AFTER_PARTIAL[self.rng.weighted(&[40, 45, 15])],
                    Phase::Doing => AFTER_DOING[self.rng.weighted(&[78, 12, 5, 5])],
                }
            };
            let label = if k == 4 && matches!(next, Phase::Doing) && self.rng.chance(0.08) {
                "実施・完了予定"
            } else {
                label
            };
            phase = next;
            out.push((start + k as i32, label));
        }
        out
    }

    fn indicators(&mut self, y: &mut Yaml, plan: &PlanHeader, series: &[Series<'_>]) {
        let count = self.rng.between(3, 10) as usize;
        let chosen = self.rng.distinct(INDICATORS.len(), count);
        let policies = ["I", "II", "III"];
        let action_end = plan.action_start + 4;
        y.key(4, "indicators");
        for (k, i) in chosen.into_iter().enumerate() {
            let spec = &INDICATORS[i];
            let baseline_year = (plan.action_start - self.rng.between(1, 2)).max(MIN_YEAR);
            let final_year = plan.period_end;
            let mut target_years = vec![final_year];
            if final_year > action_end && self.rng.chance(0.6) {
                target_years.insert(0, action_end);
            }
            let observed_until = self.ctx.last.min(final_year + 2);
            let observe = self.rng.chance(0.85);
            let percent = matches!(spec.unit, Unit::Percent);
            let round = |v: f64| {
                if percent {
                    round1(v.clamp(0.0, 100.0))
                } else {
                    v.round().max(0.0)
                }
            };
            // An indicator that is a catalogue count shows the city's own figures for it.
            let linked = spec
                .metric
                .and_then(|code| series.iter().find(|(c, _)| *c == code))
                .map(|(_, cells)| cells)
                .filter(|cells| !cells.is_empty());
            let (baseline, goal, observations) = if let Some(cells) = linked {
                let baseline = match cells.iter().find(|c| c.0 == baseline_year) {
                    Some(c) => c.1,
                    None => (cells[0].1 * self.rng.uniform(0.8, 0.95)).round(),
                };
                let peak = cells.iter().map(|c| c.1).fold(baseline, f64::max);
                let goal = (peak * self.rng.uniform(1.05, 1.3))
                    .round()
                    .max(baseline + 1.0);
                let candidates: Vec<(i32, f64)> = cells
                    .iter()
                    .filter(|c| c.0 > baseline_year && c.0 <= observed_until)
                    .map(|c| (c.0, c.1))
                    .collect();
                let n = if observe {
                    self.rng.between(1, 3) as usize
                } else {
                    0
                };
                let mut picked = self.rng.distinct(candidates.len(), n);
                picked.sort_unstable();
                (
                    baseline,
                    goal,
                    picked.into_iter().map(|j| candidates[j]).collect(),
                )
            } else {
                let (baseline, goal) = if percent {
                    let b = round1(self.rng.uniform(3.0, 70.0));
                    let g = if self.rng.chance(0.08) {
                        100.0
                    } else {
                        round1((b + self.rng.uniform(5.0, 30.0)).min(100.0))
                    };
                    (b, g)
                } else {
                    let b = (spec.coefficient
                        * f64::from(self.place.population).powf(spec.exponent)
                        * self.rng.uniform(0.7, 1.3))
                    .round()
                    .max(1.0);
                    (b, (b * self.rng.uniform(1.1, 1.5)).round().max(b + 1.0))
                };
                let years = if observe {
                    let n = self.rng.between(1, 3) as usize;
                    self.rng
                        .distinct_sorted(baseline_year + 1, observed_until, n)
                } else {
                    Vec::new()
                };
                let observations: Vec<(i32, f64)> = years
                    .into_iter()
                    .map(|year| {
                        // Some cities overshoot, some fall back: progress spreads around the line.
                        let t =
                            f64::from(year - baseline_year) / f64::from(final_year - baseline_year);
                        (
                            year,
                            round(baseline + (goal - baseline) * t * self.rng.uniform(0.3, 1.3)),
                        )
                    })
                    .collect();
                (baseline, goal, observations)
            };
            let value_at = |year: i32| {
                let t = f64::from(year - baseline_year) / f64::from(final_year - baseline_year);
                round(baseline + (goal - baseline) * t)
            };
            let long_labels = self.rng.chance(0.5);
            let label = |year: i32| {
                if long_labels {
                    FiscalYearInfo::of(year).label_ja
                } else {
                    format!("{}年度", short_year_label(year))
                }
            };
            let value = |y: &mut Yaml, indent: usize, year: i32, value: f64| {
                y.flow_entry(
                    indent,
                    &[
                        ("fiscal_year", Flow::Int(i64::from(year))),
                        ("value", Flow::Num(value)),
                        ("label_ja", Flow::Str(&label(year))),
                    ],
                );
            };

            y.item();
            y.str(8, "id", &format!("{}{}", plan.id_prefix, spec.id));
            y.quoted(8, "number", CIRCLED[k]);
            if self.rng.chance(0.7) {
                y.quoted(8, "policy", policies[self.rng.below(policies.len())]);
            }
            y.str(8, "name", spec.name);
            y.str(8, "unit", spec.unit.as_str());
            if let Some(metric) = spec.metric {
                y.str(8, "metric", metric);
            }
            y.flow_field(
                8,
                "baseline",
                &[
                    ("fiscal_year", Flow::Int(i64::from(baseline_year))),
                    ("value", Flow::Num(baseline)),
                    ("label_ja", Flow::Str(&label(baseline_year))),
                ],
            );
            y.key(8, "targets");
            for year in target_years {
                let v = if year == final_year {
                    goal
                } else {
                    value_at(year)
                };
                value(y, 10, year, v);
            }
            if !observations.is_empty() {
                y.key(8, "observations");
                for (year, v) in observations {
                    value(y, 10, year, v);
                }
            }
        }
    }

    /// Every value the city could report for each catalogue metric, before gaps.
    fn metric_series(&mut self, totals: &Totals, center: &Center) -> Vec<Series<'a>> {
        let years: Vec<i32> = self.years().collect();
        let pop = f64::from(self.place.population);
        let officers_since = self.ctx.first - self.rng.between(-(years.len() as i32) / 2, 10);
        let officers_base = (0.09 * pop.powf(0.55) * self.rng.uniform(0.8, 1.2)).max(3.0);
        let coordinator_ratio = self.rng.uniform(5.0, 8.0);
        let officers: Vec<Option<f64>> = years
            .iter()
            .map(|&year| {
                (year >= officers_since).then(|| {
                    (officers_base
                        * 1.015f64.powi(year - self.ctx.first)
                        * self.rng.uniform(0.95, 1.05))
                    .round()
                })
            })
            .collect();
        let ctx = self.ctx;
        let mut out = Vec::with_capacity(ctx.metrics.len());
        for (code, unit) in &ctx.metrics {
            // (fiscal year, value, approximate) for every year the metric could be counted
            let cells: Vec<(i32, f64, bool)> = match code.as_str() {
                "promotion_officers" => years
                    .iter()
                    .zip(&officers)
                    .filter_map(|(&year, v)| v.map(|v| (year, v, false)))
                    .collect(),
                "promotion_coordinators" => years
                    .iter()
                    .zip(&officers)
                    .filter_map(|(&year, v)| {
                        v.map(|v| (year, (v / coordinator_ratio).round().max(1.0), false))
                    })
                    .collect(),
                "proposals_received" => totals
                    .proposals
                    .iter()
                    .flatten()
                    .map(|(&year, &n)| (year, n as f64, false))
                    .collect(),
                "staff_training_participants" => totals
                    .training
                    .iter()
                    .map(|(&year, &(n, approximate))| (year, n as f64, approximate))
                    .collect(),
                "collaboration_projects" => self.series(&years, 0.55 * pop.powf(0.45), 0.03, None),
                "registered_groups" => {
                    self.series(&years, 0.6 * pop.powf(0.5), 0.02, Some(center.opened))
                }
                "support_center_visits" => {
                    let base = pop * self.rng.uniform(0.03, 0.25);
                    let approximate = self.rng.chance(0.2);
                    self.series(&years, base, 0.01, Some(center.opened))
                        .into_iter()
                        .map(|(year, v, _)| {
                            if approximate {
                                (year, (v / 100.0).round().max(1.0) * 100.0, true)
                            } else {
                                (year, v, false)
                            }
                        })
                        .collect()
                }
                _ => {
                    let base = match unit {
                        Unit::Percent => 30.0,
                        _ => 0.3 * pop.sqrt(),
                    };
                    self.series(&years, base, 0.01, None)
                        .into_iter()
                        .map(|(year, v, a)| {
                            let v = if matches!(unit, Unit::Percent) {
                                round1(v.min(100.0))
                            } else {
                                v
                            };
                            (year, v, a)
                        })
                        .collect()
                }
            };
            out.push((code.as_str(), cells));
        }
        out
    }

    /// The series with [`MISSING_SHARE`] of their cells left out at random.
    fn observations(&mut self, y: &mut Yaml, series: Vec<Series<'_>>) {
        let mut any = false;
        for (code, cells) in series {
            let mut kept: Vec<bool> = cells
                .iter()
                .map(|_| !self.rng.chance(MISSING_SHARE))
                .collect();
            // Gaps, but never a metric the city counts and reports nothing of.
            if !cells.is_empty() && !kept.contains(&true) {
                let i = self.rng.below(cells.len());
                kept[i] = true;
            }
            for ((year, value, approximate), keep) in cells.into_iter().zip(kept) {
                if !keep {
                    continue;
                }
                if !any {
                    y.key(0, "observations");
                    any = true;
                }
                y.item();
                y.str(4, "metric", code);
                y.number(4, "fiscal_year", i64::from(year));
                y.number(4, "value", value);
                let label = self.year_label(year);
                y.str(4, "label_ja", &label);
                if approximate {
                    y.flag(4, "approximate", true);
                }
            }
        }
        if any {
            y.s.push('\n');
        }
    }

    /// A count that grows by `growth` a year with some noise, counted from `since`.
    fn series(
        &mut self,
        years: &[i32],
        base: f64,
        growth: f64,
        since: Option<i32>,
    ) -> Vec<(i32, f64, bool)> {
        let base = base * self.rng.uniform(0.7, 1.3);
        let growth = growth * self.rng.uniform(0.0, 2.0);
        years
            .iter()
            .filter(|&&year| since.is_none_or(|s| year >= s))
            .map(|&year| {
                let v = base
                    * (1.0 + growth).powi(year - self.ctx.first)
                    * self.rng.uniform(0.92, 1.08);
                (year, v.round().max(0.0), false)
            })
            .collect()
    }

    fn programs(&mut self, y: &mut Yaml) -> Totals {
        let count = self.rng.between(3, 9) as usize;
        let mut kinds = Vec::with_capacity(count);
        if self.rng.chance(0.85) {
            kinds.push(ProgramKind::ProposalScheme);
        }
        kinds.push(ProgramKind::StaffTraining);
        let mut others = [
            ProgramKind::CitizenCourse,
            ProgramKind::OutreachLecture,
            ProgramKind::Forum,
            ProgramKind::RoundTable,
            ProgramKind::Festival,
            ProgramKind::Workshop,
            ProgramKind::Survey,
            ProgramKind::Information,
            ProgramKind::Other,
            ProgramKind::CitizenCourse,
            ProgramKind::Information,
        ];
        self.rng.shuffle(&mut others);
        kinds.extend(others.into_iter().take(count.saturating_sub(kinds.len())));

        let mut totals = Totals::default();
        let mut used_ids: Vec<String> = Vec::new();
        y.key(0, "programs");
        for kind in kinds {
            let base_id = match kind {
                ProgramKind::ProposalScheme => "proposal-scheme",
                ProgramKind::StaffTraining => "staff-training",
                ProgramKind::CitizenCourse => "citizen-course",
                ProgramKind::OutreachLecture => "outreach-lectures",
                ProgramKind::Forum => "forum",
                ProgramKind::RoundTable => "round-table",
                ProgramKind::Festival => "festival",
                ProgramKind::Workshop => "workshop",
                ProgramKind::Survey => "survey",
                ProgramKind::Information => "information",
                ProgramKind::Other => "other",
            };
            let mut id = base_id.to_owned();
            let mut n = 1;
            while used_ids.contains(&id) {
                n += 1;
                id = format!("{base_id}-{n}");
            }
            used_ids.push(id.clone());
            self.program(y, kind, &id, &mut totals);
        }
        y.s.push('\n');
        totals
    }

    fn program(&mut self, y: &mut Yaml, kind: ProgramKind, id: &str, totals: &mut Totals) {
        let bosai = self.rng.chance(BOSAI_SHARE);
        let f = if bosai { &BOSAI } else { self.other_field() };
        // (titles without a field, titles with one): a 防災 programme takes one with the field.
        let (plain, with_field): (&[&str], &[&str]) = match kind {
            ProgramKind::ProposalScheme => (
                &[
                    "協働事業提案制度",
                    "市民提案型協働事業",
                    "協働のまちづくり提案事業",
                ],
                &["{f}分野の協働事業提案制度"],
            ),
            ProgramKind::StaffTraining => (
                &["協働に関する職員研修", "協働推進員研修", "職員協働研修"],
                &["{f}と協働に関する職員研修"],
            ),
            ProgramKind::CitizenCourse => (
                &["まちづくりリーダー養成講座", "市民活動入門講座"],
                &["{f}ボランティア養成講座", "{f}を学ぶ市民講座"],
            ),
            ProgramKind::OutreachLecture => (&["出前講座", "{m}政出前講座"], &["{f}出前講座"]),
            ProgramKind::Forum => (
                &["協働のまちづくりフォーラム", "市民活動フォーラム"],
                &["{f}フォーラム"],
            ),
            ProgramKind::RoundTable => (&["円卓会議", "協働ラウンドテーブル"], &["{f}円卓会議"]),
            ProgramKind::Festival => (&["市民活動フェスタ", "協働まつり"], &["{f}フェスティバル"]),
            ProgramKind::Workshop => (&["地域づくりワークショップ"], &["{f}ワークショップ"]),
            ProgramKind::Survey => (
                &["協働環境調査", "協働に関する市民意識調査"],
                &["{f}に関する市民アンケート"],
            ),
            ProgramKind::Information => {
                (&["協働の手引き", "市民活動情報サイト"], &["{f}情報マップ"])
            }
            ProgramKind::Other => (
                &["地域担当職員制度", "協働事業評価"],
                &["{f}協働モデル事業"],
            ),
        };
        let template = if bosai || self.rng.chance(0.4) {
            *self.rng.pick(with_field)
        } else {
            *self.rng.pick(plain)
        };
        let title = fill(self.m, template, f);
        let description = match kind {
            ProgramKind::ProposalScheme => fill(
                self.m,
                "行政が設定したテーマ又は市民活動団体の自由な提案に基づく事業を募集し、協働事業として実施するものです。{f}分野の提案も募集しています。",
                f,
            ),
            ProgramKind::StaffTraining => fill(
                self.m,
                "協働推進員や新規採用職員を対象に、協働の意義や{f}分野の協働事例について研修を行います。",
                f,
            ),
            ProgramKind::OutreachLecture => {
                "職員が講師となり、市民の求めに応じて地域に出向いて取組を説明します。".to_owned()
            }
            ProgramKind::Survey => fill(
                self.m,
                "庁内全部署及び市民を対象に、協働の状況と{f}分野の取組を調査します。",
                f,
            ),
            _ => fill(
                self.m,
                "{a}などをテーマに、市民と行政が共に学び交流する場です。",
                f,
            ),
        };
        let started = Self::clamp_year(
            self.ctx.first + self.rng.between(-8, (self.ctx.last - self.ctx.first) / 2),
        );
        let department = if bosai || self.rng.chance(0.3) {
            f.department
        } else {
            *self.rng.pick(&GENERAL_DEPARTMENTS[..2])
        };

        y.item();
        y.str(4, "id", id);
        y.str(4, "kind", kind.as_str());
        y.str(4, "title", &title);
        if self.rng.chance(0.5) {
            y.str(4, "organizer", &self.name);
        }
        y.str(4, "department", department);
        y.number(4, "started_fiscal_year", i64::from(started));
        y.text(4, "description", &description);

        let share = match kind {
            ProgramKind::StaffTraining => 0.95,
            ProgramKind::ProposalScheme => 0.9,
            ProgramKind::CitizenCourse | ProgramKind::OutreachLecture => 0.8,
            ProgramKind::Festival => 0.7,
            ProgramKind::RoundTable => 0.6,
            ProgramKind::Forum | ProgramKind::Workshop | ProgramKind::Other => 0.5,
            ProgramKind::Survey => 0.35,
            ProgramKind::Information => 0.3,
        };
        let mut activities = Vec::new();
        let mut proposals: Vec<Proposal> = Vec::new();
        let is_scheme = matches!(kind, ProgramKind::ProposalScheme);
        if is_scheme && totals.proposals.is_none() {
            totals.proposals = Some(BTreeMap::new());
        }
        for year in self.years() {
            if year < started || !self.rng.chance(share) {
                continue;
            }
            self.activities(kind, f, &title, year, &mut activities);
            if is_scheme {
                let received = self.proposals(year, &mut proposals);
                if let Some(map) = totals.proposals.as_mut() {
                    map.insert(year, received);
                }
            }
        }
        if matches!(kind, ProgramKind::StaffTraining) {
            for a in &activities {
                if let Some(n) = a.participants {
                    let entry = totals.training.entry(a.fiscal_year).or_insert((0, false));
                    entry.0 += n;
                    entry.1 |= a.approximate;
                }
            }
        }
        if !activities.is_empty() {
            y.key(4, "activities");
            for a in &activities {
                write_activity(y, a);
            }
        }
        if !proposals.is_empty() {
            y.key(4, "proposals");
            for p in &proposals {
                y.item();
                y.number(8, "fiscal_year", i64::from(p.fiscal_year));
                y.str(8, "track", p.track.as_str());
                y.opt_str(8, "title", p.title.as_deref());
                y.number(8, "count", p.count);
                y.str(8, "stage", p.stage.as_str());
            }
        }
    }

    /// One year's proposals; returns how many were received (consultations not counted).
    fn proposals(&mut self, year: i32, out: &mut Vec<Proposal>) -> i64 {
        const TITLES: [&str; 5] = [
            "{a}による{g}事業",
            "{f}ボランティア育成事業",
            "{f}に関する啓発事業",
            "{f}マップ作成事業",
            "{a}の担い手づくり事業",
        ];
        let mut received = 0;
        for (track, min, max) in [
            (ProposalTrack::Administration, 0, 3),
            (ProposalTrack::Citizen, 1, 4),
        ] {
            for _ in 0..self.rng.between(min, max) {
                let f = self.any_field();
                let title = fill(self.m, self.rng.word(&TITLES), f);
                let stage = match self.rng.weighted(&[25, 35, 35, 5]) {
                    0 => ProposalStage::Applied,
                    1 => ProposalStage::Adopted,
                    2 => ProposalStage::Implemented,
                    _ => ProposalStage::Unknown,
                };
                out.push(Proposal {
                    fiscal_year: year,
                    track,
                    title: Some(title),
                    count: 1,
                    stage,
                });
                received += 1;
            }
        }
        if self.rng.chance(0.4) {
            out.push(Proposal {
                fiscal_year: year,
                track: ProposalTrack::Other,
                title: None,
                count: i64::from(self.rng.between(2, 12)),
                stage: ProposalStage::Consulted,
            });
        }
        received
    }

    /// A date for an activity as precise as a report would give it: a day, a month or none.
    fn activity_when(&mut self, a: &mut Activity, fiscal_year: i32) {
        let day = self.day(fiscal_year);
        a.fiscal_year = fiscal_year;
        match self.rng.weighted(&[50, 20, 30]) {
            0 => {
                a.date = Some(day.iso());
                a.label_ja = Some(if self.rng.chance(0.5) {
                    day.dotted()
                } else {
                    day.ja()
                });
            }
            1 => {
                a.date = Some(day.iso_month());
                a.label_ja = Some(day.ja_month());
            }
            _ => a.label_ja = Some(self.year_label(fiscal_year)),
        }
    }

    fn speaker(&mut self) -> String {
        format!(
            "{} {}氏 ({})",
            self.rng.pick(&SURNAMES),
            self.rng.pick(&GIVEN_NAMES),
            self.rng.pick(&AFFILIATIONS)
        )
    }

    fn approximately(&mut self, a: &mut Activity, share: f64) {
        if let Some(n) = a.participants
            && self.rng.chance(share)
        {
            let step = if n >= 1000 { 100 } else { 10 };
            a.participants = Some(((n + step / 2) / step * step).max(step));
            a.approximate = true;
        }
    }

    fn activities(
        &mut self,
        kind: ProgramKind,
        f: &'static Field,
        title: &str,
        year: i32,
        out: &mut Vec<Activity>,
    ) {
        let office = format!("{}{}", self.name, self.place.kind.office());
        match kind {
            ProgramKind::ProposalScheme => {
                let mut a = Activity {
                    title: "公開プレゼンテーション".into(),
                    venue: Some(office),
                    ..Activity::default()
                };
                self.activity_when(&mut a, year);
                if self.rng.chance(0.6) {
                    a.participants = Some(self.people(10.0, 50.0));
                }
                out.push(a);
            }
            ProgramKind::StaffTraining => {
                const COURSES: [(&str, &str); 4] = [
                    ("協働推進員研修", "協働推進員"),
                    ("新規採用職員研修（協働の基礎）", "新規採用職員"),
                    ("管理職協働研修", "課長級職員"),
                    ("協働事業提案制度説明会", "各課職員"),
                ];
                let courses = self.rng.between(1, 2) as usize;
                for course in self.rng.distinct(COURSES.len(), courses) {
                    let (course_title, audience) = COURSES[course];
                    let mut a = Activity {
                        title: if std::ptr::eq(f, &BOSAI) && course == 0 {
                            format!("{course_title}（防災と協働）")
                        } else {
                            course_title.to_owned()
                        },
                        audience: Some(audience.into()),
                        participants: Some(self.people(15.0, 60.0)),
                        sessions: Some(1),
                        venue: Some(office.clone()),
                        ..Activity::default()
                    };
                    if self.rng.chance(0.3) {
                        a.speakers.push(self.speaker());
                    }
                    self.activity_when(&mut a, year);
                    self.approximately(&mut a, 0.05);
                    out.push(a);
                }
            }
            ProgramKind::CitizenCourse | ProgramKind::Workshop | ProgramKind::RoundTable => {
                let sessions = i64::from(self.rng.between(1, 8));
                let mut a = Activity {
                    title: title.to_owned(),
                    sessions: Some(sessions),
                    participants: Some(self.people(5.0, 25.0) * sessions.min(4)),
                    audience: Some("市民・市民活動団体".into()),
                    topic: Some(fill(self.m, "{a}と協働", f)),
                    ..Activity::default()
                };
                self.activity_when(&mut a, year);
                self.approximately(&mut a, 0.08);
                out.push(a);
            }
            ProgramKind::OutreachLecture => {
                let lectures = self.rng.between(1, 4);
                let mut total = Activity {
                    title: title.to_owned(),
                    sessions: Some(i64::from(lectures)),
                    participants: Some(self.people(8.0, 30.0) * i64::from(lectures)),
                    note: Some(format!(
                        "Year total ({lectures}回); the year's lectures follow."
                    )),
                    ..Activity::default()
                };
                total.fiscal_year = year;
                total.label_ja = Some(self.year_label(year));
                out.push(total);
                for l in 0..lectures {
                    let topic_field = if std::ptr::eq(f, &BOSAI) && l == 0 {
                        f
                    } else {
                        self.other_field()
                    };
                    let topic = fill(
                        self.m,
                        self.rng
                            .word(&["{f}について", "{a}の進め方", "{f}と協働のまちづくり"]),
                        topic_field,
                    );
                    let mut a = Activity {
                        title: topic.clone(),
                        topic: Some(topic),
                        department: Some(topic_field.department),
                        ..Activity::default()
                    };
                    a.fiscal_year = year;
                    a.label_ja = total_label(out);
                    out.push(a);
                }
            }
            ProgramKind::Forum => {
                let mut a = Activity {
                    title: title.to_owned(),
                    participants: Some(self.people(40.0, 250.0)),
                    audience: Some("市民・市民活動団体・自治会・企業・学校・市職員".into()),
                    topic: Some("基調講演・活動事例発表・ワークショップ".into()),
                    venue: Some(format!("{}文化会館", self.name)),
                    ..Activity::default()
                };
                a.speakers.push(self.speaker());
                self.activity_when(&mut a, year);
                self.approximately(&mut a, 0.3);
                out.push(a);
            }
            ProgramKind::Festival => {
                let groups = self.rng.between(8, 40);
                let mut a = Activity {
                    title: title.to_owned(),
                    participants: Some(self.people(300.0, 2500.0)),
                    note: Some(format!("協力団体{groups}団体")),
                    ..Activity::default()
                };
                self.activity_when(&mut a, year);
                self.approximately(&mut a, 0.7);
                out.push(a);
            }
            ProgramKind::Survey => {
                let respondents = self.people(100.0, 800.0);
                let mut a = Activity {
                    title: format!("{title}の実施"),
                    topic: Some(fill(self.m, "協働の状況と{f}分野の取組", f)),
                    note: Some(format!("回答者数{respondents}人")),
                    ..Activity::default()
                };
                self.activity_when(&mut a, year);
                out.push(a);
            }
            ProgramKind::Information => {
                let mut a = Activity {
                    title: format!("{title}の発行"),
                    audience: Some(
                        (*self.rng.pick(&["職員向け", "市民向け", "市民活動団体向け"])).into(),
                    ),
                    ..Activity::default()
                };
                self.activity_when(&mut a, year);
                out.push(a);
            }
            ProgramKind::Other => {
                let mut a = Activity {
                    title: title.to_owned(),
                    sessions: Some(i64::from(self.rng.between(1, 12))),
                    topic: Some(fill(self.m, "{a}への支援", f)),
                    ..Activity::default()
                };
                self.activity_when(&mut a, year);
                out.push(a);
            }
        }
    }

    fn bodies(&mut self, y: &mut Yaml) {
        struct Body {
            id: &'static str,
            kind: BodyKind,
            name_ja: String,
            name_en: Option<&'static str>,
            parent: Option<&'static str>,
            composition: Option<String>,
            role: Option<String>,
            duties: Vec<String>,
            meets: bool,
        }
        let m = self.m;
        let mut bodies = vec![
            Body {
                id: "hq",
                kind: BodyKind::Headquarters,
                name_ja: "協働推進本部会議".into(),
                name_en: Some("Collaboration Promotion Headquarters"),
                parent: None,
                composition: Some(format!(
                    "○本部長:{m}長 ○副本部長:副{m}長 ○本部員:特別職・部局長"
                )),
                role: Some("(1)協働推進に関する全庁的な課題の検討及び調整".into()),
                duties: Vec::new(),
                meets: true,
            },
            Body {
                id: "secretariat",
                kind: BodyKind::Secretariat,
                name_ja: "協働推進本部会議幹事会".into(),
                name_en: None,
                parent: Some("hq"),
                composition: Some("○幹事長:市民協働部長 ○幹事:各部の主管課長".into()),
                role: Some("(1)協働推進に関する全庁的な課題の検討及び連絡調整".into()),
                // Every city's bodies name the 協働推進員, which search benchmarks rely on.
                duties: vec![
                    "協働推進員の取組状況の把握及び共有".into(),
                    "協働推進員研修の企画".into(),
                ],
                meets: true,
            },
        ];
        let mut optional = Vec::new();
        if self.rng.chance(0.6) {
            optional.push(Body {
                id: "promotion-officers",
                kind: BodyKind::StaffNetwork,
                name_ja: "協働推進員".into(),
                name_en: Some("Collaboration promotion officers"),
                parent: None,
                composition: Some("各所属に1名以上".into()),
                role: Some(
                    "各所属における協働の活用及び協働に関する情報の収集、共有を図ることで、市民等との協働を推進する。"
                        .into(),
                ),
                duties: vec![
                    "(1)協働推進課からの情報を部局内で調整・共有".into(),
                    "(2)協働事業提案制度の活用に向けた事業調査のとりまとめ".into(),
                    "(3)地域担当職員と連携した地域からの相談への対応".into(),
                ],
                meets: false,
            });
        }
        if self.rng.chance(0.5) {
            let council = self.rng.chance(0.5);
            optional.push(Body {
                id: if council { "council" } else { "committee" },
                kind: if council {
                    BodyKind::Council
                } else {
                    BodyKind::Committee
                },
                name_ja: if council {
                    format!("{}市民協働推進審議会", self.name)
                } else {
                    format!("{}協働のまちづくり推進委員会", self.name)
                },
                name_en: None,
                parent: None,
                composition: Some("学識経験者、市民活動団体の代表者、公募市民".into()),
                role: Some("協働の推進状況の検証及び評価、協働事業提案の審査".into()),
                duties: Vec::new(),
                meets: true,
            });
        }
        if let Some(area) = self.area
            && self.rng.chance(0.6)
        {
            optional.push(Body {
                id: "area-liaison",
                kind: BodyKind::Liaison,
                name_ja: format!("{}市町村協働担当課長連絡会議", area.name_ja()),
                name_en: None,
                parent: None,
                composition: Some(format!("{}の市町村の協働担当課長", area.name_ja())),
                role: Some("市町村間の情報交換と合同研修の企画".into()),
                duties: Vec::new(),
                meets: true,
            });
        }
        bodies.extend(optional.into_iter().take(2));

        y.key(0, "bodies");
        for body in &bodies {
            y.item();
            y.str(4, "id", body.id);
            y.str(4, "kind", body.kind.as_str());
            y.str(4, "name_ja", &body.name_ja);
            y.opt_str(4, "name_en", body.name_en);
            y.opt_str(4, "parent", body.parent);
            y.opt_str(4, "composition", body.composition.as_deref());
            y.opt_str(4, "role", body.role.as_deref());
            y.strs(4, "duties", &body.duties);
            if !body.meets {
                continue;
            }
            let mut yearly = Vec::new();
            let mut meetings = Vec::new();
            for year in self.years() {
                let held = self.rng.weighted(&[5, 35, 40, 20]);
                yearly.push((year, held));
                let mut months = self.rng.distinct(fiscal_months(year), held);
                months.sort_unstable();
                for (n, month) in months.into_iter().enumerate() {
                    let day = day_in(year, month, self.rng.between(1, 28) as u32);
                    meetings.push((n + 1, year, day));
                }
            }
            y.key(4, "yearly");
            for (year, held) in yearly {
                let note = (held == 0).then(|| format!("{}は開催なし", self.year_label(year)));
                let mut pairs = vec![
                    ("fiscal_year", Flow::Int(i64::from(year))),
                    ("meetings_held", Flow::Int(held as i64)),
                ];
                if let Some(note) = &note {
                    pairs.push(("note", Flow::Str(note)));
                }
                y.flow_entry(6, &pairs);
            }
            if meetings.is_empty() {
                continue;
            }
            y.key(4, "meetings");
            for (number, year, day) in meetings {
                let format = if year >= 2020 {
                    self.rng.weighted(&[50, 20, 25, 5])
                } else {
                    self.rng.weighted(&[75, 20, 0, 5])
                };
                let format = [
                    MeetingFormat::InPerson,
                    MeetingFormat::Written,
                    MeetingFormat::Online,
                    MeetingFormat::Unknown,
                ][format];
                y.item();
                y.number(8, "number", number as i64);
                if self.rng.chance(0.85) {
                    y.quoted(8, "date", &day.iso());
                    let note = if matches!(format, MeetingFormat::Written) {
                        format!("{}まで 開催案内送付 (書面開催)", day.ja())
                    } else {
                        day.ja()
                    };
                    y.number(8, "fiscal_year", i64::from(year));
                    y.str(8, "date_note", &note);
                } else {
                    y.quoted(8, "date", &day.iso_month());
                    y.number(8, "fiscal_year", i64::from(year));
                    y.str(8, "date_note", &day.ja_month());
                }
                y.str(8, "format", format.as_str());
                let mut agenda: Vec<String> = Vec::with_capacity(3);
                for _ in 0..self.rng.between(1, 3) {
                    // A few draws to avoid listing the same item twice; a shorter agenda is fine.
                    for _ in 0..4 {
                        let text = if self.rng.chance(BOSAI_SHARE) {
                            self.rng.word(&BOSAI_AGENDA).to_owned()
                        } else {
                            let f = self.other_field();
                            fill(self.m, self.rng.word(&AGENDA), f).replace("{b}", &body.name_ja)
                        };
                        if !agenda.contains(&text) {
                            agenda.push(text);
                            break;
                        }
                    }
                }
                let agenda: Vec<String> = agenda
                    .into_iter()
                    .enumerate()
                    .map(|(k, text)| format!("({}){text}", k + 1))
                    .collect();
                y.strs(8, "agenda", &agenda);
            }
        }
        y.s.push('\n');
    }

    fn support_center(&mut self, y: &mut Yaml, center: &Center) {
        let name = if self.rng.chance(0.7) {
            format!("{}市民活動支援センター", self.name)
        } else {
            format!("{}協働のまちづくりセンター", self.name)
        };
        let operator = match center.model {
            ManagementModel::Direct => Some(self.name.clone()),
            ManagementModel::DesignatedManager | ManagementModel::Outsourced => Some(format!(
                "NPO法人{}",
                self.rng.pick(&[
                    "市民活動サポートネット",
                    "まちづくり協働ネットワーク",
                    "地域づくり支援センター",
                ])
            )),
            ManagementModel::Unknown => None,
        };
        y.key(0, "support_centers");
        y.item();
        y.str(4, "id", "center");
        y.str(4, "name_ja", &name);
        y.str(
            4,
            "name_en",
            &format!("{} Civic Activity Support Centre", self.place.name_en()),
        );
        y.quoted(
            4,
            "opened",
            &format!("{:04}-{:02}", center.opened, self.rng.between(4, 12)),
        );
        y.opt_str(4, "operator", operator.as_deref());
        y.str(4, "management_model", center.model.as_str());
        if !matches!(center.model, ManagementModel::Unknown) {
            let since = (center.opened + self.rng.between(0, 8)).min(MAX_YEAR);
            y.number(4, "management_since_fiscal_year", i64::from(since));
        }
        y.str(
            4,
            "services",
            "市民活動団体に対し、施設等の利用（会議室、印刷機器等）、人材の養成支援（研修・講座）及び活動に関する相談などを実施。",
        );
    }
}

/// The year label of the row a lecture belongs to (the last year-total row).
fn total_label(activities: &[Activity]) -> Option<String> {
    activities
        .iter()
        .rev()
        .find(|a| a.sessions.is_some())
        .and_then(|a| a.label_ja.clone())
}

fn write_item(y: &mut Yaml, item: &Item) {
    y.item();
    y.quoted(16, "label", &item.label);
    y.str(16, "title", &item.title);
    y.strs(16, "tags", &item.tags);
    if let Some(original) = &item.repost_of {
        y.quoted(16, "repost_of", original);
    }
    y.strs(16, "departments", &item.departments);
    y.str(16, "implementers_ja", item.implementers.0);
    let actors = |list: &[ActorType]| {
        let names: Vec<&str> = list.iter().map(|a| a.as_str()).collect();
        format!("[{}]", names.join(", "))
    };
    y.lead(16);
    y.s.push_str("implementers: ");
    y.s.push_str(&actors(item.implementers.1));
    y.s.push('\n');
    y.lead(16);
    y.s.push_str("targets: ");
    y.s.push_str(&actors(&item.targets));
    y.s.push('\n');
    y.str(16, "purpose", &item.purpose);
    y.str(16, "current_state", &item.current_state);
    y.text(16, "content", &item.content);
    y.str(16, "completion_criterion", &item.completion);
    y.key(16, "schedule");
    for (year, label) in &item.schedule {
        y.flow_entry(
            18,
            &[
                ("fiscal_year", Flow::Int(i64::from(*year))),
                ("label_ja", Flow::Str(label)),
            ],
        );
    }
    y.opt_str(16, "note", item.note.as_deref());
}

fn write_activity(y: &mut Yaml, a: &Activity) {
    y.item();
    y.str(8, "title", &a.title);
    if let Some(date) = &a.date {
        y.quoted(8, "date", date);
    }
    y.number(8, "fiscal_year", i64::from(a.fiscal_year));
    y.opt_str(8, "label_ja", a.label_ja.as_deref());
    if let Some(n) = a.sessions {
        y.number(8, "sessions", n);
    }
    if let Some(n) = a.participants {
        y.number(8, "participants", n);
    }
    if a.approximate {
        y.flag(8, "approximate", true);
    }
    y.opt_str(8, "audience", a.audience.as_deref());
    y.opt_str(8, "topic", a.topic.as_deref());
    y.opt_str(8, "department", a.department);
    y.opt_str(8, "venue", a.venue.as_deref());
    y.strs(8, "speakers", &a.speakers);
    y.opt_str(8, "note", a.note.as_deref());
}
