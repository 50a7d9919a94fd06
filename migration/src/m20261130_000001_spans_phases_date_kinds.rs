//! What the documents say that one column could not hold (issue 13): an activity that covers a
//! span of fiscal years (「H23～27年度 … 計411名」), a schedule cell that names more than one
//! phase (「検討・実施」), and a meeting date that is a deadline rather than the day it was held
//! (「令和5年8月10日まで 開催案内送付」); and a plan's yearly-schedule table, whose columns may
//! reach beyond the action-plan period its prose states. Existing rows, including cities' edits made through the
//! API, are carried over: a single year becomes the span from that year to itself, a cell's
//! stored phase becomes a list of one, and a date written with まで becomes a deadline.

#![expect(
    elided_lifetimes_in_paths,
    reason = "MigrationTrait declares `&SchemaManager` without its lifetime; naming it makes the impl mismatch"
)]

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Combined cells the documents print, each with the phase the previous importer derived from
/// it, the first phase (what the deprecated `phase` now holds) and every phase it names in the
/// order written. Only rows still holding the derived phase are widened: a phase a city set by
/// hand through the API is left as its only phase.
const COMBINED: [(&str, &str, &str, &str); 5] = [
    (
        "検討・実施",
        "STUDY",
        "STUDY",
        r#"["STUDY","IMPLEMENTATION"]"#,
    ),
    ("検討・一部実施", "STUDY", "STUDY", r#"["STUDY","PARTIAL"]"#),
    ("検討・周知", "STUDY", "STUDY", r#"["STUDY","PUBLICITY"]"#),
    (
        "見直し・実施",
        "REVIEW",
        "REVIEW",
        r#"["REVIEW","IMPLEMENTATION"]"#,
    ),
    (
        "実施・完了予定",
        "COMPLETION",
        "IMPLEMENTATION",
        r#"["IMPLEMENTATION","COMPLETION"]"#,
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // One column per statement: SQLite alters a table one change at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .add_column(integer(Activities::FiscalYearTo).default(0))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("UPDATE activities SET fiscal_year_to = fiscal_year")
            .await?;
        // 「令和5年7月から9月まで」: an activity held over a period has an end date too.
        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .add_column(string_null(Activities::DateEnd))
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(ScheduleEntries::Table)
                    .add_column(text(ScheduleEntries::Phases).default("[]"))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(r#"UPDATE schedule_entries SET phases = '["' || phase || '"]'"#)
            .await?;
        for (label, derived, first, phases) in COMBINED {
            let stmt = Query::update()
                .table(ScheduleEntries::Table)
                .value(ScheduleEntries::Phases, phases)
                .value(ScheduleEntries::Phase, first)
                .and_where(Expr::col(ScheduleEntries::LabelJa).eq(label))
                .and_where(Expr::col(ScheduleEntries::Phase).eq(derived))
                .to_owned();
            manager.exec_stmt(stmt).await?;
        }

        manager
            .alter_table(
                Table::alter()
                    .table(Meetings::Table)
                    .add_column(string(Meetings::DateKind).default("HELD"))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "UPDATE meetings SET date_kind = 'DEADLINE' WHERE date_note LIKE '%まで%'",
        )
        .await?;

        // Plans are written only by import; a re-import fills these.
        manager
            .alter_table(
                Table::alter()
                    .table(Plans::Table)
                    .add_column(integer_null(Plans::ScheduleStart))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Plans::Table)
                    .add_column(integer_null(Plans::ScheduleEnd))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Plans::ScheduleEnd, Plans::ScheduleStart] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Plans::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Meetings::Table)
                    .drop_column(Meetings::DateKind)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ScheduleEntries::Table)
                    .drop_column(ScheduleEntries::Phases)
                    .to_owned(),
            )
            .await?;
        for column in [Activities::DateEnd, Activities::FiscalYearTo] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Activities::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    FiscalYearTo,
    DateEnd,
}

#[derive(DeriveIden)]
enum ScheduleEntries {
    Table,
    Phase,
    Phases,
    LabelJa,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    DateKind,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    ScheduleStart,
    ScheduleEnd,
}
