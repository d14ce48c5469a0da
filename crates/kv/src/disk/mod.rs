//! The LMDB backend: opening (one store per file per process), reads, and the map-size
//! bookkeeping shared with the writer thread.

mod writer;

use std::collections::HashMap;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, LazyLock, Weak};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use heed::types::Bytes;
use heed::{CommitOrAbort, Database, Env, EnvFlags, EnvOpenOptions, MdbError, RoTxn, WithoutTls};
use parking_lot::{Mutex, RwLock};
use tokio::sync::oneshot;

use crate::{validate_key, Store, StoreError, Value, WriteHandle, MAX_KEY_BYTES};
use writer::{Op, Request};

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

/// Retries of a read that found the reader table full; with backoff this spans about 2 s.
const READERS_FULL_RETRIES: u32 = 200;

/// Retries of a read that found the file grown past this process's map.
const MAP_RESIZED_RETRIES: u32 = 16;

/// Stores by canonical path. LMDB refuses to open one file twice in a process, and two handles
/// would each need their own writer anyway, so every `open` of a path shares one store.
static REGISTRY: LazyLock<Mutex<HashMap<PathBuf, Weak<DiskStore>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A durable store in a single LMDB file (plus `PATH-lock`), shareable between processes.
///
/// Reads run on the caller's thread in a short read transaction. Writes go to a writer thread
/// that commits whatever has queued up in one transaction and then resolves each write's
/// [`WriteHandle`]; dropping the last handle to the store finishes the queued writes first.
pub struct DiskStore {
    shared: Arc<Shared>,
    /// `None` only while dropping: closing the channel is what tells the writer to finish.
    queue: Option<Sender<Request>>,
    writer: Option<JoinHandle<()>>,
}

/// What the reading threads and the writer thread both use.
pub(crate) struct Shared {
    env: Env<WithoutTls>,
    db: Database<'static, Bytes, Bytes>,
    /// Every transaction in this process holds a read guard; changing the map size takes the
    /// write guard, because LMDB forbids `mdb_env_set_mapsize` while any transaction is open.
    gate: RwLock<()>,
    path: PathBuf,
    commits: AtomicU64,
}

impl DiskStore {
    /// Opens (creating if needed) the store file at `path`, whose directory must exist.
    ///
    /// Opening a path that this process already has open returns the same store.
    pub fn open(path: &Path) -> Result<Arc<DiskStore>, StoreError> {
        Self::open_with_map_size(path, DEFAULT_MAP_SIZE)
    }

    /// Like [`DiskStore::open`] with an initial LMDB map size in bytes (rounded up to a page
    /// multiple). The map still grows as needed; this exists so tests can exercise growth.
    /// Ignored when the store is already open in this process.
    pub fn open_with_map_size(path: &Path, map_size: usize) -> Result<Arc<DiskStore>, StoreError> {
        let canonical = canonical_path(path)?;
        let mut registry = REGISTRY.lock();
        registry.retain(|_, store| store.strong_count() > 0);
        if let Some(store) = registry.get(&canonical).and_then(Weak::upgrade) {
            return Ok(store);
        }
        let store = Arc::new(DiskStore::open_new(&canonical, map_size)?);
        registry.insert(canonical, Arc::downgrade(&store));
        Ok(store)
    }

    /// The canonical path of the store file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// How many write transactions this store has committed since it was opened. Group commit
    /// makes this much lower than the number of writes under concurrency.
    pub fn commit_count(&self) -> u64 {
        self.shared.commits.load(Ordering::Relaxed)
    }

    /// The current size of this process's LMDB map in bytes (not the file size).
    pub fn map_size(&self) -> usize {
        self.shared.env.info().map_size
    }

    fn open_new(path: &Path, map_size: usize) -> Result<DiskStore, StoreError> {
        let open_error = |reason: String| StoreError::Open {
            path: path.to_path_buf(),
            reason,
        };
        if path.is_dir() {
            return Err(open_error(format!(
                "it is a directory; give the path of a store file, such as {}",
                path.join("store.kv").display()
            )));
        }
        let env = open_env(path, map_size)?;
        // Slots left by crashed processes would otherwise stay taken until the lock file is
        // recreated; failing to clear them is harmless.
        let _ = env.clear_stale_readers();
        let db = open_unnamed_db(&env).map_err(|e| open_error(e.to_string()))?;
        let shared = Arc::new(Shared {
            env,
            db,
            gate: RwLock::new(()),
            path: path.to_path_buf(),
            commits: AtomicU64::new(0),
        });
        let (queue, writer) = writer::spawn(shared.clone())
            .map_err(|e| open_error(format!("cannot start the writer thread: {e}")))?;
        Ok(DiskStore {
            shared,
            queue: Some(queue),
            writer: Some(writer),
        })
    }

    fn enqueue(&self, op: Op) -> WriteHandle {
        let (done, receiver) = oneshot::channel();
        let sent = match &self.queue {
            Some(queue) => queue.send(Request { op, done }).is_ok(),
            None => false,
        };
        if sent {
            WriteHandle::pending(receiver)
        } else {
            WriteHandle::ready(Err(StoreError::Closed))
        }
    }
}

impl Drop for DiskStore {
    fn drop(&mut self) {
        // Closing the channel lets the writer commit what is queued and exit; joining it means
        // every acknowledged write is on disk and the environment can be reopened right away.
        drop(self.queue.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
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
        validate_key(key)?;
        let db = self.shared.db;
        self.shared
            .read(|txn| Ok(db.get(txn, key.as_bytes())?.map(<[u8]>::to_vec)))
    }

    fn get_with(&self, key: &str, f: &mut dyn FnMut(Option<&[u8]>)) -> Result<(), StoreError> {
        validate_key(key)?;
        let db = self.shared.db;
        self.shared.read(|txn| {
            f(db.get(txn, key.as_bytes())?);
            Ok(())
        })
    }

    fn exists(&self, key: &str) -> Result<bool, StoreError> {
        validate_key(key)?;
        let db = self.shared.db;
        self.shared
            .read(|txn| Ok(db.get(txn, key.as_bytes())?.is_some()))
    }

    fn list(&self, prefix: &str, limit: usize) -> Result<Vec<(String, Value)>, StoreError> {
        // No stored key can be that long, and LMDB would reject it as a cursor position.
        if prefix.len() > MAX_KEY_BYTES {
            return Ok(Vec::new());
        }
        let limit = if limit == 0 { usize::MAX } else { limit };
        let db = self.shared.db;
        self.shared.read(|txn| {
            if prefix.is_empty() {
                collect_entries(db.iter(txn)?, limit)
            } else {
                collect_entries(db.prefix_iter(txn, prefix.as_bytes())?, limit)
            }
        })
    }

    fn size(&self) -> Result<u64, StoreError> {
        let db = self.shared.db;
        self.shared.read(|txn| db.len(txn))
    }

    fn set(&self, key: &str, value: Value) -> WriteHandle {
        match validate_key(key) {
            Ok(()) => self.enqueue(Op::Put(key.to_owned(), value)),
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

    fn backend_name(&self) -> &'static str {
        "disk"
    }
}

impl Shared {
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
        let grown = current
            .checked_mul(2)
            .ok_or_else(|| StoreError::Backend("the store cannot grow any larger".into()))?;
        // SAFETY: the write guard means no transaction of this process is open.
        unsafe { self.env.resize(round_up_map_size(grown)) }.map_err(backend_error)
    }
}

fn open_env(path: &Path, map_size: usize) -> Result<Env<WithoutTls>, StoreError> {
    let open_error = |reason: String| StoreError::Open {
        path: path.to_path_buf(),
        reason,
    };
    let mut options = EnvOpenOptions::new().read_txn_without_tls();
    options
        .map_size(round_up_map_size(map_size))
        .max_readers(MAX_READERS);
    let lock_file = {
        let mut name = path.as_os_str().to_owned();
        name.push("-lock");
        PathBuf::from(name)
    };
    let lock_file_existed = lock_file.exists();
    let mut waited = false;
    loop {
        // SAFETY: NO_SUB_DIR only changes the file layout (PATH and PATH-lock). The usual mmap
        // caveat (nobody may modify the file except through LMDB) is the documented contract of
        // a store file.
        let opened = unsafe {
            options.flags(EnvFlags::NO_SUB_DIR);
            options.open(path)
        };
        return match opened {
            Ok(env) => Ok(env),
            Err(heed::Error::Mdb(MdbError::Invalid | MdbError::VersionMismatch)) => {
                // LMDB creates the lock file before it looks at the data file; don't leave a
                // stray one next to somebody else's file.
                if !lock_file_existed {
                    let _ = fs::remove_file(&lock_file);
                }
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
    match fs::canonicalize(path) {
        Ok(canonical) => return Ok(canonical),
        Err(e) if e.kind() != ErrorKind::NotFound => {
            return Err(open_error(format!("cannot access the path: {e}")))
        }
        Err(_) => {}
    }
    let file_name = path.file_name().ok_or_else(|| {
        open_error("the path does not name a file; give a file path such as ./data/store.kv".into())
    })?;
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

fn collect_entries<'t>(
    entries: impl Iterator<Item = heed::Result<(&'t [u8], &'t [u8])>>,
    limit: usize,
) -> heed::Result<Vec<(String, Value)>> {
    entries
        .take(limit)
        .map(|entry| {
            // Keys written through this crate are UTF-8; a foreign key still lists.
            entry.map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), v.to_vec()))
        })
        .collect()
}

fn round_up_map_size(bytes: usize) -> usize {
    bytes
        .max(MAP_SIZE_GRANULE)
        .div_ceil(MAP_SIZE_GRANULE)
        .saturating_mul(MAP_SIZE_GRANULE)
}

fn backend_error(e: heed::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}
