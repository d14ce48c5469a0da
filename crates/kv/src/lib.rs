//! Storage for rk6's key-value store (`k6/x/kv`), shared by all virtual users (VUs) of a
//! run. rk6 runs k6 load-test scripts; this crate is its
//! storage layer on its own, with no JavaScript dependency, usable from any Rust program.
//!
//! # The `Store` trait
//!
//! [`Store`] is what every backend offers: reads (`get`, `list`, `query`, `scan`, `count`,
//! ...) answer at once; writes (`set`, `put`, `delete`, `clear`, `atomic`) return a
//! [`WriteHandle`] that resolves once the write is committed: [`wait`](WriteHandle::wait)
//! for it from synchronous code, or `.await` it. [`AtomicOps`], implemented for every
//! `Store`, adds the atomic operations built on [`Store::atomic`]: counters, compare-and-swap,
//! multi-key commits with versionstamp checks, random picks and claims for work queues.
//! [`snapshot`] backs a store up to JSON lines and restores it, into either backend.
//!
//! # Backends
//!
//! * [`MemoryStore`]: an order-statistic B-tree behind a read-write lock: one of its own
//!   with [`MemoryStore::new`], or the process's shared one via [`open_memory_shared`].
//!   Fast, gone when the process exits; its writes are committed when they return.
//! * [`DiskStore`]: an LMDB file. Several processes may share it. Writes are durable when
//!   their [`WriteHandle`] resolves; a writer thread per store commits concurrent writes
//!   together ("group commit"), so throughput grows with the number of writers instead of
//!   being capped by one `fsync` per write.
//!
//! Both behave the same apart from durability: the same keys are refused with the same
//! [`StoreError`]s, and entries come back in the same order.
//!
//! Keys are non-empty strings of at most [`MAX_KEY_BYTES`] UTF-8 bytes, ordered by their
//! bytes. Values are opaque bytes; the caller chooses the serialization ([`value`] has the
//! JSON and string encodings rk6's scripts use). [`StoreError::name`] gives each error the
//! name a JavaScript caller sees, and its message is a sentence for the script's author.
//!
//! # Example
//!
//! ```
//! use rk6_kv::{AtomicOps, DiskStore, MemoryStore, Store, StoreError};
//!
//! // Written once against the trait, run on both backends.
//! fn visit(store: &dyn Store) -> Result<(), StoreError> {
//!     store.set("user:1", b"ada".to_vec()).wait()?;
//!     store.set("user:2", b"grace".to_vec()).wait()?;
//!     assert_eq!(store.get("user:1")?, Some(b"ada".to_vec()));
//!     assert_eq!(store.count("user:")?, 2);
//!
//!     // Atomic: no other write, from any thread or process, comes in between.
//!     assert_eq!(store.increment_by("visits", 1.0).wait()?, 1.0);
//!     assert_eq!(store.increment_by("visits", 2.0).wait()?, 3.0);
//!
//!     let keys: Vec<String> = store.list("", 0)?.into_iter().map(|(k, _)| k).collect();
//!     assert_eq!(keys, ["user:1", "user:2", "visits"]);
//!
//!     // Bad input is a named error, and changes nothing.
//!     let err = store.set("", b"x".to_vec()).wait().unwrap_err();
//!     assert_eq!(err.name(), "KeyRequiredError");
//!     Ok(())
//! }
//!
//! visit(&MemoryStore::new())?;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let disk = DiskStore::open(&dir.path().join("data.kv"))?;
//! visit(&*disk)?;
//! # Ok::<(), StoreError>(())
//! ```

#![warn(missing_docs)]

mod atomic;
mod disk;
mod entry;
mod error;
mod key;
mod memory;
mod query;
pub mod snapshot;
mod txn;
pub mod value;
mod write;

pub use atomic::{AtomicOps, Check, Mutation, Pending, NOT_A_NUMBER};
pub use disk::{
    any_store_open, check_file, take_close_failures, CheckReport, CloseFailure, DiskStore,
    Durability, DEFAULT_CLOSE_TIMEOUT, OPEN_CHECK_LIMIT,
};
pub use entry::{now_ms, parse_versionstamp, versionstamp_hex, Claim, Entry};
pub use error::StoreError;
pub use key::{validate_key, MAX_KEY_BYTES};
pub use memory::{open_memory_shared, MemoryStore};
pub use query::Query;
pub use txn::{AtomicStep, Txn};
pub use write::WriteHandle;

// The README's example runs with the doc tests, so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// A stored value: opaque bytes (for rk6, JSON text or a plain string).
pub type Value = Vec<u8>;

/// How many claims a store records ([`Store::claim_counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClaimCounts {
    /// Claims that still hold their key.
    pub live: u64,
    /// Claims whose time ran out, not yet released or completed.
    pub expired: u64,
}

/// The operations every backend offers. Reads return at once; writes return a
/// [`WriteHandle`] that resolves when the write is committed.
///
/// Keys are checked with [`validate_key`] first, so both backends reject the same keys with
/// the same errors.
pub trait Store: Send + Sync + 'static {
    /// The value stored under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<Value>, StoreError>;

    /// Like [`get`](Store::get), but lends the stored bytes to `f` instead of copying them
    /// out: a caller that converts them at once (the JS ops) saves an allocation and a copy.
    /// `f` runs while the backend holds a read lock or transaction, so it must be short.
    fn get_with(&self, key: &str, f: &mut dyn FnMut(Option<&[u8]>)) -> Result<(), StoreError> {
        let value = self.get(key)?;
        f(value.as_deref());
        Ok(())
    }

    /// The entry under `key` with its versionstamp and expiry, if any.
    fn entry(&self, key: &str) -> Result<Option<Entry>, StoreError>;

    /// Whether `key` holds a value.
    fn exists(&self, key: &str) -> Result<bool, StoreError>;

    /// Entries whose key starts with `prefix` (`""` matches all), in ascending order of the
    /// keys' UTF-8 bytes, at most `limit` of them (`0` means no limit).
    fn list(&self, prefix: &str, limit: usize) -> Result<Vec<(String, Value)>, StoreError> {
        self.query(&Query {
            prefix,
            limit,
            ..Default::default()
        })
    }

    /// The entries `query` selects, in its order: `list` with a key range, a direction and a
    /// cursor.
    fn query(&self, query: &Query<'_>) -> Result<Vec<(String, Value)>, StoreError>;

    /// Like [`query`](Store::query), with each entry's versionstamp and expiry: what a
    /// snapshot needs to restore entries as they were.
    fn query_entries(&self, query: &Query<'_>) -> Result<Vec<(String, Entry)>, StoreError>;

    /// Up to `limit` entries (`0`: all) whose key starts with `prefix` and comes after
    /// `after` (all of them when `None`), in the order of [`list`](Store::list): the pages
    /// of a scan, which resumes after the last key it returned however the store changed
    /// in between.
    fn scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Value)>, StoreError> {
        self.query(&Query {
            prefix,
            after,
            limit,
            ..Default::default()
        })
    }

    /// The number of entries whose key starts with `prefix`.
    fn count(&self, prefix: &str) -> Result<u64, StoreError>;

    /// The number of entries.
    fn size(&self) -> Result<u64, StoreError>;

    /// Stores `value` under `key`, replacing any previous value.
    fn set(&self, key: &str, value: Value) -> WriteHandle {
        self.put(key, value, None)
    }

    /// Stores `value` under `key`, replacing any previous value; with `expires_at` (ms
    /// since the Unix epoch) the entry is invisible to every read from then on, and its
    /// space is freed in the background.
    fn put(&self, key: &str, value: Value, expires_at: Option<u64>) -> WriteHandle;

    /// Removes `key`; removing a missing key succeeds.
    fn delete(&self, key: &str) -> WriteHandle;

    /// Removes every entry.
    fn clear(&self) -> WriteHandle;

    /// Runs `step` atomically: no other write to the store (on disk, from any process)
    /// comes between its reads and its writes, and its writes apply all together, or not
    /// at all when it returns an error, which the handle then resolves with. Resolves like
    /// a write (on disk: once durable). See [`AtomicOps`] for the operations built on it.
    fn atomic(&self, step: AtomicStep) -> WriteHandle;

    /// A key starting with `prefix`, chosen uniformly at random among the live entries no
    /// live claim holds, without reading the others; `None` when there is none.
    fn random_key(&self, prefix: &str) -> Result<Option<String>, StoreError>;

    /// How many claims are recorded, live and expired.
    fn claim_counts(&self) -> Result<ClaimCounts, StoreError>;

    /// Compare-and-swap done on the spot by a backend that can (the memory store, under its
    /// write lock, without building an atomic step): `Some(swapped)`, or `None` to go through
    /// [`Store::atomic`]. Backs [`AtomicOps::compare_and_swap`], whose semantics it has;
    /// takes `new` out of its argument only when it answers.
    #[doc(hidden)]
    fn swap_if_now(
        &self,
        _key: &str,
        _expected: Option<&[u8]>,
        _new: &mut Value,
    ) -> Option<Result<bool, StoreError>> {
        None
    }

    /// The file a disk store lives in; `None` for a memory store.
    fn file_path(&self) -> Option<&std::path::Path> {
        None
    }

    /// `"memory"` or `"disk"`.
    fn backend_name(&self) -> &'static str;
}
