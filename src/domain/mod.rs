//! The closed vocabularies of the domain. Each enum is spelled once here and serves three
//! places: the dataset files (YAML), the database (a text column holding the same name) and the
//! GraphQL schema, so a value cannot mean one thing in a file and another in the API.

pub mod codes;
pub mod date;
pub mod fiscal_year;
pub mod json_list;
pub mod progress;

/// Declares an enum whose variants are stored and exchanged by their UPPER_CASE names.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize, async_graphql::Enum)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] #[graphql(name = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name stored in the database and written in dataset files.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} {:?}: expected one of {}",
                        stringify!($name),
                        other,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

vocabulary!(
    /// 主体: who acts or is addressed in collaboration.
    ActorType {
        /// 市民
        Citizen => "CITIZEN",
        /// 地域コミュニティ (自治会, 町内会 …)
        Community => "COMMUNITY",
        /// 市民活動団体 (volunteer groups, NPOs)
        CivicGroup => "CIVIC_GROUP",
        /// 事業者
        Business => "BUSINESS",
        /// 教育機関
        Education => "EDUCATION",
        /// 行政
        Administration => "ADMINISTRATION",
        /// 中間支援組織: intermediaries such as a civic activity centre
        Intermediary => "INTERMEDIARY",
        /// その他, including committees named as actors
        Other => "OTHER",
    }
);

vocabulary!(
    /// 単位: what an indicator or metric counts.
    Unit {
        Percent => "PERCENT",
        People => "PEOPLE",
        Groups => "GROUPS",
        Projects => "PROJECTS",
        Proposals => "PROPOSALS",
        Measures => "MEASURES",
        Issues => "ISSUES",
        Sessions => "SESSIONS",
        Count => "COUNT",
    }
);

vocabulary!(
    /// 事業の種類: what kind of programme a city runs.
    ProgramKind {
        /// 協働事業提案制度 and similar proposal schemes
        ProposalScheme => "PROPOSAL_SCHEME",
        /// 職員研修
        StaffTraining => "STAFF_TRAINING",
        /// 講座, 養成講座 for citizens
        CitizenCourse => "CITIZEN_COURSE",
        /// 出前講座: staff lecture where citizens ask
        OutreachLecture => "OUTREACH_LECTURE",
        /// フォーラム
        Forum => "FORUM",
        /// 円卓会議, ラウンドテーブル
        RoundTable => "ROUND_TABLE",
        /// フェスタ, 祭り
        Festival => "FESTIVAL",
        /// ワークショップ, 研修会
        Workshop => "WORKSHOP",
        /// 調査
        Survey => "SURVEY",
        /// 情報発信: publications, portals, guides
        Information => "INFORMATION",
        Other => "OTHER",
    }
);

vocabulary!(
    /// 推進体制の種類: what kind of collaboration body.
    BodyKind {
        /// 推進本部
        Headquarters => "HEADQUARTERS",
        /// 幹事会
        Secretariat => "SECRETARIAT",
        /// 審議会
        Council => "COUNCIL",
        /// 委員会
        Committee => "COMMITTEE",
        /// 協働推進員, 協働調整員
        StaffNetwork => "STAFF_NETWORK",
        /// 連絡会議 between municipalities
        Liaison => "LIAISON",
        /// 庁内会議: a meeting within one city's own administration (協働推進会議 of its
        /// 協働推進員, 経営会議), not between municipalities
        InternalMeeting => "INTERNAL_MEETING",
        Other => "OTHER",
    }
);

vocabulary!(
    /// 開催形式: how a meeting was held.
    MeetingFormat {
        InPerson => "IN_PERSON",
        /// 書面開催
        Written => "WRITTEN",
        Online => "ONLINE",
        /// the document does not say
        Unknown => "UNKNOWN",
    }
);

vocabulary!(
    /// 管理運営方式: how a support centre is run.
    ManagementModel {
        /// 直営
        Direct => "DIRECT",
        /// 指定管理者制度
        DesignatedManager => "DESIGNATED_MANAGER",
        /// 委託
        Outsourced => "OUTSOURCED",
        Unknown => "UNKNOWN",
    }
);

vocabulary!(
    /// 提案区分: who proposed a collaboration project.
    ProposalTrack {
        /// 行政提案型
        Administration => "ADMINISTRATION",
        /// 市民提案型
        Citizen => "CITIZEN",
        Other => "OTHER",
    }
);

vocabulary!(
    /// How far a proposal got.
    ProposalStage {
        /// 相談
        Consulted => "CONSULTED",
        /// 応募, 提案
        Applied => "APPLIED",
        /// 採択
        Adopted => "ADOPTED",
        /// 実施
        Implemented => "IMPLEMENTED",
        Unknown => "UNKNOWN",
    }
);

vocabulary!(
    /// What a prose section of a plan describes.
    SectionKind {
        Prose => "PROSE",
        /// 協働の形態
        CollaborationForm => "COLLABORATION_FORM",
        /// 協働に適した分野
        CollaborationField => "COLLABORATION_FIELD",
        /// 主体の役割
        ActorRole => "ACTOR_ROLE",
        /// 基本的な考え方
        BasicPrinciple => "BASIC_PRINCIPLE",
    }
);

vocabulary!(
    /// What ties a region's members together.
    RegionKind {
        /// 都道府県
        Prefecture => "PREFECTURE",
        /// 地区: a liaison area within a prefecture
        LiaisonArea => "LIAISON_AREA",
        /// 連携: a partnership of cities
        Partnership => "PARTNERSHIP",
        /// 流域: a river basin area
        RiverBasin => "RIVER_BASIN",
        Other => "OTHER",
    }
);

vocabulary!(
    /// 年次計画の区分: what an item's schedule plans for a year.
    SchedulePhase {
        /// 検討
        Study => "STUDY",
        /// 一部実施
        Partial => "PARTIAL",
        /// 実施
        Implementation => "IMPLEMENTATION",
        /// 見直し
        Review => "REVIEW",
        /// 完了
        Completion => "COMPLETION",
        /// → : the previous year's work continues
        Continued => "CONTINUED",
        /// 周知: making the item known (「検討・周知」)
        Publicity => "PUBLICITY",
        Other => "OTHER",
    }
);

vocabulary!(
    /// 日付の種類: what a record's date is.
    DateKind {
        /// 開催日: the day (or month) it took place
        Held => "HELD",
        /// …まで: a deadline, e.g. 「令和5年8月10日まで 開催案内送付」 for a written meeting
        Deadline => "DEADLINE",
    }
);

impl DateKind {
    /// Reads the kind from the document's date wording: まで (by, until) marks a deadline.
    pub fn from_wording(wording: Option<&str>) -> DateKind {
        match wording {
            Some(w) if w.contains("まで") => DateKind::Deadline,
            _ => DateKind::Held,
        }
    }
}

vocabulary!(
    /// Which value of an indicator.
    IndicatorValueKind {
        /// 現状値
        Baseline => "BASELINE",
        /// 目標値
        Target => "TARGET",
        /// 実績値
        Observed => "OBSERVED",
    }
);

impl SchedulePhase {
    /// Every phase a schedule cell names, in the order written: 「検討・実施」 is a study and an
    /// implementation, 「実施・完了予定」 an implementation that completes. Never empty.
    pub fn list_from_label(label: &str) -> Vec<SchedulePhase> {
        let label = label.trim();
        if label == "→" || label == "⇒" || label == "->" {
            return vec![SchedulePhase::Continued];
        }
        let mut phases = Vec::new();
        for part in label.split('・').map(str::trim).filter(|p| !p.is_empty()) {
            let phase = if part.starts_with("検討") {
                SchedulePhase::Study
            } else if part.starts_with("見直し") {
                SchedulePhase::Review
            } else if part.contains("完了") {
                SchedulePhase::Completion
            } else if part.contains("一部実施") {
                SchedulePhase::Partial
            } else if part.contains("実施") {
                SchedulePhase::Implementation
            } else if part.contains("周知") {
                SchedulePhase::Publicity
            } else {
                SchedulePhase::Other
            };
            if !phases.contains(&phase) {
                phases.push(phase);
            }
        }
        if phases.is_empty() {
            phases.push(SchedulePhase::Other);
        }
        phases
    }

    /// The first phase a cell names: what the deprecated single `phase` holds.
    pub fn from_label(label: &str) -> SchedulePhase {
        Self::list_from_label(label)
            .first()
            .copied()
            .unwrap_or(SchedulePhase::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schedule_label_of_the_yamaguchi_plan_has_a_phase() {
        for (label, phase) in [
            ("検討", SchedulePhase::Study),
            ("実施", SchedulePhase::Implementation),
            ("→", SchedulePhase::Continued),
            ("一部実施", SchedulePhase::Partial),
            ("見直し・実施", SchedulePhase::Review),
            ("検討・実施", SchedulePhase::Study),
            ("検討・一部実施", SchedulePhase::Study),
            ("検討・周知", SchedulePhase::Study),
            ("実施・完了予定", SchedulePhase::Implementation),
            ("未定", SchedulePhase::Other),
        ] {
            assert_eq!(SchedulePhase::from_label(label), phase, "{label}");
        }
    }

    #[test]
    fn a_combined_cell_keeps_every_phase_in_order() {
        use SchedulePhase::*;
        for (label, phases) in [
            ("検討・実施", vec![Study, Implementation]),
            ("検討・一部実施", vec![Study, Partial]),
            ("見直し・実施", vec![Review, Implementation]),
            ("実施・完了予定", vec![Implementation, Completion]),
            ("検討・周知", vec![Study, Publicity]),
            ("→", vec![Continued]),
            ("", vec![Other]),
        ] {
            assert_eq!(SchedulePhase::list_from_label(label), phases, "{label}");
        }
    }

    #[test]
    fn a_date_worded_until_is_a_deadline() {
        assert_eq!(
            DateKind::from_wording(Some("令和5年8月10日まで 開催案内送付 (書面開催)")),
            DateKind::Deadline
        );
        assert_eq!(DateKind::from_wording(Some("H29.9.28")), DateKind::Held);
        assert_eq!(DateKind::from_wording(None), DateKind::Held);
    }

    #[test]
    fn names_round_trip() {
        for kind in ProgramKind::ALL {
            assert_eq!(kind.as_str().parse::<ProgramKind>(), Ok(*kind));
        }
        assert!("PLAY".parse::<ProgramKind>().is_err());
    }
}

vocabulary!(
    /// 権限: what an API token may do.
    TokenRole {
        /// Every municipality's records, and every change in the audit trail.
        Admin => "ADMIN",
        /// Writes one municipality's records and reads its audit trail.
        Editor => "EDITOR",
        /// Reads one municipality's audit trail; writes nothing.
        Viewer => "VIEWER",
    }
);

vocabulary!(
    /// What a change did to a record.
    ChangeOperation {
        Create => "CREATE",
        Update => "UPDATE",
        Delete => "DELETE",
        /// A whole municipality replaced by `kyodo-hub import`.
        Import => "IMPORT",
    }
);

impl Unit {
    /// The counter word a Japanese table prints after the number (人, 団体 …).
    pub fn label_ja(self) -> &'static str {
        match self {
            Unit::Percent => "%",
            Unit::People => "人",
            Unit::Groups => "団体",
            Unit::Projects => "事業",
            Unit::Proposals | Unit::Issues | Unit::Count => "件",
            Unit::Measures => "施策",
            Unit::Sessions => "回",
        }
    }

    /// The English word for the same.
    pub fn label_en(self) -> &'static str {
        match self {
            Unit::Percent => "percent",
            Unit::People => "people",
            Unit::Groups => "groups",
            Unit::Projects => "projects",
            Unit::Proposals => "proposals",
            Unit::Measures => "measures",
            Unit::Issues => "issues",
            Unit::Sessions => "sessions",
            Unit::Count => "count",
        }
    }

    /// `人 / people` for a unit stored as text; text that names no unit is shown as it is.
    pub fn labels(stored: &str) -> String {
        match stored.parse::<Unit>() {
            Ok(u) => format!("{} / {}", u.label_ja(), u.label_en()),
            Err(_) => stored.to_owned(),
        }
    }
}
