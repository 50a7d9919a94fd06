//! The committed SDL (`schema/schema.graphql`) is what the code exports; a change to the
//! public contract shows in review. `cargo run -- schema > schema/schema.graphql` updates it.

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
fn the_contract_names_exist() {
    // ../shared/API.md lists these; they may gain company but never disappear.
    let sdl = kyodo_hub::graphql::sdl();
    for needle in [
        "scalar FiscalYear",
        "type Municipality implements Node @key(fields: \"code\")",
        "@link(",
        "municipality(code: ID, slug: String): Municipality",
        "municipalities(region: String, prefecture: String): [Municipality!]!",
        "region(slug: String!): Region",
        "regions: [Region!]!",
        "metrics: [Metric!]!",
        "fiscalYear(label: String!): FiscalYearDetails!",
        "node(id: ID!): Node",
        "observations(metric: String, from: FiscalYear, to: FiscalYear): [Observation!]!",
        "programs(kind: ProgramKind, first: Int, after: String): ProgramConnection!",
        "meetings(from: Date, to: Date): [Meeting!]!",
        "supportCenters: [SupportCenter!]!",
        "isRepost: Boolean!",
        "progress: Float",
        "enum ActorType",
    ] {
        assert!(sdl.contains(needle), "SDL lacks {needle:?}");
    }
}
