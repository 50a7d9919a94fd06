//! The records of the dataset files, as `data/FORMAT.md` describes them. Every record refuses
//! keys it does not know, so that a misspelt key is an error rather than a silent gap.

use serde::Deserialize;

use super::fields::{Count, Number, Year, bounds};
use crate::domain::date::PartialDate;
use crate::domain::{
    ActorType, BodyKind, DateKind, ManagementModel, MeetingFormat, ProgramKind, ProposalStage,
    ProposalTrack, RegionKind, SectionKind, Unit,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityFile {
    pub municipality: MunicipalityRecord,
    pub sources: Vec<SourceRecord>,
    #[serde(default)]
    pub ordinances: Vec<OrdinanceRecord>,
    #[serde(default)]
    pub plans: Vec<PlanRecord>,
    #[serde(default)]
    pub observations: Vec<ObservationRecord>,
    #[serde(default)]
    pub programs: Vec<ProgramRecord>,
    #[serde(default)]
    pub bodies: Vec<BodyRecord>,
    #[serde(default)]
    pub support_centers: Vec<SupportCenterRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityRecord {
    #[serde(deserialize_with = "bounds::label")]
    pub code: String,
    #[serde(deserialize_with = "bounds::key")]
    pub slug: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_ja: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_en: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub name_kana: Option<String>,
    pub population: Option<Count>,
    #[serde(default, deserialize_with = "bounds::census_year")]
    pub population_year: Option<i32>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub population_source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub publisher: Option<String>,
    pub published: Option<PartialDate>,
    #[serde(default, deserialize_with = "bounds::opt_url")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub document: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdinanceRecord {
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    pub enacted: Option<PartialDate>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub source: Option<String>,
    #[serde(default)]
    pub articles: Vec<ArticleRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleRecord {
    pub number: Count,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub chapter: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub heading: Option<String>,
    #[serde(deserialize_with = "bounds::text")]
    pub text: String,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub commentary: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub subtitle: Option<String>,
    pub published: Option<PartialDate>,
    pub period_start: Option<Year>,
    pub period_end: Option<Year>,
    pub action_plan_start: Option<Year>,
    pub action_plan_end: Option<Year>,
    /// The schedule table's extent, where it is wider than the action plan the prose states.
    pub schedule_start: Option<Year>,
    pub schedule_end: Option<Year>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub source: Option<String>,
    #[serde(default)]
    pub sections: Vec<SectionRecord>,
    #[serde(default)]
    pub policies: Vec<PolicyRecord>,
    #[serde(default)]
    pub indicators: Vec<IndicatorRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionRecord {
    pub kind: SectionKind,
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub number: Option<String>,
    #[serde(deserialize_with = "bounds::title")]
    pub heading: String,
    #[serde(deserialize_with = "bounds::text_or_empty")]
    pub body: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRecord {
    #[serde(deserialize_with = "bounds::label")]
    pub label: String,
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    #[serde(default)]
    pub roles: Vec<RoleRecord>,
    #[serde(default)]
    pub measures: Vec<MeasureRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRecord {
    #[serde(deserialize_with = "bounds::title")]
    pub actor_ja: String,
    #[serde(default)]
    pub actors: Vec<ActorType>,
    #[serde(deserialize_with = "bounds::labels")]
    pub items: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureRecord {
    #[serde(deserialize_with = "bounds::label")]
    pub label: String,
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    #[serde(default)]
    pub items: Vec<ItemRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRecord {
    #[serde(deserialize_with = "bounds::label")]
    pub label: String,
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    #[serde(default, deserialize_with = "bounds::labels")]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub repost_of: Option<String>,
    #[serde(default, deserialize_with = "bounds::titles")]
    pub departments: Vec<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub implementers_ja: Option<String>,
    #[serde(default)]
    pub implementers: Vec<ActorType>,
    #[serde(default)]
    pub targets: Vec<ActorType>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub targets_note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub purpose: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub current_state: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub content: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub completion_criterion: Option<String>,
    #[serde(default)]
    pub schedule: Vec<ScheduleRecord>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRecord {
    pub fiscal_year: Year,
    #[serde(deserialize_with = "bounds::label")]
    pub label_ja: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub number: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub policy: Option<String>,
    #[serde(deserialize_with = "bounds::title")]
    pub name: String,
    pub unit: Unit,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub metric: Option<String>,
    pub baseline: Option<ValueRecord>,
    #[serde(default)]
    pub targets: Vec<ValueRecord>,
    #[serde(default)]
    pub observations: Vec<ValueRecord>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueRecord {
    pub fiscal_year: Year,
    pub value: Number,
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub label_ja: Option<String>,
    #[serde(default)]
    pub approximate: bool,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub metric: String,
    pub fiscal_year: Year,
    pub value: Number,
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub label_ja: Option<String>,
    #[serde(default)]
    pub approximate: bool,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
    pub kind: ProgramKind,
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub organizer: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub department: Option<String>,
    pub started_fiscal_year: Option<Year>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_url")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub source: Option<String>,
    #[serde(default)]
    pub activities: Vec<ActivityRecord>,
    #[serde(default)]
    pub proposals: Vec<ProposalRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityRecord {
    #[serde(deserialize_with = "bounds::title")]
    pub title: String,
    pub date: Option<PartialDate>,
    /// The end of a period the document gives (「令和5年7月から9月まで」); `date` is its start.
    pub date_end: Option<PartialDate>,
    pub fiscal_year: Option<Year>,
    /// The last fiscal year of a span the document gives as one line (「H23～27年度」);
    /// `fiscal_year` is then its first year.
    pub fiscal_year_to: Option<Year>,
    #[serde(default, deserialize_with = "bounds::opt_label")]
    pub label_ja: Option<String>,
    pub sessions: Option<Count>,
    pub participants: Option<Count>,
    #[serde(default)]
    pub approximate: bool,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub audience: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub topic: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub department: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub venue: Option<String>,
    #[serde(default, deserialize_with = "bounds::titles")]
    pub speakers: Vec<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalRecord {
    pub fiscal_year: Year,
    pub track: ProposalTrack,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub title: Option<String>,
    pub count: Option<Count>,
    pub stage: Option<ProposalStage>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
    pub kind: BodyKind,
    #[serde(deserialize_with = "bounds::title")]
    pub name_ja: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub name_en: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub parent: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub composition: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub role: Option<String>,
    #[serde(default, deserialize_with = "bounds::texts")]
    pub duties: Vec<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub source: Option<String>,
    #[serde(default)]
    pub yearly: Vec<BodyYearRecord>,
    #[serde(default)]
    pub meetings: Vec<MeetingRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyYearRecord {
    pub fiscal_year: Year,
    pub meetings_held: Option<Count>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingRecord {
    pub number: Option<Count>,
    pub date: Option<PartialDate>,
    pub fiscal_year: Option<Year>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub date_note: Option<String>,
    /// Read from `date_note` when left out: …まで is a deadline.
    pub date_kind: Option<DateKind>,
    pub format: MeetingFormat,
    #[serde(default, deserialize_with = "bounds::texts")]
    pub agenda: Vec<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportCenterRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_ja: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub name_en: Option<String>,
    pub opened: Option<PartialDate>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub operator: Option<String>,
    pub management_model: Option<ManagementModel>,
    pub management_since_fiscal_year: Option<Year>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub services: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_key")]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionsFile {
    pub regions: Vec<RegionRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub slug: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_ja: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_en: String,
    pub kind: RegionKind,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub note: Option<String>,
    pub source: Option<RegionSourceRecord>,
    pub members: Vec<MemberRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionSourceRecord {
    /// slug of the municipality whose file lists the source
    #[serde(deserialize_with = "bounds::key")]
    pub municipality: String,
    #[serde(deserialize_with = "bounds::key")]
    pub id: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRecord {
    #[serde(deserialize_with = "bounds::label")]
    pub code: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_ja: String,
    #[serde(default, deserialize_with = "bounds::opt_title")]
    pub name_en: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsFile {
    pub metrics: Vec<MetricRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricRecord {
    #[serde(deserialize_with = "bounds::key")]
    pub code: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_ja: String,
    #[serde(deserialize_with = "bounds::title")]
    pub name_en: String,
    pub unit: Unit,
    #[serde(default, deserialize_with = "bounds::opt_text")]
    pub description: Option<String>,
}
