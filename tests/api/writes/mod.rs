//! Writing through the API (issues 4 and 10): cities keep their own records current, only
//! their own, and every change is traced. Tokens are created as `kyodo-hub token create`
//! creates them; every request goes over HTTP. One file per family of writes; the queries and
//! readers more than one family needs live here.

mod concurrency;
mod csv;
mod observations;
mod records;
mod roundtrip;
mod tokens;

use serde_json::{Value, json};

use crate::helpers::TestApp;

const HOFU: &str = "352063";
const TOYONAKA: &str = "272035";

const UPSERT: &str = "mutation($i: ObservationInput!) { upsertObservation(input: $i) { id version value fiscalYear approximate note } }";
const UPDATE_OBSERVATION: &str = "mutation($i: UpdateObservationInput!) { updateObservation(input: $i) { id version value note } }";
const CHANGES: &str = "query($m: ID, $first: Int, $after: String) { changes(municipality: $m, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { at operation entity recordId actor actorRole tokenId municipalityCode before after } } } }";

async fn hofu_observation(app: &TestApp, metric: &str, year: i32) -> Option<Value> {
    let data = app
        .data(
            "query($m: String) { municipality(code: \"352063\") { observations(metric: $m) { id version value fiscalYear note } } }",
            json!({ "m": metric }),
        )
        .await;
    data["municipality"]["observations"]
        .as_array()
        .expect("observations")
        .iter()
        .find(|o| o["fiscalYear"] == year)
        .cloned()
}

async fn changes_as(app: &TestApp, token: &str, municipality: Option<&str>) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = app
            .data_as(
                token,
                CHANGES,
                json!({ "m": municipality, "first": 100, "after": after }),
            )
            .await;
        let page = &data["changes"];
        all.extend(
            page["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"].clone()),
        );
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    all
}
