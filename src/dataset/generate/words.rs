//! The words the synthetic files are made of: fields of collaboration, titles, text templates,
//! indicators, agenda items and names, in the proportions of the real plans and reports.

use crate::domain::{ActorType, SectionKind, Unit};

pub(super) const ROMAN: [&str; 5] = ["I", "II", "III", "IV", "V"];
pub(super) const CIRCLED: [&str; 10] = ["①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩"];

/// 分野: a field of collaboration, with the words the text templates need.
pub(super) struct Field {
    pub(super) name: &'static str,
    /// a typical activity of the field
    pub(super) activity: &'static str,
    /// what collaboration in the field aims at
    pub(super) goal: &'static str,
    /// the section in charge
    pub(super) department: &'static str,
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
pub(super) static BOSAI: Field =
    field("防災", "防災訓練", "災害に強い地域づくり", "防災危機管理課");

/// None of these words contains 防災.
pub(super) static FIELDS: [Field; 15] = [
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
pub(super) const GENERAL_DEPARTMENTS: [&str; 6] = [
    "協働推進課",
    "市民活動推進課",
    "企画課",
    "生涯学習課",
    "職員課",
    "広報課",
];

pub(super) const POLICY_TITLES: [&str; 8] = [
    "参加しやすく、活動しやすい環境づくりを進めます",
    "協働を担う人材を育てます",
    "情報の共有と交流を進めます",
    "協働の仕組みをつくります",
    "庁内の協働推進体制を整えます",
    "地域づくりの担い手を支えます",
    "市民活動の自立を支援します",
    "多様な主体の連携を広げます",
];

pub(super) const MEASURE_TITLES: [&str; 22] = [
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

pub(super) const ITEM_TITLES: [&str; 14] = [
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

pub(super) const PURPOSES: [&str; 4] = [
    "{f}の分野で市民と行政が協働し、{g}を図ります。",
    "{a}を通じて、{g}を進めます。",
    "市民活動団体や地域コミュニティと連携し、{g}を目指します。",
    "多様な主体が{f}の課題に取り組むことで、{g}につなげます。",
];

pub(super) const CURRENT_STATES: [&str; 5] = [
    "{f}に関わる市民活動団体は増えていますが、団体同士や行政との連携は十分ではありません。",
    "{a}への参加者が固定化しており、新たな担い手の確保が課題となっています。",
    "{f}分野の協働事例はまだ少なく、職員の理解も十分ではありません。",
    "{f}に関する情報が団体ごとに分散しており、市民に十分に届いていません。",
    "高齢化により地域の担い手が不足し、{a}の継続が難しくなっている地域があります。",
];

pub(super) const CONTENTS: [&str; 6] = [
    "{a}に取り組む団体と行政が情報を共有する場を設け、協働による事業を実施します。",
    "職員と市民を対象とした研修を開催し、{f}分野における協働の理解を深めます。",
    "{f}に関する情報を{m}ホームページや広報紙で発信し、市民の参加を促します。",
    "地域づくり協議会や自治会と連携し、{a}を支援します。\nまた、活動の成果を報告会で共有します。",
    "{f}分野の協働事業を募集し、採択した事業を市民活動団体と共に実施します。",
    "協働推進員を通じて各課の{f}に関する取組を把握し、協働の可能性を検討します。",
];

pub(super) const COMPLETIONS: [&str; 4] = [
    "{a}が地域に定着したときに完了とします。",
    "協働による事業が継続的に実施される仕組みが整ったときに完了とします。",
    "{f}分野の協働ガイドラインが策定され、全庁で活用されたときに完了とします。",
    "{g}に向けた取組が市民主体で行われるようになったときに完了とします。",
];

/// 実施主体 as printed, with the actors it names.
pub(super) const IMPLEMENTERS: [(&str, &[ActorType]); 7] = [
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

pub(super) const TARGET_ACTORS: [ActorType; 6] = [
    ActorType::Citizen,
    ActorType::Community,
    ActorType::CivicGroup,
    ActorType::Business,
    ActorType::Education,
    ActorType::Administration,
];

/// (heading, chapter, text) of a model ordinance; `{m}` is 市, 町 or 村.
pub(super) const ARTICLES: [(&str, &str, &str); 11] = [
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
pub(super) const SECTIONS: [(SectionKind, &str, &str, &str); 6] = [
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
pub(super) struct IndicatorSpec {
    pub(super) id: &'static str,
    pub(super) name: &'static str,
    pub(super) unit: Unit,
    pub(super) metric: Option<&'static str>,
    /// counts start near `coefficient × population^exponent`
    pub(super) coefficient: f64,
    pub(super) exponent: f64,
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

pub(super) static INDICATORS: [IndicatorSpec; 20] = [
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
pub(super) const AGENDA: [&str; 10] = [
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

pub(super) const BOSAI_AGENDA: [&str; 3] = [
    "防災分野における協働の取組について",
    "地域防災計画と協働の推進について",
    "防災訓練への市民活動団体の参加について",
];

pub(super) const SURNAMES: [&str; 12] = [
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田",
];
pub(super) const GIVEN_NAMES: [&str; 10] = [
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
pub(super) const AFFILIATIONS: [&str; 5] = [
    "NPO法人まちづくり支援センター代表理事",
    "大学教授",
    "市民活動サポートセンター長",
    "地域づくりコーディネーター",
    "NPO法人協働ネットワーク事務局長",
];
