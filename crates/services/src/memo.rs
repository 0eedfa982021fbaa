//! Small caches of values read from the database, for what every page reads again and again: who
//! the caller is, and the figures of a place. A value is kept while no write transaction of this
//! process has committed since it was read ([`data_epoch`]) and for at most `ttl` (so that a
//! change made by another process, such as a command run beside the server, is seen within it).
//! Concurrent requests for the same missing value wait for one read of it. Nothing is kept
//! across a restart, and nothing is written.

use jinguo_storage::db::data_epoch;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

struct Entry<T> {
    epoch: u64,
    at: Instant,
    cell: Arc<OnceCell<Arc<T>>>,
}

/// One cache of values of one kind, by key.
pub struct Memo<T> {
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<String, Entry<T>>>,
}

impl<T> std::fmt::Debug for Memo<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo")
            .field("ttl", &self.ttl)
            .field("max_entries", &self.max_entries)
            .finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static> Memo<T> {
    /// A cache keeping each value at most `ttl` (zero: nothing is kept) and at most
    /// `max_entries` values.
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            ttl,
            max_entries,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value under `key`: the kept one while it is fresh, otherwise what `read` returns
    /// (kept when it is `Ok`; an error is never kept).
    pub async fn get<E, F, Fut>(&self, key: &str, read: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if self.ttl.is_zero() {
            return read().await.map(Arc::new);
        }
        // Taken before the read: a write committed while the value is being read moves the
        // epoch on, and the value is not used after this request.
        let epoch = data_epoch();
        let cell = {
            let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let fresh = |e: &Entry<T>| e.epoch == epoch && now.duration_since(e.at) < self.ttl;
            match map.get(key) {
                Some(e) if fresh(e) => e.cell.clone(),
                _ => {
                    if map.len() >= self.max_entries {
                        map.retain(|_, e| fresh(e));
                        if map.len() >= self.max_entries {
                            map.clear();
                        }
                    }
                    let cell = Arc::new(OnceCell::new());
                    map.insert(
                        key.to_string(),
                        Entry {
                            epoch,
                            at: now,
                            cell: cell.clone(),
                        },
                    );
                    cell
                }
            }
        };
        let v = cell
            .get_or_try_init(|| async { read().await.map(Arc::new) })
            .await?;
        Ok(v.clone())
    }

    /// Drops the value under `key`, so that the next request reads it again.
    pub fn forget(&self, key: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_value_is_read_once_while_fresh_and_again_after_a_commit() {
        let memo: Memo<usize> = Memo::new(Duration::from_secs(60), 8);
        let reads = AtomicUsize::new(0);
        let read = || async { Ok::<_, ()>(reads.fetch_add(1, Ordering::SeqCst) + 1) };
        assert_eq!(*memo.get("k", read).await.unwrap_or_default(), 1);
        assert_eq!(*memo.get("k", read).await.unwrap_or_default(), 1);
        jinguo_storage::db::committed(false);
        assert_eq!(*memo.get("k", read).await.unwrap_or_default(), 1);
        jinguo_storage::db::committed(true);
        assert_eq!(*memo.get("k", read).await.unwrap_or_default(), 2);
        memo.forget("k");
        assert_eq!(*memo.get("k", read).await.unwrap_or_default(), 3);
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn errors_are_not_kept_and_a_zero_ttl_keeps_nothing() {
        let memo: Memo<u8> = Memo::new(Duration::from_secs(60), 8);
        assert_eq!(
            memo.get("k", || async { Err::<u8, _>("down") }).await.err(),
            Some("down")
        );
        assert_eq!(
            *memo
                .get("k", || async { Ok::<_, &str>(7) })
                .await
                .unwrap_or_default(),
            7
        );
        let none: Memo<u8> = Memo::new(Duration::ZERO, 8);
        assert_eq!(
            *none
                .get("k", || async { Ok::<_, ()>(1) })
                .await
                .unwrap_or_default(),
            1
        );
        assert_eq!(
            *none
                .get("k", || async { Ok::<_, ()>(2) })
                .await
                .unwrap_or_default(),
            2
        );
    }

    #[tokio::test]
    async fn a_full_cache_makes_room() {
        let memo: Memo<usize> = Memo::new(Duration::from_secs(60), 4);
        for i in 0..10 {
            let key = format!("k{i}");
            assert_eq!(
                *memo
                    .get(&key, || async { Ok::<_, ()>(i) })
                    .await
                    .unwrap_or_default(),
                i
            );
        }
        let len = memo.entries.lock().map(|m| m.len()).unwrap_or(usize::MAX);
        assert!(len <= 4, "{len} entries kept");
    }
}
