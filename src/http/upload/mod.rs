//! `/upload`: 実績値の取り込み, the page on which a city's editor who never writes GraphQL
//! sends back the observations file they exported and edited. It asks `importObservations`
//! with `dryRun: true` first and shows the rows that would change, then imports on
//! confirmation. Its script and stylesheet are served by the hub from the binary, and its
//! Content-Security-Policy lets it load and call nothing but this origin.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("upload.js");
const STYLE: &str = include_str!("upload.css");

/// Same origin for everything: the page holds an editor's token.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

fn file(content_type: &'static str, body: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Small, and revalidated on each visit so that a new binary's page is seen at once.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `GET /upload`
pub async fn page() -> Response {
    file("text/html; charset=utf-8", PAGE)
}

/// `GET /upload/upload.js`
pub async fn script() -> Response {
    file("text/javascript; charset=utf-8", SCRIPT)
}

/// `GET /upload/upload.css`
pub async fn style() -> Response {
    file("text/css; charset=utf-8", STYLE)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_loads_nothing_from_another_host() {
        for text in [super::PAGE, super::SCRIPT, super::STYLE] {
            assert!(!text.contains("http://") && !text.contains("https://"));
        }
        assert!(super::PAGE.contains("\"/upload/upload.js\""));
        assert!(super::PAGE.contains("\"/upload/upload.css\""));
    }
}
