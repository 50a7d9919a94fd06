//! The slide as a PNG, the whole dataset as one archive, and what downloads cost: PNGs
//! decoded and their bars counted, every character a chart can draw looked up in the shipped
//! font, the archive unzipped and its tables compared with GraphQL, and the cache and the
//! cost budget seen from outside.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

/// The chart's bar colour (`#2e6eb4`) and the band the bars stand in.
const BAR: [u8; 3] = [0x2e, 0x6e, 0xb4];
const BAR_TOP: usize = 150;
const BASELINE: usize = 540;

/// GETs `path`: status, headers, body.
async fn get(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

/// A decoded PNG: width, height and RGB(A) rows.
struct Picture {
    width: usize,
    height: usize,
    channels: usize,
    pixels: Vec<u8>,
}

impl Picture {
    fn decode(bytes: &[u8]) -> Picture {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
        let info = reader.next_frame(&mut pixels).expect("a frame");
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        let channels = info.color_type.samples();
        assert!(channels >= 3, "{:?}", info.color_type);
        pixels.truncate(info.buffer_size());
        Picture {
            width: info.width as usize,
            height: info.height as usize,
            channels,
            pixels,
        }
    }

    fn rgb(&self, x: usize, y: usize) -> [u8; 3] {
        let at = (y * self.width + x) * self.channels;
        [self.pixels[at], self.pixels[at + 1], self.pixels[at + 2]]
    }

    /// Pixels in the rows `ys` that are not white.
    fn inked(&self, ys: std::ops::Range<usize>) -> usize {
        ys.flat_map(|y| (0..self.width).map(move |x| (x, y)))
            .filter(|&(x, y)| self.rgb(x, y) != [255, 255, 255])
            .count()
    }

    /// Runs of bar-coloured pixels along the row just above the baseline: one per bar.
    fn bars(&self) -> usize {
        let y = BASELINE - 3;
        let mut runs = 0;
        let mut inside = false;
        for x in 0..self.width {
            let bar = self.rgb(x, y) == BAR;
            if bar && !inside {
                runs += 1;
            }
            inside = bar;
        }
        runs
    }
}

/// Imports a copy of Hofu (whose promotion officers are counted) as another city.
async fn import_copy_of_hofu(app: &TestApp, code: &str, slug: &str) {
    let hofu = kyodo_hub::dataset::BUNDLED
        .iter()
        .find(|(name, _)| name.ends_with("hofu.yaml"))
        .map(|(_, text)| *text)
        .expect("bundled hofu.yaml");
    let text = hofu
        .replacen("code: \"352063\"", &format!("code: \"{code}\""), 1)
        .replacen("slug: hofu", &format!("slug: {slug}"), 1);
    let name = format!("{slug}.yaml");
    let ds = kyodo_hub::dataset::Dataset::from_texts([(name.as_str(), text.as_str())])
        .expect("valid copy");
    kyodo_hub::dataset::import::import(&app.db, &ds)
        .await
        .expect("import copy");
}

const WITH_DATA: &str = r#"query($m: [ID!], $region: String, $per: Normalization) {
    compare(metric: "promotion_officers", municipalities: $m, region: $region, per: $per) {
        rows { latest { value } } } }"#;

async fn the_png_is_a_slide_with_a_bar_per_city_with_data(b: Backend) {
    let app = TestApp::spawn(&b).await;
    import_copy_of_hofu(&app, "352047", "hagi").await;
    import_copy_of_hofu(&app, "352080", "iwakuni").await;
    for (query, variables) in [
        // None: Yamaguchi counts no promotion officers.
        ("municipalities=352039", json!({ "m": ["352039"] })),
        (
            "region=yamaguchi-prefecture&per=PER_100K_POPULATION",
            json!({ "region": "yamaguchi-prefecture", "per": "PER_100K_POPULATION" }),
        ),
        (
            "municipalities=352063,272035",
            json!({ "m": ["352063", "272035"] }),
        ),
        ("", json!({})),
    ] {
        let data = app.data(WITH_DATA, variables).await;
        let expected = data["compare"]["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| !r["latest"].is_null())
            .count();
        let (status, headers, body) = get(
            &app,
            &format!("/charts/compare.png?metric=promotion_officers&{query}"),
        )
        .await;
        assert_eq!(status, 200, "{query}: {}", String::from_utf8_lossy(&body));
        assert_eq!(headers["content-type"], "image/png");
        let picture = Picture::decode(&body);
        assert_eq!((picture.width, picture.height), (1280, 720), "{query}");
        assert_eq!(picture.bars(), expected, "{query}: bars");
        // The title, subtitle and unit are drawn (glyphs, not nothing), and so is the source.
        assert!(picture.inked(20..BAR_TOP) > 5_000, "{query}: title");
        assert!(picture.inked(660..720) > 1_000, "{query}: source line");
        let in_bars = picture.inked(BAR_TOP..BASELINE);
        if expected == 0 {
            assert!(in_bars > 1_000, "{query}: the no-data note");
        } else {
            assert!(in_bars > 10_000, "{query}: bars {in_bars}");
        }
    }
    // Four different charts asked for at once: all are drawn, never more than the bound at
    // a time (the count is the process's, over every test running beside this one).
    let asked: Vec<_> = (2014..2018)
        .map(|year| {
            let client = app.client.clone();
            let url = format!(
                "{}/charts/compare.png?metric=promotion_officers&from={year}",
                app.address
            );
            tokio::spawn(async move { client.get(url).send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in asked {
        statuses.push(task.await.expect("joined").expect("response"));
    }
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let peak = kyodo_hub::http::export::png::peak_renders();
    assert!(
        (1..=kyodo_hub::http::export::png::MAX_RENDERS).contains(&peak),
        "{peak} renders at once"
    );
}

/// Every character in `text` that the shipped font has no glyph for.
fn missing_glyphs(face: &ttf_parser::Face<'_>, text: &str, missing: &mut BTreeSet<char>) {
    for c in text.chars() {
        if !c.is_control() && face.glyph_index(c).is_none() {
            missing.insert(c);
        }
    }
}

async fn every_character_a_chart_can_draw_has_a_glyph_in_the_shipped_font(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let face = ttf_parser::Face::parse(kyodo_hub::http::export::png::FONT, 0).expect("font");
    let mut texts: Vec<String> = Vec::new();
    // Names of every municipality and region in the hub, every member a region names, and
    // every metric with its unit, in both languages.
    let data = app
        .data(
            r#"{ municipalities { code nameJa nameEn }
                 regions { slug nameJa nameEn members { nameJa nameEn } }
                 metrics { code nameJa nameEn unit } }"#,
            json!({}),
        )
        .await;
    let strings = |v: &Value| -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![v.clone()];
        while let Some(v) = stack.pop() {
            match v {
                Value::String(s) => out.push(s),
                Value::Array(a) => stack.extend(a),
                Value::Object(o) => stack.extend(o.into_iter().map(|(_, v)| v)),
                _ => {}
            }
        }
        out
    };
    texts.extend(strings(&data));
    for unit in kyodo_hub::domain::Unit::ALL {
        texts.push(unit.label_ja().to_owned());
        texts.push(unit.label_en().to_owned());
    }
    texts.extend(
        kyodo_hub::http::export::chart::FIXED_TEXTS
            .iter()
            .map(|t| (*t).to_owned()),
    );
    // Digits and every printable ASCII character, for values, years and sources.
    texts.push((' '..='~').collect());
    // And what the charts actually print: every metric, as reported and per inhabitant, for
    // all cities and for each region.
    let metrics: Vec<String> = data["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .filter_map(|m| m["code"].as_str().map(str::to_owned))
        .collect();
    let regions: Vec<String> = data["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .filter_map(|r| r["slug"].as_str().map(|s| format!("&region={s}")))
        .chain([String::new()])
        .collect();
    let mut charts = 0;
    for metric in &metrics {
        for per in ["NONE", "PER_100K_POPULATION"] {
            for region in &regions {
                let (status, _, body) = get(
                    &app,
                    &format!("/charts/compare.svg?metric={metric}&per={per}{region}"),
                )
                .await;
                assert_eq!(status, 200, "{metric} {per} {region}");
                let svg = String::from_utf8(body).expect("UTF-8");
                let doc = roxmltree::Document::parse(&svg).expect("SVG");
                texts.extend(
                    doc.descendants()
                        .filter(|n| n.has_tag_name("text"))
                        .filter_map(|n| n.text().map(str::to_owned)),
                );
                charts += 1;
            }
        }
    }
    assert!(charts >= 2 * metrics.len() && !metrics.is_empty());
    let mut missing = BTreeSet::new();
    for t in &texts {
        missing_glyphs(&face, t, &mut missing);
    }
    assert!(
        missing.is_empty(),
        "no glyph in the shipped font for {missing:?}"
    );
    // The test can fail: a character outside JIS X 0208 has none.
    let mut outside = BTreeSet::new();
    missing_glyphs(&face, "🙂", &mut outside);
    assert_eq!(outside.len(), 1);
}

/// The archive's files by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("an entry");
        let name = file.name().expect("a UTF-8 name").into_owned();
        assert_eq!(
            file.compression(),
            zip::CompressionMethod::Deflated,
            "{name}"
        );
        let mut body = Vec::new();
        file.read_to_end(&mut body).expect("inflates");
        files.insert(name, body);
    }
    files
}

/// A CSV of the archive as maps from column name to value.
fn rows(files: &BTreeMap<String, Vec<u8>>, name: &str) -> Vec<BTreeMap<String, String>> {
    let bytes = files
        .get(&format!("tables/{name}"))
        .unwrap_or_else(|| panic!("tables/{name} in the archive"));
    let text = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or_else(|| panic!("{name}: UTF-8 with BOM"));
    let mut reader = csv::Reader::from_reader(text);
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("a CSV record");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

async fn the_dataset_zip_holds_every_table_as_graphql_answers_it(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let (status, headers, body) = get(&app, "/export/dataset.zip").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], "application/zip");
    let disposition = headers["content-disposition"].to_str().expect("ASCII");
    assert!(
        disposition.contains("kyodo-hub-dataset_") && disposition.ends_with(".zip\""),
        "{disposition}"
    );
    let files = unzip(&body);

    // Every CSV parses, with a header and as many cells in each row.
    let tables: Vec<&String> = files.keys().filter(|k| k.starts_with("tables/")).collect();
    assert!(tables.len() >= 20, "{tables:?}");
    for name in &tables {
        let name = name.trim_start_matches("tables/");
        rows(&files, name);
    }
    for secret in ["api_tokens", "changes", "search_documents"] {
        assert!(
            !files.contains_key(&format!("tables/{secret}.csv")),
            "{secret} must not be published"
        );
    }

    // Row counts and values are those GraphQL answers.
    let data = app
        .data(
            r#"{ municipalities { code nameJa population }
                 regions { slug members { code } }
                 metrics { code nameJa }
                 hofu: municipality(slug: "hofu") {
                   observations { metric { code } fiscalYear value }
                   programs(first: 100) { totalCount } } }"#,
            json!({}),
        )
        .await;
    let municipalities = rows(&files, "municipalities.csv");
    let answered = data["municipalities"].as_array().expect("municipalities");
    assert_eq!(municipalities.len(), answered.len());
    for m in answered {
        let code = m["code"].as_str().expect("code");
        let row = municipalities
            .iter()
            .find(|r| r["code"] == code)
            .unwrap_or_else(|| panic!("{code} in municipalities.csv"));
        assert_eq!(row["name_ja"], m["nameJa"].as_str().expect("name"));
        assert_eq!(
            row["population"].parse::<i64>().ok(),
            m["population"].as_i64(),
            "{code}"
        );
    }
    assert_eq!(
        rows(&files, "metrics.csv").len(),
        data["metrics"].as_array().expect("metrics").len()
    );
    assert_eq!(
        rows(&files, "regions.csv").len(),
        data["regions"].as_array().expect("regions").len()
    );
    let members: usize = data["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .map(|r| r["members"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(rows(&files, "region_members.csv").len(), members);

    // Hofu's observations, value for value.
    let observations: Vec<_> = rows(&files, "observations.csv")
        .into_iter()
        .filter(|r| r["municipality_code"] == "352063")
        .collect();
    let hofu = data["hofu"]["observations"]
        .as_array()
        .expect("observations");
    assert_eq!(observations.len(), hofu.len());
    for o in hofu {
        let (metric, year) = (
            o["metric"]["code"].as_str().expect("metric"),
            o["fiscalYear"].as_i64().expect("year"),
        );
        let row = observations
            .iter()
            .find(|r| r["metric_code"] == metric && r["fiscal_year"] == year.to_string())
            .unwrap_or_else(|| panic!("{metric} {year} in observations.csv"));
        assert_eq!(
            row["value"].parse::<f64>().ok(),
            o["value"].as_f64(),
            "{metric} {year}"
        );
    }
    let programs = rows(&files, "programs.csv")
        .into_iter()
        .filter(|r| r["municipality_code"] == "352063")
        .count();
    assert_eq!(
        Some(programs as i64),
        data["hofu"]["programs"]["totalCount"].as_i64()
    );

    // The YAML files the hub was filled from, and a README naming every file and column.
    for (name, text) in kyodo_hub::dataset::BUNDLED {
        let inside = files
            .get(&format!("yaml/{name}"))
            .unwrap_or_else(|| panic!("yaml/{name}"));
        assert_eq!(inside.as_slice(), text.as_bytes(), "{name}");
    }
    let readme = String::from_utf8(files["README.txt"].clone()).expect("UTF-8 README");
    for name in &tables {
        assert!(readme.contains(name.as_str()), "README names {name}");
    }
    for column in ["municipality_code", "fiscal_year", "population_year"] {
        assert!(readme.contains(&format!("- {column}: ")), "{column}");
    }
    for words in [
        "作成日時 / Made at",
        "利用条件 / Terms of reuse",
        "kyodo-hub",
    ] {
        assert!(readme.contains(words), "{words}");
    }

    // It takes no parameters.
    let (status, _, body) = get(&app, "/export/dataset.zip?format=csv").await;
    assert_eq!(status, 400);
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(body["error"]["parameter"], "format");
}

/// `/metrics`' count of downloads of `route` answered `cache`.
async fn downloads(app: &TestApp, route: &str, cache: &str) -> u64 {
    let (_, _, body) = get(app, "/metrics").await;
    let text = String::from_utf8(body).expect("metrics text");
    let series = format!("kyodo_hub_export_requests_total{{route=\"{route}\",cache=\"{cache}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&series))
        .map_or(0, |v| v.trim().parse().expect("a count"))
}

async fn a_second_download_comes_from_the_cache_until_a_write(b: Backend) {
    let app = TestApp::spawn_with(&b, kyodo_hub::config::ServeConfig::default()).await;
    let token = app.token(Some("352063"), "EDITOR", "Hofu").await;
    let path = "/export/compare.csv?metric=promotion_officers&municipalities=352063";
    for route in [
        path,
        "/charts/compare.png?metric=promotion_officers",
        "/export/dataset.zip",
    ] {
        let (status, first, body) = get(&app, route).await;
        assert_eq!(status, 200, "{route}");
        assert_eq!(first["x-kyodo-cache"], "miss", "{route}");
        let before = app.statements.get();
        let (status, second, again) = get(&app, route).await;
        assert_eq!(status, 200);
        assert_eq!(second["x-kyodo-cache"], "hit", "{route}");
        assert_eq!(app.statements.get(), before, "{route}: a hit reads nothing");
        assert_eq!(again, body, "{route}");
        for h in ["content-type", "content-disposition"] {
            assert_eq!(first.get(h), second.get(h), "{route}: {h}");
        }
    }
    // Parameters in another order are the same file.
    let (_, reordered, _) = get(
        &app,
        "/export/compare.csv?municipalities=352063&metric=promotion_officers",
    )
    .await;
    assert_eq!(reordered["x-kyodo-cache"], "hit");
    assert!(downloads(&app, "/export/compare.csv", "hit").await >= 2);
    assert_eq!(downloads(&app, "/export/compare.csv", "miss").await, 1);

    // A write empties the cache: the next file is made again and shows the new value.
    app.data_as(
        &token,
        "mutation($i: ObservationInput!) { upsertObservation(input: $i) { id } }",
        json!({ "i": { "municipality": "352063", "metric": "promotion_officers", "fiscalYear": 2031, "value": 77 } }),
    )
    .await;
    let (_, third, body) = get(&app, path).await;
    assert_eq!(third["x-kyodo-cache"], "miss");
    let text = String::from_utf8(body).expect("CSV");
    assert!(text.contains("77"), "{text}");

    // Refusals are never kept.
    for _ in 0..2 {
        let (status, headers, _) = get(&app, "/export/compare.csv?metric=nothing").await;
        assert_eq!(status, 400);
        assert!(headers.get("x-kyodo-cache").is_none(), "{headers:?}");
    }
}

async fn a_flood_of_renders_from_one_client_gets_429_with_retry_after(b: Backend) {
    // A budget of two PNGs, regained at one unit a second: the third new PNG must wait.
    let limits = kyodo_hub::config::ServeConfig {
        rate: kyodo_hub::config::RateLimits {
            rate_limit_burst: 4_000,
            rate_limit_per_second: 1,
            ..kyodo_hub::config::ServeConfig::default().rate
        },
        ..crate::helpers::uncached()
    };
    let app = TestApp::spawn_with(&b, limits).await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for year in 2016..2021 {
        let (status, headers, body) = get(
            &app,
            &format!("/charts/compare.png?metric=promotion_officers&to={year}"),
        )
        .await;
        statuses.push(status);
        if status == 429 {
            retry_after = headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let body: Value = serde_json::from_slice(&body).expect("JSON");
            assert_eq!(body["error"]["code"], "LIMIT_EXCEEDED", "{body}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("/charts/compare.png")),
                "{body}"
            );
        }
    }
    assert_eq!(statuses, [200, 200, 429, 429, 429]);
    // Two thousand units at one a second.
    assert!(retry_after.is_some_and(|s| s > 60), "{retry_after:?}");
    // The same budget serves GraphQL: it is spent there too.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": r#"{ municipality(slug: "hofu") { programs(first: 100) { edges { node { title } } } } }"# }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 429);
}

db_tests!(
    the_png_is_a_slide_with_a_bar_per_city_with_data,
    every_character_a_chart_can_draw_has_a_glyph_in_the_shipped_font,
    the_dataset_zip_holds_every_table_as_graphql_answers_it,
    a_second_download_comes_from_the_cache_until_a_write,
    a_flood_of_renders_from_one_client_gets_429_with_retry_after,
);
