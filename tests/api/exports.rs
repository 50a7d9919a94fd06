//! The liaison-meeting pack as a meeting's staff member uses it: strict parameters that say
//! what would work, regions and metrics by the names the files print, the chart, and the
//! CSV and Excel files read back with real readers.

use serde_json::Value;

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

/// GETs `path` and returns the status and the JSON error body.
async fn refusal(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("request");
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

db_tests!(
    unknown_and_repeated_parameters_are_refused_by_name,
    regions_and_metrics_are_found_by_their_printed_names,
);
