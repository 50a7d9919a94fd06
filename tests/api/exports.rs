//! The liaison-meeting pack as a meeting's staff member uses it: strict parameters that say
//! what would work, regions and metrics by the names the files print, the chart, and the
//! CSV and Excel files read back with real readers.

use serde_json::Value;

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

/// GETs `path` and returns the status and the JSON error body.
async fn refusal(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{path}: {content_type}"
    );
    (status, response.json().await.expect("JSON error"))
}

async fn unknown_and_repeated_parameters_are_refused_by_name(b: Backend) {
    let app = TestApp::spawn(&b).await;
    for (path, names) in [
        (
            "/export/compare.csv?metric=promotion_officers&regions=toyono",
            vec!["regions"],
        ),
        (
            "/export/compare.csv?metric=promotion_officers&prefecture=%E5%B1%B1%E5%8F%A3%E7%9C%8C&per=NONE&per=NONE",
            vec!["prefecture", "per"],
        ),
        (
            "/charts/compare.svg?metric=promotion_officers&region=toyono&region=toyono",
            vec!["region"],
        ),
        (
            "/export/indicators.csv?metric=promotion_officers",
            vec!["metric"],
        ),
        (
            "/export/indicators.csv?order=MUNICIPALITY&Order=x",
            vec!["Order"],
        ),
        (
            "/export/observations.csv?municipality=352063&per=NONE",
            vec!["municipality", "per"],
        ),
        (
            "/export/observations.xlsx?metric=promotion_officers&metric=promotion_officers",
            vec!["metric"],
        ),
    ] {
        let (status, body) = refusal(&app, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "BAD_USER_INPUT", "{path}");
        assert_eq!(body["error"]["parameter"], names[0], "{path}: {body}");
        assert_eq!(
            body["error"]["parameters"],
            serde_json::json!(names),
            "{path}"
        );
        let message = body["error"]["message"].as_str().unwrap_or("");
        for name in &names {
            assert!(message.contains(name), "{path}: {message}");
        }
        // The message says what the endpoint takes.
        assert!(message.contains("municipalities, region"), "{message}");
    }
}

async fn regions_and_metrics_are_found_by_their_printed_names(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let get = |path: String| {
        let client = app.client.clone();
        let url = format!("{}{path}", app.address);
        async move {
            let response = client.get(url).send().await.expect("request");
            assert_eq!(response.status(), 200, "{path}");
            response.bytes().await.expect("body")
        }
    };
    // The same file by slug and code as by the Japanese and English names.
    for (by_code, by_name) in [
        (
            "metric=promotion_officers&region=yamaguchi-prefecture",
            "metric=%E5%8D%94%E5%83%8D%E6%8E%A8%E9%80%B2%E5%93%A1%E6%95%B0&region=%E5%B1%B1%E5%8F%A3%E7%9C%8C",
        ),
        (
            "metric=promotion_officers&region=toyono",
            "metric=Collaboration+promotion+officers&region=%E8%B1%8A%E8%83%BD%E5%9C%B0%E5%8C%BA",
        ),
    ] {
        let a = get(format!("/export/compare.csv?{by_code}")).await;
        let b = get(format!("/export/compare.csv?{by_name}")).await;
        assert_eq!(a, b, "{by_name}");
        let a = get(format!("/charts/compare.svg?{by_code}")).await;
        let b = get(format!("/charts/compare.svg?{by_name}")).await;
        assert_eq!(a, b, "{by_name}");
    }
    let a = get("/export/indicators.csv?region=toyono".into()).await;
    let b = get("/export/indicators.csv?region=%E8%B1%8A%E8%83%BD%E5%9C%B0%E5%8C%BA".into()).await;
    assert_eq!(a, b);

    // A name that matches nothing is refused with the values that would work.
    let (status, body) = refusal(&app, "/export/compare.csv?metric=%E5%8D%94%E5%83%8D").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["parameter"], "metric");
    let message = body["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("promotion_officers (協働推進員数)"),
        "{message}"
    );
    let (status, body) = refusal(
        &app,
        "/export/indicators.csv?region=%E5%B2%A1%E5%B1%B1%E7%9C%8C",
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["parameter"], "region");
    let message = body["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("\"岡山県\""), "{message}");
    assert!(
        message.contains("yamaguchi-prefecture (山口県)") && message.contains("toyono (豊能地区)"),
        "{message}"
    );
}

/// Imports a copy of Hofu (whose promotion officers are counted) as another city.
pub(crate) async fn import_copy_of_hofu(app: &TestApp, code: &str, slug: &str) {
    let text = std::fs::read_to_string(format!(
        "{}/data/municipalities/hofu.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("read Hofu's file")
    .replacen("code: \"352063\"", &format!("code: \"{code}\""), 1)
    .replacen("slug: hofu", &format!("slug: {slug}"), 1);
    let name = format!("{slug}.yaml");
    let ds = kyodo_hub::dataset::Dataset::from_texts([(name.as_str(), text.as_str())])
        .expect("valid copy");
    kyodo_hub::dataset::import::import(&app.db, &ds)
        .await
        .expect("import copy");
}

const LATEST: &str = r#"query($metric: String!, $m: [ID!], $region: String, $per: Normalization) {
    compare(metric: $metric, municipalities: $m, region: $region, per: $per) {
        rows { municipality { nameJa } latest { fiscalYear value } } } }"#;

/// What a chart shows, read back from its SVG.
struct Chart {
    texts: Vec<String>,
    /// The bars: every rectangle but the white background.
    bars: Vec<(f64, f64)>,
}

fn number(node: roxmltree::Node<'_, '_>, attribute: &str) -> f64 {
    let value: f64 = node
        .attribute(attribute)
        .unwrap_or_else(|| panic!("<{}> without {attribute}", node.tag_name().name()))
        .parse()
        .expect("a number");
    assert!(value.is_finite(), "{attribute}={value}");
    value
}

async fn chart(app: &TestApp, query: &str) -> Chart {
    let response = app
        .client
        .get(format!("{}/charts/compare.svg?{query}", app.address))
        .send()
        .await
        .expect("svg");
    assert_eq!(response.status(), 200, "{query}");
    let text = response.text().await.expect("body");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    // A 16:9 slide.
    assert_eq!(root.attribute("width"), Some("1280"));
    assert_eq!(root.attribute("height"), Some("720"));
    let mut bars = Vec::new();
    for rect in doc.descendants().filter(|n| n.has_tag_name("rect")) {
        let (w, h) = (number(rect, "width"), number(rect, "height"));
        assert!(w >= 0.0 && h >= 0.0, "{query}: rect {w}×{h}");
        assert!(number(rect, "x") >= 0.0 && number(rect, "x") + w <= 1280.0);
        assert!(number(rect, "y") >= 0.0 && number(rect, "y") + h <= 720.0);
        if rect.attribute("fill") != Some("white") {
            assert!(w > 0.0, "{query}: a bar without width");
            bars.push((w, h));
        }
    }
    let mut texts = Vec::new();
    for t in doc.descendants().filter(|n| n.has_tag_name("text")) {
        // Presentation-sized: legible on a projected 1280×720 slide.
        assert!(number(t, "font-size") >= 20.0, "{query}: {:?}", t.text());
        texts.push(t.text().unwrap_or("").to_owned());
    }
    assert!(
        texts.iter().any(|t| t.contains("協働推進員数")),
        "{query}: {texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("単位: 人") && t.contains("Unit: people")),
        "{query}: {texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.starts_with("出典 / Source")),
        "{query}: {texts:?}"
    );
    Chart { texts, bars }
}

/// Checks that each city with data has its bar, value and fiscal year on the chart, and the
/// others are named as without data.
async fn bars_match_the_graphql_answer(app: &TestApp, query: &str, variables: Value, bars: usize) {
    let shown = chart(app, query).await;
    let data = app.data(LATEST, variables).await;
    let rows = data["compare"]["rows"].as_array().expect("rows");
    let with: Vec<&Value> = rows.iter().filter(|r| !r["latest"].is_null()).collect();
    assert_eq!(with.len(), bars, "{query}");
    assert_eq!(shown.bars.len(), bars, "{query}: {:?}", shown.texts);
    for row in &with {
        let value = row["latest"]["value"].as_f64().expect("value");
        let label = if value.fract() == 0.0 {
            format!("{value:.0}")
        } else {
            format!("{value:.1}")
        };
        assert!(
            shown.texts.contains(&label),
            "{query}: {label} in {:?}",
            shown.texts
        );
        let year = format!("{}年度", row["latest"]["fiscalYear"]);
        assert!(
            shown.texts.iter().any(|t| t.contains(&year)),
            "{query}: {year} in {:?}",
            shown.texts
        );
        let name = row["municipality"]["nameJa"].as_str().unwrap_or("");
        assert!(
            shown.texts.iter().any(|t| t.contains(name)),
            "{query}: {name}"
        );
    }
    let without: Vec<&str> = rows
        .iter()
        .filter(|r| r["latest"].is_null())
        .filter_map(|r| r["municipality"]["nameJa"].as_str())
        .collect();
    let line = shown
        .texts
        .iter()
        .find(|t| t.starts_with("データなし / no data:"));
    if without.is_empty() {
        assert!(line.is_none(), "{query}: {line:?}");
    } else {
        let line = line.unwrap_or_else(|| panic!("{query}: no line for cities without data"));
        for name in without {
            assert!(line.contains(name), "{query}: {name} in {line}");
        }
    }
    if bars == 0 {
        assert!(
            shown.texts.iter().any(|t| t == "データなし / no data"),
            "{query}: {:?}",
            shown.texts
        );
    }
}

async fn the_chart_fits_a_slide_for_none_one_two_and_five_cities(b: Backend) {
    let app = TestApp::spawn(&b).await;
    // None: Yamaguchi counts no promotion officers.
    bars_match_the_graphql_answer(
        &app,
        "metric=promotion_officers&municipalities=352039",
        serde_json::json!({ "metric": "promotion_officers", "m": ["352039"] }),
        0,
    )
    .await;
    // One: the meeting's headline question, which used to draw a bar of width -24.
    bars_match_the_graphql_answer(
        &app,
        "metric=promotion_officers&region=yamaguchi-prefecture&per=PER_100K_POPULATION",
        serde_json::json!({ "metric": "promotion_officers", "region": "yamaguchi-prefecture",
                            "per": "PER_100K_POPULATION" }),
        1,
    )
    .await;
    let one = chart(
        &app,
        "metric=promotion_officers&region=yamaguchi-prefecture&per=PER_100K_POPULATION",
    )
    .await;
    assert!(
        one.texts.iter().any(|t| t.contains("人口10万人あたり")),
        "{:?}",
        one.texts
    );
    assert!(
        one.bars[0].1 > 100.0,
        "the only bar is drawn tall: {:?}",
        one.bars
    );
    // Two.
    bars_match_the_graphql_answer(
        &app,
        "metric=promotion_officers&municipalities=352063,272035",
        serde_json::json!({ "metric": "promotion_officers", "m": ["352063", "272035"] }),
        2,
    )
    .await;
    // Five: two more cities with Hofu's counts.
    import_copy_of_hofu(&app, "352047", "hagi").await;
    import_copy_of_hofu(&app, "352080", "iwakuni").await;
    bars_match_the_graphql_answer(
        &app,
        "metric=promotion_officers",
        serde_json::json!({ "metric": "promotion_officers" }),
        5,
    )
    .await;
}

/// The file at `path`: its name from Content-Disposition and its bytes.
pub(crate) async fn download(app: &TestApp, path: &str) -> (String, Vec<u8>) {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .expect("ASCII file name")
        .to_owned();
    let name = disposition
        .split("filename=\"")
        .nth(1)
        .and_then(|n| n.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{disposition}"))
        .to_owned();
    (name, response.bytes().await.expect("body").to_vec())
}

pub(crate) fn csv_table(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).expect("BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_owned).collect())
        .collect()
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name:?} in {header:?}"))
}

async fn the_csv_gives_counts_beside_rates_years_units_and_a_telling_name(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let (name, bytes) = download(
        &app,
        "/export/compare.csv?metric=promotion_officers&region=%E5%B1%B1%E5%8F%A3%E7%9C%8C&per=PER_100K_POPULATION",
    )
    .await;
    assert_eq!(
        name,
        "compare_promotion_officers_yamaguchi-prefecture_per100k.csv"
    );
    let table = csv_table(&bytes);
    let header = &table[0];
    let hofu = table.iter().find(|r| r[0] == "352063").expect("Hofu's row");
    assert_eq!(hofu[column(header, "順位 / Rank")], "1");
    assert_eq!(
        hofu[column(header, "最新値（人口10万人あたり） / Latest value")],
        "47.38"
    );
    assert_eq!(hofu[column(header, "最新値の実数 / Latest count")], "54");
    assert_eq!(
        hofu[column(header, "最新値の年度 / Fiscal year of latest value")],
        "2017"
    );
    assert_eq!(
        hofu[column(header, "単位 / Unit")],
        "人（人口10万人あたり） / people per 100,000 inhabitants"
    );
    // Each year's rate with its count beside it.
    let fy2016 = column(header, "2016年度 (平成28年度) 10万人あたり / per 100k");
    assert_eq!(header[fy2016 + 1], "2016年度 (平成28年度) 実数 / count");
    assert_eq!(hofu[fy2016 + 1], "52");
    assert_eq!(hofu[fy2016], "45.62");
    // Every city in scope is listed; those without data say so.
    let yamaguchi = table.iter().find(|r| r[0] == "352039").expect("Yamaguchi");
    assert!(yamaguchi[column(header, "備考 / Note")].contains("データなし"));

    // Without a rate: the latest values' fiscal years as GraphQL gives them.
    let (name, bytes) = download(&app, "/export/compare.csv?metric=promotion_officers").await;
    assert_eq!(name, "compare_promotion_officers_all_count.csv");
    let table = csv_table(&bytes);
    let data = app
        .data(
            LATEST,
            serde_json::json!({ "metric": "promotion_officers" }),
        )
        .await;
    let year = column(&table[0], "最新値の年度 / Fiscal year of latest value");
    let latest = column(&table[0], "最新値 / Latest value");
    assert_eq!(table[0][year + 1], "単位 / Unit");
    for (line, row) in table[1..]
        .iter()
        .zip(data["compare"]["rows"].as_array().expect("rows"))
    {
        assert_eq!(
            line[1],
            row["municipality"]["nameJa"].as_str().unwrap_or("")
        );
        assert_eq!(
            line[year],
            row["latest"]["fiscalYear"]
                .as_i64()
                .map(|y| y.to_string())
                .unwrap_or_default()
        );
        assert_eq!(
            line[latest].parse::<f64>().ok(),
            row["latest"]["value"].as_f64()
        );
    }
    let (name, _) = download(
        &app,
        "/export/compare.csv?metric=promotion_officers&municipalities=352063,272035",
    )
    .await;
    assert_eq!(name, "compare_promotion_officers_352063-272035_count.csv");
}

async fn the_indicators_csv_separates_baselines_targets_and_observations(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let (name, bytes) = download(
        &app,
        "/export/indicators.csv?region=yamaguchi-prefecture&order=MUNICIPALITY",
    )
    .await;
    assert_eq!(name, "indicators_yamaguchi-prefecture.csv");
    let table = csv_table(&bytes);
    let header = &table[0];
    for name in [
        "基準年度 / Baseline year",
        "基準値 / Baseline",
        "目標年度 / Target year",
        "目標値 / Target",
        "中間目標 / Interim targets",
        "最新実績年度 / Latest observed year",
        "最新実績値 / Latest observed",
    ] {
        column(header, name);
    }
    // Year columns hold observed values only, and say so.
    let years: Vec<&String> = header.iter().filter(|h| h.contains("年度 (")).collect();

    assert!(
        years.iter().all(|h| h.ends_with("実績 / observed")),
        "{years:?}"
    );
    // Every city of the region is there, Hofu (no indicators) with a note.
    for code in ["352012", "352039", "352063"] {
        assert!(table.iter().any(|r| r[0] == code), "{code}");
    }
    let hofu: Vec<&Vec<String>> = table.iter().filter(|r| r[0] == "352063").collect();
    assert_eq!(hofu.len(), 1);
    assert_eq!(hofu[0][1], "防府市");
    assert!(hofu[0][column(header, "備考 / Note")].contains("指標なし"));
    assert!(table.iter().all(|r| r.len() == header.len()));
}

/// The sheets of a workbook, read back with calamine.
pub(crate) fn sheets(bytes: Vec<u8>) -> Vec<(String, Vec<Vec<calamine::Data>>)> {
    use calamine::Reader as _;
    let mut book =
        calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("an xlsx calamine reads");
    let names = book.sheet_names().to_vec();
    names
        .into_iter()
        .map(|n| {
            let range = book.worksheet_range(&n).expect("sheet");
            (n, range.rows().map(<[calamine::Data]>::to_vec).collect())
        })
        .collect()
}

fn text(d: &calamine::Data) -> String {
    match d {
        calamine::Data::String(s) => s.clone(),
        other => panic!("expected text, found {other:?}"),
    }
}

fn float(d: &calamine::Data) -> f64 {
    match d {
        calamine::Data::Float(f) => *f,
        calamine::Data::Int(i) => *i as f64,
        other => panic!("expected a number, found {other:?}"),
    }
}

const ROWS: &str = r#"query($metric: String!, $per: Normalization) {
    compare(metric: $metric, per: $per) {
        rows { municipality { code nameJa population } rank
               latest { fiscalYear value rawValue source { title } } } } }"#;

async fn the_workbooks_hold_the_graphql_answer_with_cell_types(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let (name, bytes) = download(
        &app,
        "/export/compare.xlsx?metric=promotion_officers&per=PER_100K_POPULATION",
    )
    .await;
    assert_eq!(name, "compare_promotion_officers_all_per100k.xlsx");
    let book = sheets(bytes);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["データ Data", "出典 Sources", "説明 About"]);
    let data = &book[0].1;
    let header: Vec<String> = data[0].iter().map(text).collect();
    let answer = app
        .data(
            ROWS,
            serde_json::json!({ "metric": "promotion_officers", "per": "PER_100K_POPULATION" }),
        )
        .await;
    let rows = answer["compare"]["rows"].as_array().expect("rows");
    assert_eq!(data.len(), rows.len() + 1);
    let rank = column(&header, "順位 / Rank");
    let latest = column(&header, "最新値（人口10万人あたり） / Latest value");
    let count = column(&header, "最新値の実数 / Latest count");
    let year = column(&header, "最新値の年度 / Fiscal year of latest value");
    let population = column(&header, "人口 / Population");
    let mut titles = Vec::new();
    for (line, row) in data[1..].iter().zip(rows) {
        // Codes are text, so a leading zero would survive; numbers are numbers.
        assert_eq!(
            text(&line[0]),
            row["municipality"]["code"].as_str().unwrap_or("")
        );
        assert_eq!(
            text(&line[1]),
            row["municipality"]["nameJa"].as_str().unwrap_or("")
        );
        assert_eq!(
            float(&line[population]),
            row["municipality"]["population"]
                .as_f64()
                .expect("population")
        );
        if row["latest"].is_null() {
            assert_eq!(line[latest], calamine::Data::Empty);
            continue;
        }
        assert_eq!(float(&line[rank]), row["rank"].as_f64().expect("rank"));
        assert!(
            (float(&line[latest]) - row["latest"]["value"].as_f64().unwrap_or(0.0)).abs() < 1e-9
        );
        assert_eq!(
            float(&line[count]),
            row["latest"]["rawValue"].as_f64().unwrap_or(0.0)
        );
        assert_eq!(
            float(&line[year]),
            row["latest"]["fiscalYear"].as_f64().unwrap_or(0.0)
        );
        if let Some(t) = row["latest"]["source"]["title"].as_str() {
            titles.push(t.to_owned());
        }
    }
    // Every source cited is on the sources sheet.
    let listed: Vec<String> = book[1].1[1..].iter().map(|r| text(&r[0])).collect();
    assert!(!titles.is_empty());
    for t in titles {
        assert!(listed.contains(&t), "{t} in {listed:?}");
    }
    // The about sheet defines the metric and says when and where the file was made.
    let about: Vec<(String, String)> = book[2]
        .1
        .iter()
        .map(|r| (text(&r[0]), text(&r[1])))
        .collect();
    let said = |label: &str| {
        about
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("{label} in {about:?}"))
    };
    assert!(said("定義 / Definition").contains("協働推進員"));
    assert!(!said("人口の年 / Population year").is_empty());
    assert!(said("作成 / Made by").starts_with("kyodo-hub "));
    assert!(said("作成日時 / Made at").ends_with("UTC"));

    // The indicators workbook: the same rows as the CSV, with types.
    let (name, bytes) = download(
        &app,
        "/export/indicators.xlsx?municipalities=352039&order=MUNICIPALITY",
    )
    .await;
    assert_eq!(name, "indicators_352039.xlsx");
    let book = sheets(bytes);
    let (_, csv) = download(
        &app,
        "/export/indicators.csv?municipalities=352039&order=MUNICIPALITY",
    )
    .await;
    let csv = csv_table(&csv);
    let data = &book[0].1;
    assert_eq!(data.len(), csv.len());
    let header: Vec<String> = data[0].iter().map(text).collect();
    assert_eq!(header, csv[0]);
    let baseline = column(&header, "基準値 / Baseline");
    for (line, csv_line) in data[1..].iter().zip(&csv[1..]) {
        assert_eq!(text(&line[0]), csv_line[0]);
        assert_eq!(text(&line[2]), csv_line[2]);
        if !csv_line[baseline].is_empty() {
            let expected: f64 = csv_line[baseline].parse().expect("number");
            assert!((float(&line[baseline]) - expected).abs() < 0.005);
        }
    }
    assert_eq!(float(&data[1][baseline]), 37.5);
}

db_tests!(
    the_workbooks_hold_the_graphql_answer_with_cell_types,
    the_csv_gives_counts_beside_rates_years_units_and_a_telling_name,
    the_indicators_csv_separates_baselines_targets_and_observations,
    unknown_and_repeated_parameters_are_refused_by_name,
    regions_and_metrics_are_found_by_their_printed_names,
    the_chart_fits_a_slide_for_none_one_two_and_five_cities,
);

async fn the_observations_export_narrows_by_metric_name_and_years(b: Backend) {
    // Arrange
    let app = TestApp::spawn(&b).await;

    // Act: the metric by the name the files print, the years in any form.
    let (name, bytes) = download(
        &app,
        "/export/observations.csv?municipalities=352063&metric=%E5%8D%94%E5%83%8D%E6%8E%A8%E9%80%B2%E5%93%A1%E6%95%B0&from=H29&to=2019",
    )
    .await;

    // Assert: the rows are those GraphQL gives for that metric and those years.
    assert_eq!(name, "observations_352063_promotion_officers_2017-2019.csv");
    let table = csv_table(&bytes);
    let data = app
        .data(
            "{ municipality(code: \"352063\") { observations(metric: \"promotion_officers\") { fiscalYear value } } }",
            serde_json::json!({}),
        )
        .await;
    let expected: Vec<(String, String)> = data["municipality"]["observations"]
        .as_array()
        .expect("observations")
        .iter()
        .filter(|o| (2017..=2019).contains(&o["fiscalYear"].as_i64().unwrap_or(0)))
        .map(|o| {
            (
                o["fiscalYear"].to_string(),
                o["value"].as_f64().unwrap_or(f64::NAN).to_string(),
            )
        })
        .collect();
    assert!(!expected.is_empty());
    let (year, value) = (
        column(&table[0], "年度 / fiscal_year"),
        column(&table[0], "値 / value"),
    );
    let got: Vec<(String, String)> = table
        .iter()
        .skip(1)
        .map(|r| (r[year].clone(), r[value].clone()))
        .collect();
    assert_eq!(got, expected);

    // A range backwards and an unknown metric are refused by name.
    let (status, body) = refusal(&app, "/export/observations.csv?from=2020&to=2019").await;
    assert_eq!(
        (status, body["error"]["parameter"].as_str()),
        (400, Some("from"))
    );
    let (status, body) = refusal(&app, "/export/observations.xlsx?metric=colour").await;
    assert_eq!(
        (status, body["error"]["parameter"].as_str()),
        (400, Some("metric"))
    );
}

db_tests!(the_observations_export_narrows_by_metric_name_and_years);
