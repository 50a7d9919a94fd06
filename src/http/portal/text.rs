//! 表記 How the pages write things: the two languages, numbers, fiscal years, units, the
//! "as of" line, and the stylesheet's URL.

use std::borrow::Borrow;
use std::sync::LazyLock;

use sha2::{Digest, Sha256};

use super::views::SourceRef;

pub const STYLESHEET: &str = include_str!("portal.css");
pub const STYLESHEET_PATH: &str = "/portal.css";

/// `/portal.css?v=…`, naming the stylesheet's content, so that it can be cached for a year.
pub fn stylesheet_href() -> &'static str {
    static HREF: LazyLock<String> = LazyLock::new(|| {
        let hash = format!("{:x}", Sha256::digest(STYLESHEET.as_bytes()));
        format!("{STYLESHEET_PATH}?v={}", &hash[..16])
    });
    HREF.as_str()
}

/// The page's language: Japanese first, English on `?lang=en`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

/// A number a page shows, whatever type the data gave it.
pub trait Number {
    fn as_f64(&self) -> f64;
}

impl Number for f64 {
    fn as_f64(&self) -> f64 {
        *self
    }
}

impl Number for i64 {
    #[allow(clippy::cast_precision_loss)]
    fn as_f64(&self) -> f64 {
        *self as f64
    }
}

impl Number for i32 {
    fn as_f64(&self) -> f64 {
        f64::from(*self)
    }
}

impl<T: Number> Number for &T {
    fn as_f64(&self) -> f64 {
        (**self).as_f64()
    }
}

/// A year a page shows, whatever type the data gave it.
pub trait Year {
    fn year(&self) -> i32;
}

impl Year for i32 {
    fn year(&self) -> i32 {
        *self
    }
}

impl<T: Year> Year for &T {
    fn year(&self) -> i32 {
        (**self).year()
    }
}

impl Lang {
    /// `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }

    /// The link text to the other language, in that language.
    pub fn other_name(self) -> &'static str {
        match self {
            Lang::Ja => "English",
            Lang::En => "日本語",
        }
    }

    pub fn t(self, ja: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// A name the data holds in both languages.
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::En if !en.is_empty() => en,
            _ => ja,
        }
    }

    /// A name whose English form may be missing.
    pub fn pick_opt<'a>(self, ja: &'a str, en: &'a Option<String>) -> &'a str {
        match (self, en.as_deref()) {
            (Lang::En, Some(en)) if !en.is_empty() => en,
            _ => ja,
        }
    }

    /// `path` in this language (`?lang=en` added for English).
    pub fn href(self, path: &str) -> String {
        match self {
            Lang::Ja => path.to_owned(),
            Lang::En if path.contains('?') => format!("{path}&lang=en"),
            Lang::En => format!("{path}?lang=en"),
        }
    }

    /// The hidden form field that keeps the language.
    pub fn is_en(self) -> bool {
        self == Lang::En
    }

    /// A number with thousands separators; fractions to two places, trailing zeros dropped.
    pub fn num(self, value: impl Number) -> String {
        format_number(value.as_f64())
    }

    /// 2016年度 / FY2016.
    pub fn fy(self, year: impl Year) -> String {
        let year = year.year();
        match self {
            Lang::Ja => format!("{year}年度"),
            Lang::En => format!("FY{year}"),
        }
    }

    /// A population with its census year: 474,592人 (2020年国勢調査).
    pub fn population(
        self,
        population: impl Borrow<Option<i64>>,
        year: impl Borrow<Option<i32>>,
    ) -> String {
        let year: Option<i32> = *year.borrow();
        let Some(p) = *population.borrow() else {
            return self.t("不明", "unknown").to_owned();
        };
        let year = year.map(|y| match self {
            Lang::Ja => format!(" ({y}年)"),
            Lang::En => format!(" ({y})"),
        });
        match self {
            Lang::Ja => format!(
                "{}人{}",
                format_number(p.as_f64()),
                year.unwrap_or_default()
            ),
            Lang::En => format!("{}{}", format_number(p.as_f64()), year.unwrap_or_default()),
        }
    }

    /// A progress ratio as a percentage of the way from baseline to target.
    pub fn percent(self, progress: impl Borrow<Option<f64>>) -> String {
        match progress.borrow() {
            Some(p) => format!("{}%", format_number(p * 100.0)),
            None => self.t("算定不可", "n/a").to_owned(),
        }
    }

    /// The value `<meter>` shows: the progress ratio clamped to the bar.
    pub fn meter(self, progress: impl Borrow<Option<f64>>) -> String {
        format!("{:.3}", progress.borrow().unwrap_or(0.0).clamp(0.0, 1.0))
    }

    /// The API's `Unit` as people write it.
    pub fn unit(self, unit: &str) -> &'static str {
        match (self, unit) {
            (_, "PERCENT") => "%",
            (Lang::Ja, "PEOPLE") => "人",
            (Lang::Ja, "GROUPS") => "団体",
            (Lang::Ja, "PROJECTS") => "事業",
            (Lang::Ja, "PROPOSALS") => "件",
            (Lang::Ja, "MEASURES") => "施策",
            (Lang::Ja, "ISSUES") => "件",
            (Lang::Ja, "SESSIONS") => "回",
            (Lang::Ja, _) => "",
            (Lang::En, "PEOPLE") => "people",
            (Lang::En, "GROUPS") => "groups",
            (Lang::En, "PROJECTS") => "projects",
            (Lang::En, "PROPOSALS") => "proposals",
            (Lang::En, "MEASURES") => "measures",
            (Lang::En, "ISSUES") => "issues",
            (Lang::En, "SESSIONS") => "sessions",
            (Lang::En, _) => "",
        }
    }

    /// 約 before an approximate value.
    pub fn approx(self, approximate: impl Borrow<bool>) -> &'static str {
        if *approximate.borrow() {
            self.t("約", "approx. ")
        } else {
            ""
        }
    }

    /// The words for an enum value of the API (kinds, formats, stages).
    pub fn term(self, value: &str) -> &'static str {
        let (ja, en) = match value {
            "HEADQUARTERS" => ("推進本部", "headquarters"),
            "SECRETARIAT" => ("幹事会", "secretariat"),
            "COUNCIL" => ("審議会", "council"),
            "COMMITTEE" => ("委員会", "committee"),
            "STAFF_NETWORK" => ("推進員", "staff network"),
            "LIAISON" => ("連絡会議", "liaison meeting"),
            "IN_PERSON" => ("対面", "in person"),
            "WRITTEN" => ("書面開催", "in writing"),
            "ONLINE" => ("オンライン", "online"),
            "DIRECT" => ("直営", "run by the city"),
            "DESIGNATED_MANAGER" => ("指定管理者制度", "designated manager"),
            "OUTSOURCED" => ("委託", "outsourced"),
            "PROPOSAL_SCHEME" => ("協働事業提案制度", "proposal scheme"),
            "STAFF_TRAINING" => ("職員研修", "staff training"),
            "CITIZEN_COURSE" => ("市民講座", "citizen course"),
            "OUTREACH_LECTURE" => ("出前講座", "outreach lecture"),
            "FORUM" => ("フォーラム", "forum"),
            "ROUND_TABLE" => ("円卓会議・座談会", "round table"),
            "FESTIVAL" => ("まつり・イベント", "festival"),
            "WORKSHOP" => ("ワークショップ", "workshop"),
            "SURVEY" => ("調査", "survey"),
            "INFORMATION" => ("情報提供", "information"),
            "ADMINISTRATION" => ("行政提案型", "proposed by the city"),
            "CITIZEN" => ("市民提案型", "proposed by citizens"),
            "CONSULTED" => ("相談", "consulted"),
            "APPLIED" => ("応募", "applied"),
            "ADOPTED" => ("採択", "adopted"),
            "IMPLEMENTED" => ("実施", "implemented"),
            "PREFECTURE" => ("県", "prefecture"),
            "LIAISON_AREA" => ("連絡会議の地区", "liaison area"),
            "PARTNERSHIP" => ("連携", "partnership"),
            "RIVER_BASIN" => ("流域", "river basin"),
            // The kinds of search results.
            "PlanItem" => ("推進項目", "plan item"),
            "Program" => ("事業", "programme"),
            "Activity" => ("活動", "activity"),
            "Proposal" => ("提案", "proposal"),
            "Body" => ("推進体制", "body"),
            "SupportCenter" => ("支援拠点", "support centre"),
            "Observation" => ("指標の値", "value"),
            "Meeting" => ("会議", "meeting"),
            "Plan" => ("計画", "plan"),
            "Policy" => ("推進方針", "policy"),
            "Measure" => ("推進施策", "measure"),
            "PlanSection" => ("計画の本文", "plan text"),
            "Ordinance" => ("条例", "ordinance"),
            "Article" => ("条文", "article"),
            "Indicator" => ("成果指標", "indicator"),
            "Municipality" => ("市", "city"),
            "IndicatorValue" => ("成果指標の値", "indicator value"),
            "ScheduleEntry" => ("工程表の記載", "schedule entry"),
            "Source" => ("資料", "document"),
            _ => ("その他", "other"),
        };
        self.t(ja, en)
    }

    /// What a change did, as the change feed lists it.
    pub fn operation(self, operation: &str) -> &'static str {
        let (ja, en) = match operation {
            "CREATE" => ("追加", "added"),
            "UPDATE" => ("更新", "updated"),
            "DELETE" => ("削除", "deleted"),
            "IMPORT" => ("一括取込", "imported"),
            _ => ("変更", "changed"),
        };
        self.t(ja, en)
    }

    /// An instant the API gives in UTC (RFC 3339), as people in Japan read it: in JST, which
    /// has no daylight saving, so a fixed nine hours ahead is exact. Text that is no instant is
    /// shown as it came.
    pub fn jst(self, at: &str) -> String {
        let Some(jst) = chrono::FixedOffset::east_opt(9 * 3600) else {
            return at.to_owned();
        };
        match chrono::DateTime::parse_from_rfc3339(at) {
            Ok(t) => {
                let t = t.with_timezone(&jst);
                match self {
                    Lang::Ja => t.format("%Y年%-m月%-d日 %H:%M").to_string(),
                    Lang::En => t.format("%-d %b %Y, %H:%M JST").to_string(),
                }
            }
            Err(_) => at.to_owned(),
        }
    }

    /// A source named for a reader: title and publisher.
    pub fn source(self, source: impl Borrow<Option<SourceRef>>) -> String {
        match source.borrow() {
            Some(s) => match &s.publisher {
                Some(p) => format!("{} ({p})", s.title),
                None => s.title.clone(),
            },
            None => self.t("出典の記載なし", "no source given").to_owned(),
        }
    }
}

/// 1234567.5 → "1,234,567.5"; the decimals the value needs, at most two.
pub fn format_number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let text = format!("{:.2}", rounded.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let fraction = fraction.trim_end_matches('0');
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if rounded < 0.0 { "-" } else { "" };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// 時点 What a city's data is as of: its newest dated document, and the latest fiscal year
/// it has values for.
pub fn as_of(lang: Lang, sources: &[SourceRef], years: impl Iterator<Item = i32>) -> String {
    let published = sources.iter().filter_map(|s| s.published.as_deref()).max();
    let year = years.max();
    let mut parts = Vec::new();
    if let Some(p) = published {
        parts.push(match lang {
            Lang::Ja => format!("最新の資料 {p} 公表"),
            Lang::En => format!("newest document published {p}"),
        });
    }
    if let Some(y) = year {
        parts.push(match lang {
            Lang::Ja => format!("{y}年度までの値"),
            Lang::En => format!("values up to FY{y}"),
        });
    }
    if parts.is_empty() {
        lang.t("資料に日付がありません", "the documents are undated")
            .to_owned()
    } else {
        parts.join(lang.t("、", "; "))
    }
}

/// The search snippet as HTML that can hold nothing but text and `<mark>`: the API escapes
/// the text already, and any other angle bracket is escaped here in case it did not.
pub fn safe_snippet(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len());
    let mut rest = snippet;
    while !rest.is_empty() {
        if let Some(tail) = rest.strip_prefix("<mark>") {
            out.push_str("<mark>");
            rest = tail;
        } else if let Some(tail) = rest.strip_prefix("</mark>") {
            out.push_str("</mark>");
            rest = tail;
        } else {
            let mut chars = rest.chars();
            match chars.next() {
                Some('<') => out.push_str("&lt;"),
                Some('>') => out.push_str("&gt;"),
                Some('"') => out.push_str("&quot;"),
                Some(c) => out.push(c),
                None => {}
            }
            rest = chars.as_str();
        }
    }
    out
}

/// A slug as one path segment: percent-encoded, so that no value can leave the path.
pub fn path_segment(slug: &str) -> String {
    url::form_urlencoded::byte_serialize(slug.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_trimmed() {
        assert_eq!(format_number(474_592.0), "474,592");
        assert_eq!(format_number(140.0), "140");
        assert_eq!(format_number(12.345), "12.35");
        assert_eq!(format_number(-1234.5), "-1,234.5");
        assert_eq!(format_number(0.0), "0");
    }

    #[test]
    fn instants_are_shown_in_japan_time() {
        assert_eq!(
            Lang::Ja.jst("2026-11-30T15:30:00.123Z"),
            "2026年12月1日 00:30"
        );
        assert_eq!(
            Lang::En.jst("2026-11-30T15:30:00+00:00"),
            "1 Dec 2026, 00:30 JST"
        );
        assert_eq!(Lang::Ja.jst("not a time"), "not a time");
    }

    #[test]
    fn snippets_keep_only_their_marks() {
        assert_eq!(
            safe_snippet("<mark>防災</mark>&lt;子&gt;<script>"),
            "<mark>防災</mark>&lt;子&gt;&lt;script&gt;"
        );
    }
}
