//! The round trip (issue 12): a city exports its observations, edits one value as a spreadsheet
//! would (CP932, the code's leading zero dropped, the Japanese headers kept, or an .xlsx), sees
//! that one difference in a dry run, imports, and then exactly that cell has changed and the
//! audit trail holds exactly that change, in GraphQL names and global IDs.

use serde_json::{Value, json};

use super::changes_as;
use crate::db_tests;
use crate::exports::{csv_table, download, import_copy_of_hofu, sheets};
use crate::helpers::{Backend, TestApp};

/// A code with a leading zero (札幌市's), under which a copy of Hofu is imported.
const CITY: &str = "012017";

const UPLOAD: &str = "mutation($file: Upload, $dryRun: Boolean!) { importObservations(file: $file, dryRun: $dryRun) { created updated unchanged dryRun readAs rows { row municipalityCode metric fiscalYear before after kind changed } } }";

const OBSERVATIONS: &str = "query($c: String!) { municipality(code: $c) { id observations { id version metric { code } fiscalYear value approximate labelJa note } } }";

/// POSTs `importObservations` as a GraphQL multipart request (the spec's `operations`, `map`
/// and file parts), as browsers' FormData sends it.
async fn upload_as(
    app: &TestApp,
    token: &str,
    file: &[u8],
    filename: &str,
    dry_run: bool,
    preflight: bool,
) -> (u16, Value) {
    let boundary = "----kyodo-hub-round-trip-7c1f";
    let operations = json!({ "query": UPLOAD, "variables": { "file": null, "dryRun": dry_run } });
    let mut body = Vec::new();
    for (name, text) in [
        ("operations", operations.to_string()),
        ("map", json!({ "0": ["variables.file"] }).to_string()),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{text}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    if preflight {
        request = request.header("apollo-require-preflight", "true");
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

async fn upload_data(app: &TestApp, token: &str, file: &[u8], name: &str, dry_run: bool) -> Value {
    let (status, body) = upload_as(app, token, file, name, dry_run, true).await;
    assert_eq!(status, 200, "{body:#}");
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["importObservations"].clone()
}

async fn upload_error(app: &TestApp, token: &str, file: &[u8], name: &str) -> (String, String) {
    let (_, body) = upload_as(app, token, file, name, false, true).await;
    let e = &body["errors"][0];
    assert!(e.is_object(), "expected an error, got {body:#}");
    (
        e["extensions"]["code"].as_str().unwrap_or("").to_owned(),
        e["message"].as_str().unwrap_or("").to_owned(),
    )
}

/// The rows a result says would change (or did).
fn differences(result: &Value) -> Vec<Value> {
    result["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["kind"] != "UNCHANGED")
        .cloned()
        .collect()
}

fn position(header: &[String], key: &str) -> usize {
    header
        .iter()
        .position(|h| h.ends_with(&format!(" / {key}")))
        .unwrap_or_else(|| panic!("no column {key:?} in {header:?}"))
}

/// The exported CSV of the city, as a table.
async fn exported(app: &TestApp) -> Vec<Vec<String>> {
    let (name, bytes) = download(
        app,
        &format!("/export/observations.csv?municipalities={CITY}"),
    )
    .await;
    assert_eq!(name, format!("observations_{CITY}.csv"));
    csv_table(&bytes)
}

/// The row of the table to edit: the city's latest promotion officers count.
fn edited_row(table: &[Vec<String>]) -> usize {
    let header = &table[0];
    let (metric, year) = (position(header, "metric"), position(header, "fiscal_year"));
    (1..table.len())
        .filter(|&r| table[r][metric] == "promotion_officers")
        .max_by_key(|&r| table[r][year].parse::<i32>().expect("year"))
        .expect("a promotion officers row")
}

/// The audit trail's newest entry and how long the trail is.
async fn last_change(app: &TestApp, token: &str) -> (usize, Value) {
    let all = changes_as(app, token, Some(CITY)).await;
    (all.len(), all.last().cloned().unwrap_or(Value::Null))
}

/// Checks the export against the GraphQL answer, cell by cell.
async fn matches_graphql(app: &TestApp, table: &[Vec<String>]) {
    let data = app.data(OBSERVATIONS, json!({ "c": CITY })).await;
    let listed = data["municipality"]["observations"]
        .as_array()
        .expect("observations");
    assert_eq!(table.len() - 1, listed.len());
    let header = &table[0];
    for o in listed {
        let row = table
            .iter()
            .skip(1)
            .find(|r| {
                r[position(header, "metric")] == o["metric"]["code"].as_str().unwrap_or("")
                    && r[position(header, "fiscal_year")].parse().ok() == o["fiscalYear"].as_i64()
            })
            .unwrap_or_else(|| panic!("{o} is not exported"));
        assert_eq!(row[position(header, "municipality")], CITY);
        let value: f64 = row[position(header, "value")].parse().expect("number");
        assert_eq!(value, o["value"].as_f64().expect("value"), "{o}");
        assert_eq!(
            row[position(header, "approximate")],
            o["approximate"].to_string()
        );
        assert_eq!(
            row[position(header, "label_ja")],
            o["labelJa"].as_str().unwrap_or("")
        );
        assert_eq!(
            row[position(header, "note")],
            o["note"].as_str().unwrap_or("")
        );
    }
}

async fn an_edited_csv_in_cp932_changes_exactly_the_edited_cell(b: Backend) {
    // Arrange: a city whose code starts with 0, its editor, and its export.
    let app = TestApp::spawn(&b).await;
    import_copy_of_hofu(&app, CITY, "zero-city").await;
    let token = app.token(Some(CITY), "EDITOR", "Zero City").await;
    let before = exported(&app).await;
    matches_graphql(&app, &before).await;
    let header = &before[0];
    assert_eq!(header[0], "自治体コード / municipality");
    let r = edited_row(&before);
    let value_column = position(header, "value");
    let old: f64 = before[r][value_column].parse().expect("number");
    let new = old + 7.0;

    // As a spreadsheet saves it: the code a number (012017 → 12017), Japanese headers, CP932.
    let mut edited = before.clone();
    edited[r][value_column] = new.to_string();
    for row in edited.iter_mut().skip(1) {
        row[0] = row[0].trim_start_matches('0').to_owned();
    }
    let mut text = Vec::new();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut text);
        for row in &edited {
            w.write_record(row).expect("csv");
        }
    }
    let text = String::from_utf8(text).expect("utf-8");
    let (cp932, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable, "every character has a CP932 form");
    assert!(
        std::str::from_utf8(&cp932).is_err(),
        "the file is not UTF-8"
    );
    let fingerprint = app.fingerprint().await;
    let (trail, _) = last_change(&app, &token).await;

    // Act 1: a dry run shows the one difference and writes nothing.
    let dry = upload_data(&app, &token, &cp932, "edited.csv", true).await;

    // Assert 1
    assert_eq!(dry["readAs"], "CSV, CP932 (Shift_JIS)");
    assert_eq!(dry["dryRun"], true);
    assert_eq!(
        (dry["updated"].as_i64(), dry["created"].as_i64()),
        (Some(1), Some(0))
    );
    let diff = differences(&dry);
    assert_eq!(diff.len(), 1, "{dry:#}");
    let year: i32 = before[r][position(header, "fiscal_year")]
        .parse()
        .expect("year");
    assert_eq!(
        diff[0],
        json!({
            // Line 1 is the header; the table's row r is line r + 1.
            "row": r + 1, "municipalityCode": CITY, "metric": "promotion_officers",
            "fiscalYear": year, "before": old, "after": new, "kind": "UPDATED",
            "changed": ["value"]
        })
    );
    assert_eq!(app.fingerprint().await, fingerprint);

    // Act 2: the import itself.
    let done = upload_data(&app, &token, &cp932, "edited.csv", false).await;

    // Assert 2: exactly that cell changed, and the trail has exactly that change.
    assert_eq!(differences(&done), diff);
    let after = exported(&app).await;
    let changed: Vec<(usize, usize)> = (0..before.len())
        .flat_map(|i| (0..before[i].len()).map(move |j| (i, j)))
        .filter(|&(i, j)| before[i][j] != after[i][j])
        .collect();
    assert_eq!(changed, [(r, value_column)]);
    assert_eq!(after[r][value_column], new.to_string());
    matches_graphql(&app, &after).await;

    let (length, change) = last_change(&app, &token).await;
    assert_eq!(length, trail + 1);
    let data = app.data(OBSERVATIONS, json!({ "c": CITY })).await;
    let observation = data["municipality"]["observations"]
        .as_array()
        .expect("observations")
        .iter()
        .find(|o| o["metric"]["code"] == "promotion_officers" && o["fiscalYear"] == year)
        .cloned()
        .expect("the edited observation");
    assert_eq!(change["operation"], "UPDATE");
    assert_eq!(change["entity"], "Observation");
    assert_eq!(change["recordId"], observation["id"]);
    for (image, value) in [(&change["before"], old), (&change["after"], new)] {
        assert_eq!(image["id"], observation["id"], "{image}");
        assert_eq!(image["municipality"], data["municipality"]["id"], "{image}");
        assert_eq!(image["metric"], "promotion_officers");
        assert_eq!(image["fiscalYear"], year);
        assert_eq!(image["value"], value);
        let names: Vec<&String> = image.as_object().expect("object").keys().collect();
        assert!(
            names.iter().all(|n| !n.contains('_')),
            "column names in the trail: {names:?}"
        );
        assert!(image.get("municipalityCode").is_none() && image.get("sourceId").is_none());
    }
    assert_eq!(change["after"]["version"], observation["version"]);

    // The same file again changes nothing.
    let again = upload_data(&app, &token, &cp932, "edited.csv", false).await;
    assert!(differences(&again).is_empty(), "{again:#}");
    assert_eq!(last_change(&app, &token).await.0, trail + 1);
}

db_tests!(an_edited_csv_in_cp932_changes_exactly_the_edited_cell);

async fn an_edited_workbook_goes_back_by_multipart_upload(b: Backend) {
    // Arrange
    let app = TestApp::spawn(&b).await;
    import_copy_of_hofu(&app, CITY, "zero-city").await;
    let token = app.token(Some(CITY), "EDITOR", "Zero City").await;
    let csv_before = exported(&app).await;
    let (name, bytes) = download(
        &app,
        &format!("/export/observations.xlsx?municipalities={CITY}"),
    )
    .await;
    assert_eq!(name, format!("observations_{CITY}.xlsx"));
    let book = sheets(bytes);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["データ Data", "出典 Sources", "説明 About"]);
    let data = &book[0].1;
    // The workbook holds the CSV's table, codes as text and numbers as numbers.
    assert_eq!(data.len(), csv_before.len());
    let header: Vec<String> = data[0].iter().map(ToString::to_string).collect();
    assert_eq!(header, csv_before[0]);
    let r = edited_row(&csv_before);
    let value_column = position(&header, "value");
    assert_eq!(data[r][0], calamine::Data::String(CITY.to_owned()));
    let old = match &data[r][value_column] {
        calamine::Data::Float(f) => *f,
        other => panic!("value cell {other:?} is not a number"),
    };
    assert!(matches!(
        data[r][position(&header, "fiscal_year")],
        calamine::Data::Float(_)
    ));
    assert!(book[1].1.len() > 1, "the sources are listed");
    let new = old + 3.0;

    // As Excel would save it after the edit: the code typed over as a number.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (i, row) in data.iter().enumerate() {
        let i = u32::try_from(i).expect("row");
        for (j, cell) in row.iter().enumerate() {
            let j = u16::try_from(j).expect("column");
            match cell {
                calamine::Data::Float(_) if i as usize == r && j as usize == value_column => {
                    sheet.write_number(i, j, new).expect("cell");
                }
                calamine::Data::Float(f) => {
                    sheet.write_number(i, j, *f).expect("cell");
                }
                calamine::Data::String(s) if i > 0 && j == 0 => {
                    sheet
                        .write_number(i, j, s.parse::<f64>().expect("code"))
                        .expect("cell");
                }
                calamine::Data::String(s) => {
                    sheet.write_string(i, j, s).expect("cell");
                }
                calamine::Data::Empty => {}
                other => panic!("unexpected cell {other:?}"),
            }
        }
    }
    let edited = workbook.save_to_buffer().expect("xlsx");
    let fingerprint = app.fingerprint().await;

    // Act 1: without the header that makes a browser ask first, the upload is refused.
    let (status, _) = upload_as(&app, &token, &edited, "edited.xlsx", false, false).await;
    assert_eq!(status, 415);
    assert_eq!(app.fingerprint().await, fingerprint);

    // Act 2: a dry run, then the import.
    let dry = upload_data(&app, &token, &edited, "edited.xlsx", true).await;
    assert_eq!(dry["readAs"], "xlsx");
    let diff = differences(&dry);
    assert_eq!(diff.len(), 1, "{dry:#}");
    assert_eq!(diff[0]["row"], r + 1);
    assert_eq!(diff[0]["before"], old);
    assert_eq!(diff[0]["after"], new);
    assert_eq!(app.fingerprint().await, fingerprint);
    let done = upload_data(&app, &token, &edited, "edited.xlsx", false).await;
    assert_eq!(done["updated"], 1);

    // Assert: exactly that cell of the export changed.
    let csv_after = exported(&app).await;
    let changed: Vec<(usize, usize)> = (0..csv_before.len())
        .flat_map(|i| (0..csv_before[i].len()).map(move |j| (i, j)))
        .filter(|&(i, j)| csv_before[i][j] != csv_after[i][j])
        .collect();
    assert_eq!(changed, [(r, value_column)]);
    assert_eq!(csv_after[r][value_column], new.to_string());
}

db_tests!(an_edited_workbook_goes_back_by_multipart_upload);

async fn bad_files_are_refused_row_by_row_and_nothing_is_written(b: Backend) {
    // Arrange
    let app = TestApp::spawn(&b).await;
    let token = app.token(Some(super::HOFU), "EDITOR", "Hofu").await;
    let fingerprint = app.fingerprint().await;

    // Act and assert: a header the importer does not know is named, with the columns.
    let (code, message) = upload_error(
        &app,
        &token,
        "自治体コード,指標コード,年度,値,色\n352063,promotion_officers,2023,5,赤\n".as_bytes(),
        "bad.csv",
    )
    .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("unknown column \"色\""), "{message}");
    assert!(message.contains("自治体コード / municipality"), "{message}");
    assert!(message.contains("read as CSV, UTF-8"), "{message}");

    // Bad rows: an unknown metric, a year that is none, each named by its line.
    let text = "\u{feff}自治体コード / municipality,指標コード / metric,年度 / fiscal_year,値 / value\n352063,promotion_officers,2023,5\n352063,no_such_metric,2023,5\n352063,promotion_officers,来年度,5\n35206,promotion_officers,2022,5\n";
    let (code, message) = upload_error(&app, &token, text.as_bytes(), "bad.csv").await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("read as CSV, UTF-8 with BOM"), "{message}");
    assert!(
        message.contains("3 bad row(s), nothing was imported"),
        "{message}"
    );
    assert!(
        message.contains("line 3: metric: unknown metric code \"no_such_metric\""),
        "{message}"
    );
    assert!(message.contains("line 4: fiscal_year:"), "{message}");
    assert!(
        message.contains("line 5: municipality: \"35206\" read as \"035206\""),
        "{message}"
    );

    // A workbook that is no workbook.
    let (code, message) =
        upload_error(&app, &token, b"PK\x03\x04 not really a zip", "broken.xlsx").await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("cannot be read as one"), "{message}");

    // A workbook with a bad row names the spreadsheet row.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (j, h) in ["municipality", "metric", "fiscal_year", "value"]
        .iter()
        .enumerate()
    {
        sheet
            .write_string(0, u16::try_from(j).expect("column"), *h)
            .expect("cell");
    }
    sheet.write_string(1, 0, "352063").expect("cell");
    sheet
        .write_string(1, 1, "promotion_officers")
        .expect("cell");
    sheet.write_number(1, 2, 2023).expect("cell");
    sheet.write_string(1, 3, "たくさん").expect("cell");
    let bytes = workbook.save_to_buffer().expect("xlsx");
    let (_, message) = upload_error(&app, &token, &bytes, "bad.xlsx").await;
    assert!(
        message.contains("row 2: value: expected a number"),
        "{message}"
    );

    // Text that is neither UTF-8 nor CP932.
    let (_, message) = upload_error(&app, &token, b"municipality\n\x82", "bad.csv").await;
    assert!(message.contains("neither UTF-8 nor CP932"), "{message}");

    assert_eq!(app.fingerprint().await, fingerprint);
}

db_tests!(bad_files_are_refused_row_by_row_and_nothing_is_written);

async fn the_audit_trail_reads_old_rows_in_graphql_names(b: Backend) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, NotSet};

    // Arrange: a row as the trail kept them before, with column names and row ids.
    let app = TestApp::spawn(&b).await;
    let admin = app.token(None, "ADMIN", "Admin").await;
    let now = chrono::Utc::now();
    entity::changes::ActiveModel {
        id: NotSet,
        at: Set(now),
        token_id: Set(None),
        actor: Set("old".into()),
        actor_role: Set("ADMIN".into()),
        actor_municipality_code: Set(None),
        municipality_code: Set(super::HOFU.into()),
        entity: Set("Activity".into()),
        record_id: Set(41),
        operation: Set("UPDATE".into()),
        before: Set(Some(
            json!({ "id": 41, "program_id": 5, "fiscal_year": 2019, "label_ja": "令和元年度", "speakers": "[\"山田\"]", "version": 1 })
                .to_string(),
        )),
        after: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("insert");

    // Act
    let all = changes_as(&app, &admin, Some(super::HOFU)).await;

    // Assert
    let before = &all.last().expect("the row")["before"];
    let hofu = app
        .data("{ municipality(code: \"352063\") { id } }", json!({}))
        .await;
    assert_eq!(
        hofu["municipality"]["id"],
        global("Municipality", super::HOFU)
    );
    assert_eq!(
        before,
        &json!({
            "id": global("Activity", "41"),
            "program": global("Program", "5"),
            "fiscalYear": 2019,
            "labelJa": "令和元年度",
            "speakers": ["山田"],
            "version": 1
        })
    );
}

db_tests!(the_audit_trail_reads_old_rows_in_graphql_names);

/// A global ID as the hub makes them (checked against the API's in the test above).
fn global(type_name: &str, key: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{type_name}:{key}"))
}

async fn an_unedited_export_sent_as_csv_text_changes_nothing(b: Backend) {
    // Arrange: every city's export, BOM and all, as the text of the old `csv` argument.
    let app = TestApp::spawn(&b).await;
    let admin = app.token(None, "ADMIN", "Admin").await;
    let (_, bytes) = download(&app, "/export/observations.csv").await;
    let text = String::from_utf8(bytes).expect("UTF-8");
    let rows = csv_table(text.as_bytes()).len() - 1;
    let fingerprint = app.fingerprint().await;

    // Act
    let result = app
        .data_as(
            &admin,
            "mutation($csv: String) { importObservations(csv: $csv) { created updated unchanged readAs rows { kind } } }",
            json!({ "csv": text }),
        )
        .await["importObservations"]
        .clone();

    // Assert: every row read, none a change, nothing written.
    assert_eq!(result["readAs"], "CSV, UTF-8 with BOM");
    assert_eq!(result["unchanged"].as_u64(), Some(rows as u64), "{result}");
    assert_eq!(
        (result["created"].as_i64(), result["updated"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(app.fingerprint().await, fingerprint);
}

db_tests!(an_unedited_export_sent_as_csv_text_changes_nothing);
