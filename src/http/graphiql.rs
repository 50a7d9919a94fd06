//! GraphiQL served from the binary: its page and the GraphiQL 4 and React 18 builds vendored in
//! `assets/graphiql/`, so that it works on a terminal without internet (an LGWAN terminal
//! cannot reach unpkg.com, where async-graphql's page loads them from).
//!
//! The page is small and revalidated on every visit; it names each asset with a hash of its
//! content (`/graphiql/graphiql.min.js?v=…`), so the assets themselves can be kept by browsers
//! and proxies for a year: a binary with other assets names other URLs.

use std::sync::LazyLock;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::http::AppState;

/// Where the assets are served; `index.html` names them under it.
pub const PREFIX: &str = "/graphiql/";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:literal) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("assets/graphiql/", $name)),
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("graphiql.min.js", "text/javascript; charset=utf-8"),
    asset!("graphiql.min.css", "text/css; charset=utf-8"),
    asset!("react.production.min.js", "text/javascript; charset=utf-8"),
    asset!(
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("init.js", "text/javascript; charset=utf-8"),
    asset!("page.css", "text/css; charset=utf-8"),
    asset!("LICENSES.txt", "text/plain; charset=utf-8"),
];

const INDEX: &str = include_str!("assets/graphiql/index.html");

/// GraphiQL's policy: its scripts and styles from the hub only, no inline or evaluated
/// script; its editors set inline styles and its CSS embeds fonts and images as `data:`;
/// queries go to the hub alone.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A year: the longest lifetime caches honour, for URLs whose content never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The page with every asset URL carrying the hash of the asset's content.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    ASSETS.iter().fold(INDEX.to_owned(), |page, asset| {
        let hash = format!("{:x}", Sha256::digest(asset.bytes));
        page.replace(
            &format!("\"{PREFIX}{}\"", asset.name),
            &format!("\"{PREFIX}{}?v={}\"", asset.name, &hash[..16]),
        )
    })
});

fn off_in_production() -> Response {
    (
        StatusCode::NOT_FOUND,
        "GraphiQL is off in production mode; POST queries to /graphql",
    )
        .into_response()
}

/// The GraphiQL page, or 404 in production mode.
pub async fn page(State(state): State<AppState>) -> Response {
    if state.limits.production {
        return off_in_production();
    }
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Revalidated on each visit, so a new binary's asset URLs are seen at once.
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CSP),
        ],
        PAGE.as_str(),
    )
        .into_response()
}

/// `GET /graphiql/{file}`: one of the vendored files, or 404.
pub async fn asset(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    if state.limits.production {
        return off_in_production();
    }
    let Some(asset) = ASSETS.iter().find(|a| a.name == file) else {
        let shown: String = file.chars().take(100).collect();
        return (
            StatusCode::NOT_FOUND,
            format!("file: GraphiQL has no file {shown:?}"),
        )
            .into_response();
    };
    let mut response = asset.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_script_and_stylesheet_by_its_hash() {
        for asset in ASSETS.iter().filter(|a| a.name != "LICENSES.txt") {
            assert!(
                PAGE.contains(&format!("\"{PREFIX}{}?v=", asset.name)),
                "{} is not named with a hash in index.html",
                asset.name
            );
        }
        assert!(!PAGE.contains("unpkg") && !PAGE.contains("https://"));
    }
}
