//! Snapshots, export and import (`rk6_kv::snapshot`) on both backends.

use std::sync::Arc;

use rk6_kv::snapshot::{self, ImportAs, RestoreLimits};
use rk6_kv::{DiskStore, MemoryStore, Store, StoreError};
use tempfile::TempDir;

fn disk(dir: &TempDir, name: &str) -> Arc<DiskStore> {
    DiskStore::open(&dir.path().join(name)).expect("open disk store")
}

fn fill(store: &dyn Store, entries: &[(&str, &str)]) {
    for (k, v) in entries {
        store.set(k, v.as_bytes().to_vec()).wait().expect("set");
    }
}

fn contents(store: &dyn Store) -> Vec<(String, String)> {
    store
        .list("", 0)
        .expect("list")
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v).expect("utf-8")))
        .collect()
}

/// `entries` in the store's order (UTF-8 bytes of the keys).
fn owned(entries: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut owned: Vec<_> = entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    owned.sort();
    owned
}

#[track_caller]
fn assert_named(result: Result<snapshot::Summary, StoreError>, name: &str, needle: &str) {
    let err = result.expect_err("should fail");
    assert_eq!(err.name(), name, "{err}");
    assert!(err.to_string().contains(needle), "{err:?} lacks {needle:?}");
}

const SAMPLE: [(&str, &str); 4] = [
    ("a", "{\"n\":1}"),
    ("b\"q", "plain text, not JSON"),
    ("é", "\"ünïcode\""),
    ("num", "42"),
];

#[test]
fn backup_writes_a_header_and_the_stored_text_exactly() {
    let store = MemoryStore::new();
    fill(&store, &SAMPLE);
    let mut out = Vec::new();
    let summary = snapshot::backup(&store, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "{\"format\":\"rk6-kv-snapshot\",\"version\":1,\"backend\":\"memory\",\"entries\":4}\n\
         {\"key\":\"a\",\"value\":\"{\\\"n\\\":1}\"}\n\
         {\"key\":\"b\\\"q\",\"value\":\"plain text, not JSON\"}\n\
         {\"key\":\"num\",\"value\":\"42\"}\n\
         {\"key\":\"é\",\"value\":\"\\\"ünïcode\\\"\"}\n"
    );
    assert_eq!(summary.entries, 4);
    assert_eq!(summary.bytes, text.len() as u64);
    assert_eq!(summary.backend, "memory");
}

#[test]
fn snapshots_cross_backends_both_ways_and_replace_the_contents() {
    let dir = tempfile::tempdir().unwrap();
    let memory = MemoryStore::new();
    fill(&memory, &SAMPLE);
    let mut snap = Vec::new();
    snapshot::backup(&memory, &mut snap).unwrap();

    let disk = disk(&dir, "to.kv");
    fill(&*disk, &[("stale", "1"), ("a", "\"old\"")]);
    let summary = snapshot::restore(&*disk, &snap[..]).unwrap();
    assert_eq!(summary.entries, 4);
    assert_eq!(summary.backend, "memory");
    assert_eq!(summary.bytes, snap.len() as u64);
    assert_eq!(contents(&*disk), owned(&SAMPLE));

    let mut from_disk = Vec::new();
    let summary = snapshot::backup(&*disk, &mut from_disk).unwrap();
    assert_eq!(summary.backend, "disk");
    let back = MemoryStore::new();
    fill(&back, &[("zzz", "1")]);
    snapshot::restore(&back, &from_disk[..]).unwrap();
    assert_eq!(contents(&back), owned(&SAMPLE));
}

#[test]
fn large_snapshots_restore_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let memory = MemoryStore::new();
    for i in 0..2500 {
        memory
            .set(&format!("k{i:05}"), format!("{i}").into_bytes())
            .wait()
            .unwrap();
    }
    let mut snap = Vec::new();
    snapshot::backup(&memory, &mut snap).unwrap();
    let disk = disk(&dir, "big.kv");
    assert_eq!(snapshot::restore(&*disk, &snap[..]).unwrap().entries, 2500);
    assert_eq!(disk.size().unwrap(), 2500);
    assert_eq!(disk.get("k02499").unwrap().unwrap(), b"2499");
}

#[test]
fn an_empty_store_round_trips() {
    let memory = MemoryStore::new();
    let mut snap = Vec::new();
    snapshot::backup(&memory, &mut snap).unwrap();
    let target = MemoryStore::new();
    fill(&target, &[("x", "1")]);
    assert_eq!(snapshot::restore(&target, &snap[..]).unwrap().entries, 0);
    assert_eq!(target.size().unwrap(), 0);
}

const HEADER1: &str =
    "{\"format\":\"rk6-kv-snapshot\",\"version\":1,\"backend\":\"disk\",\"entries\":1}\n";

#[test]
fn damaged_snapshots_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let stores: [Arc<dyn Store>; 2] = [Arc::new(MemoryStore::new()), disk(&dir, "d.kv")];
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "line 1: the file is empty"),
        (b"hello\n".to_vec(), "line 1: expected the header"),
        (
            b"{\"format\":\"other\",\"version\":1,\"backend\":\"disk\",\"entries\":0}\n".to_vec(),
            "the format is \"other\"",
        ),
        (
            b"{\"format\":\"rk6-kv-snapshot\",\"version\":2,\"backend\":\"disk\",\"entries\":0}\n"
                .to_vec(),
            "version 2 is not supported",
        ),
        (
            HEADER1.as_bytes().to_vec(),
            "line 2: the header announces 1 entries but the file ends after 0",
        ),
        (
            format!(
                "{HEADER1}{{\"key\":\"a\",\"value\":\"1\"}}\n{{\"key\":\"b\",\"value\":\"2\"}}\n"
            )
            .into_bytes(),
            "line 3: the header announces 1 entries but more follow",
        ),
        (
            format!("{HEADER1}{{\"key\":\"\",\"value\":\"1\"}}\n").into_bytes(),
            "line 2: A key is required",
        ),
        (
            format!("{HEADER1}{{\"key\":\"a\",\"value\":1}}\n").into_bytes(),
            "line 2: expected {\"key\":...,\"value\":...}",
        ),
        (
            format!("{HEADER1}{{\"key\":\"a\",\"value\":\"1\",\"ttl\":5}}\n").into_bytes(),
            "unknown field `ttl`",
        ),
        (
            b"{\"format\":\"rk6-kv-snapshot\",\"version\":1,\"backend\":\"disk\",\"entries\":2}\n\
              {\"key\":\"a\",\"value\":\"1\"}\n{\"key\":\"a\",\"value\":\"2\"}\n"
                .to_vec(),
            "line 3: key \"a\" appears twice",
        ),
        (
            [HEADER1.as_bytes(), b"{\"key\":\"a\",\"value\":\"\xff\"}\n"].concat(),
            "Line 2 is not UTF-8 text",
        ),
    ];
    for store in &stores {
        fill(&**store, &[("keep", "1")]);
        for (file, needle) in &cases {
            assert_named(
                snapshot::restore(&**store, &file[..]),
                "SnapshotError",
                needle,
            );
            assert_eq!(contents(&**store), owned(&[("keep", "1")]), "{needle}");
        }
    }
}

#[test]
fn restore_limits_are_enforced_before_any_change() {
    let memory = MemoryStore::new();
    fill(&memory, &[("aa", "11"), ("bb", "22")]);
    let mut snap = Vec::new();
    snapshot::backup(&memory, &mut snap).unwrap();
    let target = MemoryStore::new();
    fill(&target, &[("keep", "1")]);
    let limits = |max_entries, max_bytes| RestoreLimits {
        max_entries,
        max_bytes,
    };
    assert_named(
        snapshot::restore_with(&target, &snap[..], limits(1, 0)),
        "SnapshotBudgetExceededError",
        "maxEntries limit of 1",
    );
    assert_named(
        snapshot::restore_with(&target, &snap[..], limits(0, 7)),
        "SnapshotBudgetExceededError",
        "maxBytes limit of 7",
    );
    assert_eq!(contents(&target), owned(&[("keep", "1")]));
    let summary = snapshot::restore_with(&target, &snap[..], limits(2, 8)).unwrap();
    assert_eq!(summary.entries, 2);
}

#[test]
fn files_are_replaced_only_when_they_hold_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let memory = MemoryStore::new();
    fill(&memory, &SAMPLE);
    let path = dir.path().join("snap.jsonl");
    let first = snapshot::backup_to_file(&memory, &path).unwrap();
    assert_eq!(first.entries, 4);
    assert_eq!(
        first.bytes,
        std::fs::metadata(&path).unwrap().len(),
        "bytes written"
    );
    memory.delete("a").wait().unwrap();
    assert_eq!(
        snapshot::backup_to_file(&memory, &path).unwrap().entries,
        3,
        "a snapshot is replaced"
    );
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["snap.jsonl"]);

    let script = dir.path().join("script.js");
    std::fs::write(&script, "export default function () {}\n").unwrap();
    assert_named(
        snapshot::backup_to_file(&memory, &script),
        "SnapshotError",
        "is not an rk6 snapshot",
    );
    assert_eq!(
        std::fs::read_to_string(&script).unwrap(),
        "export default function () {}\n"
    );
    // The live file of a disk store is not a snapshot either.
    let live = disk(&dir, "live.kv");
    drop(live);
    assert_named(
        snapshot::backup_to_file(&memory, &dir.path().join("live.kv")),
        "SnapshotError",
        "is not an rk6 snapshot",
    );
    assert_named(
        snapshot::backup_to_file(&memory, dir.path()),
        "SnapshotError",
        "it is a directory",
    );
    assert_named(
        snapshot::backup_to_file(&memory, &dir.path().join("missing/x.jsonl")),
        "SnapshotNotFoundError",
        "missing",
    );

    let target = MemoryStore::new();
    let restored = snapshot::restore_from_file(&target, &path, RestoreLimits::default()).unwrap();
    assert_eq!(restored.entries, 3);
    assert_named(
        snapshot::restore_from_file(&target, &dir.path().join("nope"), Default::default()),
        "SnapshotNotFoundError",
        "Cannot open",
    );
    assert_named(
        snapshot::restore_from_file(&target, &script, Default::default()),
        "SnapshotError",
        &format!("The snapshot {} is damaged", script.display()),
    );
}

#[test]
fn export_writes_json_values_and_import_reads_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let memory = MemoryStore::new();
    fill(
        &memory,
        &[
            ("a", "{\"n\": [1, 2],\n \"s\": \"x y\"}"),
            ("b", "plain text"),
            ("c", "\"json string\""),
            ("other", "1"),
        ],
    );
    let mut out = Vec::new();
    let summary = snapshot::export(&memory, "", &mut out).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert_eq!(
        text,
        "{\"key\":\"a\",\"value\":{\"n\":[1,2],\"s\":\"x y\"}}\n\
         {\"key\":\"b\",\"value\":\"plain text\"}\n\
         {\"key\":\"c\",\"value\":\"json string\"}\n\
         {\"key\":\"other\",\"value\":1}\n"
    );
    assert_eq!(summary.entries, 4);
    assert_eq!(summary.bytes, text.len() as u64);
    let mut only = Vec::new();
    assert_eq!(
        snapshot::export(&memory, "o", &mut only).unwrap().entries,
        1
    );
    assert_eq!(only, b"{\"key\":\"other\",\"value\":1}\n");

    let disk = disk(&dir, "import.kv");
    fill(&*disk, &[("keep", "true"), ("a", "0")]);
    let summary = snapshot::import(&*disk, &out[..], ImportAs::Json).unwrap();
    assert_eq!(summary.entries, 4);
    assert_eq!(
        contents(&*disk),
        owned(&[
            ("a", "{\"n\":[1,2],\"s\":\"x y\"}"),
            ("b", "\"plain text\""),
            ("c", "\"json string\""),
            ("keep", "true"),
            ("other", "1"),
        ])
    );
    snapshot::import(&*disk, &out[..], ImportAs::String).unwrap();
    assert_eq!(disk.get("b").unwrap().unwrap(), b"plain text");
    assert_eq!(disk.get("c").unwrap().unwrap(), b"json string");
    assert_eq!(disk.get("other").unwrap().unwrap(), b"1");
}

#[test]
fn bad_import_lines_are_named_and_change_nothing() {
    let memory = MemoryStore::new();
    fill(&memory, &[("keep", "1")]);
    let cases: [(&str, &str); 4] = [
        (
            "{\"key\":\"a\",\"value\":1}\nnot json\n",
            "Line 2 of the import",
        ),
        ("{\"key\":\"a\"}\n", "missing field `value`"),
        ("{\"key\":\"\",\"value\":1}\n", "A key is required"),
        ("{\"key\":\"a\",\"value\":1,\"x\":2}\n", "unknown field `x`"),
    ];
    for (input, needle) in cases {
        assert_named(
            snapshot::import(&memory, input.as_bytes(), ImportAs::Json),
            "SnapshotError",
            needle,
        );
        assert_eq!(contents(&memory), owned(&[("keep", "1")]));
    }
    let summary = snapshot::import(
        &memory,
        &b"\n{\"key\":\"x\",\"value\":[true]}\n\n"[..],
        ImportAs::Json,
    )
    .unwrap();
    assert_eq!(summary.entries, 1);
    assert_eq!(memory.get("x").unwrap().unwrap(), b"[true]");
}

/// Export tells JSON from other text without a depth limit, so deeply nested values (which
/// scripts can store) are exported as JSON, not as strings.
#[test]
fn export_writes_deeply_nested_values_as_json() {
    let memory = MemoryStore::new();
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    fill(&memory, &[("a", &deep)]);
    let mut out = Vec::new();
    snapshot::export(&memory, "", &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!("{{\"key\":\"a\",\"value\":{deep}}}\n")
    );
}

#[test]
fn expiries_travel_with_their_entries_across_backends() {
    let dir = tempfile::tempdir().unwrap();
    let memory = MemoryStore::new();
    let later = rk6_kv::now_ms() + 3_600_000;
    memory
        .put("session", b"\"s\"".to_vec(), Some(later))
        .wait()
        .unwrap();
    memory.set("kept", b"1".to_vec()).wait().unwrap();
    memory
        .put("gone", b"2".to_vec(), Some(rk6_kv::now_ms() - 1))
        .wait()
        .unwrap();
    let mut out = Vec::new();
    let summary = snapshot::backup(&memory, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    // The expired entry is not in the snapshot; the expiring one carries its time.
    assert_eq!(summary.entries, 2);
    assert!(
        text.ends_with(&format!(
            "{{\"key\":\"kept\",\"value\":\"1\"}}\n\
             {{\"key\":\"session\",\"value\":\"\\\"s\\\"\",\"expiresAt\":{later}}}\n"
        )),
        "{text}"
    );
    let store = disk(&dir, "restored.kv");
    snapshot::restore(&*store, text.as_bytes()).unwrap();
    let session = store.entry("session").unwrap().unwrap();
    assert_eq!(session.expires_at, Some(later));
    assert_eq!(store.entry("kept").unwrap().unwrap().expires_at, None);
    assert_eq!(store.size().unwrap(), 2);
}
