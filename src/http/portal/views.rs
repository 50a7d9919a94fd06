//! The data of each page, read from its operation's answer. The shapes follow the operations
//! in `examples/queries/portal-*.graphql` field for field.

use serde::Deserialize;

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct SourceRef {
    pub title: String,
    #[serde(default)]
    pub publisher: Option<String>,
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Named {
    pub name_ja: String,
    #[serde(default)]
    pub name_en: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CityRef {
    pub slug: String,
    pub name_ja: String,
    pub name_en: String,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RegionRef {
    pub slug: String,
    pub name_ja: String,
    pub name_en: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub municipalities: Vec<CityRef>,
}

// ---- home

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct HomeData {
    pub regions: Vec<RegionRef>,
    pub municipalities: Vec<HomeCity>,
    pub metrics: Vec<Metric>,
    pub recent_changes: RecentChanges,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RecentChanges {
    pub total_count: i64,
    pub nodes: Vec<RecentChange>,
}

/// 更新 One entry of the public change feed.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RecentChange {
    /// RFC 3339, in UTC.
    pub at: String,
    pub operation: String,
    pub entity: String,
    pub label: Option<String>,
    pub municipality_code: String,
    pub municipality: Option<CityRef>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct HomeCity {
    pub slug: String,
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    pub prefecture: Named,
    pub population: Option<i64>,
    pub population_year: Option<i32>,
    pub sources: Vec<SourceRef>,
    pub observations: Vec<YearOnly>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct YearOnly {
    pub fiscal_year: i32,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

// ---- city

#[derive(Deserialize, Debug)]
pub struct CityData {
    pub municipality: Option<City>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct City {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    pub name_kana: Option<String>,
    pub prefecture: Named,
    pub population: Option<i64>,
    pub population_year: Option<i32>,
    pub population_source: Option<SourceRef>,
    pub regions: Vec<RegionRef>,
    pub sources: Vec<SourceRef>,
    pub ordinances: Vec<Ordinance>,
    pub observations: Vec<Observation>,
    pub indicators: Vec<Indicator>,
    pub bodies: Vec<Body>,
    pub support_centers: Vec<SupportCenter>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Ordinance {
    pub title: String,
    pub enacted: Option<String>,
    pub source: Option<SourceRef>,
    pub articles: Vec<Article>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Article {
    pub number: i32,
    pub chapter: Option<String>,
    pub heading: Option<String>,
    pub text: String,
    pub commentary: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    pub metric: Metric,
    pub fiscal_year: i32,
    pub value: f64,
    pub approximate: bool,
    pub label_ja: Option<String>,
    pub note: Option<String>,
    pub source: Option<SourceRef>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Value {
    pub fiscal_year: i32,
    pub value: f64,
    #[serde(default)]
    pub approximate: bool,
    #[serde(default)]
    pub label_ja: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Indicator {
    #[serde(default)]
    pub municipality: Option<CityRef>,
    pub number: Option<String>,
    pub name: String,
    pub unit: String,
    pub baseline: Option<Value>,
    pub targets: Vec<Value>,
    pub latest: Option<Value>,
    pub progress: Option<f64>,
    pub source: Option<SourceRef>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Body {
    pub kind: String,
    pub name_ja: String,
    pub name_en: Option<String>,
    pub composition: Option<String>,
    pub role: Option<String>,
    pub parent: Option<Named>,
    pub source: Option<SourceRef>,
    pub yearly: Vec<BodyYear>,
    pub meetings: Vec<Meeting>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct BodyYear {
    pub fiscal_year: i32,
    pub meetings_held: Option<i32>,
    pub note: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Meeting {
    pub number: Option<i32>,
    pub date: Option<String>,
    /// 日付の種類: `HELD`, or `DEADLINE` for a written meeting's reply-by date.
    pub date_kind: Option<String>,
    pub fiscal_year: i32,
    pub date_note: Option<String>,
    pub format: String,
    pub agenda: Vec<String>,
    pub note: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SupportCenter {
    pub name_ja: String,
    pub name_en: Option<String>,
    pub opened: Option<String>,
    pub operator: Option<String>,
    pub management_model: String,
    pub management_since_fiscal_year: Option<i32>,
    pub services: Option<String>,
    pub source: Option<SourceRef>,
    pub registered_groups: Vec<Value>,
}

// ---- plans

#[derive(Deserialize, Debug)]
pub struct PlansData {
    pub municipality: Option<PlansCity>,
}

#[derive(Deserialize, Debug)]
pub struct PlansCity {
    pub plans: Vec<Plan>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub title: String,
    pub subtitle: Option<String>,
    pub published: Option<String>,
    pub period_start: Option<i32>,
    pub period_end: Option<i32>,
    pub action_plan_start: Option<i32>,
    pub action_plan_end: Option<i32>,
    pub source: Option<SourceRef>,
    pub policies: Vec<Policy>,
}

#[derive(Deserialize, Debug)]
pub struct Policy {
    pub label: String,
    pub title: String,
    pub measures: Vec<Measure>,
}

#[derive(Deserialize, Debug)]
pub struct Measure {
    pub label: String,
    pub title: String,
    pub items: Vec<PlanItem>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct PlanItem {
    pub id: String,
    pub label: String,
    pub title: String,
    pub is_repost: bool,
    pub repost_of: Option<ItemRef>,
    pub departments: Vec<String>,
    pub implementers_ja: Option<String>,
    pub purpose: Option<String>,
    pub completion_criterion: Option<String>,
    pub schedule: Vec<ScheduleCell>,
}

#[derive(Deserialize, Debug)]
pub struct ItemRef {
    pub id: String,
    pub label: String,
    pub title: String,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleCell {
    pub fiscal_year: i32,
    pub label_ja: String,
}

// ---- programmes

#[derive(Deserialize, Debug)]
pub struct ProgramsData {
    pub municipality: Option<ProgramsCity>,
}

#[derive(Deserialize, Debug)]
pub struct ProgramsCity {
    pub programs: ProgramPage,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ProgramPage {
    pub total_count: i64,
    pub page_info: PageInfo,
    pub nodes: Vec<Program>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Program {
    pub kind: String,
    pub title: String,
    pub organizer: Option<String>,
    pub department: Option<String>,
    pub started_fiscal_year: Option<i32>,
    pub description: Option<String>,
    pub source: Option<SourceRef>,
    pub activities: Vec<Activity>,
    pub proposals: Vec<Proposal>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub title: String,
    pub date: Option<String>,
    pub fiscal_year: i32,
    pub label_ja: Option<String>,
    pub sessions: Option<i64>,
    pub participants: Option<i64>,
    pub approximate: bool,
    pub topic: Option<String>,
    pub department: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    pub fiscal_year: i32,
    pub track: String,
    pub title: Option<String>,
    pub count: i64,
    pub stage: String,
}

// ---- compare

#[derive(Deserialize, Debug)]
pub struct CompareData {
    pub compare: Comparison,
    pub metrics: Vec<Metric>,
    pub regions: Vec<RegionRef>,
    pub municipalities: Vec<CodeName>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CodeName {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub metric: Metric,
    pub rows: Vec<CompareRow>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CompareRow {
    pub rank: Option<i32>,
    pub municipality: CityRef,
    pub population: Option<i64>,
    pub population_year: Option<i32>,
    pub latest: Option<YearValue>,
    pub error: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct YearValue {
    pub fiscal_year: i32,
    pub value: f64,
    pub raw_value: f64,
    pub approximate: bool,
    pub label_ja: Option<String>,
    pub source: Option<SourceRef>,
}

// ---- indicators

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct IndicatorsData {
    pub indicator_progress: Vec<Indicator>,
    pub regions: Vec<RegionRef>,
}

// ---- search

#[derive(Deserialize, Debug)]
pub struct SearchData {
    pub search: SearchPage,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    pub total_count: i64,
    pub page_info: PageInfo,
    pub edges: Vec<SearchEdge>,
}

#[derive(Deserialize, Debug)]
pub struct SearchEdge {
    pub node: SearchHit,
}

#[derive(Deserialize, Debug)]
pub struct SearchHit {
    pub kind: String,
    pub title: String,
    pub snippet: String,
    pub municipality: CityRef,
}
