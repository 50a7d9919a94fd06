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

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Component, Path};

use anyhow::{Context as _, anyhow, bail};

use crate::dataset::MetricsFile;
use crate::domain::codes::{PREFECTURES, Prefecture};
use crate::domain::fiscal_year::{Era, FiscalYearInfo, MAX_YEAR, MIN_YEAR};
use crate::domain::{
    ActorType, BodyKind, ManagementModel, MeetingFormat, ProgramKind, ProposalStage, ProposalTrack,
    RegionKind, SectionKind, Unit,
};

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

// ---------------------------------------------------------------------------------------------
// Fixed inputs.

/// The catalogue is shared with the real data, so observations use exactly its codes.
const METRICS_YAML: &str = include_str!("../../../data/metrics.yaml");

/// The real cities of `data/`: the synthetic set must be importable next to them.
const REAL_CODES: [&str; 5] = ["352012", "352039", "352063", "332020", "272035"];

/// Municipalities per prefecture in JIS order (1,718 市町村 and Tokyo's 23 wards); the
/// synthetic set is spread in the same proportions.
const REAL_COUNTS: [usize; 47] = [
    179, 40, 33, 35, 25, 35, 59, 44, 25, 35, 63, 54, 62, 33, 30, 15, 19, 17, 27, 77, 42, 35, 54,
    29, 19, 26, 43, 41, 39, 30, 19, 19, 27, 23, 19, 24, 17, 20, 34, 60, 20, 21, 45, 18, 26, 43, 41,
];

const MIN_POPULATION: f64 = 1_000.0;
const MAX_POPULATION: f64 = 3_700_000.0;
/// Share of observation cells left empty, so that benchmarks meet gaps as in real reports.
const MISSING_SHARE: f64 = 0.15;
/// Share of items, programmes and agenda items about disaster prevention (防災): a search
/// benchmark needs a term that is neither rare nor everywhere.
const BOSAI_SHARE: f64 = 0.2;
/// Share of plan items printed again under another measure (【再掲】).
const REPOST_SHARE: f64 = 1.0 / 15.0;

// Independent random streams: adding draws to one part never changes another part.
const STREAM_PLACES: u64 = 1;
const STREAM_AREAS: u64 = 2;
const STREAM_CITY: u64 = 1 << 20;

const ROMAN: [&str; 5] = ["I", "II", "III", "IV", "V"];
const CIRCLED: [&str; 10] = ["①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩"];

/// 分野: a field of collaboration, with the words the text templates need.
struct Field {
    name: &'static str,
    /// a typical activity of the field
    activity: &'static str,
    /// what collaboration in the field aims at
    goal: &'static str,
    /// the section in charge
    department: &'static str,
}

const fn field(
    name: &'static str,
    activity: &'static str,
    goal: &'static str,
    department: &'static str,
) -> Field {
    Field {
        name,
        activity,
        goal,
        department,
    }
}

/// Kept apart from [`FIELDS`] so that only records drawn for it mention 防災.
static BOSAI: Field = field("防災", "防災訓練", "災害に強い地域づくり", "防災危機管理課");

/// None of these words contains 防災.
static FIELDS: [Field; 15] = [
    field(
        "子育て",
        "子育てサロン",
        "安心して子育てができる地域づくり",
        "子育て支援課",
    ),
    field(
        "環境",
        "環境美化活動",
        "環境にやさしいまちづくり",
        "環境政策課",
    ),
    field(
        "地域づくり",
        "地域づくり協議会の活動",
        "住民主体の地域づくり",
        "地域づくり推進課",
    ),
    field(
        "市民活動",
        "市民活動団体の交流",
        "市民活動の活性化",
        "市民活動推進課",
    ),
    field(
        "高齢者",
        "高齢者の見守り活動",
        "高齢者が安心して暮らせる地域",
        "高齢福祉課",
    ),
    field(
        "観光",
        "観光ボランティアガイド",
        "地域資源を生かした観光振興",
        "観光振興課",
    ),
    field(
        "福祉",
        "福祉ボランティア活動",
        "支え合いの地域福祉",
        "地域福祉課",
    ),
    field(
        "文化",
        "伝統文化の継承活動",
        "地域文化の継承と創造",
        "文化振興課",
    ),
    field(
        "スポーツ",
        "地域スポーツ大会",
        "生涯スポーツの推進",
        "スポーツ振興課",
    ),
    field(
        "教育",
        "学校支援ボランティア",
        "地域と学校の連携",
        "学校教育課",
    ),
    field(
        "国際交流",
        "国際交流イベント",
        "多文化共生の地域づくり",
        "国際交流課",
    ),
    field(
        "防犯",
        "防犯パトロール",
        "安全・安心なまちづくり",
        "生活安全課",
    ),
    field("健康", "健康づくり教室", "健康寿命の延伸", "健康増進課"),
    field(
        "男女共同参画",
        "男女共同参画講座",
        "男女共同参画社会の実現",
        "男女共同参画課",
    ),
    field(
        "若者",
        "若者のまちづくり会議",
        "若者のまちづくりへの参加",
        "青少年課",
    ),
];

/// Sections that run collaboration across the administration.
const GENERAL_DEPARTMENTS: [&str; 6] = [
    "協働推進課",
    "市民活動推進課",
    "企画課",
    "生涯学習課",
    "職員課",
    "広報課",
];

const POLICY_TITLES: [&str; 8] = [
    "参加しやすく、活動しやすい環境づくりを進めます",
    "協働を担う人材を育てます",
    "情報の共有と交流を進めます",
    "協働の仕組みをつくります",
    "庁内の協働推進体制を整えます",
    "地域づくりの担い手を支えます",
    "市民活動の自立を支援します",
    "多様な主体の連携を広げます",
];

const MEASURE_TITLES: [&str; 22] = [
    "活動（交流）拠点機能の充実",
    "担い手の育成と支援",
    "情報提供と情報共有の推進",
    "交流と連携の促進",
    "協働事業の推進",
    "職員の意識改革と研修の充実",
    "推進体制の整備",
    "評価と見直しの仕組みづくり",
    "財政的支援の充実",
    "地域コミュニティ活動の活性化",
    "市民活動団体の自立支援",
    "協働推進員の活用",
    "市民参画の機会の拡充",
    "中間支援機能の強化",
    "事業者・教育機関との連携",
    "協働に関する啓発",
    "地域課題の把握と共有",
    "相談体制の充実",
    "人材情報の集約と活用",
    "協働事業提案制度の運用",
    "地域担当職員制度の推進",
    "ボランティア活動の促進",
];

const ITEM_TITLES: [&str; 14] = [
    "{f}分野における協働事業の推進",
    "{f}に関する市民活動団体との連携強化",
    "{a}への支援",
    "{f}をテーマとした職員研修の実施",
    "{f}に関する情報の発信と共有",
    "{f}分野の協働ガイドラインの作成",
    "{f}活動の拠点機能の充実",
    "{f}の担い手を育てる研修会の開催",
    "{f}に関わる団体のネットワークづくり",
    "{a}の促進",
    "{f}分野における協働事業提案の募集",
    "{f}に関する地域課題の把握と共有",
    "{a}を通じた地域づくりの推進",
    "{f}ボランティアの登録制度の創設",
];

const PURPOSES: [&str; 4] = [
    "{f}の分野で市民と行政が協働し、{g}を図ります。",
    "{a}を通じて、{g}を進めます。",
    "市民活動団体や地域コミュニティと連携し、{g}を目指します。",
    "多様な主体が{f}の課題に取り組むことで、{g}につなげます。",
];

const CURRENT_STATES: [&str; 5] = [
    "{f}に関わる市民活動団体は増えていますが、団体同士や行政との連携は十分ではありません。",
    "{a}への参加者が固定化しており、新たな担い手の確保が課題となっています。",
    "{f}分野の協働事例はまだ少なく、職員の理解も十分ではありません。",
    "{f}に関する情報が団体ごとに分散しており、市民に十分に届いていません。",
    "高齢化により地域の担い手が不足し、{a}の継続が難しくなっている地域があります。",
];

const CONTENTS: [&str; 6] = [
    "{a}に取り組む団体と行政が情報を共有する場を設け、協働による事業を実施します。",
    "職員と市民を対象とした研修を開催し、{f}分野における協働の理解を深めます。",
    "{f}に関する情報を{m}ホームページや広報紙で発信し、市民の参加を促します。",
    "地域づくり協議会や自治会と連携し、{a}を支援します。\nまた、活動の成果を報告会で共有します。",
    "{f}分野の協働事業を募集し、採択した事業を市民活動団体と共に実施します。",
    "協働推進員を通じて各課の{f}に関する取組を把握し、協働の可能性を検討します。",
];

const COMPLETIONS: [&str; 4] = [
    "{a}が地域に定着したときに完了とします。",
    "協働による事業が継続的に実施される仕組みが整ったときに完了とします。",
    "{f}分野の協働ガイドラインが策定され、全庁で活用されたときに完了とします。",
    "{g}に向けた取組が市民主体で行われるようになったときに完了とします。",
];

/// 実施主体 as printed, with the actors it names.
const IMPLEMENTERS: [(&str, &[ActorType]); 7] = [
    ("行政", &[ActorType::Administration]),
    (
        "市民・行政",
        &[ActorType::Citizen, ActorType::Administration],
    ),
    (
        "市民活動団体・行政",
        &[ActorType::CivicGroup, ActorType::Administration],
    ),
    (
        "地域コミュニティ・市民活動団体・行政",
        &[
            ActorType::Community,
            ActorType::CivicGroup,
            ActorType::Administration,
        ],
    ),
    (
        "行政・市民活動支援センター",
        &[ActorType::Administration, ActorType::Intermediary],
    ),
    (
        "行政・事業者",
        &[ActorType::Administration, ActorType::Business],
    ),
    (
        "行政・協働のまちづくり推進委員会",
        &[ActorType::Administration, ActorType::Other],
    ),
];

const TARGET_ACTORS: [ActorType; 6] = [
    ActorType::Citizen,
    ActorType::Community,
    ActorType::CivicGroup,
    ActorType::Business,
    ActorType::Education,
    ActorType::Administration,
];

/// (heading, chapter, text) of a model ordinance; `{m}` is 市, 町 or 村.
const ARTICLES: [(&str, &str, &str); 11] = [
    (
        "目的",
        "第1章",
        "この条例は、協働によるまちづくりの基本的な事項を定めることにより、市民等及び{m}長等の協働を推進し、もって地域づくりの発展に寄与することを目的とする。",
    ),
    (
        "定義",
        "第1章",
        "この条例において、次の各号に掲げる用語の意義は、当該各号に定めるところによる。\n(1) 市民等 {m}内に住み、働き、学び、又は活動する個人及び団体をいう。\n(2) 協働 市民等及び{m}長等が、それぞれの特性を理解し、共通の目的に向かって共に取り組むことをいう。",
    ),
    (
        "基本理念",
        "第1章",
        "協働によるまちづくりは、対等な立場と相互の理解を基本とし、情報を共有しながら進めるものとする。",
    ),
    (
        "市民等の役割",
        "第2章",
        "市民等は、地域社会の課題に関心を持ち、市民活動や地域づくりに自主的に参加するよう努めるものとする。",
    ),
    (
        "{m}長等の役割",
        "第2章",
        "{m}長等は、市民等の自主性及び自立性を尊重し、協働を推進するために必要な施策を講ずるものとする。\n2 {m}長等は、各所属に協働推進員を置き、職員の協働に関する意識の向上に努めるものとする。",
    ),
    (
        "協働の推進",
        "第3章",
        "市民等及び{m}長等は、それぞれの特性を理解し、相互に補完しながら協働を推進するものとする。",
    ),
    (
        "協働による事業の提案",
        "第3章",
        "{m}長等は、市民等及び{m}長等が協働による事業を相互に提案するための制度を整備するものとする。",
    ),
    (
        "人材の育成",
        "第3章",
        "{m}長等は、研修及び講座の開催等により、市民等及び職員が協働について学ぶ機会を設け、人材の育成に努めるものとする。",
    ),
    (
        "活動の支援",
        "第3章",
        "{m}長等は、地域コミュニティ及び市民活動団体の活動の拠点となる施設の整備に努めるものとする。\n2 {m}長等は、中間支援組織の充実に努めるものとする。",
    ),
    (
        "推進体制",
        "第4章",
        "{m}長等は、協働の推進に関する施策を総合的に推進するため、協働推進本部を置く。",
    ),
    (
        "評価",
        "第4章",
        "{m}長等は、協働の推進状況について評価を行い、その結果を公表するものとする。",
    ),
];

/// (kind, number, heading, body) of a plan's prose; `{f}` is a field.
const SECTIONS: [(SectionKind, &str, &str, &str); 6] = [
    (
        SectionKind::Prose,
        "第1章 1",
        "策定の背景",
        "少子・高齢化や人口減少が進み、地域の課題は複雑化・多様化しています。\n行政だけでは対応できない課題に、市民と行政が協働して取り組むことが求められています。",
    ),
    (
        SectionKind::Prose,
        "第1章 2",
        "計画の位置づけ",
        "この計画は、総合計画に掲げる「協働によるまちづくり」を進めるための個別計画です。",
    ),
    (
        SectionKind::BasicPrinciple,
        "第2章 1",
        "協働の基本原則",
        "①対等の原則\n②相互理解の原則\n③目的共有の原則\n④情報公開の原則",
    ),
    (
        SectionKind::CollaborationForm,
        "第2章 2",
        "共催",
        "内容: 協働主体と行政が共に主催者となって事業を行う協働形態\n実施する上での主なポイント: 企画の段階から十分に協議し、役割分担と経費負担を明確にします。",
    ),
    (
        SectionKind::CollaborationField,
        "第2章 3",
        "{f}分野",
        "協働による効果: 地域の実情に即したきめ細やかな対応が期待できます\n対象事業例: {a} など",
    ),
    (
        SectionKind::ActorRole,
        "第2章 4",
        "市民活動団体の役割",
        "市民活動団体は、専門性や機動性を生かし、地域課題の解決に取り組む協働の担い手です。",
    ),
];

/// An indicator a plan may measure itself by.
struct IndicatorSpec {
    id: &'static str,
    name: &'static str,
    unit: Unit,
    metric: Option<&'static str>,
    /// counts start near `coefficient × population^exponent`
    coefficient: f64,
    exponent: f64,
}

const fn indicator(
    id: &'static str,
    name: &'static str,
    unit: Unit,
    metric: Option<&'static str>,
    coefficient: f64,
    exponent: f64,
) -> IndicatorSpec {
    IndicatorSpec {
        id,
        name,
        unit,
        metric,
        coefficient,
        exponent,
    }
}

static INDICATORS: [IndicatorSpec; 20] = [
    indicator(
        "community-participation-rate",
        "地域活動に参加している市民の割合",
        Unit::Percent,
        None,
        0.0,
        0.0,
    ),
    indicator(
        "civic-activity-rate",
        "市民活動を行っている市民の割合",
        Unit::Percent,
        None,
        0.0,
        0.0,
    ),
    indicator(
        "staff-understanding-rate",
        "協働ということを説明できる職員の割合",
        Unit::Percent,
        None,
        0.0,
        0.0,
    ),
    indicator(
        "voice-reflected-rate",
        "市政に市民の声が反映されていると思う市民の割合",
        Unit::Percent,
        None,
        0.0,
        0.0,
    ),
    indicator(
        "disaster-drill-rate",
        "防災訓練に参加したことがある市民の割合",
        Unit::Percent,
        None,
        0.0,
        0.0,
    ),
    indicator(
        "staff-training-rate",
        "協働に関する研修を受講した職員の割合",
        Unit::Percent,
        None,
        0.0,
        0.0,
    ),
    indicator(
        "collaboration-awareness-rate",
        "協働の認知度",
        Unit::Percent,
        None,
        0.0,
        0.0,
    ),
    indicator(
        "registered-groups",
        "市民活動支援センター登録団体数",
        Unit::Groups,
        Some("registered_groups"),
        0.6,
        0.5,
    ),
    indicator(
        "collaboration-projects",
        "協働事業数",
        Unit::Projects,
        Some("collaboration_projects"),
        0.55,
        0.45,
    ),
    indicator(
        "proposals",
        "協働事業提案件数",
        Unit::Proposals,
        Some("proposals_received"),
        0.1,
        0.3,
    ),
    indicator(
        "center-visits",
        "市民活動センター利用者数",
        Unit::People,
        Some("support_center_visits"),
        0.1,
        1.0,
    ),
    indicator(
        "promotion-officers",
        "協働推進員数",
        Unit::People,
        Some("promotion_officers"),
        0.09,
        0.55,
    ),
    indicator(
        "childcare-volunteers",
        "子育て支援ボランティアの登録者数",
        Unit::People,
        None,
        0.3,
        0.5,
    ),
    indicator(
        "cleanup-participants",
        "環境美化活動の参加者数",
        Unit::People,
        None,
        0.8,
        0.5,
    ),
    indicator(
        "community-councils",
        "地域づくり協議会の設立数",
        Unit::Groups,
        None,
        0.05,
        0.4,
    ),
    indicator(
        "outreach-sessions",
        "出前講座の開催回数",
        Unit::Sessions,
        None,
        0.2,
        0.35,
    ),
    indicator(
        "elderly-watch-districts",
        "高齢者見守り活動の実施地区数",
        Unit::Count,
        None,
        0.3,
        0.3,
    ),
    indicator(
        "tourism-guides",
        "観光ボランティアガイドの登録者数",
        Unit::People,
        None,
        0.1,
        0.5,
    ),
    indicator(
        "collaborative-measures",
        "市民活動団体等と協働を行った施策数",
        Unit::Measures,
        None,
        0.8,
        0.35,
    ),
    indicator(
        "issues-addressed",
        "地域課題の解決に取り組んだ件数",
        Unit::Issues,
        None,
        0.3,
        0.35,
    ),
];

/// Agenda items of collaboration bodies; `{b}` is the body's name.
const AGENDA: [&str; 10] = [
    "{b}の年間スケジュールについて",
    "協働推進プランの進捗状況について",
    "協働事業提案制度の実施状況について",
    "協働推進員研修の実施について",
    "職員研修の実施結果について",
    "{f}分野における協働の取組について",
    "市民活動団体との協働事例の共有について",
    "市民活動支援センターの運営について",
    "協働に関する市民意識調査の結果について",
    "{f}に関する地域課題と協働の可能性について(審議)",
];

const BOSAI_AGENDA: [&str; 3] = [
    "防災分野における協働の取組について",
    "地域防災計画と協働の推進について",
    "防災訓練への市民活動団体の参加について",
];

const SURNAMES: [&str; 12] = [
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田",
];
const GIVEN_NAMES: [&str; 10] = [
    "一郎",
    "花子",
    "健",
    "真理子",
    "大輔",
    "由美",
    "誠",
    "恵子",
    "翔太",
    "直子",
];
const AFFILIATIONS: [&str; 5] = [
    "NPO法人まちづくり支援センター代表理事",
    "大学教授",
    "市民活動サポートセンター長",
    "地域づくりコーディネーター",
    "NPO法人協働ネットワーク事務局長",
];

// ---------------------------------------------------------------------------------------------
// Randomness: SplitMix64, so that output is the same on every platform and needs no crate.

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Rng(u64);

impl Rng {
    /// An independent stream for one part of the output.
    fn stream(seed: u64, stream: u64) -> Rng {
        Rng(mix(seed ^ mix(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in 0..n (n > 0), without the bias of a modulo.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in lo..=hi; lo when the range is empty.
    fn between(&mut self, lo: i32, hi: i32) -> i32 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as usize + 1) as i32
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len())]
    }

    fn word(&mut self, words: &[&'static str]) -> &'static str {
        words[self.below(words.len())]
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// k distinct indices of 0..n in random order.
    fn distinct(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut all: Vec<usize> = (0..n).collect();
        let k = k.min(n);
        for i in 0..k {
            let j = i + self.below(n - i);
            all.swap(i, j);
        }
        all.truncate(k);
        all
    }

    /// k distinct values of lo..=hi, ascending.
    fn distinct_sorted(&mut self, lo: i32, hi: i32, k: usize) -> Vec<i32> {
        if hi < lo {
            return Vec::new();
        }
        let mut v: Vec<i32> = self
            .distinct((hi - lo) as usize + 1, k)
            .into_iter()
            .map(|i| lo + i as i32)
            .collect();
        v.sort_unstable();
        v
    }
}

// ---------------------------------------------------------------------------------------------
// Municipalities, their codes and regions.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PlaceKind {
    City,
    Town,
    Village,
}

impl PlaceKind {
    fn suffix(self) -> &'static str {
        match self {
            PlaceKind::City => "市",
            PlaceKind::Town => "町",
            PlaceKind::Village => "村",
        }
    }
    fn kana(self) -> &'static str {
        match self {
            PlaceKind::City => "し",
            PlaceKind::Town => "ちょう",
            PlaceKind::Village => "そん",
        }
    }
    fn name_en(self) -> &'static str {
        match self {
            PlaceKind::City => "City",
            PlaceKind::Town => "Town",
            PlaceKind::Village => "Village",
        }
    }
    fn office(self) -> &'static str {
        match self {
            PlaceKind::City => "市役所",
            PlaceKind::Town => "町役場",
            PlaceKind::Village => "村役場",
        }
    }
}

#[derive(Clone, Debug)]
struct Place {
    /// 1-based, in code order: the number in the slug and the names
    number: usize,
    code: String,
    prefecture: &'static Prefecture,
    kind: PlaceKind,
    population: u32,
    /// index of its liaison area
    area: Option<usize>,
}

impl Place {
    fn slug(&self) -> String {
        format!("synth-{:04}", self.number)
    }
    fn name_ja(&self) -> String {
        format!("合成{}{:04}", self.kind.suffix(), self.number)
    }
    fn name_en(&self) -> String {
        format!("Synth {} {:04}", self.kind.name_en(), self.number)
    }
    fn name_kana(&self) -> String {
        format!("ごうせい{}{:04}", self.kind.kana(), self.number)
    }
}

/// A 地区 of a prefecture whose municipalities hold a liaison meeting.
struct Area {
    /// 1-based over the whole set: the number in the slug
    number: usize,
    /// 1-based within the prefecture: the number in the name
    ordinal: usize,
    prefecture: &'static Prefecture,
    /// indices into the places, in code order
    members: Vec<usize>,
}

impl Area {
    fn name_ja(&self) -> String {
        format!("{}第{}地区", self.prefecture.name_ja, self.ordinal)
    }
}

/// Appends the check digit to a five-digit code (weights 6,5,4,3,2; (11 − sum mod 11) mod 10).
fn with_check_digit(five: &str) -> String {
    let sum: u32 = five
        .bytes()
        .zip([6u32, 5, 4, 3, 2])
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    format!("{five}{}", (11 - sum % 11) % 10)
}

/// Municipalities per prefecture for a set of `n`, in proportion to the real counts (largest
/// remainders), so that a small set still spreads over the country.
fn apportion(n: usize) -> [usize; 47] {
    let mut quotas = [0usize; 47];
    let mut remainders = Vec::with_capacity(47);
    for (i, count) in REAL_COUNTS.iter().enumerate() {
        let share = n * count;
        quotas[i] = share / MAX_MUNICIPALITIES;
        remainders.push((share % MAX_MUNICIPALITIES, i));
    }
    let left = n - quotas.iter().sum::<usize>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.into_iter().take(left) {
        quotas[i] += 1;
    }
    quotas
}

fn places(n: usize, seed: u64) -> Vec<Place> {
    let mut rng = Rng::stream(seed, STREAM_PLACES);
    let mut out = Vec::with_capacity(n);
    for (prefecture, quota) in PREFECTURES.iter().zip(apportion(n)) {
        let span = MAX_POPULATION.ln() - MIN_POPULATION.ln();
        let mut populations: Vec<u32> = (0..quota)
            .map(|_| (MIN_POPULATION.ln() + span * rng.unit()).exp().round() as u32)
            .collect();
        // The largest places get the 2xx codes of cities, as in the real numbering.
        populations.sort_unstable_by(|a, b| b.cmp(a));
        let mut next_city = 201;
        let mut next_town = 301;
        for population in populations {
            let kind = if population >= 50_000 && next_city < 300 {
                PlaceKind::City
            } else if population < 8_000 && rng.chance(0.5) {
                PlaceKind::Village
            } else {
                PlaceKind::Town
            };
            let counter = if kind == PlaceKind::City {
                &mut next_city
            } else {
                &mut next_town
            };
            let code = loop {
                let code = with_check_digit(&format!("{}{:03}", prefecture.code, *counter));
                *counter += 1;
                if !REAL_CODES.contains(&code.as_str()) {
                    break code;
                }
            };
            out.push(Place {
                number: 0,
                code,
                prefecture,
                kind,
                population,
                area: None,
            });
        }
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    for (i, place) in out.iter_mut().enumerate() {
        place.number = i + 1;
    }
    out
}

/// Splits each prefecture's municipalities into liaison areas of 4–8 members; a prefecture
/// with fewer than four in the set has none.
fn liaison_areas(places: &mut [Place], seed: u64) -> Vec<Area> {
    let mut rng = Rng::stream(seed, STREAM_AREAS);
    let mut areas = Vec::new();
    let mut start = 0;
    while start < places.len() {
        let prefecture = places[start].prefecture;
        let end = start
            + places[start..]
                .iter()
                .take_while(|p| p.prefecture.code == prefecture.code)
                .count();
        let mut members: Vec<usize> = (start..end).collect();
        rng.shuffle(&mut members);
        let mut rest = &members[..];
        let mut ordinal = 0;
        while rest.len() >= 4 {
            let r = rest.len();
            let k = rng.between(4, 8) as usize;
            // Never leave one to three behind: they could not form an area of their own.
            let k = if k >= r || (r - k < 4 && r <= 8) {
                r
            } else if r - k < 4 {
                r - 4
            } else {
                k
            };
            let (taken, left) = rest.split_at(k);
            rest = left;
            ordinal += 1;
            let mut group = taken.to_vec();
            group.sort_unstable();
            for &i in &group {
                places[i].area = Some(areas.len());
            }
            areas.push(Area {
                number: areas.len() + 1,
                ordinal,
                prefecture,
                members: group,
            });
        }
        start = end;
    }
    areas
}

fn regions_text(places: &[Place], areas: &[Area], opts: &GenerateOptions) -> String {
    let mut y = Yaml::with_capacity(places.len() * 160 + 4096);
    y.comment(&format!(
        "Synthetic regions generated by kyodo-hub (seed {}); not real data.",
        opts.seed
    ));
    y.key(0, "regions");
    let member = |y: &mut Yaml, place: &Place| {
        y.flow_entry(
            6,
            &[
                ("code", Flow::Quoted(&place.code)),
                ("name_ja", Flow::Str(&place.name_ja())),
                ("name_en", Flow::Str(&place.name_en())),
            ],
        );
    };
    let mut start = 0;
    while start < places.len() {
        let prefecture = places[start].prefecture;
        let end = start
            + places[start..]
                .iter()
                .take_while(|p| p.prefecture.code == prefecture.code)
                .count();
        y.item();
        y.str(4, "slug", &format!("pref-{}", prefecture.code));
        y.str(4, "name_ja", prefecture.name_ja);
        let name_en = match prefecture.code {
            "01" => "Hokkaido".to_owned(),
            "13" => "Tokyo Metropolis".to_owned(),
            _ => format!("{} Prefecture", prefecture.name_en),
        };
        y.str(4, "name_en", &name_en);
        y.str(4, "kind", RegionKind::Prefecture.as_str());
        y.str(
            4,
            "description",
            &format!("合成データのうち{}に属する市町村。", prefecture.name_ja),
        );
        y.key(4, "members");
        for place in &places[start..end] {
            member(&mut y, place);
        }
        for area in areas
            .iter()
            .filter(|a| a.prefecture.code == prefecture.code)
        {
            y.item();
            y.str(4, "slug", &format!("area-{:03}", area.number));
            y.str(4, "name_ja", &area.name_ja());
            y.str(
                4,
                "name_en",
                &format!("{} area {}", prefecture.name_en, area.ordinal),
            );
            y.str(4, "kind", RegionKind::LiaisonArea.as_str());
            y.str(
                4,
                "description",
                &format!(
                    "{}の市町村が協働・市民活動の担当課長連絡会議を開いている地区。",
                    area.name_ja()
                ),
            );
            y.key(4, "members");
            for &i in &area.members {
                member(&mut y, &places[i]);
            }
        }
        start = end;
    }
    y.s
}

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

// ---------------------------------------------------------------------------------------------
// YAML output. Written by hand rather than through serde_norway: the layout follows the real
// files (flow mappings for schedule cells, block scalars for paragraphs) and it is several
// times faster at this volume.

struct Yaml {
    s: String,
    /// the next line starts a list item
    dash: bool,
}

enum Flow<'a> {
    Str(&'a str),
    Quoted(&'a str),
    Int(i64),
    Num(f64),
}

impl Yaml {
    fn with_capacity(n: usize) -> Yaml {
        Yaml {
            s: String::with_capacity(n),
            dash: false,
        }
    }

    fn comment(&mut self, text: &str) {
        self.s.push_str("# ");
        self.s.push_str(text);
        self.s.push('\n');
    }

    fn spaces(&mut self, n: usize) {
        for _ in 0..n {
            self.s.push(' ');
        }
    }

    fn lead(&mut self, indent: usize) {
        if self.dash {
            self.dash = false;
            self.spaces(indent.saturating_sub(2));
            self.s.push_str("- ");
        } else {
            self.spaces(indent);
        }
    }

    /// The next field written starts a new item of the list above it.
    fn item(&mut self) {
        self.dash = true;
    }

    fn key(&mut self, indent: usize, key: &str) {
        self.lead(indent);
        self.s.push_str(key);
        self.s.push_str(":\n");
    }

    fn str(&mut self, indent: usize, key: &str, value: &str) {
        self.lead(indent);
        self.s.push_str(key);
        self.s.push_str(": ");
        self.scalar(value, false);
        self.s.push('\n');
    }

    fn opt_str(&mut self, indent: usize, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.str(indent, key, value);
        }
    }

    /// Dates and codes are quoted, as FORMAT.md asks, even where a plain scalar would do.
    fn quoted(&mut self, indent: usize, key: &str, value: &str) {
        self.lead(indent);
        self.s.push_str(key);
        self.s.push_str(": ");
        self.quote(value);
        self.s.push('\n');
    }

    /// A number, written as Rust displays it (integers without a decimal point).
    fn number(&mut self, indent: usize, key: &str, value: impl std::fmt::Display) {
        self.lead(indent);
        self.s.push_str(key);
        self.s.push_str(": ");
        self.push_display(value);
        self.s.push('\n');
    }

    fn flag(&mut self, indent: usize, key: &str, value: bool) {
        self.lead(indent);
        self.s.push_str(key);
        self.s
            .push_str(if value { ": true\n" } else { ": false\n" });
    }

    /// A paragraph: a `|-` block when it has line breaks, as in the real files.
    fn text(&mut self, indent: usize, key: &str, value: &str) {
        let blockable = value.contains('\n')
            && value
                .lines()
                .all(|l| !l.starts_with([' ', '\t']) && !l.ends_with([' ', '\t']))
            && !value.chars().any(|c| c.is_control() && c != '\n');
        if !blockable {
            self.str(indent, key, value);
            return;
        }
        self.lead(indent);
        self.s.push_str(key);
        self.s.push_str(": |-\n");
        for line in value.lines() {
            if !line.is_empty() {
                self.spaces(indent + 2);
                self.s.push_str(line);
            }
            self.s.push('\n');
        }
    }

    fn strs<S: AsRef<str>>(&mut self, indent: usize, key: &str, values: &[S]) {
        if values.is_empty() {
            return;
        }
        self.key(indent, key);
        for v in values {
            self.spaces(indent + 2);
            self.s.push_str("- ");
            self.scalar(v.as_ref(), false);
            self.s.push('\n');
        }
    }

    fn flow(&mut self, pairs: &[(&str, Flow<'_>)]) {
        self.s.push_str("{ ");
        for (i, (key, value)) in pairs.iter().enumerate() {
            if i > 0 {
                self.s.push_str(", ");
            }
            self.s.push_str(key);
            self.s.push_str(": ");
            match value {
                Flow::Str(v) => self.scalar(v, true),
                Flow::Quoted(v) => self.quote(v),
                Flow::Int(v) => self.push_display(v),
                Flow::Num(v) => self.push_display(v),
            }
        }
        self.s.push_str(" }");
    }

    /// `key: { … }`
    fn flow_field(&mut self, indent: usize, key: &str, pairs: &[(&str, Flow<'_>)]) {
        self.lead(indent);
        self.s.push_str(key);
        self.s.push_str(": ");
        self.flow(pairs);
        self.s.push('\n');
    }

    /// `- { … }` as an item of the list whose key is at `indent - 2`.
    fn flow_entry(&mut self, indent: usize, pairs: &[(&str, Flow<'_>)]) {
        self.spaces(indent);
        self.s.push_str("- ");
        self.flow(pairs);
        self.s.push('\n');
    }

    fn push_display(&mut self, value: impl std::fmt::Display) {
        write!(self.s, "{value}").expect("writing to a String cannot fail");
    }

    fn scalar(&mut self, value: &str, flow: bool) {
        if plain_is_safe(value, flow) {
            self.s.push_str(value);
        } else {
            self.quote(value);
        }
    }

    /// A JSON string is a valid YAML double-quoted scalar.
    fn quote(&mut self, value: &str) {
        self.s.push('"');
        for c in value.chars() {
            match c {
                '"' => self.s.push_str("\\\""),
                '\\' => self.s.push_str("\\\\"),
                '\n' => self.s.push_str("\\n"),
                '\t' => self.s.push_str("\\t"),
                c if c.is_control() => {
                    write!(self.s, "\\u{:04x}", u32::from(c))
                        .expect("writing to a String cannot fail");
                }
                c => self.s.push(c),
            }
        }
        self.s.push('"');
    }
}

/// Whether a string can be written as a plain scalar and read back as the same string.
/// Conservative: anything doubtful is quoted.
fn plain_is_safe(v: &str, flow: bool) -> bool {
    let Some(first) = v.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`~ \t".contains(first) || first.is_ascii_digit() || first == '+' {
        return false;
    }
    if v.ends_with([' ', '\t', ':'])
        || v.contains(": ")
        || v.contains(" #")
        || v.chars().any(char::is_control)
    {
        return false;
    }
    if flow && v.contains([',', '[', ']', '{', '}', ':', '#']) {
        return false;
    }
    !matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | ".nan" | ".inf"
    )
}

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

struct Ctx {
    seed: u64,
    first: i32,
    last: i32,
    /// the catalogue's codes and units, in catalogue order
    metrics: Vec<(String, Unit)>,
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

struct City<'a> {
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
    fn new(ctx: &'a Ctx, place: &'a Place, area: Option<&'a Area>) -> City<'a> {
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

    fn file(mut self) -> String {
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

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::time::Instant;

    use super::*;
    use crate::dataset::{Dataset, MunicipalityFile};
    use crate::domain::codes::validate_municipality_code;

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
