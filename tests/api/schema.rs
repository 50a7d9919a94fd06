//! The committed SDL (`schema/schema.graphql`) is what the code exports; a change to the
//! public contract shows in review. `cargo run -- schema > schema/schema.graphql` updates it,
//! and `cargo run -- schema --public > schema/public.graphql` the SDL without federation's
//! directives that `GET /schema.graphql` serves.

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/schema.graphql"
    ))
    .expect("schema/schema.graphql");
    let current = kyodo_hub::graphql::sdl();
    assert!(
        committed == current,
        "schema/schema.graphql is out of date: run `cargo run -- schema > schema/schema.graphql`"
    );
}

#[test]
fn committed_public_schema_matches_the_code_and_the_federation_schema() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/public.graphql"
    ))
    .expect("schema/public.graphql");
    let current = kyodo_hub::graphql::public_sdl();
    assert!(
        committed == current,
        "schema/public.graphql is out of date: run `cargo run -- schema --public > schema/public.graphql`"
    );
    // graphql-js refuses a directive it has no definition for; the public SDL uses none of
    // federation's, and defines the same types and fields as the federation SDL.
    for directive in [
        "@key",
        "@link",
        "@shareable",
        "@external",
        "@requires",
        "@provides",
    ] {
        assert!(!current.contains(directive), "public SDL uses {directive}");
    }
    let strip = |sdl: &str| -> Vec<String> {
        // Federation's `extend schema @link(…)` closes its SDL.
        let types = sdl.split("extend schema @link(").next().unwrap_or(sdl);
        types
            .lines()
            .map(|l| {
                l.split(" @")
                    .next()
                    .unwrap_or(l)
                    .trim_end_matches(" {")
                    .trim()
                    .to_owned()
            })
            .filter(|l| !l.is_empty())
            .collect()
    };
    let federation = strip(&kyodo_hub::graphql::sdl());
    let public = strip(&current);
    for line in &federation {
        assert!(
            public.contains(line),
            "the public SDL lacks `{line}` of the federation SDL"
        );
    }
}

async fn the_public_schema_is_served(b: crate::helpers::Backend) {
    let app = crate::helpers::TestApp::spawn(&b).await;
    let response = app
        .client
        .get(format!("{}/schema.graphql", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(
        response.text().await.expect("body"),
        kyodo_hub::graphql::public_sdl()
    );
}

crate::db_tests!(the_public_schema_is_served);

#[test]
fn the_contract_names_exist() {
    // ../shared/API.md lists these; they may gain company but never disappear.
    let sdl = kyodo_hub::graphql::sdl();
    for needle in [
        "scalar FiscalYear",
        "type Query {",
        "type Municipality implements Node @key(fields: \"code\")",
        "@link(",
        "municipality(code: ID, slug: String): Municipality",
        "municipalities(region: String, prefecture: String): [Municipality!]!",
        "region(slug: String!): Region",
        "regions: [Region!]!",
        "metrics: [Metric!]!",
        "fiscalYear(label: String!): FiscalYearInfo!",
        "type FiscalYearInfo",
        "enum Era",
        "node(id: ID!): Node",
        "observations(metric: String, from: FiscalYear, to: FiscalYear): [Observation!]!",
        "programs(kind: ProgramKind, first: Int, after: String): ProgramConnection!",
        "meetings(from: Date, to: Date): [Meeting!]!",
        "supportCenters: [SupportCenter!]!",
        "isRepost: Boolean!",
        "progress: Float",
        "enum ActorType",
        "enum Unit",
        "enum ProgramKind",
        "enum MeetingFormat",
        "scalar Date",
        "interface Node",
        "type Mutation {",
        "upsertObservation(input: ObservationInput!): Observation!",
        "changes(municipality: ID, since: DateTime, first: Int, after: String): ChangeConnection!",
        "scalar DateTime",
        "scalar JSON",
    ] {
        assert!(sdl.contains(needle), "SDL lacks {needle:?}");
    }
    for type_name in [
        "Municipality",
        "Region",
        "Prefecture",
        "Ordinance",
        "Plan",
        "Policy",
        "Measure",
        "PlanItem",
        "ScheduleEntry",
        "Indicator",
        "IndicatorValue",
        "Metric",
        "Observation",
        "Program",
        "Activity",
        "Proposal",
        "Body",
        "Meeting",
        "SupportCenter",
        "Source",
        "ProgramConnection",
        "Change",
        "ChangeConnection",
    ] {
        let needle = format!("type {type_name} ");
        assert!(sdl.contains(&needle), "SDL lacks type {type_name}");
    }
    for field in [
        "id",
        "title",
        "periodStart",
        "periodEnd",
        "policies",
        "label",
        "measures",
        "items",
        "isRepost",
        "repostOf",
        "departments",
        "implementers",
        "targets",
        "purpose",
        "currentState",
        "content",
        "completionCriterion",
        "schedule",
        "phase",
        "labelJa",
        "unit",
        "baseline",
        "observations",
        "progress",
        "nameJa",
        "nameEn",
        "description",
        "municipality",
        "metric",
        "fiscalYear",
        "value",
        "note",
        "source",
        "kind",
        "organizer",
        "startedFiscalYear",
        "activities",
        "proposals",
        "date",
        "sessions",
        "participants",
        "audience",
        "body",
        "format",
        "agenda",
        "publisher",
        "published",
        "url",
        "population",
        "regions",
        "ordinances",
        "plans",
        "indicators",
        "programs",
        "bodies",
        "meetings",
        "supportCenters",
        "articles",
        "number",
        "heading",
        "text",
        "totalCount",
        "pageInfo",
    ] {
        let needle = format!("\t{field}");
        assert!(sdl.contains(&needle), "SDL lacks field {field}");
    }
}
