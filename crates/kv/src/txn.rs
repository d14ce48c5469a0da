//! Atomic read-modify-write steps ([`Store::atomic`](crate::Store::atomic)): the building
//! block of compare-and-swap, counters, work queues and multi-key commits — every operation
//! that must read and write with nothing in between.
//!
//! A step sees the store through a [`Txn`] whose writes are staged: they reach the store
//! together when the step returns `Ok`, and not at all when it returns an error, so a step
//! that gives up half way leaves nothing behind.

use std::collections::BTreeMap;

use crate::entry::{Claim, Entry};
use crate::{validate_key, StoreError, Value};

/// The store as an atomic step sees it: reads include the step's own staged writes, and
/// expired entries are absent.
pub trait Txn {
    /// The entry under `key`, if any.
    fn entry(&mut self, key: &str) -> Result<Option<Entry>, StoreError>;

    /// The value under `key`, if any.
    fn get(&mut self, key: &str) -> Result<Option<Value>, StoreError> {
        Ok(self.entry(key)?.map(|entry| entry.value))
    }

    /// Stores `value` under `key` when the step succeeds.
    fn put(&mut self, key: &str, value: Value) -> Result<(), StoreError> {
        self.put_expiring(key, value, None)
    }

    /// Stores `value` under `key`, visible until `expires_at` (ms since the Unix epoch).
    fn put_expiring(
        &mut self,
        key: &str,
        value: Value,
        expires_at: Option<u64>,
    ) -> Result<(), StoreError>;

    /// Removes `key` (and any claim on it) when the step succeeds.
    fn delete(&mut self, key: &str) -> Result<(), StoreError>;

    /// A key starting with `prefix`, chosen uniformly at random among the live entries that
    /// no live claim holds; `None` when there is none. Picks see the store as the step
    /// found it, less the keys it deleted or claimed itself.
    fn pick(&mut self, prefix: &str) -> Result<Option<String>, StoreError>;

    /// The claim recorded on `key`, live or expired.
    fn claim(&mut self, key: &str) -> Result<Option<Claim>, StoreError>;

    /// Records (`Some`) or removes (`None`) the claim on `key` when the step succeeds.
    fn set_claim(&mut self, key: &str, claim: Option<Claim>) -> Result<(), StoreError>;

    /// The versionstamp this step's writes will carry.
    fn versionstamp(&self) -> u64;

    /// The time (ms since the Unix epoch) the step runs at: expiries are judged against it.
    fn now(&self) -> u64;
}

/// One atomic step. It may run more than once (a disk commit that must be retried runs it
/// again from scratch, in a new transaction), so it keeps any result it hands out by
/// overwriting, never by appending.
pub type AtomicStep = Box<dyn FnMut(&mut dyn Txn) -> Result<(), StoreError> + Send>;

/// A backend's committed state, as a step's [`Staging`] reads it.
pub(crate) trait View {
    /// The live entry under `key` (expired ones are absent).
    fn entry(&mut self, key: &str, now: &Clock) -> Result<Option<Entry>, StoreError>;
    fn claim(&mut self, key: &str) -> Result<Option<Claim>, StoreError>;
    /// A uniformly chosen live, unclaimed key with `prefix` for which `skip` is false.
    fn pick(
        &mut self,
        prefix: &str,
        now: u64,
        skip: &dyn Fn(&str) -> bool,
    ) -> Result<Option<String>, StoreError>;
}

/// A staged write: the value and its expiry (`0`: never), or `None` for a delete.
pub(crate) type Staged = Option<(Value, u64)>;

/// A [`Txn`] over a backend's committed state plus staged writes.
pub(crate) struct Staging<V> {
    view: V,
    writes: BTreeMap<String, Staged>,
    claims: BTreeMap<String, Option<Claim>>,
    versionstamp: u64,
    now: Clock,
}

/// The time a step runs at, read from the system clock only if something asks: most steps
/// touch no expiry and no claim, and on a virtual machine reading the clock can cost as much
/// as the rest of a memory store's compare-and-swap.
pub(crate) struct Clock(std::cell::Cell<u64>);

impl Clock {
    /// Reads the clock on first use.
    pub(crate) fn lazy() -> Clock {
        Clock(std::cell::Cell::new(0))
    }

    pub(crate) fn at(now: u64) -> Clock {
        Clock(std::cell::Cell::new(now))
    }

    pub(crate) fn get(&self) -> u64 {
        let mut now = self.0.get();
        if now == 0 {
            now = crate::entry::now_ms();
            self.0.set(now);
        }
        now
    }
}

/// What a successful step leaves to apply: its writes and its claim changes, in key order.
pub(crate) struct Changes {
    pub writes: BTreeMap<String, Staged>,
    pub claims: BTreeMap<String, Option<Claim>>,
}

impl Changes {
    pub(crate) fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.claims.is_empty()
    }
}

impl<V: View> Staging<V> {
    pub(crate) fn new(view: V, versionstamp: u64, now: Clock) -> Self {
        Self {
            view,
            writes: BTreeMap::new(),
            claims: BTreeMap::new(),
            versionstamp,
            now,
        }
    }

    pub(crate) fn into_changes(self) -> Changes {
        Changes {
            writes: self.writes,
            claims: self.claims,
        }
    }
}

impl<V: View> Txn for Staging<V> {
    fn entry(&mut self, key: &str) -> Result<Option<Entry>, StoreError> {
        validate_key(key)?;
        match self.writes.get(key) {
            Some(Some((value, expires_at))) => Ok(Some(Entry {
                value: value.clone(),
                versionstamp: self.versionstamp,
                expires_at: (*expires_at != 0).then_some(*expires_at),
            })),
            Some(None) => Ok(None),
            None => self.view.entry(key, &self.now),
        }
    }

    fn put_expiring(
        &mut self,
        key: &str,
        value: Value,
        expires_at: Option<u64>,
    ) -> Result<(), StoreError> {
        validate_key(key)?;
        self.writes
            .insert(key.to_owned(), Some((value, expires_at.unwrap_or(0))));
        Ok(())
    }

    fn delete(&mut self, key: &str) -> Result<(), StoreError> {
        validate_key(key)?;
        self.writes.insert(key.to_owned(), None);
        self.claims.insert(key.to_owned(), None);
        Ok(())
    }

    fn pick(&mut self, prefix: &str) -> Result<Option<String>, StoreError> {
        let (writes, claims, now) = (&self.writes, &self.claims, self.now.get());
        let skip = |key: &str| {
            matches!(writes.get(key), Some(None))
                || matches!(claims.get(key), Some(Some(claim)) if claim.live(now))
        };
        self.view.pick(prefix, now, &skip)
    }

    fn claim(&mut self, key: &str) -> Result<Option<Claim>, StoreError> {
        validate_key(key)?;
        match self.claims.get(key) {
            Some(staged) => Ok(staged.clone()),
            None => self.view.claim(key),
        }
    }

    fn set_claim(&mut self, key: &str, claim: Option<Claim>) -> Result<(), StoreError> {
        validate_key(key)?;
        self.claims.insert(key.to_owned(), claim);
        Ok(())
    }

    fn versionstamp(&self) -> u64 {
        self.versionstamp
    }

    fn now(&self) -> u64 {
        self.now.get()
    }
}

/// How many uniformly drawn candidates a pick tries before walking the range: enough that
/// a range with a few claimed or expired keys rarely needs the walk.
pub(crate) const PICK_TRIES: usize = 32;

/// Picks a uniformly random index in `lo..hi` whose key `ok` accepts: random draws first,
/// then, when those all missed (most of the range claimed or expired), a walk over the whole
/// range from a random start, so a pick finds an acceptable key whenever one exists.
pub(crate) fn pick_index(
    lo: usize,
    hi: usize,
    mut ok: impl FnMut(usize) -> Result<bool, StoreError>,
) -> Result<Option<usize>, StoreError> {
    if lo >= hi {
        return Ok(None);
    }
    for _ in 0..PICK_TRIES {
        let i = fastrand::usize(lo..hi);
        if ok(i)? {
            return Ok(Some(i));
        }
    }
    let start = fastrand::usize(lo..hi);
    for i in (start..hi).chain(lo..start) {
        if ok(i)? {
            return Ok(Some(i));
        }
    }
    Ok(None)
}
