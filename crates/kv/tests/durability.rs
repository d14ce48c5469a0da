//! `Durability::Process`: what it keeps (writes across a dropped store, a `kill -9`ed
//! process and another process with the other durability) and the one-durability-per-file
//! rule within a process.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use rk6_kv::{DiskStore, Durability, Store, StoreError};

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn open(path: &Path, durability: Durability) -> std::sync::Arc<DiskStore> {
    DiskStore::open_with_durability(path, durability)
        .unwrap_or_else(|e| panic!("open {} ({durability}): {e}", path.display()))
}

fn set(store: &dyn Store, key: &str, value: &[u8]) {
    store.set(key, value.to_vec()).wait().expect("set");
}

#[test]
fn names_round_trip() {
    for durability in [Durability::Full, Durability::Process] {
        assert_eq!(Durability::from_name(durability.name()), Some(durability));
    }
    assert_eq!(Durability::Full.name(), "full");
    assert_eq!(Durability::Process.name(), "process");
    assert_eq!(Durability::from_name("fast"), None);
    assert_eq!(Durability::default(), Durability::Full);
}

#[test]
fn process_writes_are_there_after_the_store_is_dropped() {
    let dir = temp_dir();
    let path = dir.path().join("process.kv");
    let store = open(&path, Durability::Process);
    assert_eq!(store.durability(), Durability::Process);
    for i in 0..300 {
        set(&*store, &format!("k{i:03}"), format!("v{i}").as_bytes());
    }
    store.delete("k000").wait().expect("delete");
    drop(store);

    // A new environment, with the syncing flags, reads what the first one committed.
    let full = open(&path, Durability::Full);
    assert_eq!(full.durability(), Durability::Full);
    assert_eq!(full.size().expect("size"), 299);
    assert_eq!(full.get("k299").expect("get"), Some(b"v299".to_vec()));
    assert_eq!(full.get("k000").expect("get"), None);
    set(&*full, "after", b"full");
    drop(full);

    let again = open(&path, Durability::Process);
    assert_eq!(again.get("after").expect("get"), Some(b"full".to_vec()));
    assert_eq!(again.size().expect("size"), 300);
}

#[test]
fn one_durability_per_file_per_process() {
    let dir = temp_dir();
    let path = dir.path().join("conflict.kv");
    let full = open(&path, Durability::Full);
    set(&*full, "k", b"v");

    let err = DiskStore::open_with_durability(&path, Durability::Process)
        .expect_err("a second durability for an open file must be refused");
    assert_eq!(err.name(), "InvalidOptionsError");
    let canonical = path.canonicalize().expect("canonical path");
    assert_eq!(
        err.to_string(),
        format!(
            "The store at {} is already open in this process with durability \"full\", so it \
             cannot also be opened with durability \"process\"; give every openKv() of one path \
             the same durability option.",
            canonical.display()
        )
    );
    assert!(matches!(err, StoreError::DurabilityConflict { .. }));

    // The open store is untouched, and the same durability still joins it.
    assert_eq!(full.get("k").expect("get"), Some(b"v".to_vec()));
    let joined = DiskStore::open(&path).expect("same durability joins");
    assert!(std::sync::Arc::ptr_eq(&full, &joined));
    drop((full, joined));

    // Once closed, the file can be opened with the other durability, and the reverse
    // conflict is refused the same way.
    let process = open(&path, Durability::Process);
    let err = DiskStore::open(&path).expect_err("full over process must be refused");
    assert!(
        matches!(
            err,
            StoreError::DurabilityConflict {
                open: "process",
                requested: "full",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(process.get("k").expect("get"), Some(b"v".to_vec()));
}

/// Set for the copies of this test binary that `process_writes_survive_kill_9` and
/// `full_and_process_processes_share_a_file` start.
const CHILD_VAR: &str = "RK6_KV_TEST_DURABILITY_CHILD";

/// Writes `child:NNNNNN` keys in process durability forever, printing each acknowledged
/// key's number; does nothing in a normal test run.
#[test]
fn child_acknowledging_writer() {
    let Some(path) = std::env::var_os(CHILD_VAR) else {
        return;
    };
    let store = open(Path::new(&path), Durability::Process);
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        set(
            &*store,
            &format!("child:{i:06}"),
            format!("v{i}").as_bytes(),
        );
        writeln!(out, "{i}").expect("report");
        out.flush().expect("report");
    }
}

#[test]
fn process_writes_survive_kill_9() {
    let dir = temp_dir();
    let path = dir.path().join("killed.kv");
    let mut child = support::spawn_child("child_acknowledging_writer", CHILD_VAR, &path, true);
    let mut lines = BufReader::new(child.stdout.take().expect("child stdout")).lines();
    // The test harness prints its own lines first; acknowledgements are bare numbers.
    let mut acknowledged = None;
    for line in lines.by_ref() {
        if let Ok(i) = line.expect("read the child").trim().parse::<u64>() {
            acknowledged = Some(i);
            if i >= 500 {
                break;
            }
        }
    }
    // SIGKILL while the child is still writing: no destructor, no sync.
    child.kill().expect("kill -9 the child");
    child.wait().expect("reap the child");
    let last = acknowledged.expect("the child acknowledged writes");
    assert!(last >= 500, "the child stopped at {last}");

    let store = open(&path, Durability::Full);
    for i in 0..=last {
        assert_eq!(
            store.get(&format!("child:{i:06}")).expect("get"),
            Some(format!("v{i}").into_bytes()),
            "acknowledged write {i} of {last} was lost"
        );
    }
}

/// Writes 500 keys in process durability; does nothing in a normal test run.
#[test]
fn child_process_writer() {
    let Some(path) = std::env::var_os(CHILD_VAR) else {
        return;
    };
    let store = open(Path::new(&path), Durability::Process);
    for i in 0..500 {
        set(&*store, &format!("child:{i:03}"), b"c");
    }
}

#[test]
fn full_and_process_processes_share_a_file() {
    let dir = temp_dir();
    let path = dir.path().join("mixed.kv");
    let store = open(&path, Durability::Full);
    set(&*store, "parent:first", b"p");
    let child = support::spawn_child("child_process_writer", CHILD_VAR, &path, false);
    // Commit while the child commits through its writable map: neither may lose the other's.
    for i in 0..500 {
        set(&*store, &format!("parent:{i:03}"), b"p");
    }
    support::assert_child_succeeded(child);
    assert_eq!(store.list("child:", 0).expect("list").len(), 500);
    assert_eq!(store.list("parent:", 0).expect("list").len(), 501);
    set(&*store, "parent:after", b"p");
    drop(store);
    assert_eq!(open(&path, Durability::Process).size().expect("size"), 1002);
}

/// Writes 20 values of 1 MiB in process durability from a 1 MiB map; does nothing in a
/// normal test run.
#[test]
fn child_growing_writer() {
    let Some(path) = std::env::var_os(CHILD_VAR) else {
        return;
    };
    let store =
        DiskStore::open_with(Path::new(&path), 1 << 20, Durability::Process).expect("child open");
    for i in 0..20 {
        set(&*store, &format!("child:big:{i:02}"), &vec![b'c'; 1 << 20]);
    }
}

#[test]
fn process_mode_maps_grow_in_two_processes() {
    let dir = temp_dir();
    let path = dir.path().join("grow.kv");
    let store = DiskStore::open_with(&path, 1 << 20, Durability::Process).expect("open");
    assert_eq!(store.map_size(), 1 << 20);
    let child = support::spawn_child("child_growing_writer", CHILD_VAR, &path, false);
    // Both writable maps grow (and so resize the file) while the other process commits.
    for i in 0..20 {
        set(&*store, &format!("parent:big:{i:02}"), &vec![b'p'; 1 << 20]);
    }
    support::assert_child_succeeded(child);
    for i in 0..20 {
        assert_eq!(
            store.get(&format!("child:big:{i:02}")).expect("get"),
            Some(vec![b'c'; 1 << 20])
        );
        assert_eq!(
            store.get(&format!("parent:big:{i:02}")).expect("get"),
            Some(vec![b'p'; 1 << 20])
        );
    }
    drop(store);
    let again = open(&path, Durability::Full);
    assert_eq!(again.size().expect("size"), 40);
    assert_eq!(
        again.get("child:big:19").expect("get"),
        Some(vec![b'c'; 1 << 20])
    );
}
