//! Rate limiting of clients by the cost of what they ask, not the number of requests: a page
//! of one city costs little, a nationwide comparison a lot. Each client (by IP address, see
//! [`client_of`]) has a budget of cost units that refills at a steady rate (governor's keyed
//! GCRA limiter); an operation whose complexity the budget cannot cover is refused before it
//! executes, with HTTP 429 and `Retry-After`. A smaller budget, counted in failures, bounds how
//! often a client may present a bad token.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use governor::clock::Clock as _;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
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

/// Each client's budget of cost units (GCRA, which meters like a token bucket): `burst` units
/// at most, regained at `per_second`. Cloning shares the budgets.
#[derive(Clone)]
pub struct CostLimiter {
    burst: u32,
    per_second: u32,
    limiter: Arc<DefaultKeyedRateLimiter<ClientKey>>,
    /// Budgets charged since the last sweep of refilled ones.
    charged: Arc<AtomicU32>,
}

impl std::fmt::Debug for CostLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CostLimiter")
            .field("burst", &self.burst)
            .field("per_second", &self.per_second)
            .finish_non_exhaustive()
    }
}

/// Clients remembered before those whose budgets have refilled are forgotten, so that the map
/// stays as small as the set of clients active within one refill period.
const SWEEP_ABOVE_CLIENTS: usize = 10_000;
/// Charges between two looks at the number of clients remembered (each look visits every shard
/// of the map).
const CHARGES_PER_SWEEP_CHECK: u32 = 1024;

impl CostLimiter {
    /// `None` when `per_second` is 0 (rate limiting off).
    pub fn new(burst: u64, per_second: u64) -> Option<Self> {
        let per_second = NonZeroU32::new(u32::try_from(per_second).unwrap_or(u32::MAX))?;
        let burst = u32::try_from(burst).unwrap_or(u32::MAX);
        // A budget of 0 refuses every operation (see `take`); governor needs room for one.
        let quota = Quota::per_second(per_second)
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Some(CostLimiter {
            burst,
            per_second: per_second.get(),
            limiter: Arc::new(RateLimiter::keyed(quota)),
            charged: Arc::default(),
        })
    }

    /// The most a budget holds: an operation costing more can never be paid for.
    pub fn capacity(&self) -> u64 {
        u64::from(self.burst)
    }

    /// Units regained per second.
    pub fn refill_per_sec(&self) -> u64 {
        u64::from(self.per_second)
    }

    /// Takes `cost` from the client's budget, or says how many whole seconds (at least 1)
    /// until it could.
    pub fn take(&self, client: ClientKey, cost: u64) -> Result<(), u64> {
        if self
            .charged
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(CHARGES_PER_SWEEP_CHECK)
            && self.limiter.len() > SWEEP_ABOVE_CLIENTS
        {
            self.limiter.retain_recent();
        }
        // It could never pass; the complexity limit should have caught it first.
        let too_much = Err(u64::MAX);
        let Some(n) = u32::try_from(cost).ok().and_then(NonZeroU32::new) else {
            return if cost == 0 { Ok(()) } else { too_much };
        };
        if n.get() > self.burst {
            return too_much;
        }
        match self.limiter.check_key_n(&client, n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(self.limiter.clock().now());
                Err(wait.as_secs_f64().ceil().max(1.0) as u64)
            }
            Err(_) => too_much,
        }
    }
}

/// A budget of `count` bad tokens a minute per client, all of which may come at once. Unlike
/// [`CostLimiter`] it is asked, before a token is checked, whether the client has any left
/// without spending one, which governor cannot do (a check that passes always charges).
#[derive(Clone, Debug)]
pub struct FailureBudget {
    capacity: f64,
    refill_per_sec: f64,
    buckets: Arc<Mutex<HashMap<ClientKey, Bucket>>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl FailureBudget {
    /// `None` for 0 (no limit).
    pub fn per_minute(count: u64) -> Option<Self> {
        (count > 0).then(|| FailureBudget {
            capacity: count as f64,
            refill_per_sec: count as f64 / 60.0,
            buckets: Arc::default(),
        })
    }

    /// What `bucket` holds at `now`, refilled since it was last touched.
    fn level(&self, bucket: &Bucket, now: Instant) -> f64 {
        (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * self.refill_per_sec)
            .min(self.capacity)
    }

    /// Seconds until the client may fail again, or 0 if it may now; spends nothing.
    pub fn wait(&self, client: ClientKey) -> u64 {
        let Ok(buckets) = self.buckets.lock() else {
            return 0;
        };
        let Some(bucket) = buckets.get(&client) else {
            return 0;
        };
        let tokens = self.level(bucket, Instant::now());
        if tokens >= 1.0 {
            0
        } else {
            ((1.0 - tokens) / self.refill_per_sec).ceil().max(1.0) as u64
        }
    }

    /// Records one failure of the client.
    pub fn spend(&self, client: ClientKey) {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return;
        };
        // Forget clients whose budgets have refilled, as `CostLimiter` does.
        if buckets.len() > SWEEP_ABOVE_CLIENTS {
            buckets.retain(|_, b| self.level(b, now) < self.capacity);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.capacity,
            at: now,
        });
        let level = self.level(bucket, now);
        bucket.tokens = if level >= 1.0 { level - 1.0 } else { level };
        bucket.at = now;
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
        assert_eq!(limiter.take(a, 80), Ok(()));
        let wait = limiter.take(a, 80).expect_err("drained");
        assert!((1..=2).contains(&wait), "{wait}");
        assert_eq!(limiter.take(b, 80), Ok(()));
        // More than a whole budget never passes; nor does anything with no budget at all.
        assert_eq!(limiter.take(b, 101), Err(u64::MAX));
        assert_eq!(
            CostLimiter::new(0, 50).expect("on").take(a, 1),
            Err(u64::MAX)
        );
        assert!(CostLimiter::new(100, 0).is_none());
    }

    #[test]
    fn a_minute_budget_is_spent_and_waited_for() {
        let budget = FailureBudget::per_minute(2).expect("on");
        let a = ClientKey(Some("10.0.0.1".parse().expect("ip")));
        assert_eq!(budget.wait(a), 0);
        budget.spend(a);
        assert_eq!(budget.wait(a), 0);
        budget.spend(a);
        // Two a minute: one comes back every 30 s.
        assert!((29..=30).contains(&budget.wait(a)));
        budget.spend(a);
        assert!((29..=30).contains(&budget.wait(a)));
        assert!(FailureBudget::per_minute(0).is_none());
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
