//! What every export and chart passes around its handler: the client's cost budget (the one
//! its GraphQL operations spend) and the response cache (the one public GraphQL answers use,
//! emptied by every write). A file asked for again is served from memory for one unit; a new
//! one is charged by what making it costs, so a flood of PNG renders or archives from one
//! client gets 429 with `Retry-After` long before it could take the machine.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ExportError;
use crate::http::AppState;

/// Units a cached file costs: a copy from memory.
pub const HIT_COST: u64 = 1;

/// Units a file costs to make, by route. GraphQL's own comparison of a region costs a few
/// hundred units; the default budget (20,000 at once, 2,000 a second) buys ten new PNGs at
/// once and one a second after that, four archives at once and one every 2.5 s.
pub fn cost_of(route: &str) -> u64 {
    match route.rsplit('.').next() {
        Some("png") => 2_000,
        Some("zip") => 5_000,
        Some("xlsx") => 500,
        _ => 200,
    }
}

/// Header saying whether the cache answered (`hit`) or the file was made (`miss`), as on
/// `/graphql`.
const CACHE_HEADER: &str = "x-kyodo-cache";

/// The cache key: the route and its parameters decoded and sorted, so `a=1&b=2` and
/// `b=2&a=%31` are one file. Repeated and unknown parameters stay in the key; the handler
/// refuses them, and refusals are never stored.
fn key(route: &str, query: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    pairs.sort();
    let mut normal = url::form_urlencoded::Serializer::new(String::new());
    normal.extend_pairs(pairs);
    format!("export {route}?{}", normal.finish())
}

/// A stored file: its content type and disposition on one line each, then the body. Neither
/// header can hold a line break, so the first two are the headers.
fn pack(response: &Response, body: &[u8]) -> Vec<u8> {
    let text = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let mut out = format!(
        "{}\n{}\n",
        text(header::CONTENT_TYPE),
        text(header::CONTENT_DISPOSITION)
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn unpack(stored: bytes::Bytes, cache: &'static str) -> Option<Response> {
    let mut lines = stored.splitn(3, |b| *b == b'\n');
    let content_type = HeaderValue::from_bytes(lines.next()?).ok()?;
    let disposition = lines.next()?;
    let at = content_type.len() + disposition.len() + 2;
    let mut response = Response::new(Body::from(stored.slice(at..)));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    if !disposition.is_empty() {
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_bytes(disposition).ok()?,
        );
    }
    headers.insert(CACHE_HEADER, HeaderValue::from_static(cache));
    Some(response)
}

/// The middleware on every export route.
pub async fn cached(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.uri().path().to_owned();
    let client = crate::http::middleware::csrf::client(&state, &request);
    let what = format!("GET {route}");
    let key = state
        .cache
        .enabled()
        .then(|| key(&route, request.uri().query()));
    if let Some(k) = &key
        && let Some(stored) = state.cache.get(k)
    {
        if let Err(e) = state.gate.charge(client, HIT_COST, &what) {
            return ExportError::App(e).into_response();
        }
        if let Some(response) = unpack(stored, "hit") {
            state.metrics.observe_export(&route, "hit");
            return response;
        }
    }
    if let Err(e) = state.gate.charge(client, cost_of(&route), &what) {
        state.metrics.observe_export(&route, "refused");
        return ExportError::App(e).into_response();
    }
    let Some(key) = key else {
        state.metrics.observe_export(&route, "off");
        return next.run(request).await;
    };
    state.metrics.observe_export(&route, "miss");
    let epoch = state.cache.epoch();
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    // The handlers made the whole file in memory already.
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(e) => {
            return ExportError::App(crate::error::AppError::internal(anyhow::anyhow!(
                "reading an export back: {e}"
            )))
            .into_response();
        }
    };
    let mut response = Response::from_parts(parts, Body::from(body.clone()));
    state.cache.put(key, epoch, pack(&response, &body).into());
    response
        .headers_mut()
        .insert(CACHE_HEADER, HeaderValue::from_static("miss"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_one_key_and_back_as_it_was() {
        assert_eq!(
            key("/export/compare.csv", Some("metric=x&per=NONE")),
            key("/export/compare.csv", Some("per=N%4FNE&metric=x"))
        );
        assert_ne!(
            key("/export/compare.csv", Some("metric=x")),
            key("/export/compare.xlsx", Some("metric=x"))
        );
        let response = (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"a.csv\"",
                ),
            ],
            "x\ny\n",
        )
            .into_response();
        let stored = pack(&response, b"x\ny\n");
        let back = unpack(stored.into(), "hit").expect("unpacks");
        assert_eq!(
            back.headers()[header::CONTENT_TYPE],
            "text/csv; charset=utf-8"
        );
        assert_eq!(
            back.headers()[header::CONTENT_DISPOSITION],
            "attachment; filename=\"a.csv\""
        );
        assert!(cost_of("/charts/compare.png") > cost_of("/charts/compare.svg"));
    }
}
