//! How `serve` runs: limits of the public endpoint, rate limits, the HTTP server and the
//! response cache. async-graphql and its axum integration accept any depth,
//! complexity, number of aliases and body size by default; a public civic API must refuse a
//! hostile query before any resolver or SQL runs, and say why.

use std::net::IpAddr;

use clap::Args;
use ipnet::IpNet;

/// How `serve` runs, by concern. Every value is a flag and an environment variable, and its
/// default is written once, in [`defaults`].
#[derive(Clone, Debug, Default, Args)]
pub struct ServeConfig {
    /// Production mode: no introspection, no field suggestions, no GraphiQL page. The
    /// variable takes what operators write for yes and no (`1`/`0`, `yes`/`no`, `on`/`off`,
    /// `true`/`false`), not only clap's `true`/`false`.
    #[arg(long, env = "KYODO_HUB_PRODUCTION", default_value_t = false,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub production: bool,
    #[command(flatten)]
    pub query: QueryLimits,
    #[command(flatten)]
    pub rate: RateLimits,
    #[command(flatten)]
    pub http: HttpLimits,
    #[command(flatten)]
    pub cache: CacheConfig,
}

/// What one GraphQL request may ask for, checked before any resolver or SQL runs.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Query limits")]
pub struct QueryLimits {
    /// Deepest nesting of fields (a city's full plan tree needs 7).
    #[arg(long, env = "KYODO_HUB_MAX_DEPTH", default_value_t = defaults::MAX_DEPTH)]
    pub max_depth: usize,
    /// Largest complexity: each field costs 1, lists paged with `first` multiply their contents
    /// by it. The deepest query of every relation of every city costs about 1,500.
    #[arg(long, env = "KYODO_HUB_MAX_COMPLEXITY", default_value_t = defaults::MAX_COMPLEXITY)]
    pub max_complexity: usize,
    /// Most aliases in one document (aliases are how one request multiplies its cost).
    #[arg(long, env = "KYODO_HUB_MAX_ALIASES", default_value_t = defaults::MAX_ALIASES)]
    pub max_aliases: usize,
    /// Most fields at the root of an operation.
    #[arg(long, env = "KYODO_HUB_MAX_ROOT_FIELDS", default_value_t = defaults::MAX_ROOT_FIELDS)]
    pub max_root_fields: usize,
    /// Longest a request may run, in seconds.
    #[arg(
        long = "request-timeout",
        visible_alias = "request-timeout-secs",
        env = "KYODO_HUB_REQUEST_TIMEOUT",
        default_value_t = defaults::REQUEST_TIMEOUT_SECS
    )]
    pub request_timeout_secs: u64,
    /// Safelist mode: a folder of `.graphql` files; only the operations they hold are executed
    /// (compared ignoring whitespace and comments). Off when not given.
    #[arg(long, env = "KYODO_HUB_SAFELIST")]
    pub safelist: Option<std::path::PathBuf>,
    /// How many persisted queries (sent by hash instead of text) are kept in memory.
    #[arg(long, env = "KYODO_HUB_PERSISTED_QUERIES", default_value_t = defaults::PERSISTED_QUERIES)]
    pub persisted_queries: usize,
}

/// How much each client may ask for over time.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Rate limits")]
pub struct RateLimits {
    /// Cost units a client (its address, with or without a token) may spend at once (its
    /// bucket's size); an operation costing more is refused as one that can never run.
    #[arg(long, env = "KYODO_HUB_RATE_LIMIT_BURST", default_value_t = defaults::RATE_LIMIT_BURST)]
    pub rate_limit_burst: u64,
    /// Cost units a client's bucket regains each second; 0 turns rate limiting off.
    #[arg(long, env = "KYODO_HUB_RATE_LIMIT_PER_SECOND", default_value_t = defaults::RATE_LIMIT_PER_SECOND)]
    pub rate_limit_per_second: u64,
    /// Bad tokens (unknown, wrong secret, revoked, malformed) a client may present per minute;
    /// beyond that its requests with a token are refused with 429 until the budget refills,
    /// before any token is checked. 0 turns this off.
    #[arg(long, env = "KYODO_HUB_AUTH_FAILURES_PER_MINUTE", default_value_t = defaults::AUTH_FAILURES_PER_MINUTE)]
    pub auth_failures_per_minute: u64,
}

/// What the HTTP server accepts: bodies, timeouts, connections, origins and proxies.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "HTTP")]
pub struct HttpLimits {
    /// Largest request body, in bytes.
    #[arg(long, env = "KYODO_HUB_MAX_BODY_BYTES", default_value_t = defaults::MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// Largest request body with an API token (verified before the body is read), in bytes:
    /// room for `importObservations` CSV files.
    #[arg(long, env = "KYODO_HUB_MAX_BODY_BYTES_AUTHENTICATED", default_value_t = defaults::MAX_BODY_BYTES_AUTHENTICATED)]
    pub max_body_bytes_authenticated: usize,
    /// Seconds a connection may take to send a request's headers, counted from its opening or
    /// from the end of the previous answer (so it also closes idle keep-alive connections).
    #[arg(
        long = "header-read-timeout",
        env = "KYODO_HUB_HEADER_READ_TIMEOUT",
        default_value_t = defaults::HEADER_READ_TIMEOUT_SECS
    )]
    pub header_read_timeout_secs: u64,
    /// Seconds a request may take to send its body (on top of `--request-timeout` for the
    /// answer); slower uploads are answered 408.
    #[arg(
        long = "body-read-timeout",
        env = "KYODO_HUB_BODY_READ_TIMEOUT",
        default_value_t = defaults::BODY_READ_TIMEOUT_SECS
    )]
    pub body_read_timeout_secs: u64,
    /// Seconds writing an answer may stall (a client that stops reading) before the
    /// connection is closed.
    #[arg(
        long = "write-timeout",
        env = "KYODO_HUB_WRITE_TIMEOUT",
        default_value_t = defaults::WRITE_TIMEOUT_SECS
    )]
    pub write_timeout_secs: u64,
    /// Connections open at once; further ones get 503 and are closed. Lowered at start to fit
    /// under the open-file limit, whose soft value is raised to the hard one.
    #[arg(long, env = "KYODO_HUB_MAX_CONNECTIONS", default_value_t = defaults::MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Connections one client address may hold at once (0: no limit); further ones get 503
    /// and are closed. Trusted proxies are exempt. Raise it where many users share one
    /// address without a proxy the hub trusts (a municipal network's NAT).
    #[arg(
        long,
        env = "KYODO_HUB_MAX_CONNECTIONS_PER_CLIENT",
        default_value_t = defaults::MAX_CONNECTIONS_PER_CLIENT
    )]
    pub max_connections_per_client: usize,
    /// Origins of the portals whose pages may call the API from a browser, comma-separated
    /// (e.g. `https://kyodo.example.jp`), or `*` for any origin (then without credentials).
    /// None by default: only same-origin pages.
    #[arg(long, env = "KYODO_HUB_CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub cors_origins: Vec<CorsOrigin>,
    /// Proxies whose `X-Forwarded-For` header names the client for rate limiting, as
    /// addresses or CIDR blocks, comma-separated (e.g. the federation gateway's address). None
    /// by default: the peer address is the client.
    #[arg(long, env = "KYODO_HUB_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
    pub trusted_proxies: Vec<IpNet>,
}

/// 応答キャッシュ The response cache of answers to public queries.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Response cache")]
pub struct CacheConfig {
    /// How many answers to public queries are kept until the data changes; 0 turns the
    /// response cache off.
    #[arg(long, env = "KYODO_HUB_RESPONSE_CACHE_ENTRIES", default_value_t = defaults::RESPONSE_CACHE_ENTRIES)]
    pub response_cache_entries: usize,
    /// Bytes of cached answers at most, all entries together.
    #[arg(long, env = "KYODO_HUB_RESPONSE_CACHE_BYTES", default_value_t = defaults::RESPONSE_CACHE_BYTES)]
    pub response_cache_bytes: usize,
    /// How often, in milliseconds, to look for changes made by other processes on the same
    /// database (this process's own writes empty the cache at once).
    #[arg(long, env = "KYODO_HUB_RESPONSE_CACHE_POLL_MS", default_value_t = defaults::RESPONSE_CACHE_POLL_MS)]
    pub response_cache_poll_ms: u64,
}

/// 許可するオリジン: a portal origin allowed to call the API from a browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsOrigin {
    /// `*`: every origin, never with credentials.
    Any,
    /// One origin, in the form browsers send it (`https://kyodo.example.jp`).
    Exact(String),
}

/// Reads one `--cors-origins` entry: `*`, or an origin exactly as a browser's `Origin` header
/// carries it. Anything else would silently never match, so it is refused at start, with the
/// form that would work where there is one.
pub fn parse_origin(text: &str) -> Result<CorsOrigin, String> {
    let text = text.trim();
    if text == "*" {
        return Ok(CorsOrigin::Any);
    }
    let url = url::Url::parse(text)
        .map_err(|e| format!("`{text}` is not an origin such as https://kyodo.example.jp ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "`{text}` is not an http or https origin such as https://kyodo.example.jp"
        ));
    }
    let origin = url.origin().ascii_serialization();
    if origin != text {
        return Err(format!(
            "`{text}` is not an origin as browsers send it: write `{origin}` (scheme, host and port only, no path or trailing slash)"
        ));
    }
    Ok(CorsOrigin::Exact(origin))
}

/// Reads one `--trusted-proxies` entry: an address (`10.0.0.5`, `::1`) or a CIDR block
/// (`10.0.0.0/8`, `fd00::/8`). A bare address is the block of that one address.
pub fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| format!("`{text}` is not an IP address or a CIDR block"))?;
    let bits = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => bits,
        Some(p) => p
            .parse::<u8>()
            .ok()
            .filter(|&p| p <= bits)
            .ok_or_else(|| format!("`{text}`: the prefix length must be 0 to {bits}"))?,
    };
    // Clients are compared in their canonical form, so an IPv4-mapped block (`::ffff:10.0.0.0/104`)
    // is kept as the IPv4 block it names.
    let net = match (addr, addr.to_canonical()) {
        (IpAddr::V6(_), IpAddr::V4(v4)) if prefix >= 96 => IpNet::new(IpAddr::V4(v4), prefix - 96),
        _ => IpNet::new(addr, prefix),
    };
    net.map_err(|_| format!("`{text}`: the prefix length must be 0 to {bits}"))
}

/// The default of each value, written once: the flags and the `Default` of each group read
/// the same values.
pub mod defaults {
    pub const MAX_DEPTH: usize = 10;
    pub const MAX_COMPLEXITY: usize = 5000;
    pub const MAX_ALIASES: usize = 30;
    pub const MAX_ROOT_FIELDS: usize = 20;
    pub const MAX_BODY_BYTES: usize = 64 * 1024;
    pub const MAX_BODY_BYTES_AUTHENTICATED: usize = 4 * 1024 * 1024;
    pub const REQUEST_TIMEOUT_SECS: u64 = 10;
    pub const AUTH_FAILURES_PER_MINUTE: u64 = 10;
    pub const RATE_LIMIT_BURST: u64 = 20_000;
    pub const RATE_LIMIT_PER_SECOND: u64 = 2_000;
    pub const RESPONSE_CACHE_ENTRIES: usize = 1000;
    pub const RESPONSE_CACHE_BYTES: usize = 256 * 1024 * 1024;
    pub const RESPONSE_CACHE_POLL_MS: u64 = 1000;
    pub const PERSISTED_QUERIES: usize = 1000;
    pub const HEADER_READ_TIMEOUT_SECS: u64 = 30;
    pub const BODY_READ_TIMEOUT_SECS: u64 = 30;
    pub const WRITE_TIMEOUT_SECS: u64 = 30;
    pub const MAX_CONNECTIONS: usize = 10_000;
    pub const MAX_CONNECTIONS_PER_CLIENT: usize = 256;
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            max_depth: defaults::MAX_DEPTH,
            max_complexity: defaults::MAX_COMPLEXITY,
            max_aliases: defaults::MAX_ALIASES,
            max_root_fields: defaults::MAX_ROOT_FIELDS,
            request_timeout_secs: defaults::REQUEST_TIMEOUT_SECS,
            safelist: None,
            persisted_queries: defaults::PERSISTED_QUERIES,
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            rate_limit_burst: defaults::RATE_LIMIT_BURST,
            rate_limit_per_second: defaults::RATE_LIMIT_PER_SECOND,
            auth_failures_per_minute: defaults::AUTH_FAILURES_PER_MINUTE,
        }
    }
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_body_bytes: defaults::MAX_BODY_BYTES,
            max_body_bytes_authenticated: defaults::MAX_BODY_BYTES_AUTHENTICATED,
            header_read_timeout_secs: defaults::HEADER_READ_TIMEOUT_SECS,
            body_read_timeout_secs: defaults::BODY_READ_TIMEOUT_SECS,
            write_timeout_secs: defaults::WRITE_TIMEOUT_SECS,
            max_connections: defaults::MAX_CONNECTIONS,
            max_connections_per_client: defaults::MAX_CONNECTIONS_PER_CLIENT,
            cors_origins: Vec::new(),
            trusted_proxies: Vec::new(),
        }
    }
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            response_cache_entries: defaults::RESPONSE_CACHE_ENTRIES,
            response_cache_bytes: defaults::RESPONSE_CACHE_BYTES,
            response_cache_poll_ms: defaults::RESPONSE_CACHE_POLL_MS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{CorsOrigin, parse_origin};

    #[test]
    fn origins_are_taken_only_in_the_form_browsers_send() {
        let exact = |s: &str| Ok(CorsOrigin::Exact(s.to_owned()));
        assert_eq!(parse_origin("*"), Ok(CorsOrigin::Any));
        assert_eq!(
            parse_origin(" https://kyodo.example.jp "),
            exact("https://kyodo.example.jp")
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:3000"),
            exact("http://127.0.0.1:3000")
        );
        // Each of these would never equal an `Origin` header; the message gives the form that
        // would.
        for (given, hint) in [
            (
                "https://kyodo.example.jp/",
                "write `https://kyodo.example.jp`",
            ),
            (
                "https://kyodo.example.jp/portal",
                "write `https://kyodo.example.jp`",
            ),
            (
                "https://KYODO.example.jp",
                "write `https://kyodo.example.jp`",
            ),
            (
                "https://kyodo.example.jp:443",
                "write `https://kyodo.example.jp`",
            ),
            ("kyodo.example.jp", "is not an origin"),
            ("ftp://kyodo.example.jp", "not an http or https origin"),
            ("", "is not an origin"),
        ] {
            let e = parse_origin(given).expect_err(given);
            assert!(e.contains(hint), "{given}: {e}");
        }
    }
}
