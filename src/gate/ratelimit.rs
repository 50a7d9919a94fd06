//! Rate limiting of anonymous clients by the cost of what they ask, not the number of
//! requests: a page of one city costs little, a nationwide comparison a lot. Each client (by
//! IP address, see [`client_of`]) has a bucket of cost units that refills at a steady rate; an
//! operation whose complexity the bucket cannot cover is refused before it executes, with HTTP
//! 429 and `Retry-After`. The same buckets, counted in failures, bound how often a client may
//! present a bad token.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ipnet::IpNet;

/// Who is asking, put into each request by the HTTP layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientKey(pub Option<IpAddr>);

/// Whether `ip` lies in one of the `trusted` blocks. An IPv4 client reaching an IPv6 socket
/// arrives as `::ffff:a.b.c.d`; it is compared as the IPv4 address it is.
pub fn is_trusted(trusted: &[IpNet], ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    trusted.iter().any(|n| n.contains(&ip))
}

/// The client behind a request. Without trusted proxies it is the peer. When the peer is a
/// trusted proxy (a federation gateway, a load balancer), `X-Forwarded-For` is read from the
/// right, each hop appended by a proxy nearer to us, and the first address that is not a
/// trusted proxy is the client; what lies left of it was written by the client and could be
/// anything, so it is never believed. Otherwise every user behind a gateway would share the
/// gateway's budget, and a client could not escape its own by sending the header.
pub fn client_of<'a>(
    peer: Option<IpAddr>,
    forwarded_for: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> ClientKey {
    let Some(mut client) = peer.map(|p| p.to_canonical()) else {
        return ClientKey(None);
    };
    let is_trusted = |ip: IpAddr| is_trusted(trusted, ip);
    if !is_trusted(client) {
        return ClientKey(Some(client));
    }
    let hops: Vec<&str> = forwarded_for.flat_map(|v| v.split(',')).collect();
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip.to_canonical();
                if !is_trusted(client) {
                    break;
                }
            }
            // A garbled hop: the last proxy we trust is as far as we can see.
            Err(_) => break,
        }
    }
    ClientKey(Some(client))
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets of all clients. Cloning shares them.
#[derive(Clone, Debug)]
pub struct CostLimiter {
    capacity: f64,
    refill_per_sec: f64,
    buckets: Arc<Mutex<HashMap<ClientKey, Bucket>>>,
}

/// Extension key of the seconds a refused client should wait.
pub const RETRY_AFTER: &str = "retryAfterSeconds";

impl CostLimiter {
    /// `None` when `refill_per_sec` is 0 (rate limiting off).
    pub fn new(capacity: u64, refill_per_sec: u64) -> Option<Self> {
        Self::with_rate(capacity as f64, refill_per_sec as f64)
    }

    /// A budget of `count` events a minute, all of which may come at once; `None` for 0.
    pub fn per_minute(count: u64) -> Option<Self> {
        Self::with_rate(count as f64, count as f64 / 60.0)
    }

    fn with_rate(capacity: f64, refill_per_sec: f64) -> Option<Self> {
        (refill_per_sec > 0.0).then(|| CostLimiter {
            capacity,
            refill_per_sec,
            buckets: Arc::default(),
        })
    }

    /// Units regained per second.
    pub fn refill_per_sec(&self) -> f64 {
        self.refill_per_sec
    }

    /// What `bucket` holds at `now`, refilled since it was last touched.
    fn level(&self, bucket: &Bucket, now: Instant) -> f64 {
        (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * self.refill_per_sec)
            .min(self.capacity)
    }

    /// Whole seconds (at least 1) until a bucket holding `tokens` holds `cost`.
    fn seconds_until(&self, tokens: f64, cost: f64) -> u64 {
        ((cost - tokens) / self.refill_per_sec).ceil().max(1.0) as u64
    }

    /// Seconds until the client's bucket holds `cost` again, or 0 if it does now; takes
    /// nothing.
    pub fn wait(&self, client: ClientKey, cost: f64) -> u64 {
        let Ok(buckets) = self.buckets.lock() else {
            return 0;
        };
        let Some(bucket) = buckets.get(&client) else {
            return 0;
        };
        let tokens = self.level(bucket, Instant::now());
        if tokens >= cost {
            0
        } else {
            self.seconds_until(tokens, cost)
        }
    }

    /// Takes `cost` from the client's bucket, or says how many seconds until it could.
    /// The most a bucket holds: an operation costing more can never be paid for.
    pub fn capacity(&self) -> f64 {
        self.capacity
    }

    pub fn take(&self, client: ClientKey, cost: f64) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        // Forget clients whose buckets have refilled, so the map stays as small as the set of
        // clients active within one refill period.
        if buckets.len() > 10_000 {
            buckets.retain(|_, b| self.level(b, now) < self.capacity);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.capacity,
            at: now,
        });
        bucket.tokens = self.level(bucket, now);
        bucket.at = now;
        if cost > self.capacity {
            // It could never pass; the complexity limit should have caught it first.
            return Err(u64::MAX);
        }
        if bucket.tokens >= cost {
            bucket.tokens -= cost;
            Ok(())
        } else {
            Err(self.seconds_until(bucket.tokens, cost))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_drain_refill_and_are_per_client() {
        let limiter = CostLimiter::new(100, 50).expect("on");
        let a = ClientKey(Some("10.0.0.1".parse().expect("ip")));
        let b = ClientKey(Some("10.0.0.2".parse().expect("ip")));
        assert_eq!(limiter.take(a, 80.0), Ok(()));
        let wait = limiter.take(a, 80.0).expect_err("drained");
        assert!((1..=2).contains(&wait), "{wait}");
        assert_eq!(limiter.take(b, 80.0), Ok(()));
        assert!(CostLimiter::new(100, 0).is_none());
    }

    #[test]
    fn a_minute_budget_is_spent_and_waited_for() {
        let limiter = CostLimiter::per_minute(2).expect("on");
        let a = ClientKey(Some("10.0.0.1".parse().expect("ip")));
        assert_eq!(limiter.wait(a, 1.0), 0);
        assert_eq!(limiter.take(a, 1.0), Ok(()));
        assert_eq!(limiter.take(a, 1.0), Ok(()));
        // Two a minute: one comes back every 30 s.
        assert!((29..=30).contains(&limiter.wait(a, 1.0)));
        assert!(limiter.take(a, 1.0).is_err());
        assert!(CostLimiter::per_minute(0).is_none());
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter()
            .map(|n| crate::config::parse_network(n).expect("network"))
            .collect()
    }

    #[test]
    fn networks_parse_and_contain() {
        let net = |s: &str| nets(&[s]);
        let n = net("10.1.0.0/16");
        assert!(is_trusted(&n, ip("10.1.255.3")));
        assert!(!is_trusted(&n, ip("10.2.0.1")));
        assert!(is_trusted(&n, ip("::ffff:10.1.0.9")), "v4-mapped v6");
        assert!(!is_trusted(&n, ip("fd00::1")));
        let all = net("0.0.0.0/0");
        assert!(is_trusted(&all, ip("192.0.2.1")));
        let v6 = net("fd00::/8");
        assert!(is_trusted(&v6, ip("fd12::1")) && !is_trusted(&v6, ip("fe80::1")));
        assert!(is_trusted(&net("::1"), ip("::1")));
        for bad in [
            "10.0.0.0/33",
            "fd00::/129",
            "gateway",
            "10.0.0/8",
            "10.0.0.0/x",
        ] {
            assert!(crate::config::parse_network(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = nets(&["10.0.0.0/8"]);
        /// Why, the peer, its `X-Forwarded-For` headers, the proxies trusted, the client.
        type Case<'a> = (&'a str, &'a str, &'a [&'a str], &'a [IpNet], &'a str);
        let cases: [Case<'_>; 6] = [
            (
                "no trusted proxies",
                "192.0.2.7",
                &["198.51.100.1"],
                &[],
                "192.0.2.7",
            ),
            (
                "an untrusted peer",
                "192.0.2.7",
                &["198.51.100.1"],
                &trusted,
                "192.0.2.7",
            ),
            (
                "two trusted hops, then the nearest untrusted address",
                "10.0.0.2",
                &["1.2.3.4, 198.51.100.1", "10.0.0.1"],
                &trusted,
                "198.51.100.1",
            ),
            (
                "a trusted peer without the header",
                "10.0.0.2",
                &[],
                &trusted,
                "10.0.0.2",
            ),
            (
                "only trusted hops",
                "10.0.0.2",
                &["10.0.0.9"],
                &trusted,
                "10.0.0.9",
            ),
            (
                "a garbled hop stops the walk",
                "10.0.0.2",
                &["198.51.100.1, unknown"],
                &trusted,
                "10.0.0.2",
            ),
        ];
        for (why, peer, headers, proxies, client) in cases {
            assert_eq!(
                client_of(Some(ip(peer)), headers.iter().copied(), proxies),
                ClientKey(Some(ip(client))),
                "{why}"
            );
        }
    }
}
