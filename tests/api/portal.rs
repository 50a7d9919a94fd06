//! The portal at `/` over HTTP: every page type for each of the five cities answers 200 and
//! shows the facts the public GraphQL API gives for it; an unknown city is a 404 page; GET
//! answers carry validators, lifetimes and security headers, and a current copy gets 304.

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

/// `text` as the templates write it into HTML (askama's escaper, which the pages use).
fn html(text: &str) -> String {
    match askama::filters::escape(text, askama::filters::Html) {
        Ok(safe) => safe.to_string(),
        Err(never) => match never {},
    }
}

/// A whole number as the pages write it: 474592 → "474,592".
fn grouped(value: f64) -> Option<String> {
    if value.fract() != 0.0 {
        return None;
    }
    let digits = format!("{}", value.abs() as i64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    Some(if value < 0.0 { format!("-{out}") } else { out })
}

async fn page(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("body"))
}

/// The page at `path`, which must answer 200 with HTML.
async fn ok_page(app: &TestApp, path: &str) -> String {
    let (status, headers, body) = page(app, path).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    assert_eq!(
        headers["content-type"].to_str().ok(),
        Some("text/html; charset=utf-8"),
        "GET {path}"
    );
    body
}

fn assert_shows(body: &str, path: &str, what: &str, fact: &str) {
    assert!(
        body.contains(&html(fact)),
        "GET {path} does not show {what} {fact:?}"
    );
}

/// An attribute value as written in HTML, read back.
fn unescape(attribute: &str) -> String {
    attribute.replace("&#38;", "&").replace("&amp;", "&")
}

/// The table row of `body` that holds `needle`.
fn row_with<'a>(body: &'a str, needle: &str) -> &'a str {
    body.split("<tr")
        .find(|row| row.contains(needle))
        .unwrap_or_else(|| panic!("no table row holds {needle:?}"))
}

const CITY_FACTS: &str = r#"
query ($slug: String!) {
  municipality(slug: $slug) {
    code nameJa nameEn population
    ordinances { title articles { number text } }
    plans { title policies { title measures { title items { title isRepost schedule { labelJa } } } } }
    indicators { name }
    observations { value }
    programs(first: 100) { nodes { title activities { title participants approximate } proposals { count } } }
    bodies { nameJa meetings { agenda } }
    supportCenters { nameJa }
    sources { title }
  }
}"#;

async fn every_city_page_shows_what_the_api_gives(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let cities = app.data("{ municipalities { slug } }", json!({})).await["municipalities"]
        .as_array()
        .expect("municipalities")
        .iter()
        .map(|m| m["slug"].as_str().expect("slug").to_owned())
        .collect::<Vec<_>>();
    assert_eq!(cities.len(), 5, "the five cities");
    for slug in &cities {
        let path = format!("/cities/{slug}");
        let body = ok_page(&app, &path).await;
        let m = app.data(CITY_FACTS, json!({ "slug": slug })).await["municipality"].clone();
        assert!(
            body.starts_with("<!doctype html>\n<html lang=\"ja\">"),
            "{path}"
        );
        for key in ["nameJa", "code"] {
            assert_shows(&body, &path, key, m[key].as_str().expect(key));
        }
        if let Some(population) = m["population"].as_f64().and_then(grouped) {
            assert_shows(&body, &path, "the population", &population);
        }
        // A city with values links its own round-trip file, and the link answers.
        if body.contains("id=\"observations\"") {
            let code = m["code"].as_str().expect("code");
            let href = format!("/export/observations.csv?municipalities={code}");
            assert_shows(&body, &path, "the observations download", &href);
            let csv = app
                .client
                .get(format!("{}{href}", app.address))
                .send()
                .await
                .expect("observations csv");
            assert_eq!(csv.status(), 200, "{path}: {href}");
            assert!(
                csv.text().await.expect("csv").contains(code),
                "{path}: {href} names the city"
            );
        }
        let texts = |list: &Value, field: &str| -> Vec<String> {
            list.as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v[field].as_str().map(str::to_owned))
                .collect()
        };
        for title in texts(&m["ordinances"], "title") {
            assert_shows(&body, &path, "the ordinance", &title);
        }
        for ordinance in m["ordinances"].as_array().into_iter().flatten() {
            for text in texts(&ordinance["articles"], "text") {
                assert_shows(&body, &path, "the article", &text);
            }
        }
        for plan in m["plans"].as_array().into_iter().flatten() {
            assert_shows(
                &body,
                &path,
                "the plan",
                plan["title"].as_str().expect("title"),
            );
            for policy in plan["policies"].as_array().into_iter().flatten() {
                assert_shows(
                    &body,
                    &path,
                    "the policy",
                    policy["title"].as_str().expect("t"),
                );
                for measure in policy["measures"].as_array().into_iter().flatten() {
                    for item in measure["items"].as_array().into_iter().flatten() {
                        let title = item["title"].as_str().expect("title");
                        assert_shows(&body, &path, "the plan item", title);
                        // An item and its 【再掲】 share a title: one of the rows with the
                        // title holds the item's whole schedule (and the mark, for a repost).
                        let labels = texts(&item["schedule"], "labelJa");
                        let repost = item["isRepost"] == json!(true);
                        assert!(
                            body.split("<tr").any(|row| {
                                row.contains(&html(title))
                                    && (!repost || row.contains("【再掲】"))
                                    && labels.iter().all(|label| {
                                        row.contains(&format!("<td class=\"cell\">{}", html(label)))
                                    })
                            }),
                            "{path}: no row of {title:?} (repost: {repost}) with the schedule {labels:?}"
                        );
                    }
                }
            }
        }
        for name in texts(&m["indicators"], "name") {
            assert_shows(&body, &path, "the indicator", &name);
        }
        for value in m["observations"].as_array().into_iter().flatten() {
            if let Some(v) = value["value"].as_f64().and_then(grouped) {
                assert!(body.contains(&format!("{v}</td>")), "{path}: value {v}");
            }
        }
        for program in m["programs"]["nodes"].as_array().into_iter().flatten() {
            assert_shows(
                &body,
                &path,
                "the programme",
                program["title"].as_str().expect("t"),
            );
            for activity in program["activities"].as_array().into_iter().flatten() {
                let title = activity["title"].as_str().expect("title");
                assert_shows(&body, &path, "the activity", title);
                if let Some(n) = activity["participants"].as_f64().and_then(grouped) {
                    let approx = if activity["approximate"] == json!(true) {
                        "約"
                    } else {
                        ""
                    };
                    // Several activities may share a title (one row per session).
                    let shown = format!("{approx}{n}</td>");
                    assert!(
                        body.split("<tr")
                            .any(|row| row.contains(&html(title)) && row.contains(&shown)),
                        "{path}: {title:?} with {approx}{n} participants"
                    );
                }
            }
        }
        for body_ in m["bodies"].as_array().into_iter().flatten() {
            assert_shows(
                &body,
                &path,
                "the body",
                body_["nameJa"].as_str().expect("name"),
            );
            for meeting in body_["meetings"].as_array().into_iter().flatten() {
                for item in meeting["agenda"].as_array().into_iter().flatten() {
                    assert_shows(
                        &body,
                        &path,
                        "the agenda item",
                        item.as_str().expect("item"),
                    );
                }
            }
        }
        for name in texts(&m["supportCenters"], "nameJa") {
            assert_shows(&body, &path, "the support centre", &name);
        }
        for title in texts(&m["sources"], "title") {
            assert_shows(&body, &path, "the document", &title);
        }
        assert!(body.contains("CC BY 4.0"), "{path}: the licence");
        assert!(body.contains("class=\"as-of\""), "{path}: the as-of date");
        assert!(
            body.contains("examples/queries/portal-city.graphql"),
            "{path}: the operation"
        );

        let english = ok_page(&app, &format!("{path}?lang=en")).await;
        assert!(english.contains("<html lang=\"en\">"), "{path}?lang=en");
        assert_shows(
            &english,
            &path,
            "nameEn",
            m["nameEn"].as_str().expect("nameEn"),
        );
    }

    let (status, _, body) = page(&app, "/cities/atlantis").await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("atlantis") && body.contains("<html lang=\"ja\">"),
        "{body}"
    );
}

async fn home_compare_indicator_and_search_pages_show_what_the_api_gives(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let home = ok_page(&app, "/").await;
    let facts = app
        .data(
            "{ municipalities { slug nameJa } regions { nameJa municipalities { slug } } metrics { nameJa } }",
            json!({}),
        )
        .await;
    for m in facts["municipalities"].as_array().expect("list") {
        assert_shows(&home, "/", "the city", m["nameJa"].as_str().expect("name"));
        assert!(home.contains(&format!(
            "href=\"/cities/{}\"",
            m["slug"].as_str().expect("s")
        )));
    }
    for r in facts["regions"].as_array().expect("list") {
        assert_shows(
            &home,
            "/",
            "the region",
            r["nameJa"].as_str().expect("name"),
        );
    }
    for metric in facts["metrics"].as_array().expect("list") {
        assert_shows(
            &home,
            "/",
            "the metric",
            metric["nameJa"].as_str().expect("name"),
        );
    }

    // The compare page: every row's latest value with its fiscal year and source, in the row
    // of its city; the chart and both downloads asked with the table's own parameters.
    for query in [
        "metric=promotion_officers",
        "metric=promotion_officers&region=yamaguchi-prefecture&per=PER_100K_POPULATION",
        "metric=promotion_officers&municipalities=332020&municipalities=352063&from=H28",
    ] {
        let path = format!("/compare?{query}");
        let body = ok_page(&app, &path).await;
        let (region, codes, per, from) = match query {
            q if q.contains("region") => (
                json!("yamaguchi-prefecture"),
                Value::Null,
                "PER_100K_POPULATION",
                Value::Null,
            ),
            q if q.contains("municipalities") => (
                Value::Null,
                json!(["332020", "352063"]),
                "NONE",
                json!("H28"),
            ),
            _ => (Value::Null, Value::Null, "NONE", Value::Null),
        };
        let compare = app
            .data(
                "query ($region: String, $codes: [ID!], $per: Normalization, $from: FiscalYear) {
                   compare(metric: \"promotion_officers\", region: $region, municipalities: $codes, per: $per, from: $from) {
                     rows { municipality { nameJa } latest { value fiscalYear source { title } } }
                   } }",
                json!({ "region": region, "codes": codes, "per": per, "from": from }),
            )
            .await["compare"]
            .clone();
        let rows = compare["rows"].as_array().expect("rows");
        assert!(!rows.is_empty(), "{path}");
        for row in rows {
            let name = row["municipality"]["nameJa"].as_str().expect("name");
            let tr = row_with(&body, &format!(">{}</a></th>", html(name)));
            if let Some(latest) = row["latest"].as_object() {
                let value = latest["value"].as_f64().expect("value");
                let shown = grouped(value).unwrap_or_else(|| {
                    let two = format!("{value:.2}");
                    two.trim_end_matches('0').trim_end_matches('.').to_owned()
                });
                assert!(tr.contains(&shown), "{path}: {name} {shown} in {tr}");
                let year = latest["fiscalYear"].as_i64().expect("year");
                assert!(
                    tr.contains(&format!("{year}年度")),
                    "{path}: {name} FY{year}"
                );
                let source = latest["source"]["title"].as_str().expect("source");
                assert!(tr.contains(&html(source)), "{path}: {name}'s source");
            }
        }
        let hrefs: Vec<&str> = [
            "/export/compare.csv?",
            "/export/compare.xlsx?",
            "/charts/compare.svg?",
            "/charts/compare.png?",
        ]
        .iter()
        .map(|prefix| {
            let at = body
                .find(prefix)
                .unwrap_or_else(|| panic!("{path}: no {prefix}"));
            let rest = &body[at + prefix.len()..];
            &rest[..rest.find('"').expect("attribute end")]
        })
        .collect();
        assert!(hrefs.windows(2).all(|w| w[0] == w[1]), "{path}: {hrefs:?}");
        assert!(
            body.contains("<img src=\"/charts/compare.svg?"),
            "{path}: the chart"
        );
        let csv = app
            .client
            .get(format!(
                "{}/export/compare.csv?{}",
                app.address,
                unescape(hrefs[0])
            ))
            .send()
            .await
            .expect("csv");
        assert_eq!(csv.status(), 200, "{path}: the CSV link");
        let csv = csv.text().await.expect("csv text");
        for row in rows {
            let name = row["municipality"]["nameJa"].as_str().expect("name");
            assert!(csv.contains(name), "{path}: {name} in the CSV");
        }
    }
    // Kurashiki's 140 協働推進員, in its own row of the compare table.
    let body = ok_page(&app, "/compare?metric=promotion_officers").await;
    let kurashiki = app
        .data(
            "{ municipality(slug: \"kurashiki\") { nameJa observations(metric: \"promotion_officers\") { value } } }",
            json!({}),
        )
        .await["municipality"]
        .clone();
    let officers = kurashiki["observations"][0]["value"]
        .as_f64()
        .expect("value");
    let row = row_with(
        &body,
        &format!(
            ">{}</a></th>",
            html(kurashiki["nameJa"].as_str().expect("n"))
        ),
    );
    assert!(
        row.contains(&format!(">{}</td>", grouped(officers).expect("whole"))),
        "{row}"
    );

    let (status, _, body) = page(&app, "/compare?metric=no_such_metric").await;
    assert_eq!(status, 400, "an unknown metric: {body}");
    assert!(
        body.contains("no_such_metric") || body.contains("BAD_USER_INPUT"),
        "{body}"
    );

    // Indicator progress: every indicator the API ranks.
    let body = ok_page(&app, "/indicators").await;
    let progress = app
        .data(
            "{ indicatorProgress { name municipality { nameJa } } }",
            json!({}),
        )
        .await;
    for i in progress["indicatorProgress"].as_array().expect("list") {
        assert_shows(
            &body,
            "/indicators",
            "the indicator",
            i["name"].as_str().expect("name"),
        );
    }
    let body = ok_page(&app, "/indicators?region=yamaguchi-prefecture").await;
    assert!(
        body.contains("/export/indicators.csv?region=yamaguchi-prefecture"),
        "{body}"
    );

    // Search: highlighted snippets, the total, and a next page that goes on from this one.
    let found = app
        .data(
            "{ search(text: \"協働\", first: 10) { totalCount edges { node { title } } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await["search"]
        .clone();
    let body = ok_page(&app, "/search?q=%E5%8D%94%E5%83%8D").await;
    assert!(
        body.contains("<mark>協働</mark>"),
        "the match is highlighted"
    );
    let total = found["totalCount"].as_i64().expect("total");
    assert!(body.contains(&format!(": {total}件")), "the total {total}");
    for edge in found["edges"].as_array().expect("edges") {
        assert_shows(
            &body,
            "/search",
            "the result",
            edge["node"]["title"].as_str().expect("t"),
        );
    }
    assert!(
        found["pageInfo"]["hasNextPage"] == json!(true),
        "more than a page of 協働"
    );
    let next = body
        .split("rel=\"next\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|href| href.split('"').next())
        .map(unescape)
        .expect("a next link");
    let second = ok_page(&app, &next).await;
    assert!(second.contains("<ol start=\"11\""), "{next} starts at 11");
    let (status, _, _) = page(&app, "/search").await;
    assert_eq!(status, 200, "the empty search form");
    let (status, _, body) = page(&app, "/search?q=%E5%8D%94&after=garbage").await;
    assert_eq!(status, 400, "a cursor that is no cursor: {body}");
}

async fn get_answers_carry_validators_lifetimes_and_security_headers(b: Backend) {
    let app = TestApp::spawn(&b).await;
    for path in [
        "/",
        "/cities/toyonaka",
        "/compare?metric=promotion_officers",
        "/indicators",
        "/search?q=%E9%98%B2%E7%81%BD",
        "/export/compare.csv?metric=promotion_officers",
        "/charts/compare.svg?metric=promotion_officers",
        "/graphql?query=%7Bmetrics%7Bcode%7D%7D",
    ] {
        let (status, headers, body) = page(&app, path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        let etag = headers
            .get("etag")
            .unwrap_or_else(|| panic!("{path}: no ETag"))
            .clone();
        assert_eq!(headers["cache-control"], "public, max-age=60", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
        let csp = headers["content-security-policy"].to_str().expect("csp");
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
            "{path}"
        );
        // The same answer again has the same validator; a client holding it gets 304.
        let (_, again, _) = page(&app, path).await;
        assert_eq!(again["etag"], etag, "{path}: a stable ETag");
        let revalidated = app
            .client
            .get(format!("{}{path}", app.address))
            .header("if-none-match", etag.clone())
            .send()
            .await
            .expect("request");
        assert_eq!(revalidated.status(), 304, "{path}");
        assert_eq!(revalidated.headers()["etag"], etag, "{path}");
        assert!(
            revalidated.text().await.expect("body").is_empty(),
            "{path}: 304 has no body"
        );
        let stale = app
            .client
            .get(format!("{}{path}", app.address))
            .header("if-none-match", "\"not-this-one\"")
            .send()
            .await
            .expect("request");
        assert_eq!(stale.status(), 200, "{path}");
    }
    let (_, headers, _) = page(&app, "/graphql?query=%7Bmetrics%7Bcode%7D%7D").await;
    let vary = headers["vary"].to_str().expect("vary").to_ascii_lowercase();
    assert!(
        vary.contains("authorization") && vary.contains("accept"),
        "{vary}"
    );

    // A token's answers are its own: never stored by a shared cache.
    let token = app.token(None, "ADMIN", "portal-test").await;
    let private = app
        .client
        .get(format!(
            "{}/graphql?query=%7Bmetrics%7Bcode%7D%7D",
            app.address
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(private.status(), 200);
    assert_eq!(private.headers()["cache-control"], "no-store");

    // A change to the data changes the validator of the pages that show it.
    let path = "/compare?metric=promotion_officers";
    let (_, before, _) = page(&app, path).await;
    app.data_as(
        &token,
        "mutation { upsertObservation(input: { municipality: \"332020\", metric: \"promotion_officers\", fiscalYear: 2016, value: 141 }) { value } }",
        json!({}),
    )
    .await;
    let (_, after, body) = page(&app, path).await;
    assert_ne!(before["etag"], after["etag"], "the data changed");
    assert!(body.contains(">141</td>"), "the new value is shown");

    // Not found and probes are not kept by caches; GraphiQL keeps a policy that lets it run.
    let (status, headers, _) = page(&app, "/cities/atlantis").await;
    assert_eq!(
        (status, headers["cache-control"].to_str().ok()),
        (404, Some("no-store"))
    );
    let (_, headers, _) = page(&app, "/healthz").await;
    assert_eq!(headers["cache-control"], "no-store");
    let (status, headers, body) = page(&app, "/graphiql").await;
    assert_eq!(status, 200);
    assert!(body.contains("graphiql.min.js"), "GraphiQL at /graphiql");
    let csp = headers["content-security-policy"].to_str().expect("csp");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    // The stylesheet the pages name is served, for a year.
    let home = ok_page(&app, "/").await;
    let css = home
        .split("href=\"/portal.css")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("css");
    let (status, headers, css_body) = page(&app, &format!("/portal.css{}", unescape(css))).await;
    assert_eq!(status, 200);
    assert!(
        headers["cache-control"]
            .to_str()
            .expect("cc")
            .contains("immutable")
    );
    assert!(css_body.contains("@media print"), "a print stylesheet");
}

/// CORS lets a portal's script read the hub's own headers.
async fn cors_exposes_the_hubs_headers(b: Backend) {
    let limits = kyodo_hub::config::ServeConfig {
        http: kyodo_hub::config::HttpLimits {
            cors_origins: vec![kyodo_hub::config::CorsOrigin::Exact(
                "https://portal.example".into(),
            )],
            ..Default::default()
        },
        ..crate::helpers::uncached()
    };
    let app = TestApp::spawn_with(&b, limits).await;
    let response = app
        .client
        .get(format!(
            "{}/graphql?query=%7Bmetrics%7Bcode%7D%7D",
            app.address
        ))
        .header("origin", "https://portal.example")
        .send()
        .await
        .expect("request");
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .expect("exposed")
        .to_ascii_lowercase();
    for name in [
        "retry-after",
        "etag",
        "content-disposition",
        "cache-control",
    ] {
        assert!(exposed.contains(name), "{name} not in {exposed}");
    }
}

/// The href of the link marked `rel`, read back from the page.
fn link_of(body: &str, rel: &str) -> Option<String> {
    let marker = format!("rel=\"{rel}\"");
    body.contains(&marker).then_some(())?;
    body.split(&marker)
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|href| href.split('"').next())
        .map(unescape)
}

/// The titles of a search page's results, in order.
fn result_titles(body: &str) -> Vec<String> {
    let Some(start) = body.find("<ol start=") else {
        return Vec::new();
    };
    let list = &body[start..];
    let list = &list[..list.find("</ol>").unwrap_or(list.len())];
    list.split("<strong>")
        .skip(1)
        .filter_map(|s| s.split("</strong>").next())
        .map(str::to_owned)
        .collect()
}

async fn search_pages_forward_and_back_show_the_hits_the_api_gives(b: Backend) {
    // Arrange: the API's first three pages of 協働, ten hits each.
    let app = TestApp::spawn(&b).await;
    let query = "query($after: String) { search(text: \"協働\", first: 10, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { title } } } }";
    let mut api_pages: Vec<Vec<String>> = Vec::new();
    let mut after = Value::Null;
    for _ in 0..3 {
        let page = app.data(query, json!({ "after": after })).await["search"].clone();
        api_pages.push(
            page["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| html(e["node"]["title"].as_str().expect("title")))
                .collect(),
        );
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert!(
        api_pages.iter().all(|p| p.len() == 10),
        "three full pages of 協働: {api_pages:?}"
    );
    assert_ne!(api_pages[0], api_pages[1]);

    // Act and assert: 1 → 2 → 3 → 2 → 1 by the page's own links.
    let first = ok_page(&app, "/search?q=%E5%8D%94%E5%83%8D").await;
    assert_eq!(result_titles(&first), api_pages[0], "page 1");
    assert!(
        link_of(&first, "prev").is_none(),
        "no page before the first"
    );
    assert!(
        first.contains("<nav class=\"pager\" aria-label=\"検索結果のページ\">"),
        "the pager is a labelled navigation"
    );
    let next = link_of(&first, "next").expect("a next link");
    assert!(next.contains("page=2"), "{next} names its page");
    let second = ok_page(&app, &next).await;
    assert_eq!(result_titles(&second), api_pages[1], "page 2 at {next}");
    assert!(second.contains("<ol start=\"11\""), "{next} starts at 11");
    let third_href = link_of(&second, "next").expect("a next link on page 2");
    let third = ok_page(&app, &third_href).await;
    assert_eq!(
        result_titles(&third),
        api_pages[2],
        "page 3 at {third_href}"
    );
    let back = link_of(&third, "prev").expect("a previous link on page 3");
    let second_again = ok_page(&app, &back).await;
    assert_eq!(
        result_titles(&second_again),
        api_pages[1],
        "back to page 2 at {back}"
    );
    let back = link_of(&second_again, "prev").expect("a previous link on page 2");
    assert!(
        !back.contains("page="),
        "page 1 is the plain search URL: {back}"
    );
    let first_again = ok_page(&app, &back).await;
    assert_eq!(
        result_titles(&first_again),
        api_pages[0],
        "back to page 1 at {back}"
    );

    // In English the links keep the language.
    let english = ok_page(&app, "/search?q=%E5%8D%94%E5%83%8D&page=2&lang=en").await;
    assert_eq!(result_titles(&english), api_pages[1]);
    for rel in ["prev", "next"] {
        let href = link_of(&english, rel).expect("a link");
        assert!(href.contains("lang=en"), "{rel}: {href}");
    }

    // A link an earlier version of the page wrote (`after=` a cursor) still lands on its page.
    let cursor = app.data(query, json!({})).await["search"]["pageInfo"]["endCursor"].clone();
    let legacy = format!(
        "/search?q=%E5%8D%94%E5%83%8D&after={}",
        cursor.as_str().expect("cursor")
    );
    assert_eq!(result_titles(&ok_page(&app, &legacy).await), api_pages[1]);

    // Past the last page: nothing found, and a way back.
    let beyond = ok_page(&app, "/search?q=%E5%8D%94%E5%83%8D&page=100000").await;
    assert!(result_titles(&beyond).is_empty());
    assert!(link_of(&beyond, "prev").is_some());

    // A page that is no page number is refused by name.
    for bad in ["0", "-1", "abc", "1.5", "99999999999999999999", "%00"] {
        let path = format!("/search?q=%E5%8D%94%E5%83%8D&page={bad}");
        let (status, _, body) = page(&app, &path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains("page:"), "{path} names the parameter: {body}");
    }
}

async fn home_shows_the_latest_changes_from_the_public_feed(b: Backend) {
    // Arrange: a change through the API on top of the import.
    let app = TestApp::spawn(&b).await;
    let token = app.token(Some("352063"), "EDITOR", "home-test").await;
    app.data_as(
        &token,
        "mutation($v: CreateProgramInput!) { createProgram(input: $v) { id } }",
        json!({ "v": { "municipality": "352063", "key": "home-feed", "kind": "FORUM", "title": "ホームに出るフォーラム" } }),
    )
    .await;
    let feed = app
        .data(
            "{ recentChanges(first: 10) { totalCount nodes { at operation entity label municipality { slug nameJa nameEn } } } }",
            json!({}),
        )
        .await["recentChanges"]
        .clone();
    let entries = feed["nodes"].as_array().expect("nodes").clone();

    // Act
    let home = ok_page(&app, "/").await;
    let english = ok_page(&app, "/?lang=en").await;

    // Assert: each entry is a row with its time in JST, its city linked, what it was.
    assert!(home.contains("最近の更新"), "the heading");
    assert!(english.contains("Latest changes"), "the English heading");
    let jst = chrono::FixedOffset::east_opt(9 * 3600).expect("JST");
    for e in &entries {
        let at = chrono::DateTime::parse_from_rfc3339(e["at"].as_str().expect("at"))
            .expect("RFC 3339")
            .with_timezone(&jst);
        let when = at.format("%Y年%-m月%-d日 %H:%M").to_string();
        let row = row_with(
            &home,
            &format!("datetime=\"{}\"", html(e["at"].as_str().expect("at"))),
        );
        assert!(row.contains(&when), "{when} in {row}");
        let slug = e["municipality"]["slug"].as_str().expect("slug");
        assert!(
            row.contains(&format!("href=\"/cities/{slug}\"")),
            "{slug} linked in {row}"
        );
        assert!(row.contains(&html(e["municipality"]["nameJa"].as_str().expect("name"))));
        if let Some(label) = e["label"].as_str() {
            assert!(row.contains(&html(label)), "{label} in {row}");
        }
        let row = row_with(
            &english,
            &format!("datetime=\"{}\"", html(e["at"].as_str().expect("at"))),
        );
        assert!(
            row.contains(&at.format("%-d %b %Y, %H:%M JST").to_string()),
            "{row}"
        );
        assert!(
            row.contains(&format!("href=\"/cities/{slug}?lang=en\"")),
            "{row}"
        );
    }
    assert_eq!(entries[0]["label"], "ホームに出るフォーラム");
    assert_eq!(entries[0]["operation"], "CREATE");
    assert!(
        home.contains("事業を追加"),
        "the newest entry says what happened"
    );
    // Who made it is not on the page.
    assert!(
        !home.contains("home-test"),
        "the token's label is not shown"
    );
    // The operation behind the page names the feed.
    assert!(home.contains("recentChanges"));
}

db_tests!(
    every_city_page_shows_what_the_api_gives,
    home_compare_indicator_and_search_pages_show_what_the_api_gives,
    get_answers_carry_validators_lifetimes_and_security_headers,
    cors_exposes_the_hubs_headers,
    search_pages_forward_and_back_show_the_hits_the_api_gives,
    home_shows_the_latest_changes_from_the_public_feed,
);
