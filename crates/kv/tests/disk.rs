//! Behaviour only the disk backend has: durability, one store per file, open errors, map
//! growth, many readers, group commit and sharing a file between processes.

mod support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::thread;

use rk6_kv::{DiskStore, Store, StoreError};

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn open(path: &Path) -> Arc<DiskStore> {
    DiskStore::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

fn open_error(path: &Path) -> (PathBuf, String) {
    match DiskStore::open(path) {
        Err(err @ StoreError::Open { .. }) => {
            assert_eq!(err.name(), "StoreOpenError");
            let message = err.to_string();
            let StoreError::Open { path, .. } = err else {
                unreachable!()
            };
            (path, message)
        }
        Err(other) => panic!("expected an Open error, got {other:?}"),
        Ok(_) => panic!("opening {} should fail", path.display()),
    }
}

#[test]
fn data_survives_drop_and_reopen() {
    let dir = temp_dir();
    let path = dir.path().join("persist.kv");
    {
        let store = open(&path);
        store.set("kept", b"value".to_vec()).wait().expect("set");
        store.set("gone", b"x".to_vec()).wait().expect("set");
        store.delete("gone").wait().expect("delete");
        // Never awaited: the drop must still commit them before the store closes.
        for i in 0..500 {
            drop(store.set(&format!("queued:{i:03}"), vec![b'q'; 100]));
        }
    }
    let store = open(&path);
    assert_eq!(store.get("kept").expect("get"), Some(b"value".to_vec()));
    assert_eq!(store.get("gone").expect("get"), None);
    assert_eq!(store.list("queued:", 0).expect("list").len(), 500);
    assert_eq!(store.size().expect("size"), 501);
}

#[test]
fn one_store_per_file() {
    let dir = temp_dir();
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let path = dir.path().join("same.kv");
    let first = open(&path);
    let second = open(&path);
    assert!(Arc::ptr_eq(&first, &second));
    // Another spelling of the same file, before and after the file exists.
    let other_spelling = dir.path().join("sub").join("..").join("same.kv");
    assert!(Arc::ptr_eq(&first, &open(&other_spelling)));
    assert_eq!(first.path(), path.canonicalize().expect("canonical"));
    let fresh = dir.path().join("sub").join("..").join("fresh.kv");
    let fresh_store = open(&fresh);
    assert!(Arc::ptr_eq(
        &fresh_store,
        &open(&dir.path().join("fresh.kv"))
    ));
}

#[test]
fn reopening_while_another_thread_drops_works() {
    let dir = temp_dir();
    let path = dir.path().join("churn.kv");
    thread::scope(|scope| {
        for t in 0..4 {
            let path = &path;
            scope.spawn(move || {
                for i in 0..25 {
                    let store = open(path);
                    store
                        .set(&format!("t{t}:{i}"), b"v".to_vec())
                        .wait()
                        .expect("set");
                }
            });
        }
    });
    assert_eq!(open(&path).size().expect("size"), 100);
}

#[test]
fn missing_directory_is_named() {
    let dir = temp_dir();
    let missing = dir.path().join("no-such-dir");
    let (path, message) = open_error(&missing.join("store.kv"));
    assert_eq!(path, missing.join("store.kv"));
    assert!(
        message.contains(&format!("directory {} does not exist", missing.display())),
        "{message}"
    );
    assert!(message.contains("create it"), "{message}");
}

#[test]
fn garbage_file_is_refused() {
    let dir = temp_dir();
    let path = dir.path().join("notes.txt");
    let text = "this is not a database, just some text\n".repeat(260);
    assert!(text.len() >= 10_000);
    std::fs::write(&path, &text).expect("write garbage");
    let (_, message) = open_error(&path);
    assert!(
        message.contains("is not an rk6/LMDB key-value store"),
        "{message}"
    );
    // The refused file is left as it was, with no lock file beside it.
    assert_eq!(std::fs::read_to_string(&path).expect("read back"), text);
    assert!(!dir.path().join("notes.txt-lock").exists());
}

fn invalid_path(path: &Path) -> String {
    match DiskStore::open(path) {
        Err(err @ StoreError::InvalidPath { .. }) => {
            assert_eq!(err.name(), "InvalidOptionsError");
            err.to_string()
        }
        other => panic!(
            "opening {} should be refused as a path, got {other:?}",
            path.display()
        ),
    }
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn directory_path_is_refused() {
    let dir = temp_dir();
    let message = invalid_path(dir.path());
    assert!(message.contains("is a directory"), "{message}");
    // A trailing separator names a directory even when none exists yet: nothing is created.
    let message = invalid_path(&dir.path().join("store/"));
    assert!(message.contains("ends with a path separator"), "{message}");
    assert!(
        dir_entries(dir.path()).is_empty(),
        "{:?}",
        dir_entries(dir.path())
    );
}

#[test]
fn map_grows_from_one_mebibyte() {
    let dir = temp_dir();
    let path = dir.path().join("grow.kv");
    let store = DiskStore::open_with_map_size(&path, 1 << 20).expect("open");
    assert_eq!(store.map_size(), 1 << 20);
    let value = |i: usize| vec![(i % 256) as u8; 1 << 20];
    // Readers run throughout, so every resize has to wait for in-flight read transactions.
    let done = std::sync::atomic::AtomicBool::new(false);
    thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    store.list("big:", 0).expect("list during growth");
                    store.get("big:00").expect("get during growth");
                }
            });
        }
        for i in 0..20 {
            store
                .set(&format!("big:{i:02}"), value(i))
                .wait()
                .expect("set grows the map");
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert!(store.map_size() >= 20 << 20, "map is {}", store.map_size());
    drop(store);
    let store = open(&path);
    for i in 0..20 {
        assert_eq!(
            store.get(&format!("big:{i:02}")).expect("get"),
            Some(value(i))
        );
    }
}

#[test]
fn hundreds_of_reader_threads_fit() {
    let dir = temp_dir();
    let store = open(&dir.path().join("readers.kv"));
    for i in 0..100 {
        drop(store.set(&format!("k{i:03}"), vec![b'v'; 64]));
    }
    store.set("last", b"v".to_vec()).wait().expect("set");
    // More threads than LMDB's default 126 reader slots, all reading at once.
    let threads = 200;
    let start = Barrier::new(threads);
    thread::scope(|scope| {
        for t in 0..threads {
            let (store, start) = (&store, &start);
            scope.spawn(move || {
                start.wait();
                for i in 0..50 {
                    let key = format!("k{:03}", (t + i) % 100);
                    assert!(store.get(&key).expect("get").is_some());
                    assert!(store.exists("last").expect("exists"));
                }
                assert_eq!(store.list("k", 10).expect("list").len(), 10);
                assert_eq!(store.size().expect("size"), 101);
            });
        }
    });
}

#[test]
fn concurrent_writes_share_commits() {
    let dir = temp_dir();
    let store = open(&dir.path().join("group.kv"));
    let before = store.commit_count();
    let (threads, writes) = (50, 100);
    thread::scope(|scope| {
        for t in 0..threads {
            let store = &store;
            scope.spawn(move || {
                for i in 0..writes {
                    store
                        .set(&format!("t{t:02}:{i:03}"), vec![b'v'; 32])
                        .wait()
                        .expect("set");
                }
            });
        }
    });
    let commits = store.commit_count() - before;
    assert_eq!(store.size().expect("size"), (threads * writes) as u64);
    // One commit per write would be 5000; 50 writers waiting on each fsync share it.
    assert!(commits < (threads * writes / 2) as u64, "{commits} commits");
    eprintln!("{} writes took {commits} commits", threads * writes);
}

#[test]
fn wait_works_on_a_runtime_thread() {
    let dir = temp_dir();
    let store = open(&dir.path().join("runtime.kv"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // A synchronous op on a VU's event loop blocks like this; it must not panic.
        store.set("sync", b"1".to_vec()).wait().expect("wait");
        store.set("async", b"2".to_vec()).await.expect("await");
    });
    assert_eq!(store.get("sync").expect("get"), Some(b"1".to_vec()));
    assert_eq!(store.get("async").expect("get"), Some(b"2".to_vec()));
}

/// Set by `two_processes_share_a_store` for the copy of this test binary it starts.
const CHILD_STORE_VAR: &str = "RK6_KV_TEST_CHILD_STORE";

/// The second process of `two_processes_share_a_store`; does nothing in a normal test run.
#[test]
fn child_process_writer() {
    let Some(path) = std::env::var_os(CHILD_STORE_VAR) else {
        return;
    };
    let store = DiskStore::open_with_map_size(Path::new(&path), 1 << 20).expect("child open");
    for i in 0..20 {
        store
            .set(&format!("child:big:{i:02}"), vec![b'c'; 1 << 20])
            .wait()
            .expect("child set big");
    }
    for i in 0..500 {
        store
            .set(&format!("child:{i:03}"), b"c".to_vec())
            .wait()
            .expect("child set");
    }
}

#[test]
fn two_processes_share_a_store() {
    let dir = temp_dir();
    let path = dir.path().join("shared.kv");
    let store = DiskStore::open_with_map_size(&path, 1 << 20).expect("open");
    store
        .set("parent:first", b"p".to_vec())
        .wait()
        .expect("set");

    let child = support::spawn_child("child_process_writer", CHILD_STORE_VAR, &path, false);
    // Write while the child writes: neither process may lose the other's commits.
    for i in 0..500 {
        store
            .set(&format!("parent:{i:03}"), b"p".to_vec())
            .wait()
            .expect("parent set");
    }
    support::assert_child_succeeded(child);

    // The child grew the file far past our 1 MiB map; reading must adopt its size.
    assert_eq!(
        store.get("child:big:19").expect("get"),
        Some(vec![b'c'; 1 << 20])
    );
    assert!(store.map_size() >= 20 << 20, "map is {}", store.map_size());
    assert_eq!(store.list("child:", 0).expect("list").len(), 520);
    assert_eq!(store.list("parent:", 0).expect("list").len(), 501);
    store
        .set("parent:after", b"p".to_vec())
        .wait()
        .expect("set after");
    assert_eq!(store.size().expect("size"), 1022);
}

/// Set by the tests below for the copy of this test binary that holds a store's write lock.
const LOCK_HOLDER_VAR: &str = "RK6_KV_TEST_HOLD_WRITE_LOCK";

/// Opens the store with LMDB directly, takes its write lock, creates `PATH.holding` and
/// sleeps: from outside it looks exactly like a process stopped in the middle of a write.
/// Does nothing in a normal test run.
#[test]
fn child_lock_holder() {
    let Some(path) = std::env::var_os(LOCK_HOLDER_VAR) else {
        return;
    };
    let path = PathBuf::from(path);
    let mut options = heed::EnvOpenOptions::new().read_txn_without_tls();
    options.map_size(1 << 30).max_readers(1024);
    // SAFETY: the same flags rk6-kv uses; the file is only touched through LMDB.
    let env = unsafe {
        options.flags(heed::EnvFlags::NO_SUB_DIR);
        options.open(&path)
    }
    .expect("child opens the store");
    let _txn = env.write_txn().expect("child takes the write lock");
    let mut marker = path.into_os_string();
    marker.push(".holding");
    std::fs::write(&marker, b"").expect("marker");
    thread::sleep(std::time::Duration::from_secs(600));
}

/// A child process holding `path`'s write lock; killed when dropped.
struct LockHolder(std::process::Child);

impl LockHolder {
    fn start(path: &Path) -> LockHolder {
        let child = support::spawn_child("child_lock_holder", LOCK_HOLDER_VAR, path, true);
        let mut marker = path.as_os_str().to_owned();
        marker.push(".holding");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !Path::new(&marker).exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "the lock holder never took the lock"
            );
            thread::sleep(std::time::Duration::from_millis(10));
        }
        LockHolder(child)
    }
}

impl Drop for LockHolder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_write_blocked_by_another_process_times_out_and_is_withdrawn() {
    use std::time::{Duration, Instant};
    let dir = temp_dir();
    let path = dir.path().join("blocked.kv");
    let store = open(&path);
    store.set("before", b"1".to_vec()).wait().expect("set");
    let holder = LockHolder::start(&path);

    let started = Instant::now();
    let result = store
        .set("blocked", b"2".to_vec())
        .wait_timeout(Duration::from_millis(300));
    assert!(
        matches!(result, Err(StoreError::WriteTimeout { waited }) if waited == Duration::from_millis(300)),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(
        result.unwrap_err().name(),
        "WriteTimeoutError",
        "the JavaScript name"
    );

    // Once the other process is gone, the withdrawn write must not show up.
    drop(holder);
    store.set("after", b"3".to_vec()).wait().expect("set after");
    assert_eq!(store.get("blocked").expect("get"), None);
    assert_eq!(store.get("after").expect("get"), Some(b"3".to_vec()));
}

#[test]
fn closing_gives_up_on_writes_blocked_by_another_process() {
    use std::time::{Duration, Instant};
    let dir = temp_dir();
    let path = dir.path().join("closing.kv");
    let store = open(&path);
    store.set("before", b"1".to_vec()).wait().expect("set");
    let holder = LockHolder::start(&path);

    store.set_close_timeout(Duration::from_millis(300));
    let queued: Vec<_> = (0..3)
        .map(|i| store.set(&format!("queued:{i}"), b"q".to_vec()))
        .collect();
    let started = Instant::now();
    drop(store);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "drop took {:?}",
        started.elapsed()
    );
    for handle in queued {
        let result = handle.wait();
        assert!(
            matches!(result, Err(StoreError::WriteTimeout { .. })),
            "{result:?}"
        );
    }
    let failures: Vec<_> = rk6_kv::take_close_failures()
        .into_iter()
        .filter(|f| f.path == path.canonicalize().expect("canonical"))
        .collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].withdrawn, 3);
    assert_eq!(failures[0].error().name(), "WriteTimeoutError");
    drop(holder);
}

/// Issue 8, item 11: 200,000 un-awaited writes from one VU took 54 s where 25,000 took 1.4 s.
/// Handles were tokio oneshot receivers, which take part in tokio's cooperative budget: once
/// a task (deno_core's op driver polls every pending op inside one task) has spent its 128
/// units, a finished receiver still answers `Pending` and re-schedules itself, so a backlog
/// of finished writes was polled over and over. A write handle must resolve on its first
/// poll once the write is done, budget or not.
#[test]
fn a_finished_write_resolves_even_when_the_tokio_budget_is_spent() {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::Poll;

    let dir = temp_dir();
    let store = open(&dir.path().join("budget.kv"));
    let mut handles: Vec<_> = (0..300)
        .map(|i| store.set(&format!("k{i:03}"), b"v".to_vec()))
        .collect();
    store.set("last", b"v".to_vec()).wait().expect("set");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let (spent, ready) = runtime.block_on(std::future::poll_fn(|cx| {
        // Spend the budget the way a backlog of finished tokio receivers does.
        let mut spent = false;
        for _ in 0..200 {
            let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
            tx.send(()).expect("send");
            if Pin::new(&mut rx).poll(cx).is_pending() {
                spent = true;
            }
        }
        let mut ready = 0;
        for handle in &mut handles {
            if matches!(Pin::new(handle).poll(cx), Poll::Ready(Ok(()))) {
                ready += 1;
            }
        }
        Poll::Ready((spent, ready))
    }));
    assert!(
        spent,
        "the test must exhaust tokio's budget to mean anything"
    );
    assert_eq!(ready, 300);
}

#[test]
fn expired_entries_are_freed_from_the_file_in_the_background() {
    let dir = temp_dir();
    let path = dir.path().join("ttl.kv");
    let store = open(&path);
    let soon = rk6_kv::now_ms() + 1500;
    // Queued together, so they commit in a few transactions, well before they expire.
    let writes: Vec<_> = (0..500)
        .map(|i| store.put(&format!("s:{i:03}"), vec![b'x'; 100], Some(soon)))
        .collect();
    for write in writes {
        write.wait().unwrap();
    }
    store.set("kept", b"1".to_vec()).wait().unwrap();
    let before = rk6_kv::check_file(&path).unwrap();
    // 501 entries, 500 expiry records and the counter record — unless a very busy machine
    // took so long to write them that the sweeper already started.
    if rk6_kv::now_ms() < soon {
        assert_eq!((before.entries, before.store_records), (1002, 501));
    }
    // Nothing else is written: the idle writer alone frees them (within ~1 s of expiry).
    while rk6_kv::now_ms() < soon + 2000 {
        thread::sleep(std::time::Duration::from_millis(100));
    }
    let after = rk6_kv::check_file(&path).unwrap();
    assert_eq!(
        (after.entries, after.store_records, after.expired),
        (2, 1, 0),
        "{after:#?}"
    );
    assert_eq!(store.size().unwrap(), 1);
    // A commit that frees many pages may leave the file ending before the last page LMDB
    // counts (pages allocated and freed unwritten): still a healthy file, which opens.
    assert!(after.is_healthy(), "{after:#?}");
    drop(store);
    assert_eq!(open(&path).size().unwrap(), 1);
}

#[test]
fn versionstamps_and_claims_are_shared_through_the_file() {
    use rk6_kv::AtomicOps;
    let dir = temp_dir();
    let path = dir.path().join("shared.kv");
    let claim = {
        let store = open(&path);
        store.set("job", b"1".to_vec()).wait().unwrap();
        store
            .claim_random("", "me", 60_000)
            .wait()
            .unwrap()
            .unwrap()
    };
    // A new handle (as another process would) sees the claim and counts on from the
    // latest versionstamp.
    let store = open(&path);
    assert!(store.random_key("").unwrap().is_none());
    assert_eq!(store.claim_counts().unwrap().live, 1);
    let claimed_at = store.entry("job").unwrap().unwrap().versionstamp;
    store.set("next", b"2".to_vec()).wait().unwrap();
    assert!(store.entry("next").unwrap().unwrap().versionstamp > claimed_at);
    assert!(store
        .release_claim(&claim.0, &claim.2.id, &claim.2.token)
        .wait()
        .unwrap());
    assert_eq!(store.random_key("j").unwrap().as_deref(), Some("job"));
}
