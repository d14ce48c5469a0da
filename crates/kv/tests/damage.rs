//! Damaged store files: refused at open with a `StoreOpenError` instead of crashing inside
//! LMDB, and described by `check_file`.

use std::path::Path;

use rk6_kv::{check_file, DiskStore, Store, StoreError};

/// A store with `keys` entries (`key:NNNNN` → a 40-byte value), closed again.
fn make_store(path: &Path, keys: usize) {
    let store = DiskStore::open(path).expect("open");
    for i in 0..keys {
        drop(store.set(&format!("key:{i:05}"), vec![b'v'; 40]));
    }
    store.set("last", b"1".to_vec()).wait().expect("set");
}

fn open_error(path: &Path) -> String {
    match DiskStore::open(path) {
        Err(err @ StoreError::Open { .. }) => {
            assert_eq!(err.name(), "StoreOpenError");
            err.to_string()
        }
        Err(other) => panic!("expected StoreOpenError, got {other:?}"),
        Ok(_) => panic!("opening the damaged {} should fail", path.display()),
    }
}

#[test]
fn a_healthy_store_checks_clean() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("good.kv");
    make_store(&path, 3000);
    let report = check_file(&path).expect("check");
    assert!(report.is_healthy(), "{report:#?}");
    // 3001 entries and the store's counter record.
    assert_eq!(report.entries, 3002);
    assert_eq!(report.store_records, 1);
    assert_eq!(report.expired, 0);
    assert_eq!(report.recorded_entries, 3002);
    assert_eq!(report.page_size, 4096);
    assert!(report.pages_visited > 10, "{report:#?}");
}

#[test]
fn a_truncated_store_is_refused_at_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("good.kv");
    make_store(&good, 3000);
    let bytes = std::fs::read(&good).expect("read");
    let truncated = dir.path().join("t.kv");
    std::fs::write(&truncated, &bytes[..8192]).expect("write");

    let message = open_error(&truncated);
    assert!(message.contains("t.kv"), "{message}");
    assert!(message.contains("damaged"), "{message}");
    assert!(message.contains("8192 bytes"), "{message}");
    // Nothing was created beside the refused file.
    assert!(!dir.path().join("t.kv-lock").exists());

    let report = check_file(&truncated).expect("check");
    assert!(!report.is_healthy());
    assert!(report.problems[0].contains("truncated"), "{report:#?}");
    assert_eq!(report.recorded_entries, 3002);
}

#[test]
fn a_file_cut_inside_its_headers_is_damaged_not_foreign() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("good.kv");
    make_store(&good, 10);
    let bytes = std::fs::read(&good).expect("read");
    for len in [100, 4096, 4200] {
        let cut = dir.path().join(format!("cut{len}.kv"));
        std::fs::write(&cut, &bytes[..len]).expect("write");
        let message = open_error(&cut);
        assert!(message.contains("damaged"), "{len}: {message}");
    }
}

/// Zeroes page `pgno` of a copy of `good` and returns the copy's path.
fn zero_page(dir: &Path, good: &Path, pgno: usize) -> std::path::PathBuf {
    let mut bytes = std::fs::read(good).expect("read");
    bytes[pgno * 4096..(pgno + 1) * 4096].fill(0);
    let path = dir.join(format!("zero{pgno}.kv"));
    std::fs::write(&path, &bytes).expect("write");
    path
}

#[test]
fn every_zeroed_page_in_use_is_found() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("good.kv");
    make_store(&good, 3000);
    let pages = std::fs::metadata(&good).expect("stat").len() as usize / 4096;
    let in_use = check_file(&good).expect("check").pages as usize;
    assert!(pages > 20, "{pages} pages");
    let mut refused = 0;
    for pgno in 0..in_use {
        let path = zero_page(dir.path(), &good, pgno);
        let report = check_file(&path).expect("check");
        // A page on the free list may be zeroed harmlessly; every other one must be found,
        // and whatever open accepts must then read without crashing.
        match DiskStore::open(&path) {
            Err(e) => {
                assert_eq!(e.name(), "StoreOpenError", "page {pgno}: {e}");
                assert!(e.to_string().contains("damaged"), "page {pgno}: {e}");
                assert!(
                    !report.is_healthy(),
                    "page {pgno}: open refused, check did not"
                );
                refused += 1;
            }
            Ok(store) => {
                assert!(report.is_healthy(), "page {pgno}: {report:#?}");
                assert_eq!(store.list("", 0).expect("list").len(), 3001);
            }
        }
        std::fs::remove_file(&path).expect("remove");
        let _ = std::fs::remove_file(lock_path(&path));
    }
    // Headers, branch and leaf pages: nearly all pages of a freshly filled store are in use.
    assert!(refused * 10 >= in_use * 8, "{refused} of {in_use} refused");
}

fn lock_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-lock");
    name.into()
}
#[test]
fn an_empty_file_becomes_a_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("empty.kv");
    std::fs::write(&path, b"").expect("write");
    let store = DiskStore::open(&path).expect("an empty file is a new store");
    store.set("k", b"v".to_vec()).wait().expect("set");
}
