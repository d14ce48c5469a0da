use std::collections::{btree_map, BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock, Weak};
use std::thread;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};

use crate::entry::{expired, now_ms, Claim, Entry};
use crate::query::{rank_range, within, Bounds};
use crate::txn::{pick_index, Changes, Clock, Staging, View};
use crate::{validate_key, AtomicStep, ClaimCounts, Query, Store, StoreError, Value, WriteHandle};

/// How often the background sweeper frees expired entries.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// How many expired entries a write frees on its way, so a store that is written to keeps
/// its expired entries few even between sweeps, at a bounded cost per write.
const SWEEP_ON_WRITE: usize = 16;

/// A process-local store: a `BTreeMap`, whose `String` order is the UTF-8 byte order `list`
/// promises. Random picks need the n-th key, which a `BTreeMap` cannot find without a walk,
/// so the first pick builds an order-statistic index of the keys (`indexset`), which writes
/// then keep in step. The index is not the map itself because its lookups cost about twice
/// a `BTreeMap`'s, and `get` is the hot path; stores that never pick never pay for it.
/// Writes complete immediately.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Arc<RwLock<Inner>>,
    sweeper: OnceLock<()>,
}

#[derive(Debug, Default)]
struct Inner {
    map: BTreeMap<String, Slot>,
    /// Every key of `map`, for random picks: built by the first pick, then kept in step by
    /// every write (under the write lock, so a mutex nobody contends).
    keys: Mutex<Option<indexset::BTreeSet<String>>>,
    /// Entries with an expiry, soonest first: what the sweeper frees, and what `size` and
    /// `count` subtract until it has.
    expiry: BTreeSet<(u64, String)>,
    claims: HashMap<String, Claim>,
    /// The versionstamp of the latest write.
    version: u64,
}

#[derive(Debug, Clone)]
struct Slot {
    value: Value,
    versionstamp: u64,
    /// `0`: never.
    expires_at: u64,
}

impl Slot {
    fn live(&self, now: impl FnOnce() -> u64) -> bool {
        self.expires_at == 0 || !expired(self.expires_at, now())
    }

    fn entry(&self) -> Entry {
        Entry {
            value: self.value.clone(),
            versionstamp: self.versionstamp,
            expires_at: (self.expires_at != 0).then_some(self.expires_at),
        }
    }
}

impl MemoryStore {
    /// An empty store of its own, not the process's shared one ([`open_memory_shared`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// The live entries `query` selects, each made into a `T` by `make`.
    fn read_range<T>(
        &self,
        query: &Query<'_>,
        make: impl Fn(&String, &Slot) -> T,
    ) -> Result<Vec<T>, StoreError> {
        query.check()?;
        let Some(bounds) = query.bounds() else {
            return Ok(Vec::new());
        };
        let inner = self.inner.read();
        let now = if inner.expiry.is_empty() { 0 } else { now_ms() };
        let range = inner.map.range::<String, _>(bounds);
        let live = |(_, slot): &(&String, &Slot)| slot.live(|| now);
        let entry = |(key, slot): (&String, &Slot)| make(key, slot);
        Ok(if query.reverse {
            range
                .rev()
                .filter(live)
                .take(query.limit())
                .map(entry)
                .collect()
        } else {
            range.filter(live).take(query.limit()).map(entry).collect()
        })
    }

    /// Frees expired entries in the background from the first write with an expiry on; the
    /// thread ends with the store.
    fn start_sweeper(&self) {
        self.sweeper.get_or_init(|| {
            let inner = Arc::downgrade(&self.inner);
            // Without the thread, expired entries are still invisible and writes still free
            // them; only memory would be reclaimed later.
            let _ = thread::Builder::new()
                .name("rk6-kv-sweeper".into())
                .spawn(move || sweep_forever(&inner));
        });
    }
}

fn sweep_forever(inner: &Weak<RwLock<Inner>>) {
    loop {
        thread::sleep(SWEEP_EVERY);
        let Some(inner) = inner.upgrade() else { return };
        let now = now_ms();
        // Check under the read lock first, so an idle sweeper never blocks readers.
        if inner.read().has_expired(now) {
            inner.write().sweep(now, usize::MAX);
        }
    }
}

/// The one memory store of this process, so that every VU of a run sees the same data.
pub fn open_memory_shared() -> Arc<MemoryStore> {
    static SHARED: OnceLock<Arc<MemoryStore>> = OnceLock::new();
    SHARED.get_or_init(|| Arc::new(MemoryStore::new())).clone()
}

impl Inner {
    fn live(&self, key: &str) -> Option<&Slot> {
        self.map.get(key).filter(|slot| slot.live(now_ms))
    }

    fn has_expired(&self, now: u64) -> bool {
        self.expiry.first().is_some_and(|(at, _)| *at <= now)
    }

    /// Frees up to `max` expired entries.
    fn sweep(&mut self, now: u64, max: usize) {
        for _ in 0..max {
            match self.expiry.first() {
                Some((at, _)) if *at <= now => {}
                _ => return,
            }
            let Some((at, key)) = self.expiry.pop_first() else {
                return;
            };
            if self.map.get(&key).is_some_and(|slot| slot.expires_at == at) {
                self.unlink(&key);
            }
        }
    }

    fn sweep_a_little(&mut self) {
        if !self.expiry.is_empty() {
            let now = now_ms();
            self.sweep(now, SWEEP_ON_WRITE);
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(old) = self.unlink(key) {
            if old.expires_at != 0 {
                self.expiry.remove(&(old.expires_at, key.to_owned()));
            }
        }
    }

    /// Removes `key` from the map, its claim and the key index (not the expiry index).
    fn unlink(&mut self, key: &str) -> Option<Slot> {
        let old = self.map.remove(key);
        if old.is_some() {
            if let Some(keys) = self.keys.get_mut() {
                keys.remove(key);
            }
        }
        self.claims.remove(key);
        old
    }

    fn apply(&mut self, changes: Changes, versionstamp: u64) {
        for (key, write) in changes.writes {
            match write {
                Some((value, expires_at)) => self.put_owned(key, value, expires_at, versionstamp),
                None => self.remove(&key),
            }
        }
        for (key, claim) in changes.claims {
            match claim {
                Some(claim) => {
                    self.claims.insert(key, claim);
                }
                None => {
                    self.claims.remove(&key);
                }
            }
        }
    }

    /// Stores an entry, keeping the expiry and key indexes in step with it.
    fn put_owned(&mut self, key: String, value: Value, expires_at: u64, versionstamp: u64) {
        let slot = Slot {
            value,
            versionstamp,
            expires_at,
        };
        match self.map.entry(key) {
            btree_map::Entry::Occupied(mut entry) => {
                let old_expiry = entry.get().expires_at;
                if old_expiry != expires_at {
                    if old_expiry != 0 {
                        self.expiry.remove(&(old_expiry, entry.key().clone()));
                    }
                    if expires_at != 0 {
                        self.expiry.insert((expires_at, entry.key().clone()));
                    }
                }
                entry.insert(slot);
            }
            btree_map::Entry::Vacant(entry) => {
                if expires_at != 0 {
                    self.expiry.insert((expires_at, entry.key().clone()));
                }
                if let Some(keys) = self.keys.get_mut() {
                    keys.insert(entry.key().clone());
                }
                entry.insert(slot);
            }
        }
    }

    /// How many keys lie within `bounds`: by rank when the key index exists, else by a walk.
    fn count_within(&self, bounds: Bounds) -> usize {
        if let Some(keys) = self.keys.lock().as_ref() {
            let (lo, hi) = rank_range(&bounds, keys.len(), |k| keys.rank(k), |k| keys.contains(k));
            return hi - lo;
        }
        self.map.range::<String, _>(bounds).count()
    }

    /// Expired entries not yet swept whose key is within `bounds`.
    fn expired_within(&self, bounds: &Bounds, now: u64) -> usize {
        self.expiry
            .iter()
            .take_while(|(at, _)| *at <= now)
            .filter(|(at, key)| {
                within(bounds, key) && self.map.get(key).is_some_and(|s| s.expires_at == *at)
            })
            .count()
    }

    fn pick(&self, prefix: &str, now: u64, skip: &dyn Fn(&str) -> bool) -> Option<String> {
        let bounds = Query {
            prefix,
            ..Default::default()
        }
        .bounds()?;
        let mut keys = self.keys.lock();
        let keys = keys.get_or_insert_with(|| self.map.keys().cloned().collect());
        let (lo, hi) = rank_range(&bounds, keys.len(), |k| keys.rank(k), |k| keys.contains(k));
        let chosen = pick_index(lo, hi, |i| {
            Ok(keys.get_index(i).is_some_and(|key| {
                self.map.get(key).is_some_and(|slot| slot.live(|| now))
                    && !self.claims.get(key).is_some_and(|c| c.live(now))
                    && !skip(key)
            }))
        });
        let i = chosen.ok()??;
        keys.get_index(i).cloned()
    }
}

/// An atomic step's view of the map, under the write lock.
struct StepView<'a>(&'a Inner);

impl View for StepView<'_> {
    fn entry(&mut self, key: &str, now: &Clock) -> Result<Option<Entry>, StoreError> {
        Ok(self
            .0
            .map
            .get(key)
            .filter(|slot| slot.live(|| now.get()))
            .map(Slot::entry))
    }

    fn claim(&mut self, key: &str) -> Result<Option<Claim>, StoreError> {
        Ok(self.0.claims.get(key).cloned())
    }

    fn pick(
        &mut self,
        prefix: &str,
        now: u64,
        skip: &dyn Fn(&str) -> bool,
    ) -> Result<Option<String>, StoreError> {
        Ok(self.0.pick(prefix, now, skip))
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Value>, StoreError> {
        validate_key(key)?;
        Ok(self.inner.read().live(key).map(|slot| slot.value.clone()))
    }

    fn get_with(&self, key: &str, f: &mut dyn FnMut(Option<&[u8]>)) -> Result<(), StoreError> {
        validate_key(key)?;
        f(self
            .inner
            .read()
            .live(key)
            .map(|slot| slot.value.as_slice()));
        Ok(())
    }

    fn entry(&self, key: &str) -> Result<Option<Entry>, StoreError> {
        validate_key(key)?;
        Ok(self.inner.read().live(key).map(Slot::entry))
    }

    fn exists(&self, key: &str) -> Result<bool, StoreError> {
        validate_key(key)?;
        Ok(self.inner.read().live(key).is_some())
    }

    fn query(&self, query: &Query<'_>) -> Result<Vec<(String, Value)>, StoreError> {
        self.read_range(query, |key, slot| (key.clone(), slot.value.clone()))
    }

    fn query_entries(&self, query: &Query<'_>) -> Result<Vec<(String, Entry)>, StoreError> {
        self.read_range(query, |key, slot| (key.clone(), slot.entry()))
    }

    fn count(&self, prefix: &str) -> Result<u64, StoreError> {
        let Some(bounds) = (Query {
            prefix,
            ..Default::default()
        })
        .bounds() else {
            return Ok(0);
        };
        let inner = self.inner.read();
        let expired = if inner.expiry.is_empty() {
            0
        } else {
            inner.expired_within(&bounds, now_ms())
        };
        let total = if prefix.is_empty() {
            inner.map.len()
        } else {
            inner.count_within(bounds)
        };
        Ok((total - expired) as u64)
    }

    fn size(&self) -> Result<u64, StoreError> {
        self.count("")
    }

    fn put(&self, key: &str, value: Value, expires_at: Option<u64>) -> WriteHandle {
        if let Err(e) = validate_key(key) {
            return WriteHandle::ready(Err(e));
        }
        let expires_at = expires_at.unwrap_or(0);
        {
            let mut inner = self.inner.write();
            inner.sweep_a_little();
            inner.version += 1;
            let version = inner.version;
            inner.put_owned(key.to_owned(), value, expires_at, version);
        }
        if expires_at != 0 {
            self.start_sweeper();
        }
        WriteHandle::ready(Ok(()))
    }

    fn delete(&self, key: &str) -> WriteHandle {
        WriteHandle::ready(validate_key(key).map(|()| {
            let mut inner = self.inner.write();
            inner.sweep_a_little();
            inner.version += 1;
            inner.remove(key);
        }))
    }

    fn clear(&self) -> WriteHandle {
        // Swap under the lock, free outside it: dropping a large map can take a while.
        let old = {
            let mut inner = self.inner.write();
            let version = inner.version + 1;
            std::mem::replace(
                &mut *inner,
                Inner {
                    version,
                    ..Inner::default()
                },
            )
        };
        drop(old);
        WriteHandle::ready(Ok(()))
    }

    fn atomic(&self, mut step: AtomicStep) -> WriteHandle {
        let mut inner = self.inner.write();
        inner.sweep_a_little();
        let version = inner.version + 1;
        let mut staging = Staging::new(StepView(&inner), version, Clock::lazy());
        let result = step(&mut staging);
        let changes = staging.into_changes();
        let mut expiring = false;
        if result.is_ok() && !changes.is_empty() {
            expiring = changes
                .writes
                .values()
                .any(|write| matches!(write, Some((_, at)) if *at != 0));
            inner.version = version;
            inner.apply(changes, version);
        }
        drop(inner);
        if expiring {
            self.start_sweeper();
        }
        WriteHandle::ready(result)
    }

    fn swap_if_now(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &mut Value,
    ) -> Option<Result<bool, StoreError>> {
        if let Err(e) = validate_key(key) {
            return Some(Err(e));
        }
        let mut inner = self.inner.write();
        inner.sweep_a_little();
        let current = inner.live(key);
        if current.map(|slot| slot.value.as_slice()) != expected {
            return Some(Ok(false));
        }
        // As a plain set would: the swapped-in value has no expiry.
        inner.version += 1;
        let version = inner.version;
        inner.put_owned(key.to_owned(), std::mem::take(new), 0, version);
        Some(Ok(true))
    }

    fn random_key(&self, prefix: &str) -> Result<Option<String>, StoreError> {
        Ok(self.inner.read().pick(prefix, now_ms(), &|_| false))
    }

    fn claim_counts(&self) -> Result<ClaimCounts, StoreError> {
        let inner = self.inner.read();
        let now = now_ms();
        let live = inner.claims.values().filter(|c| c.live(now)).count() as u64;
        Ok(ClaimCounts {
            live,
            expired: inner.claims.len() as u64 - live,
        })
    }

    fn backend_name(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_entries_are_freed_in_the_background() {
        let store = MemoryStore::new();
        let soon = now_ms() + 100;
        for i in 0..100 {
            store
                .put(&format!("k{i}"), b"v".to_vec(), Some(soon))
                .wait()
                .unwrap();
        }
        store.set("kept", b"v".to_vec()).wait().unwrap();
        assert_eq!(store.inner.read().map.len(), 101);
        // No more writes: only the sweeper thread can free them.
        thread::sleep(Duration::from_millis(1500));
        let inner = store.inner.read();
        assert_eq!((inner.map.len(), inner.expiry.len()), (1, 0));
    }

    #[test]
    fn shared_store_is_one_instance() {
        assert!(Arc::ptr_eq(&open_memory_shared(), &open_memory_shared()));
    }
}
