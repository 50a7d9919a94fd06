//! ポータル The portal: the pages people open at `/`. A city page, a comparison, indicator
//! progress and search, server-rendered from askama templates (`templates/portal/`, checked
//! and compiled into the binary at build time, HTML-escaped by default), with one stylesheet
//! served by the hub and no script: nothing is fetched from another host, and a page prints
//! as a meeting handout.
//!
//! Every page gets its data by running registered operations (`examples/queries/portal-*`)
//! through the hub's own gate and schema ([`ops`]), never by asking the database itself, and
//! shows them in a `<details>` block, so a portal team can see how the page is built.
//!
//! Japanese first; `?lang=en` switches every label to English (the data stays as the
//! documents wrote it, with the English names the hub has).

mod ops;
mod text;
mod views;

use std::net::SocketAddr;

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::gate::ratelimit::ClientKey;
use crate::http::AppState;
pub use text::Lang;
use views::*;

/// The portal's routes, merged into the hub's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/cities/{slug}", get(city))
        .route("/compare", get(compare))
        .route("/indicators", get(indicators))
        .route("/search", get(search))
        .route(text::STYLESHEET_PATH, get(stylesheet))
        .route("/favicon.ico", get(favicon))
}

/// Programmes fetched per page of the operation; a city page shows them all.
const PROGRAMS_PER_PAGE: i64 = 20;
/// Pages of programmes a city page reads at most (far more than any city has).
const MAX_PROGRAM_PAGES: usize = 20;
/// Search results per page.
const SEARCH_PAGE: i64 = 10;

/// An operation as the page shows it: what ran, with which variables.
pub struct Shown {
    pub name: &'static str,
    pub file: &'static str,
    pub text: &'static str,
    pub variables: String,
}

impl Shown {
    fn of(op: &ops::Operation, variables: &serde_json::Value) -> Shown {
        Shown {
            name: op.name,
            file: op.file,
            text: op.text,
            variables: serde_json::to_string_pretty(variables).unwrap_or_default(),
        }
    }
}

/// What every page's frame needs: its title, the same page in the other language, the
/// operations behind it.
pub struct Shell {
    pub lang: Lang,
    pub title: String,
    pub other_lang_href: String,
    pub ops: Vec<Shown>,
    pub stylesheet: &'static str,
}

impl Shell {
    fn new(lang: Lang, title: String, path: &str, query: &Query) -> Shell {
        Shell {
            lang,
            title,
            other_lang_href: query.href_in(path, lang.other()),
            ops: Vec::new(),
            stylesheet: text::stylesheet_href(),
        }
    }
}

/// A page's query string, kept in order and with repeated names (a form's checkboxes).
#[derive(Default)]
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(raw: Option<&str>) -> Query {
        Query(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.trim().to_owned()))
                .collect(),
        )
    }

    /// The first non-empty value of `name`.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, comma-separated lists split.
    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn lang(&self) -> Lang {
        if self.get("lang") == Some("en") {
            Lang::En
        } else {
            Lang::Ja
        }
    }

    /// `path` with this query in `lang`.
    fn href_in(&self, path: &str, lang: Lang) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.0.iter().filter(|(k, _)| k != "lang") {
            out.append_pair(k, v);
        }
        if lang == Lang::En {
            out.append_pair("lang", "en");
        }
        let q = out.finish();
        if q.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{q}")
        }
    }
}

/// The client the gate meters the page's operations against: the peer, or the client a
/// trusted proxy names, as for `/graphql`.
fn client_of(state: &AppState, parts: &Parts) -> ClientKey {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    crate::gate::ratelimit::client_of(
        peer,
        parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok()),
        &state.limits.http.trusted_proxies,
    )
}

fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render a portal page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "portal/error.html")]
struct ErrorPage {
    shell: Shell,
    heading: String,
    message: String,
}

/// The page for an operation that failed: its status, what went wrong, a way back.
fn failed(shell: Shell, failure: ops::Failed) -> Response {
    let lang = shell.lang;
    let heading = match failure.status {
        StatusCode::NOT_FOUND => lang.t("見つかりません", "Not found"),
        StatusCode::BAD_REQUEST => lang.t("入力に誤りがあります", "Check what you asked for"),
        StatusCode::SERVICE_UNAVAILABLE => {
            lang.t("ただいま表示できません", "Temporarily unavailable")
        }
        StatusCode::TOO_MANY_REQUESTS => lang.t("アクセスが集中しています", "Too many requests"),
        _ => lang.t("表示できませんでした", "The page could not be shown"),
    };
    let mut response = html(
        failure.status,
        &ErrorPage {
            shell: Shell {
                title: heading.to_owned(),
                ..shell
            },
            heading: heading.to_owned(),
            message: format!("{} ({})", failure.message, failure.code.as_str()),
        },
    );
    if let Some(seconds) = failure.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The answer to a path that is no page (the hub's fallback): a page that says which path,
/// in the reader's language, with a way to the cities, instead of an empty 404.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    let query = Query::parse(uri.query());
    let lang = query.lang();
    let path = uri.path();
    let shown: String = path.chars().take(200).collect();
    let shell = Shell::new(lang, String::new(), "/", &Query::default());
    failed(
        shell,
        ops::Failed::of(&crate::error::AppError::NotFound(format!(
            "path: the hub has no page at {shown:?}"
        ))),
    )
}

// ---- home

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    shell: Shell,
    data: HomeData,
    /// The newest documents first: (city, document).
    latest: Vec<(String, String, SourceRef)>,
}

impl HomePage {
    fn as_of(&self, city: &HomeCity) -> String {
        text::as_of(
            self.shell.lang,
            &city.sources,
            city.observations.iter().map(|o| o.fiscal_year),
        )
    }
}

async fn home(State(state): State<AppState>, parts: Parts, RawQuery(raw): RawQuery) -> Response {
    let query = Query::parse(raw.as_deref());
    let lang = query.lang();
    let mut shell = Shell::new(
        lang,
        lang.t(
            "協働ハブ 5市の市民協働",
            "kyodo-hub: five cities' citizen collaboration",
        )
        .to_owned(),
        "/",
        &query,
    );
    let client = client_of(&state, &parts);
    let variables = json!({});
    shell.ops.push(Shown::of(&ops::HOME, &variables));
    let data: HomeData = match ops::run(&state, client, &ops::HOME, variables).await {
        Ok(data) => data,
        Err(e) => return failed(shell, e),
    };
    let mut latest: Vec<(String, String, SourceRef)> = data
        .municipalities
        .iter()
        .flat_map(|m| {
            m.sources.iter().filter(|s| s.published.is_some()).map(|s| {
                (
                    m.slug.clone(),
                    lang.pick(&m.name_ja, &m.name_en).to_owned(),
                    s.clone(),
                )
            })
        })
        .collect();
    latest.sort_by(|a, b| b.2.published.cmp(&a.2.published));
    latest.truncate(10);
    html(
        StatusCode::OK,
        &HomePage {
            shell,
            data,
            latest,
        },
    )
}

// ---- city

#[derive(Template)]
#[template(path = "portal/city.html")]
struct CityPage {
    shell: Shell,
    city: City,
    plans: Vec<PlanView>,
    programs: Vec<Program>,
    programs_total: i64,
    as_of: String,
}

/// A plan with the fiscal years its 工程表 spans: the table's columns.
struct PlanView {
    plan: Plan,
    years: Vec<i32>,
}

impl PlanView {
    fn of(plan: Plan) -> PlanView {
        let mut years: Vec<i32> = plan
            .policies
            .iter()
            .flat_map(|p| &p.measures)
            .flat_map(|m| &m.items)
            .flat_map(|i| &i.schedule)
            .map(|c| c.fiscal_year)
            .collect();
        years.sort_unstable();
        years.dedup();
        PlanView { plan, years }
    }

    /// The item's cells, one per column, as printed (several entries in a year joined).
    fn cells(&self, item: &PlanItem) -> Vec<String> {
        self.years
            .iter()
            .map(|y| {
                item.schedule
                    .iter()
                    .filter(|c| c.fiscal_year == *y)
                    .map(|c| c.label_ja.as_str())
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .collect()
    }

    fn has_schedule(&self) -> bool {
        !self.years.is_empty()
    }
}

async fn city(
    State(state): State<AppState>,
    slug: Result<Path<String>, axum::extract::rejection::PathRejection>,
    parts: Parts,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = Query::parse(raw.as_deref());
    let lang = query.lang();
    // A slug whose percent-encoding is not UTF-8 is the reader's mistake: the portal's own
    // page says so, as for any other bad parameter.
    let slug = match slug {
        Ok(Path(slug)) => slug,
        Err(rejection) => {
            let shell = Shell::new(lang, String::new(), "/", &query);
            return failed(
                shell,
                ops::Failed::of(&crate::error::AppError::BadInput(format!(
                    "slug: {}",
                    rejection.body_text()
                ))),
            );
        }
    };
    let path = format!("/cities/{}", text::path_segment(&slug));
    let mut shell = Shell::new(lang, slug.clone(), &path, &query);
    let client = client_of(&state, &parts);

    let variables = json!({ "slug": slug });
    shell.ops.push(Shown::of(&ops::CITY, &variables));
    let data: CityData = match ops::run(&state, client, &ops::CITY, variables.clone()).await {
        Ok(data) => data,
        Err(e) => return failed(shell, e),
    };
    let Some(city) = data.municipality else {
        return failed(
            shell,
            ops::Failed::of(&crate::error::AppError::NotFound(format!(
                "no municipality with the slug {slug:?} is in the hub"
            ))),
        );
    };
    shell.title = lang.pick(&city.name_ja, &city.name_en).to_owned();

    shell.ops.push(Shown::of(&ops::PLANS, &variables));
    let plans: PlansData = match ops::run(&state, client, &ops::PLANS, variables).await {
        Ok(data) => data,
        Err(e) => return failed(shell, e),
    };
    let plans = plans
        .municipality
        .map(|m| m.plans)
        .unwrap_or_default()
        .into_iter()
        .map(PlanView::of)
        .collect();

    let mut programs = Vec::new();
    let mut programs_total = 0;
    let mut after: Option<String> = None;
    for _ in 0..MAX_PROGRAM_PAGES {
        let variables = json!({ "slug": slug, "first": PROGRAMS_PER_PAGE, "after": after });
        if after.is_none() {
            shell.ops.push(Shown::of(&ops::PROGRAMS, &variables));
        }
        let page: ProgramsData = match ops::run(&state, client, &ops::PROGRAMS, variables).await {
            Ok(data) => data,
            Err(e) => return failed(shell, e),
        };
        let Some(page) = page.municipality.map(|m| m.programs) else {
            break;
        };
        programs_total = page.total_count;
        programs.extend(page.nodes);
        match page.page_info.end_cursor {
            Some(cursor) if page.page_info.has_next_page => after = Some(cursor),
            _ => break,
        }
    }
    let as_of = text::as_of(
        lang,
        &city.sources,
        city.observations.iter().map(|o| o.fiscal_year).chain(
            city.bodies
                .iter()
                .flat_map(|b| b.meetings.iter().map(|m| m.fiscal_year)),
        ),
    );
    html(
        StatusCode::OK,
        &CityPage {
            shell,
            city,
            plans,
            programs,
            programs_total,
            as_of,
        },
    )
}

// ---- compare

#[derive(Template)]
#[template(path = "portal/compare.html")]
struct ComparePage {
    shell: Shell,
    data: CompareData,
    form: CompareForm,
    /// The query string the CSV, the Excel workbook and the chart are asked with: the same
    /// parameters as the table.
    export_query: String,
    chart_alt: String,
}

/// What the compare form holds, as given.
struct CompareForm {
    metric: String,
    region: String,
    municipalities: Vec<String>,
    from: String,
    to: String,
    per100k: bool,
}

impl CompareForm {
    fn of(query: &Query) -> CompareForm {
        CompareForm {
            metric: query
                .get("metric")
                .unwrap_or("promotion_officers")
                .to_owned(),
            region: query.get("region").unwrap_or("").to_owned(),
            municipalities: query.all("municipalities"),
            from: query.get("from").unwrap_or("").to_owned(),
            to: query.get("to").unwrap_or("").to_owned(),
            per100k: query.get("per") == Some("PER_100K_POPULATION"),
        }
    }

    fn variables(&self) -> serde_json::Value {
        let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        json!({
            "metric": self.metric,
            "region": text(&self.region),
            "municipalities": (!self.municipalities.is_empty()).then(|| self.municipalities.clone()),
            "from": text(&self.from),
            "to": text(&self.to),
            "per": if self.per100k { "PER_100K_POPULATION" } else { "NONE" },
        })
    }

    /// The export endpoints' parameters for the same table (`municipalities` as one
    /// comma-separated value, as they take it).
    fn export_query(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        out.append_pair("metric", &self.metric);
        if !self.region.is_empty() {
            out.append_pair("region", &self.region);
        }
        if !self.municipalities.is_empty() {
            out.append_pair("municipalities", &self.municipalities.join(","));
        }
        if !self.from.is_empty() {
            out.append_pair("from", &self.from);
        }
        if !self.to.is_empty() {
            out.append_pair("to", &self.to);
        }
        if self.per100k {
            out.append_pair("per", "PER_100K_POPULATION");
        }
        out.finish()
    }

    fn chosen(&self, code: &str) -> bool {
        self.municipalities.iter().any(|c| c == code)
    }
}

impl ComparePage {
    fn unit(&self) -> String {
        let unit = self.data.compare.metric.unit.as_deref().unwrap_or("");
        if self.form.per100k {
            format!(
                "{} {}",
                self.shell.lang.unit(unit),
                self.shell
                    .lang
                    .t("(人口10万人あたり)", "per 100,000 inhabitants")
            )
        } else {
            self.shell.lang.unit(unit).to_owned()
        }
    }
}

async fn compare(State(state): State<AppState>, parts: Parts, RawQuery(raw): RawQuery) -> Response {
    let query = Query::parse(raw.as_deref());
    let lang = query.lang();
    let mut shell = Shell::new(
        lang,
        lang.t("市の比較", "Compare the cities").to_owned(),
        "/compare",
        &query,
    );
    let client = client_of(&state, &parts);
    let form = CompareForm::of(&query);
    let variables = form.variables();
    shell.ops.push(Shown::of(&ops::COMPARE, &variables));
    let data: CompareData = match ops::run(&state, client, &ops::COMPARE, variables).await {
        Ok(data) => data,
        Err(e) => return failed(shell, e),
    };
    let metric = lang.pick(&data.compare.metric.name_ja, &data.compare.metric.name_en);
    let ranked: Vec<String> = data
        .compare
        .rows
        .iter()
        .filter_map(|r| {
            let latest = r.latest.as_ref()?;
            Some(format!(
                "{} {} ({})",
                lang.pick(&r.municipality.name_ja, &r.municipality.name_en),
                lang.num(latest.value),
                lang.fy(latest.fiscal_year)
            ))
        })
        .collect();
    let chart_alt = format!(
        "{}: {}",
        metric,
        if ranked.is_empty() {
            lang.t("値のある市はありません", "no city has a value")
                .to_owned()
        } else {
            ranked.join(lang.t("、", ", "))
        }
    );
    html(
        StatusCode::OK,
        &ComparePage {
            shell,
            data,
            export_query: form.export_query(),
            form,
            chart_alt,
        },
    )
}

// ---- indicators

#[derive(Template)]
#[template(path = "portal/indicators.html")]
struct IndicatorsPage {
    shell: Shell,
    data: IndicatorsData,
    region: String,
    export_query: String,
}

async fn indicators(
    State(state): State<AppState>,
    parts: Parts,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = Query::parse(raw.as_deref());
    let lang = query.lang();
    let mut shell = Shell::new(
        lang,
        lang.t("成果指標の進捗", "Indicator progress").to_owned(),
        "/indicators",
        &query,
    );
    let client = client_of(&state, &parts);
    let region = query.get("region").unwrap_or("").to_owned();
    let variables = json!({ "region": (!region.is_empty()).then(|| region.clone()) });
    shell.ops.push(Shown::of(&ops::INDICATORS, &variables));
    let data: IndicatorsData = match ops::run(&state, client, &ops::INDICATORS, variables).await {
        Ok(data) => data,
        Err(e) => return failed(shell, e),
    };
    let mut export = url::form_urlencoded::Serializer::new(String::new());
    if !region.is_empty() {
        export.append_pair("region", &region);
    }
    html(
        StatusCode::OK,
        &IndicatorsPage {
            shell,
            data,
            region,
            export_query: export.finish(),
        },
    )
}

// ---- search

#[derive(Template)]
#[template(path = "portal/search.html")]
struct SearchPageView {
    shell: Shell,
    text: String,
    results: Option<SearchPage>,
    /// Where this page starts (0 for the first), for the "results m–n" line.
    offset: i64,
    /// The page's number, from 1.
    page_number: usize,
    prev_href: Option<String>,
    next_href: Option<String>,
    first_href: Option<String>,
}

impl SearchPageView {
    fn snippet(&self, hit: &SearchHit) -> String {
        text::safe_snippet(&hit.snippet)
    }
}

/// The last page number a search URL may name: the page must start at an offset an API
/// cursor can hold.
const MAX_SEARCH_PAGE: usize = (u32::MAX as usize) / (SEARCH_PAGE as usize);

/// The page a search URL asks for, as the offset it starts at. `page=N` is what the page's
/// own links write; `after=` (a cursor, as earlier links wrote) is still read.
fn search_offset(query: &Query) -> Result<(usize, Option<String>), ops::Failed> {
    let per = SEARCH_PAGE as usize;
    if let Some(page) = query.get("page") {
        let n = page
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_SEARCH_PAGE).contains(n))
            .ok_or_else(|| {
                let shown: String = page.chars().take(40).collect();
                ops::Failed::of(&crate::error::AppError::BadInput(format!(
                    "page: {shown:?} is not a page number (a whole number from 1 to {MAX_SEARCH_PAGE})"
                )))
            })?;
        let offset = (n - 1) * per;
        return Ok((offset, crate::graphql::pagination::after_for_offset(offset)));
    }
    match query.get("after") {
        // A cursor the API does not know is passed on, and the API's error names it.
        Some(after) => Ok((
            crate::graphql::pagination::offset_after(after).unwrap_or(0),
            Some(after.to_owned()),
        )),
        None => Ok((0, None)),
    }
}

async fn search(State(state): State<AppState>, parts: Parts, RawQuery(raw): RawQuery) -> Response {
    let query = Query::parse(raw.as_deref());
    let lang = query.lang();
    let shell = Shell::new(
        lang,
        lang.t("資料を検索", "Search the documents").to_owned(),
        "/search",
        &query,
    );
    let text = query.get("q").unwrap_or("").to_owned();
    let (offset, after) = match search_offset(&query) {
        Ok(found) => found,
        Err(e) => return failed(shell, e),
    };
    let per = SEARCH_PAGE as usize;
    let page = offset / per + 1;
    let mut view = SearchPageView {
        shell,
        text: text.clone(),
        results: None,
        offset: i64::try_from(offset).unwrap_or(i64::MAX),
        page_number: page,
        prev_href: None,
        next_href: None,
        first_href: None,
    };
    if text.is_empty() {
        return html(StatusCode::OK, &view);
    }
    let client = client_of(&state, &parts);
    let variables = json!({ "text": text, "first": SEARCH_PAGE, "after": after });
    view.shell.ops.push(Shown::of(&ops::SEARCH, &variables));
    let data: SearchData = match ops::run(&state, client, &ops::SEARCH, variables).await {
        Ok(data) => data,
        Err(e) => return failed(view.shell, e),
    };
    let results = data.search;
    let link = |page: usize| {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        out.append_pair("q", &text);
        if page > 1 {
            out.append_pair("page", &page.to_string());
        }
        if lang == Lang::En {
            out.append_pair("lang", "en");
        }
        format!("/search?{}", out.finish())
    };
    // The page before is the one that holds the hit just before this page's first: the
    // previous page number for the pages the links make, and for an `after=` that started
    // mid-page, the page it fell in.
    if offset > 0 {
        let prev = offset.div_ceil(per).max(1);
        view.prev_href = Some(link(prev));
        view.first_href = (prev > 1).then(|| link(1));
    }
    view.next_href = results.page_info.has_next_page.then(|| link(page + 1));
    view.results = Some(results);
    html(StatusCode::OK, &view)
}

// ---- stylesheet

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            // The pages name it with a hash of its content: another stylesheet, another URL.
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        text::STYLESHEET,
    )
        .into_response()
}

/// The hub's icon, for the tab; browsers ask for `/favicon.ico` on every page, GraphiQL's too,
/// and a 404 there is an error in the console.
async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("favicon.svg"),
    )
        .into_response()
}
