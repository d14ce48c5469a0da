//! The LMDB backend: opening (one store per file per process), reads, and the map-size
//! bookkeeping shared with the writer thread.

mod file;
mod index;
mod layout;
mod writer;

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, LazyLock, Weak};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use heed::types::Bytes;
use heed::{CommitOrAbort, Database, Env, EnvFlags, EnvOpenOptions, MdbError, RoTxn, WithoutTls};
use parking_lot::{Mutex, RwLock};

use crate::entry::{expired, now_ms, stored, Entry};
use crate::{
    validate_key, AtomicStep, ClaimCounts, Query, Store, StoreError, Value, WriteHandle,
    MAX_KEY_BYTES,
};
use file::Verdict;
pub use file::{check_file, CheckReport};
use index::KeyIndex;
use layout::{index_key, Meta, CLAIMS, EXPIRY, RESERVED};
use writer::{Op, Queue};

/// LMDB only reserves address space for the map and the file grows with the data, so a large
/// start avoids resizes (which must wait for every transaction in the process to finish).
const DEFAULT_MAP_SIZE: usize = 1 << 30;

/// LMDB's default of 126 is far too few for hundreds of VU threads reading at once. Slots are
/// held only during a transaction (the env is opened without TLS), so this bounds concurrent
/// reads, not threads.
const MAX_READERS: u32 = 1024;

/// Map sizes must be a multiple of the OS page size; 64 KiB is a multiple of every page size
/// Linux, macOS and Windows use.
const MAP_SIZE_GRANULE: usize = 64 * 1024;

/// How long `open` waits for a store that is being dropped on another thread to close its
/// LMDB environment before it can be opened again.
const REOPEN_WAIT: Duration = Duration::from_secs(10);

/// How long a closing store waits for its writer to make progress before it gives up on the
/// writes still queued (see [`DiskStore::set_close_timeout`]).
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Opening reads every reachable page of files up to this size to refuse damaged ones
/// before LMDB maps them; larger files only get their header and length checked (reading
/// them whole would make every open slow), and `check_file` covers them.
pub const OPEN_CHECK_LIMIT: u64 = 64 << 20;

/// What LMDB's lock file needs for [`MAX_READERS`] reader slots (64 bytes each plus a header
/// of at most a few cache lines), rounded up to whole pages. Reserved before LMDB maps it.
const LOCK_FILE_BYTES: u64 = MAX_READERS as u64 * 64 + 4096;

/// Retries of a read that found the reader table full; with backoff this spans about 2 s.
const READERS_FULL_RETRIES: u32 = 200;

/// Retries of a read that found the file grown past this process's map.
const MAP_RESIZED_RETRIES: u32 = 16;

/// Stores by canonical path. LMDB refuses to open one file twice in a process, and two handles
/// would each need their own writer anyway, so every `open` of a path shares one store.
static REGISTRY: LazyLock<Mutex<HashMap<PathBuf, Weak<DiskStore>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Stores that closed without committing everything queued, for [`take_close_failures`].
static CLOSE_FAILURES: Mutex<Vec<CloseFailure>> = Mutex::new(Vec::new());

/// A store that gave up on queued writes when it closed, because its writer made no progress
/// for the close timeout (another process held the write lock). Those writes were withdrawn:
/// they were not stored and never will be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFailure {
    /// The store's file.
    pub path: PathBuf,
    /// How many writes were withdrawn.
    pub withdrawn: usize,
    /// How long the close waited for the writer before giving up.
    pub waited: Duration,
}

impl CloseFailure {
    /// The error the withdrawn writes failed with.
    pub fn error(&self) -> StoreError {
        StoreError::WriteTimeout {
            waited: self.waited,
        }
    }
}

/// The close failures since the last call (the CLI reports them when a run ends).
pub fn take_close_failures() -> Vec<CloseFailure> {
    std::mem::take(&mut *CLOSE_FAILURES.lock())
}

/// Whether a disk store is open in this process. Each one commits what is queued and
/// closes when its last handle drops, so a process that means to exit without dropping
/// its handles must not while any is open.
pub fn any_store_open() -> bool {
    REGISTRY
        .lock()
        .values()
        .any(|store| store.strong_count() > 0)
}

/// How far a write a disk store has acknowledged is guaranteed to survive. One file has one
/// durability per process: every open of it in the process must ask for the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Durability {
    /// An acknowledged write survives the process being killed, an OS crash and power loss:
    /// each commit waits until LMDB has flushed its pages and then its header to the disk.
    #[default]
    Full,
    /// An acknowledged write survives the process being killed (even with `kill -9`), not an
    /// OS crash or power loss, which can lose recent writes or damage the file. Commits write
    /// into the OS page cache through a writable map and never wait for the disk; the store
    /// flushes everything when it closes.
    Process,
}

impl Durability {
    /// The name scripts use (`"full"`, `"process"`).
    pub fn name(self) -> &'static str {
        match self {
            Durability::Full => "full",
            Durability::Process => "process",
        }
    }

    /// The durability named `name`, as [`Durability::name`] spells it.
    pub fn from_name(name: &str) -> Option<Durability> {
        match name {
            "full" => Some(Durability::Full),
            "process" => Some(Durability::Process),
            _ => None,
        }
    }
}

impl std::fmt::Display for Durability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A durable store in a single LMDB file (plus `PATH-lock`), shareable between processes.
///
/// Reads run on the caller's thread in a short read transaction. Writes go to a writer thread
/// that commits whatever has queued up in one transaction and then resolves each write's
/// [`WriteHandle`]; dropping the last handle to the store finishes the queued writes first,
/// waiting at most the close timeout for the writer to make progress.
pub struct DiskStore {
    shared: Arc<Shared>,
    queue: Arc<Queue>,
    /// The writer thread and what tells when it has ended; taken when dropping. (A mutex
    /// only because a `Receiver` is not `Sync`; nothing contends for it.)
    writer: Mutex<Option<(JoinHandle<()>, Receiver<()>)>>,
    close_timeout_ms: AtomicU64,
}

/// What the reading threads and the writer thread both use.
pub(crate) struct Shared {
    env: Env<WithoutTls>,
    db: Database<'static, Bytes, Bytes>,
    /// Every transaction in this process holds a read guard; changing the map size takes the
    /// write guard, because LMDB forbids `mdb_env_set_mapsize` while any transaction is open.
    gate: RwLock<()>,
    path: PathBuf,
    durability: Durability,
    commits: AtomicU64,
    /// The keys for random picks, as of some committed transaction (see [`KeyIndex`]).
    index: Mutex<Option<KeyIndex>>,
    /// The file holds entries with an expiry: the writer wakes up to free them.
    expiring: AtomicBool,
}

impl DiskStore {
    /// Opens (creating if needed) the store file at `path`, whose directory must exist.
    ///
    /// Opening a path that this process already has open returns the same store.
    pub fn open(path: &Path) -> Result<Arc<DiskStore>, StoreError> {
        Self::open_with_durability(path, Durability::Full)
    }

    /// Like [`DiskStore::open`] with the given durability. Opening a path that this process
    /// already has open with another durability fails with
    /// [`StoreError::DurabilityConflict`]; the open store is unaffected.
    pub fn open_with_durability(
        path: &Path,
        durability: Durability,
    ) -> Result<Arc<DiskStore>, StoreError> {
        Self::open_with(path, DEFAULT_MAP_SIZE, durability)
    }

    /// Like [`DiskStore::open`] with an initial LMDB map size in bytes (rounded up to a page
    /// multiple). The map still grows as needed; this exists so tests can exercise growth.
    /// Ignored when the store is already open in this process.
    pub fn open_with_map_size(path: &Path, map_size: usize) -> Result<Arc<DiskStore>, StoreError> {
        Self::open_with(path, map_size, Durability::Full)
    }

    /// [`DiskStore::open_with_durability`] with an initial map size, as
    /// [`DiskStore::open_with_map_size`] takes it.
    pub fn open_with(
        path: &Path,
        map_size: usize,
        durability: Durability,
    ) -> Result<Arc<DiskStore>, StoreError> {
        let canonical = canonical_path(path)?;
        let mut registry = REGISTRY.lock();
        registry.retain(|_, store| store.strong_count() > 0);
        if let Some(store) = registry.get(&canonical).and_then(Weak::upgrade) {
            // One LMDB environment per file per process, and its flags are fixed when it
            // opens: quietly handing back the other durability would break a promise.
            if store.shared.durability != durability {
                return Err(StoreError::DurabilityConflict {
                    path: canonical,
                    open: store.shared.durability.name(),
                    requested: durability.name(),
                });
            }
            return Ok(store);
        }
        let store = Arc::new(DiskStore::open_new(&canonical, map_size, durability)?);
        registry.insert(canonical, Arc::downgrade(&store));
        Ok(store)
    }

    /// The canonical path of the store file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The durability this store was opened with.
    pub fn durability(&self) -> Durability {
        self.shared.durability
    }

    /// How many write transactions this store has committed since it was opened. Group commit
    /// makes this much lower than the number of writes under concurrency.
    pub fn commit_count(&self) -> u64 {
        self.shared.commits.load(Ordering::Relaxed)
    }

    /// The current size of this process's LMDB map in bytes (not the file size).
    pub fn map_size(&self) -> usize {
        self.shared.map_size()
    }

    /// How long dropping the store waits for its writer to make progress on queued writes
    /// (default [`DEFAULT_CLOSE_TIMEOUT`]). Past it, the writes still queued are withdrawn —
    /// never committed — and reported by [`take_close_failures`]; their handles resolve to
    /// [`StoreError::WriteTimeout`]. The writer only stalls that long when another process
    /// holds LMDB's write lock without finishing (a stopped or hung process).
    pub fn set_close_timeout(&self, timeout: Duration) {
        let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self.close_timeout_ms.store(ms, Ordering::Relaxed);
    }

    fn close_timeout(&self) -> Duration {
        Duration::from_millis(self.close_timeout_ms.load(Ordering::Relaxed))
    }

    fn open_new(
        path: &Path,
        map_size: usize,
        durability: Durability,
    ) -> Result<DiskStore, StoreError> {
        let open_error = |reason: String| StoreError::Open {
            path: path.to_path_buf(),
            reason,
        };
        match file::inspect(path, OPEN_CHECK_LIMIT) {
            Ok(Verdict::New | Verdict::Healthy) => {}
            Ok(Verdict::NotLmdb(why)) => return Err(open_error(why)),
            Ok(Verdict::Damaged(report)) => return Err(open_error(damage_summary(&report))),
            Err(e) => return Err(open_error(format!("cannot read the file: {e}"))),
        }
        let created = Created::prepare(path)?;
        let store = Self::open_prepared(path, map_size, durability)?;
        created.keep();
        Ok(store)
    }

    fn open_prepared(
        path: &Path,
        map_size: usize,
        durability: Durability,
    ) -> Result<DiskStore, StoreError> {
        let open_error = |reason: String| StoreError::Open {
            path: path.to_path_buf(),
            reason,
        };
        let env = open_env(path, map_size, durability)?;
        // Slots left by crashed processes would otherwise stay taken until the lock file is
        // recreated; failing to clear them is harmless.
        let _ = env.clear_stale_readers();
        let db = open_unnamed_db(&env).map_err(|e| open_error(e.to_string()))?;
        let shared = Arc::new(Shared {
            env,
            db,
            gate: RwLock::new(()),
            path: path.to_path_buf(),
            durability,
            commits: AtomicU64::new(0),
            index: Mutex::new(None),
            expiring: AtomicBool::new(false),
        });
        let meta = shared
            .read(|txn| Meta::read(db, txn).map(Option::unwrap_or_default))
            .map_err(|e| open_error(e.to_string()))?;
        shared.expiring.store(meta.expiring > 0, Ordering::Relaxed);
        let queue = Arc::new(Queue::default());
        let writer = writer::spawn(shared.clone(), queue.clone())
            .map_err(|e| open_error(format!("cannot start the writer thread: {e}")))?;
        Ok(DiskStore {
            shared,
            queue,
            writer: Mutex::new(Some(writer)),
            close_timeout_ms: AtomicU64::new(DEFAULT_CLOSE_TIMEOUT.as_millis() as u64),
        })
    }

    /// The live entries `query` selects, each made into a `T` by `make`.
    fn read_range<T>(
        &self,
        query: &Query<'_>,
        make: impl Fn(String, &stored::Header, &[u8]) -> T,
    ) -> Result<Vec<T>, StoreError> {
        query.check()?;
        let Some((lower, upper)) = query.bounds() else {
            return Ok(Vec::new());
        };
        let as_bytes = |bound: &Bound<String>| match bound {
            // LMDB cannot position a cursor at an empty key; no key is empty.
            Bound::Included(k) | Bound::Excluded(k) if k.is_empty() => Bound::Unbounded,
            Bound::Included(k) => Bound::Included(k.as_bytes().to_vec()),
            Bound::Excluded(k) => Bound::Excluded(k.as_bytes().to_vec()),
            Bound::Unbounded => Bound::Unbounded,
        };
        let lower = as_bytes(&lower);
        // The store's own records sort after every key.
        let upper = match as_bytes(&upper) {
            Bound::Unbounded => Bound::Excluded(RESERVED.to_vec()),
            bound => bound,
        };
        let range = (
            lower.as_ref().map(Vec::as_slice),
            upper.as_ref().map(Vec::as_slice),
        );
        let db = self.shared.db;
        let limit = query.limit();
        let now = now_ms();
        self.shared.read(|txn| {
            let map_size = self.shared.env.info().map_size;
            Ok(if query.reverse {
                collect_entries(db.rev_range(txn, &range)?, limit, map_size, now, &make)
            } else {
                collect_entries(db.range(txn, &range)?, limit, map_size, now, &make)
            })
        })?
    }

    fn enqueue(&self, op: Op) -> WriteHandle {
        self.queue.push(op)
    }
}

impl Drop for DiskStore {
    fn drop(&mut self) {
        // The writer commits what is queued and exits; joining it means every acknowledged
        // write is on disk and the environment can be reopened right away.
        self.queue.close();
        let Some((writer, ended)) = self.writer.get_mut().take() else {
            return;
        };
        let timeout = self.close_timeout();
        let mut commits = self.shared.commits.load(Ordering::Relaxed);
        loop {
            match ended.recv_timeout(timeout) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                    let _ = writer.join();
                    self.flush();
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {
                    // A long queue is fine as long as it drains; only a stall is given up on.
                    let now = self.shared.commits.load(Ordering::Relaxed);
                    if now != commits {
                        commits = now;
                        continue;
                    }
                    let error = StoreError::WriteTimeout { waited: timeout };
                    let withdrawn = self.queue.abandon(&error);
                    if withdrawn > 0 {
                        CLOSE_FAILURES.lock().push(CloseFailure {
                            path: self.shared.path.clone(),
                            withdrawn,
                            waited: timeout,
                        });
                    }
                    // The writer is inside LMDB waiting for the lock; it exits by itself,
                    // committing nothing, if it ever gets it. Until then this process keeps
                    // the environment open.
                    drop(writer);
                    self.flush();
                    return;
                }
            }
        }
    }
}

impl DiskStore {
    /// Puts what a `Durability::Process` store committed on the disk, so that a clean end
    /// of the run leaves nothing to an OS crash. A failure loses nothing the mode promises
    /// (the commits are in the page cache, which the OS writes back by itself), so it is
    /// not reported.
    fn flush(&self) {
        if self.shared.durability == Durability::Process {
            let _guard = self.shared.gate.read();
            let _ = self.shared.env.force_sync();
        }
    }
}

impl std::fmt::Debug for DiskStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiskStore")
            .field("path", &self.shared.path)
            .finish_non_exhaustive()
    }
}

impl Store for DiskStore {
    fn get(&self, key: &str) -> Result<Option<Value>, StoreError> {
        let mut value = None;
        self.get_with(key, &mut |bytes| value = bytes.map(<[u8]>::to_vec))?;
        Ok(value)
    }

    fn get_with(&self, key: &str, f: &mut dyn FnMut(Option<&[u8]>)) -> Result<(), StoreError> {
        validate_key(key)?;
        self.shared.read_entry(key, |found| {
            f(found.map(|(_, value)| value));
        })
    }

    fn entry(&self, key: &str) -> Result<Option<Entry>, StoreError> {
        validate_key(key)?;
        let mut entry = None;
        self.shared.read_entry(key, |found| {
            entry = found.map(|(header, value)| Entry {
                value: value.to_vec(),
                versionstamp: header.versionstamp,
                expires_at: (header.expires_at != 0).then_some(header.expires_at),
            });
        })?;
        Ok(entry)
    }

    fn exists(&self, key: &str) -> Result<bool, StoreError> {
        validate_key(key)?;
        let mut exists = false;
        self.shared
            .read_entry(key, |found| exists = found.is_some())?;
        Ok(exists)
    }

    fn query(&self, query: &Query<'_>) -> Result<Vec<(String, Value)>, StoreError> {
        self.read_range(query, |key, _, value| (key, value.to_vec()))
    }

    fn query_entries(&self, query: &Query<'_>) -> Result<Vec<(String, Entry)>, StoreError> {
        self.read_range(query, |key, header, value| {
            (
                key,
                Entry {
                    value: value.to_vec(),
                    versionstamp: header.versionstamp,
                    expires_at: (header.expires_at != 0).then_some(header.expires_at),
                },
            )
        })
    }

    fn count(&self, prefix: &str) -> Result<u64, StoreError> {
        if prefix.is_empty() {
            return self.size();
        }
        if prefix.len() > MAX_KEY_BYTES {
            return Ok(0);
        }
        let db = self.shared.db;
        let now = now_ms();
        self.shared.read(|txn| {
            let mut n = 0u64;
            for entry in db.prefix_iter(txn, prefix.as_bytes())? {
                let (_, value) = entry?;
                if stored::header(value).is_none_or(|h| !expired(h.expires_at, now)) {
                    n += 1;
                }
            }
            Ok(n)
        })
    }

    fn size(&self) -> Result<u64, StoreError> {
        let db = self.shared.db;
        let now = now_ms();
        self.shared.read(|txn| {
            let meta = Meta::read(db, txn)?;
            let mut due = 0;
            if meta.is_some_and(|meta| meta.expiring > 0) {
                let upper = index_key(EXPIRY, now, u64::MAX);
                let range = (Bound::Included(EXPIRY), Bound::Included(&upper[..]));
                for record in db.range(txn, &range)? {
                    record?;
                    due += 1;
                }
            }
            let records = db.len(txn)?;
            let reserved = meta.map_or(0, |meta| meta.reserved());
            Ok(records.saturating_sub(reserved + due))
        })
    }

    fn put(&self, key: &str, value: Value, expires_at: Option<u64>) -> WriteHandle {
        match validate_key(key) {
            Ok(()) => self.enqueue(Op::Put(key.to_owned(), value, expires_at.unwrap_or(0))),
            Err(e) => WriteHandle::ready(Err(e)),
        }
    }

    fn delete(&self, key: &str) -> WriteHandle {
        match validate_key(key) {
            Ok(()) => self.enqueue(Op::Delete(key.to_owned())),
            Err(e) => WriteHandle::ready(Err(e)),
        }
    }

    fn clear(&self) -> WriteHandle {
        self.enqueue(Op::Clear)
    }

    fn atomic(&self, step: AtomicStep) -> WriteHandle {
        self.enqueue(Op::Atomic(Mutex::new(step)))
    }

    fn random_key(&self, prefix: &str) -> Result<Option<String>, StoreError> {
        let db = self.shared.db;
        let now = now_ms();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let picked = self.shared.read(|txn| {
                let mut slot = self.shared.index.lock();
                match slot.as_ref().map(|index| index.txn_id) {
                    Some(id) if id == txn.id() => {}
                    // Our snapshot is older than the index: a newer one sees it as it is.
                    Some(id) if id > txn.id() && attempts < 4 => return Ok(Err(())),
                    _ => *slot = Some(KeyIndex::build(db, txn)?),
                }
                let index = slot.as_ref().expect("built above");
                Ok(Ok(index.pick(db, txn, prefix, now, &|_| false)))
            })?;
            if let Ok(picked) = picked {
                return picked;
            }
        }
    }

    fn claim_counts(&self) -> Result<ClaimCounts, StoreError> {
        let db = self.shared.db;
        let now = now_ms();
        self.shared.read(|txn| {
            let mut counts = ClaimCounts::default();
            for record in db.prefix_iter(txn, CLAIMS)? {
                let (record, _) = record?;
                if layout::index_time(record) > now {
                    counts.live += 1;
                } else {
                    counts.expired += 1;
                }
            }
            Ok(counts)
        })
    }

    fn file_path(&self) -> Option<&Path> {
        Some(&self.shared.path)
    }

    fn backend_name(&self) -> &'static str {
        "disk"
    }
}

impl Shared {
    /// Runs `f` on the live entry under `key` (`None` when absent or expired), within a read
    /// transaction.
    fn read_entry(
        &self,
        key: &str,
        f: impl FnOnce(Option<(&stored::Header, &[u8])>),
    ) -> Result<(), StoreError> {
        let db = self.db;
        self.read(|txn| {
            let map_size = self.env.info().map_size;
            let Some(bytes) = db.get(txn, key.as_bytes())? else {
                f(None);
                return Ok(Ok(()));
            };
            // No value can be larger than the map it lives in; a damaged page can claim so.
            if bytes.len() > map_size {
                return Ok(Err(damaged(format!(
                    "the value under {key:?} claims to be larger than the whole store"
                ))));
            }
            let Some(header) = stored::header(bytes) else {
                return Ok(Err(damaged_entry(key)));
            };
            if header.expires_at != 0 && expired(header.expires_at, now_ms()) {
                f(None);
            } else {
                f(Some((&header, &bytes[header.len..])));
            }
            Ok(Ok(()))
        })?
    }

    /// The key index, if it reflects the transaction just before `write_txn`: the writer
    /// keeps it in step with what it writes. Anything older is dropped (rebuilt on demand).
    fn take_index(&self, write_txn: usize) -> Option<KeyIndex> {
        self.index
            .lock()
            .take()
            .filter(|index| index.txn_id + 1 == write_txn)
    }

    /// Puts back the index the writer kept in step with the transaction `committed`, unless
    /// a reader has meanwhile stored a newer one.
    fn keep_index(&self, index: Option<KeyIndex>, committed: usize) {
        let Some(mut index) = index else { return };
        index.txn_id = committed;
        let mut slot = self.index.lock();
        if slot
            .as_ref()
            .is_none_or(|current| current.txn_id < committed)
        {
            *slot = Some(index);
        }
    }

    /// Whether some entry's expiry has passed.
    fn sweep_due(&self) -> bool {
        let db = self.db;
        let upper = index_key(EXPIRY, now_ms(), u64::MAX);
        self.read(|txn| {
            let range = (Bound::Included(EXPIRY), Bound::Included(&upper[..]));
            Ok(db.range(txn, &range)?.next().is_some())
        })
        .unwrap_or(false)
    }

    /// `mdb_env_info` reads the header through the map, which a resize replaces: only
    /// while holding the gate is that map certain to stay put.
    fn map_size(&self) -> usize {
        let _no_resize = self.gate.read();
        self.env.info().map_size
    }

    /// Runs `f` in a read transaction, coping with a map grown by another process and with a
    /// momentarily full reader table.
    fn read<R>(&self, f: impl FnOnce(&RoTxn) -> heed::Result<R>) -> Result<R, StoreError> {
        let (mut readers_full, mut resized) = (0, 0);
        loop {
            let guard = self.gate.read();
            match self.env.read_txn() {
                Ok(txn) => {
                    let result = f(&txn);
                    drop(txn);
                    drop(guard);
                    return result.map_err(backend_error);
                }
                // Each retry adopts the latest size, so needing many means the file keeps
                // growing faster than we can follow; give up rather than spin.
                Err(heed::Error::Mdb(MdbError::MapResized)) if resized < MAP_RESIZED_RETRIES => {
                    drop(guard);
                    self.adopt_map_size()?;
                    resized += 1;
                }
                Err(heed::Error::Mdb(MdbError::ReadersFull))
                    if readers_full < READERS_FULL_RETRIES =>
                {
                    drop(guard);
                    if readers_full == 0 {
                        let _ = self.env.clear_stale_readers();
                    }
                    readers_full += 1;
                    thread::sleep(Duration::from_millis(u64::from(readers_full.min(20))));
                }
                Err(e) => return Err(backend_error(e)),
            }
        }
    }

    /// Another process wrote past the end of our map: adopt the size recorded in the file.
    fn adopt_map_size(&self) -> Result<(), StoreError> {
        let _exclusive = self.gate.write();
        // SAFETY: the write guard means no transaction of this process is open.
        unsafe { self.env.resize(0) }.map_err(backend_error)
    }

    /// Our map is full: double it. Only the writer calls this, after aborting its transaction.
    fn grow_map(&self) -> Result<(), StoreError> {
        let _exclusive = self.gate.write();
        let current = self.env.info().map_size;
        let mut grown = current
            .checked_mul(2)
            .ok_or_else(|| StoreError::Backend("the store cannot grow any larger".into()))?;
        if self.durability == Durability::Process {
            // Resizing a writable map truncates the file to the new size: never below what
            // another process's map may have grown it to (see `open_env`).
            if let Ok(meta) = fs::metadata(&self.path) {
                grown = grown.max(usize::try_from(meta.len()).unwrap_or(usize::MAX));
            }
        }
        // SAFETY: the write guard means no transaction of this process is open.
        unsafe { self.env.resize(round_up_map_size(grown)) }.map_err(backend_error)
    }
}

fn open_env(
    path: &Path,
    map_size: usize,
    durability: Durability,
) -> Result<Env<WithoutTls>, StoreError> {
    let open_error = |reason: String| StoreError::Open {
        path: path.to_path_buf(),
        reason,
    };
    let mut flags = EnvFlags::NO_SUB_DIR;
    let mut map_size = map_size;
    if durability == Durability::Process {
        // NO_SYNC: a commit returns once its pages and header are in the OS page cache, which
        // outlives the process, so only an OS crash or power loss can lose it. WRITE_MAP:
        // commits write into the shared mapping instead of pwrite-ing each page. MAP_ASYNC
        // would only make the flushes NO_SYNC already skips asynchronous; the forced sync at
        // close is a synchronous msync regardless.
        flags |= EnvFlags::NO_SYNC | EnvFlags::WRITE_MAP;
        // With WRITE_MAP, LMDB truncates the file to the map size when it maps it: a smaller
        // map than another process grew the file to would cut off pages that process may be
        // writing into.
        if let Ok(meta) = fs::metadata(path) {
            map_size = map_size.max(usize::try_from(meta.len()).unwrap_or(usize::MAX));
        }
    }
    let mut options = EnvOpenOptions::new().read_txn_without_tls();
    options
        .map_size(round_up_map_size(map_size))
        .max_readers(MAX_READERS);
    let mut waited = false;
    loop {
        // SAFETY: NO_SUB_DIR only changes the file layout (PATH and PATH-lock). The usual mmap
        // caveat (nobody may modify the file except through LMDB) is the documented contract of
        // a store file. NO_SYNC gives up durability against OS crashes and power loss only,
        // which `Durability::Process` documents. WRITE_MAP makes the mapping writable, so a
        // stray write through a pointer into it would corrupt the file: this crate only reads
        // through the slices LMDB returns, and only inside their transaction; it never uses
        // nested transactions (which WRITE_MAP does not support) or MDB_RESERVE.
        let opened = unsafe {
            options.flags(flags);
            options.open(path)
        };
        return match opened {
            Ok(env) => Ok(env),
            Err(heed::Error::Mdb(MdbError::Invalid | MdbError::VersionMismatch)) => {
                Err(open_error(
                    "the file is not an rk6/LMDB key-value store (or was written by an \
                     incompatible LMDB version); choose another path or move the file away"
                        .into(),
                ))
            }
            Err(heed::Error::EnvAlreadyOpened) if !waited => {
                // A store for this path is being dropped on another thread; its environment
                // closes as soon as its writer has finished.
                if let Some(closing) = heed::env_closing_event(path) {
                    closing.wait_timeout(REOPEN_WAIT);
                }
                waited = true;
                continue;
            }
            Err(heed::Error::EnvAlreadyOpened) => Err(open_error(
                "the file is already opened by other code in this process; open it only through rk6_kv::DiskStore".into(),
            )),
            Err(heed::Error::Io(e)) if is_out_of_space(&e) => Err(open_error(format!(
                "there is not enough space to create the store ({e}); free some space or choose another path"
            ))),
            Err(heed::Error::Io(e)) if e.kind() == ErrorKind::PermissionDenied => Err(open_error(
                format!("permission denied ({e}); check the file's and its directory's permissions"),
            )),
            Err(heed::Error::Io(e)) => Err(open_error(format!(
                "cannot create or open the file ({e}); check the path and that its directory is writable"
            ))),
            Err(e) => Err(open_error(e.to_string())),
        };
    }
}

fn open_unnamed_db(env: &Env<WithoutTls>) -> heed::Result<Database<'static, Bytes, Bytes>> {
    let rtxn = env.read_txn()?;
    let opened = env.open_databases_and_commit(rtxn, |opener, rtxn| {
        opener
            .open_database::<Bytes, Bytes>(rtxn, None)
            .map(CommitOrAbort::<_, ()>::Commit)
    })?;
    // LMDB creates the unnamed database with the environment, so it is always there.
    opened
        .commit()
        .flatten()
        .ok_or(heed::Error::Mdb(MdbError::NotFound))
}

/// Resolves symlinks and `..` so that every spelling of one file maps to one store. The file
/// itself may not exist yet, but its directory must.
fn canonical_path(path: &Path) -> Result<PathBuf, StoreError> {
    let open_error = |reason: String| StoreError::Open {
        path: path.to_path_buf(),
        reason,
    };
    let invalid = |reason: &str| StoreError::InvalidPath {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    };
    // `Path` forgets a trailing separator ("dir/" has the file name "dir"), so LMDB would
    // create a file "dir" where the user meant a directory.
    if path
        .as_os_str()
        .to_string_lossy()
        .ends_with(std::path::is_separator)
    {
        return Err(invalid(
            "ends with a path separator, so it names a directory",
        ));
    }
    match fs::canonicalize(path) {
        Ok(canonical) if canonical.is_dir() => return Err(invalid("is a directory")),
        Ok(canonical) => return Ok(canonical),
        Err(e) if e.kind() != ErrorKind::NotFound => {
            return Err(open_error(format!("cannot access the path: {e}")))
        }
        Err(_) => {}
    }
    let file_name = path
        .file_name()
        .ok_or_else(|| invalid("does not name a file"))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let canonical_dir = fs::canonicalize(dir).map_err(|e| {
        if e.kind() == ErrorKind::NotFound {
            open_error(format!(
                "directory {} does not exist; create it or choose another path",
                dir.display()
            ))
        } else {
            open_error(format!("cannot access directory {}: {e}", dir.display()))
        }
    })?;
    if !canonical_dir.is_dir() {
        return Err(open_error(format!(
            "{} is not a directory; choose a path inside a directory",
            dir.display()
        )));
    }
    Ok(canonical_dir.join(file_name))
}

/// Copies entries out of the map, refusing what no write through this crate can produce:
/// a damaged file hands out arbitrary lengths, and copying those would abort the process.
fn collect_entries<'t, T>(
    entries: impl Iterator<Item = heed::Result<(&'t [u8], &'t [u8])>>,
    limit: usize,
    map_size: usize,
    now: u64,
    make: &impl Fn(String, &stored::Header, &[u8]) -> T,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    for entry in entries {
        if out.len() >= limit {
            break;
        }
        let (key, value) = entry.map_err(backend_error)?;
        let (key, header) = decode_entry(key, value, map_size)?;
        if !expired(header.expires_at, now) {
            out.push(make(key, &header, &value[header.len..]));
        }
    }
    Ok(out)
}

/// An entry's key and header, refusing what no write through this crate can produce.
fn decode_entry(
    key: &[u8],
    value: &[u8],
    map_size: usize,
) -> Result<(String, stored::Header), StoreError> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES || value.len() > map_size {
        return Err(damaged(format!(
            "an entry has a {}-byte key and a {}-byte value",
            key.len(),
            value.len()
        )));
    }
    let key = std::str::from_utf8(key).map_err(|_| {
        damaged(format!(
            "key {:?} is not UTF-8 text",
            String::from_utf8_lossy(key)
        ))
    })?;
    let header = stored::header(value).ok_or_else(|| damaged_entry(key))?;
    Ok((key.to_owned(), header))
}

fn damaged_entry(key: &str) -> StoreError {
    damaged(format!(
        "the entry under {key:?} has a header this rk6 cannot read"
    ))
}

fn damaged(what: String) -> StoreError {
    StoreError::Backend(format!(
        "the store file looks damaged ({what}); check it with `rk6 kv check`"
    ))
}

/// The first problems of a damaged file, for an open error.
fn damage_summary(report: &CheckReport) -> String {
    let mut text = format!("the file is damaged: {}", report.problems.join("; "));
    let more = report.problem_count - report.problems.len();
    if more > 0 {
        text.push_str(&format!(" (and {more} more problems)"));
    }
    text.push_str(
        "; see everything with `rk6 kv check`, then restore the file from a copy or move it away",
    );
    text
}

/// The files an open created, removed again unless the open succeeds, so a failed open
/// leaves the directory as it found it.
struct Created(Vec<PathBuf>);

impl Created {
    /// Creates the data file and the lock file if they are missing, and reserves the lock
    /// file's space. LMDB maps the lock file and writes to it through the map, so on a full
    /// file system it would die of SIGBUS instead of reporting an error.
    fn prepare(path: &Path) -> Result<Created, StoreError> {
        let mut created = Created(Vec::new());
        let space_error = |file: &Path, e: io::Error| StoreError::Open {
            path: path.to_path_buf(),
            reason: if is_out_of_space(&e) {
                format!(
                    "there is not enough space to create {} ({e}); free some space or choose \
                     another path",
                    file.display()
                )
            } else {
                format!(
                    "cannot create {} ({e}); check that its directory is writable",
                    file.display()
                )
            },
        };
        if create_new(path)
            .map_err(|e| space_error(path, e))?
            .is_some()
        {
            created.0.push(path.to_path_buf());
        }
        let lock = lock_file(path);
        if let Some(file) = create_new(&lock).map_err(|e| space_error(&lock, e))? {
            created.0.push(lock.clone());
            reserve(&file, LOCK_FILE_BYTES).map_err(|e| space_error(&lock, e))?;
        }
        Ok(created)
    }

    fn keep(mut self) {
        self.0.clear();
    }
}

impl Drop for Created {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = fs::remove_file(path);
        }
    }
}

/// The file at `path`, if this call created it; `None` if it already existed.
fn create_new(path: &Path) -> io::Result<Option<File>> {
    match OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn reserve(file: &File, len: u64) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let len = libc::off_t::try_from(len).map_err(|_| io::Error::from(ErrorKind::InvalidInput))?;
    // SAFETY: the descriptor is open for writing for the duration of the call.
    match unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) } {
        0 => Ok(()),
        errno => Err(io::Error::from_raw_os_error(errno)),
    }
}

#[cfg(not(unix))]
fn reserve(file: &File, len: u64) -> io::Result<()> {
    file.set_len(len)
}

fn is_out_of_space(e: &io::Error) -> bool {
    #[cfg(unix)]
    if let Some(code) = e.raw_os_error() {
        return [libc::ENOSPC, libc::EFBIG, libc::EDQUOT].contains(&code);
    }
    matches!(
        e.kind(),
        ErrorKind::StorageFull | ErrorKind::FileTooLarge | ErrorKind::QuotaExceeded
    )
}

fn lock_file(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-lock");
    PathBuf::from(name)
}

fn round_up_map_size(bytes: usize) -> usize {
    bytes
        .max(MAP_SIZE_GRANULE)
        .div_ceil(MAP_SIZE_GRANULE)
        .saturating_mul(MAP_SIZE_GRANULE)
}

fn backend_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}
