//! Answers to public queries, kept until the dataset changes. Portals send the same few
//! operations over and over, and the data changes a few times a day; without a cache every
//! request pays for the same SQL and the same resolution again.
//!
//! What is cached: the body of a successful query without a token (a token's answers, such as
//! its audit trail, are its own). What empties it: every write in this process at once (after
//! the commit), and a write by another process sharing the database within `poll` (each
//! transaction that changes data raises `data_generation`, which a background task reads).
//! A request that started before a change never stores its answer after it: each store checks
//! the epoch it started in.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

struct Entries {
    epoch: u64,
    bytes: usize,
    map: HashMap<String, Bytes>,
}

pub struct ResponseCache {
    max_entries: usize,
    max_bytes: usize,
    entries: Mutex<Entries>,
    /// The last `data_generation` seen in the database.
    generation: AtomicU64,
    hits: AtomicU64,
}

impl ResponseCache {
    /// A cache of at most `max_entries` answers and `max_bytes` in all; 0 entries turns it off.
    pub fn new(max_entries: usize, max_bytes: usize) -> ResponseCache {
        ResponseCache {
            max_entries,
            max_bytes,
            entries: Mutex::new(Entries {
                epoch: 0,
                bytes: 0,
                map: HashMap::new(),
            }),
            generation: AtomicU64::new(0),
            hits: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.max_entries > 0
    }

    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// The epoch a request starts in; its answer is stored only if no change came in between.
    pub fn epoch(&self) -> u64 {
        self.entries.lock().map(|e| e.epoch).unwrap_or(u64::MAX)
    }

    pub fn get(&self, key: &str) -> Option<Bytes> {
        let found = self.entries.lock().ok()?.map.get(key).cloned();
        if found.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    pub fn put(&self, key: String, epoch: u64, body: Bytes) {
        if !self.enabled() || body.len() > self.max_bytes {
            return;
        }
        let Ok(mut e) = self.entries.lock() else {
            return;
        };
        if e.epoch != epoch {
            return;
        }
        // Past either bound the cache starts again: simpler than LRU, and the next requests
        // refill it with what portals actually ask.
        if e.map.len() >= self.max_entries || e.bytes + body.len() > self.max_bytes {
            e.map.clear();
            e.bytes = 0;
        }
        e.bytes += body.len();
        if let Some(old) = e.map.insert(key, body) {
            e.bytes -= old.len();
        }
    }

    /// Forgets every answer; requests under way will not store theirs.
    pub fn clear(&self) {
        if let Ok(mut e) = self.entries.lock() {
            e.epoch += 1;
            e.map.clear();
            e.bytes = 0;
        }
    }

    /// Reads the database's generation and forgets every answer if it moved since last time.
    pub async fn check(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        if !self.enabled() {
            return Ok(());
        }
        self.observe(crate::db::read_generation(db).await?);
        Ok(())
    }

    /// Forgets every answer if the database's generation `now` moved since last time.
    pub fn observe(&self, now: u64) {
        if self.enabled() && self.generation.swap(now, Ordering::Relaxed) != now {
            self.clear();
        }
    }
}

/// Raises the generation, inside the transaction that changes the data.
pub async fn bump_generation(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        "UPDATE data_generation SET generation = generation + 1 WHERE id = 1",
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_started_before_a_change_is_not_kept() {
        let cache = ResponseCache::new(10, 1000);
        let before = cache.epoch();
        cache.clear();
        cache.put("q".into(), before, Bytes::from_static(b"old"));
        assert!(cache.get("q").is_none());
        cache.put("q".into(), cache.epoch(), Bytes::from_static(b"new"));
        assert_eq!(cache.get("q").as_deref(), Some(&b"new"[..]));
    }

    #[test]
    fn the_cache_stays_within_its_bounds() {
        let cache = ResponseCache::new(2, 10);
        let epoch = cache.epoch();
        cache.put("a".into(), epoch, Bytes::from(vec![0; 4]));
        cache.put("b".into(), epoch, Bytes::from(vec![0; 4]));
        cache.put("c".into(), epoch, Bytes::from(vec![0; 4]));
        assert!(cache.get("a").is_none() && cache.get("c").is_some());
        cache.put("big".into(), epoch, Bytes::from(vec![0; 11]));
        assert!(cache.get("big").is_none());
    }
}
