//! Rate limiting of anonymous clients by the cost of what they ask, not the number of
//! requests: a page of one city costs little, a nationwide comparison a lot. Each client (by
//! IP address) has a bucket of cost units that refills at a steady rate; an operation whose
//! complexity the bucket cannot cover is refused before it executes, with HTTP 429 and
//! `Retry-After`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ServerError, ValidationResult};

use crate::limits::limit_error;

/// Who is asking, put into each request by the HTTP layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientKey(pub Option<IpAddr>);

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
        (refill_per_sec > 0).then(|| CostLimiter {
            capacity: capacity as f64,
            refill_per_sec: refill_per_sec as f64,
            buckets: Arc::default(),
        })
    }

    /// Takes `cost` from the client's bucket, or says how many seconds until it could.
    pub fn take(&self, client: ClientKey, cost: f64) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        // Forget clients whose buckets have refilled, so the map stays as small as the set of
        // clients active within one refill period.
        if buckets.len() > 10_000 {
            let (capacity, rate) = (self.capacity, self.refill_per_sec);
            buckets
                .retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < capacity);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.capacity,
            at: now,
        });
        bucket.tokens = (bucket.tokens
            + now.duration_since(bucket.at).as_secs_f64() * self.refill_per_sec)
            .min(self.capacity);
        bucket.at = now;
        if cost > self.capacity {
            // It could never pass; the complexity limit should have caught it first.
            return Err(u64::MAX);
        }
        if bucket.tokens >= cost {
            bucket.tokens -= cost;
            Ok(())
        } else {
            Err(((cost - bucket.tokens) / self.refill_per_sec)
                .ceil()
                .max(1.0) as u64)
        }
    }
}

impl ExtensionFactory for CostLimiter {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Extension for CostLimiter {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let client = ctx
            .data_opt::<ClientKey>()
            .copied()
            .unwrap_or(ClientKey(None));
        match self.take(client, result.complexity.max(1) as f64) {
            Ok(()) => Ok(result),
            Err(wait) => {
                let mut e = limit_error(format!(
                    "rate limit: this operation costs {} units and the client's budget refills at {} a second; retry in {wait} s",
                    result.complexity, self.refill_per_sec
                ));
                if let Some(ext) = e.extensions.as_mut() {
                    ext.set(RETRY_AFTER, wait);
                }
                Err(vec![e])
            }
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
}
