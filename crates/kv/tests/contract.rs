//! One behavioural contract, run against every backend: a script must not be able to tell
//! which backend it runs on, apart from durability.

use std::sync::Arc;
use std::thread;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rk6_kv::{
    now_ms, AtomicOps, Check, ClaimCounts, DiskStore, Durability, MemoryStore, Mutation, Query,
    Store, StoreError, NOT_A_NUMBER,
};
use tempfile::TempDir;

/// A fresh, empty store plus whatever must outlive it.
struct Fixture {
    store: Arc<dyn Store>,
    // Declared after `store` so the store is closed before its directory is removed.
    _dir: Option<TempDir>,
}

fn memory() -> Fixture {
    Fixture {
        store: Arc::new(MemoryStore::new()),
        _dir: None,
    }
}

fn disk() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = DiskStore::open(&dir.path().join("contract.kv")).expect("open disk store");
    Fixture {
        store,
        _dir: Some(dir),
    }
}

/// The disk store in `Durability::Process`: only what survives a crash differs.
fn disk_process() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let store =
        DiskStore::open_with_durability(&dir.path().join("contract.kv"), Durability::Process)
            .expect("open disk store");
    Fixture {
        store,
        _dir: Some(dir),
    }
}

/// Generates one `#[test]` per contract case for a backend.
macro_rules! contract_suite {
    ($backend:ident: $($case:ident),* $(,)?) => {
        mod $backend {
            $(
                #[test]
                fn $case() {
                    let fixture = super::$backend();
                    super::cases::$case(&*fixture.store);
                }
            )*
        }
    };
}

macro_rules! both_backends {
    ($($case:ident),* $(,)?) => {
        contract_suite!(memory: $($case),*);
        contract_suite!(disk: $($case),*);
        contract_suite!(disk_process: $($case),*);
    };
}

both_backends!(
    reports_backend_name,
    round_trips_binary_values,
    get_with_lends_what_get_returns,
    overwrites,
    deletes,
    deleting_missing_key_is_ok,
    exists_tracks_set_and_delete,
    lists_in_utf8_byte_order,
    lists_by_prefix,
    list_limit_zero_means_all,
    overlong_prefix_lists_nothing,
    clears,
    counts_size,
    rejects_empty_key,
    rejects_key_over_511_bytes,
    accepts_511_byte_multibyte_key,
    keeps_all_concurrent_writes,
    increments_atomically_under_contention,
    increment_rejects_what_is_not_a_number,
    get_or_set_and_swap,
    compare_and_swap_and_delete,
    declined_step_leaves_its_batch_alone,
    scans_in_pages_that_resume_after_the_last_key,
    counts_by_prefix,
    queries_key_ranges_in_both_directions,
    expired_entries_are_invisible_to_every_read,
    entries_expire_when_their_time_comes,
    increment_keeps_an_expiry_and_set_drops_it,
    versionstamps_identify_writes,
    commit_is_all_or_nothing,
    transfers_between_accounts_conserve_the_total,
    pop_random_hands_out_each_entry_once,
    claims_hide_keys_until_released_completed_or_expired,
    random_key_is_uniform_within_its_prefix,
    query_entries_carry_versionstamps_and_expiries,
);

mod cases {
    use super::*;

    fn set(store: &dyn Store, key: &str, value: &[u8]) {
        store
            .set(key, value.to_vec())
            .wait()
            .unwrap_or_else(|e| panic!("set {key:?}: {e}"));
    }

    fn keys(entries: &[(String, Vec<u8>)]) -> Vec<&str> {
        entries.iter().map(|(k, _)| k.as_str()).collect()
    }

    pub fn reports_backend_name(store: &dyn Store) {
        assert!(["memory", "disk"].contains(&store.backend_name()));
    }

    pub fn round_trips_binary_values(store: &dyn Store) {
        let megabyte: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let values: [(&str, Vec<u8>); 4] = [
            ("text", b"{\"a\":1}".to_vec()),
            ("nul", vec![0, 1, 0, 255, 0]),
            ("empty", Vec::new()),
            ("big", megabyte),
        ];
        for (key, value) in &values {
            set(store, key, value);
        }
        for (key, value) in &values {
            assert_eq!(store.get(key).expect("get").as_ref(), Some(value), "{key}");
        }
        assert_eq!(store.get("missing").expect("get"), None);
    }

    pub fn get_with_lends_what_get_returns(store: &dyn Store) {
        set(store, "k", b"value\0bytes");
        let lent = |key: &str| {
            let mut seen = None;
            store
                .get_with(key, &mut |bytes| seen = Some(bytes.map(<[u8]>::to_vec)))
                .map(|()| seen.expect("get_with calls f exactly when it succeeds"))
        };
        assert_eq!(lent("k").expect("get_with"), store.get("k").expect("get"));
        assert_eq!(lent("missing").expect("get_with"), None);
        assert!(matches!(lent(""), Err(StoreError::KeyRequired)));
        let long = "k".repeat(512);
        assert!(matches!(
            lent(&long),
            Err(StoreError::KeyTooLarge { len: 512 })
        ));
    }

    pub fn overwrites(store: &dyn Store) {
        set(store, "k", b"one");
        set(store, "k", b"two");
        assert_eq!(store.get("k").expect("get"), Some(b"two".to_vec()));
        assert_eq!(store.size().expect("size"), 1);
    }

    pub fn deletes(store: &dyn Store) {
        set(store, "k", b"v");
        store.delete("k").wait().expect("delete");
        assert_eq!(store.get("k").expect("get"), None);
    }

    pub fn deleting_missing_key_is_ok(store: &dyn Store) {
        store.delete("never-set").wait().expect("delete missing");
    }

    pub fn exists_tracks_set_and_delete(store: &dyn Store) {
        assert!(!store.exists("k").expect("exists"));
        set(store, "k", b"");
        assert!(store.exists("k").expect("exists"));
        store.delete("k").wait().expect("delete");
        assert!(!store.exists("k").expect("exists"));
    }

    pub fn lists_in_utf8_byte_order(store: &dyn Store) {
        // Inserted out of order; 'é' (0xC3 0xA9) sorts after 'z' (0x7A) in byte order, and a
        // key sorts right after its own prefix even when the next byte is NUL.
        for key in ["z", "é", "b", "ab", "a\u{0}", "a"] {
            set(store, key, key.as_bytes());
        }
        let all = store.list("", 0).expect("list");
        assert_eq!(keys(&all), ["a", "a\u{0}", "ab", "b", "z", "é"]);
        for (key, value) in &all {
            assert_eq!(value, key.as_bytes());
        }
    }

    pub fn lists_by_prefix(store: &dyn Store) {
        for key in [
            "user:1", "user:2", "user:10", "users", "use", "order:1", "é:1", "é:2",
        ] {
            set(store, key, b"x");
        }
        assert_eq!(
            keys(&store.list("user:", 0).expect("list")),
            ["user:1", "user:10", "user:2"]
        );
        assert_eq!(
            keys(&store.list("user", 0).expect("list")),
            ["user:1", "user:10", "user:2", "users"]
        );
        assert_eq!(
            keys(&store.list("user:", 2).expect("list")),
            ["user:1", "user:10"]
        );
        assert_eq!(keys(&store.list("é", 0).expect("list")), ["é:1", "é:2"]);
        assert!(store.list("nothing", 0).expect("list").is_empty());
        // Sorts after every stored key, so the range scan starts past the end.
        assert!(store.list("\u{10FFFF}", 0).expect("list").is_empty());
    }

    pub fn list_limit_zero_means_all(store: &dyn Store) {
        for i in 0..25 {
            set(store, &format!("k{i:02}"), b"v");
        }
        assert_eq!(store.list("", 0).expect("list").len(), 25);
        assert_eq!(store.list("k", 0).expect("list").len(), 25);
        assert_eq!(store.list("", 10).expect("list").len(), 10);
        assert_eq!(store.list("", 1000).expect("list").len(), 25);
    }

    pub fn overlong_prefix_lists_nothing(store: &dyn Store) {
        set(store, "k", b"v");
        assert!(store.list(&"k".repeat(600), 0).expect("list").is_empty());
    }

    pub fn clears(store: &dyn Store) {
        for i in 0..10 {
            set(store, &format!("k{i}"), b"v");
        }
        store.clear().wait().expect("clear");
        assert_eq!(store.size().expect("size"), 0);
        assert!(store.list("", 0).expect("list").is_empty());
        set(store, "after", b"v");
        assert_eq!(store.size().expect("size"), 1);
    }

    pub fn counts_size(store: &dyn Store) {
        assert_eq!(store.size().expect("size"), 0);
        set(store, "a", b"1");
        set(store, "b", b"2");
        set(store, "a", b"3");
        assert_eq!(store.size().expect("size"), 2);
        store.delete("a").wait().expect("delete");
        assert_eq!(store.size().expect("size"), 1);
    }

    pub fn rejects_empty_key(store: &dyn Store) {
        assert!(matches!(store.get(""), Err(StoreError::KeyRequired)));
        assert!(matches!(store.exists(""), Err(StoreError::KeyRequired)));
        assert!(matches!(
            store.set("", b"v".to_vec()).wait(),
            Err(StoreError::KeyRequired)
        ));
        assert!(matches!(
            store.delete("").wait(),
            Err(StoreError::KeyRequired)
        ));
        assert_eq!(store.size().expect("size"), 0);
    }

    pub fn rejects_key_over_511_bytes(store: &dyn Store) {
        let key = "k".repeat(512);
        let too_large =
            |r: Result<(), StoreError>| matches!(r, Err(StoreError::KeyTooLarge { len: 512 }));
        assert!(too_large(store.get(&key).map(drop)));
        assert!(too_large(store.exists(&key).map(drop)));
        assert!(too_large(store.set(&key, b"v".to_vec()).wait()));
        assert!(too_large(store.delete(&key).wait()));
        assert_eq!(store.size().expect("size"), 0);
    }

    pub fn accepts_511_byte_multibyte_key(store: &dyn Store) {
        // 255 two-byte chars plus one ASCII char: 256 chars but 511 bytes.
        let key = format!("{}k", "é".repeat(255));
        assert_eq!(key.len(), 511);
        set(store, &key, b"v");
        assert_eq!(store.get(&key).expect("get"), Some(b"v".to_vec()));
        assert_eq!(keys(&store.list("é", 0).expect("list")), [key.as_str()]);
        // 256 two-byte chars: fewer chars than 511 but 512 bytes.
        let long = "é".repeat(256);
        assert!(matches!(
            store.set(&long, b"v".to_vec()).wait(),
            Err(StoreError::KeyTooLarge { len: 512 })
        ));
    }

    pub fn keeps_all_concurrent_writes(store: &dyn Store) {
        thread::scope(|scope| {
            for t in 0..20 {
                scope.spawn(move || {
                    for k in 0..50 {
                        let key = format!("t{t:02}:k{k:02}");
                        store
                            .set(&key, key.as_bytes().to_vec())
                            .wait()
                            .expect("concurrent set");
                    }
                });
            }
        });
        assert_eq!(store.size().expect("size"), 1000);
        let all = store.list("", 0).expect("list");
        assert_eq!(all.len(), 1000);
        for (key, value) in &all {
            assert_eq!(value, key.as_bytes());
        }
    }

    pub fn increments_atomically_under_contention(store: &dyn Store) {
        thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..250 {
                        store.increment_by("hits", 1.0).wait().expect("increment");
                    }
                });
            }
        });
        assert_eq!(store.get("hits").unwrap().unwrap(), b"2000");
        assert_eq!(store.increment_by("hits", -0.5).wait().unwrap(), 1999.5);
    }

    pub fn increment_rejects_what_is_not_a_number(store: &dyn Store) {
        for stored in [&b"\"7\""[..], b"{}", b"not json", b"null"] {
            set(store, "n", stored);
            let err = store.increment_by("n", 1.0).wait().unwrap_err();
            assert_eq!(err.name(), NOT_A_NUMBER, "{err}");
            assert!(err.to_string().contains("\"n\""), "{err}");
            assert_eq!(store.get("n").unwrap().unwrap(), stored);
        }
        set(store, "n", b"1e308");
        let err = store.increment_by("n", 1e308).wait().unwrap_err();
        assert_eq!(err.name(), NOT_A_NUMBER);
        assert_eq!(store.get("n").unwrap().unwrap(), b"1e308");
        let err = store.increment_by("", 1.0).wait().unwrap_err();
        assert!(matches!(err, StoreError::KeyRequired));
    }

    pub fn get_or_set_and_swap(store: &dyn Store) {
        assert_eq!(
            store.get_or_set("k", b"1".to_vec()).wait().unwrap(),
            (b"1".to_vec(), false)
        );
        assert_eq!(
            store.get_or_set("k", b"2".to_vec()).wait().unwrap(),
            (b"1".to_vec(), true)
        );
        assert_eq!(
            store.swap("k", b"3".to_vec()).wait().unwrap(),
            Some(b"1".to_vec())
        );
        assert_eq!(store.swap("new", b"4".to_vec()).wait().unwrap(), None);
        assert_eq!(store.get("k").unwrap().unwrap(), b"3");
        assert_eq!(store.get("new").unwrap().unwrap(), b"4");
    }

    pub fn compare_and_swap_and_delete(store: &dyn Store) {
        assert!(store
            .compare_and_swap("k", None, b"1".to_vec())
            .wait()
            .unwrap());
        assert!(!store
            .compare_and_swap("k", None, b"2".to_vec())
            .wait()
            .unwrap());
        assert!(!store
            .compare_and_swap("k", Some(b"9".to_vec()), b"2".to_vec())
            .wait()
            .unwrap());
        assert!(store
            .compare_and_swap("k", Some(b"1".to_vec()), b"2".to_vec())
            .wait()
            .unwrap());
        assert_eq!(store.get("k").unwrap().unwrap(), b"2");
        assert!(!store.compare_and_delete("k", b"1".to_vec()).wait().unwrap());
        assert!(store.compare_and_delete("k", b"2".to_vec()).wait().unwrap());
        assert!(!store.exists("k").unwrap());
        assert!(!store.delete_if_exists("k").wait().unwrap());
        set(store, "k", b"x");
        assert!(store.delete_if_exists("k").wait().unwrap());
        assert!(!store.exists("k").unwrap());
        // Many VUs racing to initialise one key: exactly one wins.
        let wins = std::sync::atomic::AtomicUsize::new(0);
        thread::scope(|scope| {
            for t in 0..8u8 {
                let wins = &wins;
                scope.spawn(move || {
                    if store
                        .compare_and_swap("once", None, vec![t])
                        .wait()
                        .unwrap()
                    {
                        wins.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                });
            }
        });
        assert_eq!(wins.into_inner(), 1);
    }

    /// On disk, concurrent writes share one transaction: a step that declines must not
    /// take the others down with it, nor leave its own staged writes behind.
    pub fn declined_step_leaves_its_batch_alone(store: &dyn Store) {
        set(store, "text", b"\"t\"");
        thread::scope(|scope| {
            for t in 0..16 {
                scope.spawn(move || {
                    if t % 2 == 0 {
                        let err = store.increment_by("text", 1.0).wait().unwrap_err();
                        assert_eq!(err.name(), NOT_A_NUMBER);
                    } else {
                        let key = format!("ok{t}");
                        store.set(&key, b"1".to_vec()).wait().expect("set");
                        store.increment_by(&key, 1.0).wait().expect("increment");
                    }
                });
            }
        });
        assert_eq!(store.get("text").unwrap().unwrap(), b"\"t\"");
        for t in (1..16).step_by(2) {
            assert_eq!(store.get(&format!("ok{t}")).unwrap().unwrap(), b"2");
        }
    }

    pub fn scans_in_pages_that_resume_after_the_last_key(store: &dyn Store) {
        for key in ["a", "p:1", "p:2", "p:3", "p:4", "p:5", "q"] {
            set(store, key, key.as_bytes());
        }
        let page = store.scan("p:", None, 2).unwrap();
        assert_eq!(keys(&page), ["p:1", "p:2"]);
        // Writes between pages: a deleted key is skipped, a new one after the cursor seen,
        // none returned twice.
        store.delete("p:3").wait().unwrap();
        set(store, "p:2a", b"new");
        set(store, "p:0", b"before the cursor");
        let page = store.scan("p:", Some("p:2"), 2).unwrap();
        assert_eq!(keys(&page), ["p:2a", "p:4"]);
        let page = store.scan("p:", Some("p:4"), 2).unwrap();
        assert_eq!(keys(&page), ["p:5"]);
        assert!(store.scan("p:", Some("p:5"), 2).unwrap().is_empty());
        // A cursor before the prefix starts at the prefix; limit 0 means all.
        assert_eq!(
            keys(&store.scan("p:", Some("a"), 0).unwrap()),
            ["p:0", "p:1", "p:2", "p:2a", "p:4", "p:5"]
        );
        assert_eq!(keys(&store.scan("", Some("p:5"), 0).unwrap()), ["q"]);
        assert_eq!(store.scan("", None, 0).unwrap().len(), 8);
        assert_eq!(keys(&store.scan("", None, 1).unwrap()), ["a"]);
        assert!(store.scan(&"x".repeat(600), None, 0).unwrap().is_empty());
    }

    pub fn counts_by_prefix(store: &dyn Store) {
        for key in ["a", "p:1", "p:2", "pq", "q"] {
            set(store, key, b"1");
        }
        assert_eq!(store.count("").unwrap(), 5);
        assert_eq!(store.count("p").unwrap(), 3);
        assert_eq!(store.count("p:").unwrap(), 2);
        assert_eq!(store.count("z").unwrap(), 0);
        assert_eq!(store.count(&"x".repeat(600)).unwrap(), 0);
    }

    pub fn queries_key_ranges_in_both_directions(store: &dyn Store) {
        for key in ["a", "b:1", "b:2", "b:3", "b:4", "c", "\u{10FFFF}z"] {
            set(store, key, key.as_bytes());
        }
        let q = |query: Query| keys(&store.query(&query).unwrap()).join(" ");
        let all = Query::default();
        assert_eq!(q(all), "a b:1 b:2 b:3 b:4 c \u{10FFFF}z");
        assert_eq!(
            q(Query {
                reverse: true,
                limit: 2,
                ..all
            }),
            "\u{10FFFF}z c"
        );
        let b = Query {
            prefix: "b:",
            ..all
        };
        assert_eq!(q(Query { reverse: true, ..b }), "b:4 b:3 b:2 b:1");
        assert_eq!(
            q(Query {
                start: Some("b:2"),
                end: Some("b:4"),
                ..b
            }),
            "b:2 b:3"
        );
        assert_eq!(
            q(Query {
                start: Some("b:2"),
                end: Some("b:4"),
                reverse: true,
                ..b
            }),
            "b:3 b:2"
        );
        // A reverse cursor resumes below the key it names.
        assert_eq!(
            q(Query {
                after: Some("b:3"),
                reverse: true,
                ..b
            }),
            "b:2 b:1"
        );
        assert_eq!(
            q(Query {
                after: Some("b:3"),
                ..b
            }),
            "b:4"
        );
        assert_eq!(
            q(Query {
                start: Some("a"),
                end: Some("b"),
                ..all
            }),
            "a"
        );
        assert_eq!(
            q(Query {
                start: Some("c"),
                end: Some("c"),
                ..all
            }),
            ""
        );
        assert_eq!(
            q(Query {
                start: Some("z"),
                end: Some("a"),
                ..all
            }),
            ""
        );
        assert_eq!(
            q(Query {
                prefix: "\u{10FFFF}",
                reverse: true,
                ..all
            }),
            "\u{10FFFF}z"
        );
        assert_eq!(
            q(Query {
                prefix: &"x".repeat(600),
                ..all
            }),
            ""
        );
        let long = "x".repeat(600);
        let err = store
            .query(&Query {
                end: Some(&long),
                ..all
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::KeyTooLarge { len: 600 }), "{err}");
    }

    fn put(store: &dyn Store, key: &str, value: &[u8], expires_at: Option<u64>) {
        store
            .put(key, value.to_vec(), expires_at)
            .wait()
            .unwrap_or_else(|e| panic!("put {key:?}: {e}"));
    }

    pub fn expired_entries_are_invisible_to_every_read(store: &dyn Store) {
        let past = now_ms() - 1;
        put(store, "t:gone", b"1", Some(past));
        put(store, "t:kept", b"2", None);
        put(store, "t:later", b"3", Some(now_ms() + 3_600_000));
        assert_eq!(store.get("t:gone").unwrap(), None);
        assert!(!store.exists("t:gone").unwrap());
        assert_eq!(store.entry("t:gone").unwrap(), None);
        let mut lent = Some(b"x".to_vec());
        store
            .get_with("t:gone", &mut |v| lent = v.map(<[u8]>::to_vec))
            .unwrap();
        assert_eq!(lent, None);
        assert_eq!(keys(&store.list("t:", 0).unwrap()), ["t:kept", "t:later"]);
        assert_eq!(keys(&store.list("", 1).unwrap()), ["t:kept"]);
        assert_eq!(
            keys(&store.scan("t:", None, 0).unwrap()),
            ["t:kept", "t:later"]
        );
        let reversed = store
            .query(&Query {
                reverse: true,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(keys(&reversed), ["t:later", "t:kept"]);
        assert_eq!(store.count("t:").unwrap(), 2);
        assert_eq!(store.size().unwrap(), 2);
        for _ in 0..50 {
            assert_ne!(store.random_key("t:").unwrap().as_deref(), Some("t:gone"));
        }
        assert_eq!(store.random_key("t:g").unwrap(), None);
        assert_eq!(store.pop_random("t:g").wait().unwrap(), None);
        // An atomic step does not see it either: set-if-absent succeeds.
        assert!(store
            .compare_and_swap("t:gone", None, b"new".to_vec())
            .wait()
            .unwrap());
        assert_eq!(store.get("t:gone").unwrap().unwrap(), b"new");
        assert_eq!(store.size().unwrap(), 3);
    }

    pub fn entries_expire_when_their_time_comes(store: &dyn Store) {
        // Far enough ahead that the writes (durable on disk, on a busy machine) are all in
        // before it; queued together, they share commits.
        let soon = now_ms() + 1500;
        let writes: Vec<_> = (0..20)
            .map(|i| store.put(&format!("e:{i:02}"), b"v".to_vec(), Some(soon)))
            .chain([store.put("e:stays", b"v".to_vec(), None)])
            .collect();
        for write in writes {
            write.wait().unwrap();
        }
        // A very busy machine may take longer than that to write them; then only what
        // follows the expiry is checked.
        if now_ms() + 100 < soon {
            assert_eq!(store.count("e:").unwrap(), 21);
            assert_eq!(store.entry("e:00").unwrap().unwrap().expires_at, Some(soon));
        }
        while now_ms() <= soon {
            thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(store.count("e:").unwrap(), 1);
        assert_eq!(store.size().unwrap(), 1);
        assert_eq!(keys(&store.list("", 0).unwrap()), ["e:stays"]);
        // Past the sweeper's period, the expired entries are gone for good: writing one of
        // the keys again starts it afresh.
        thread::sleep(Duration::from_millis(1500));
        put(store, "e:05", b"again", None);
        assert_eq!(store.size().unwrap(), 2);
        assert_eq!(keys(&store.list("e:", 0).unwrap()), ["e:05", "e:stays"]);
    }

    pub fn increment_keeps_an_expiry_and_set_drops_it(store: &dyn Store) {
        let later = now_ms() + 3_600_000;
        put(store, "rate", b"1", Some(later));
        assert_eq!(store.increment_by("rate", 1.0).wait().unwrap(), 2.0);
        assert_eq!(
            store.entry("rate").unwrap().unwrap().expires_at,
            Some(later)
        );
        put(store, "rate", b"5", None);
        assert_eq!(store.entry("rate").unwrap().unwrap().expires_at, None);
    }

    pub fn versionstamps_identify_writes(store: &dyn Store) {
        assert_eq!(store.entry("v").unwrap(), None);
        set(store, "v", b"1");
        let first = store.entry("v").unwrap().unwrap();
        assert_eq!(first.value, b"1");
        assert!(first.versionstamp > 0);
        set(store, "other", b"x");
        let other = store.entry("other").unwrap().unwrap().versionstamp;
        assert!(other > first.versionstamp);
        // Reading does not change it; writing the same value again does.
        assert_eq!(
            store.entry("v").unwrap().unwrap().versionstamp,
            first.versionstamp
        );
        set(store, "v", b"1");
        assert!(store.entry("v").unwrap().unwrap().versionstamp > other);
        store.delete("v").wait().unwrap();
        set(store, "v", b"1");
        store.clear().wait().unwrap();
        set(store, "v", b"1");
        // Clearing does not reset them: a versionstamp is never handed out twice.
        assert!(store.entry("v").unwrap().unwrap().versionstamp > other + 2);
    }

    pub fn commit_is_all_or_nothing(store: &dyn Store) {
        set(store, "a", b"10");
        let a = store.entry("a").unwrap().unwrap().versionstamp;
        let failed = store
            .commit(
                vec![
                    Check {
                        key: "a".into(),
                        versionstamp: Some(a),
                    },
                    Check {
                        key: "b".into(),
                        versionstamp: Some(1),
                    },
                ],
                vec![Mutation::Set {
                    key: "c".into(),
                    value: b"1".to_vec(),
                    expires_at: None,
                }],
            )
            .wait()
            .unwrap();
        assert_eq!(failed, None);
        assert_eq!(store.get("c").unwrap(), None);
        let stamp = store
            .commit(
                vec![
                    Check {
                        key: "a".into(),
                        versionstamp: Some(a),
                    },
                    Check {
                        key: "b".into(),
                        versionstamp: None,
                    },
                ],
                vec![
                    Mutation::Sum {
                        key: "a".into(),
                        delta: -3.0,
                    },
                    Mutation::Sum {
                        key: "b".into(),
                        delta: 3.0,
                    },
                    Mutation::Set {
                        key: "c".into(),
                        value: b"1".to_vec(),
                        expires_at: None,
                    },
                    Mutation::Delete { key: "c".into() },
                    Mutation::Set {
                        key: "d".into(),
                        value: b"\"x\"".to_vec(),
                        expires_at: None,
                    },
                ],
            )
            .wait()
            .unwrap()
            .expect("the checks hold");
        assert_eq!(store.get("a").unwrap().unwrap(), b"7");
        assert_eq!(store.get("b").unwrap().unwrap(), b"3");
        assert_eq!(store.get("c").unwrap(), None);
        for key in ["a", "b", "d"] {
            assert_eq!(
                store.entry(key).unwrap().unwrap().versionstamp,
                stamp,
                "{key}"
            );
        }
        // The old versionstamp no longer matches; a sum on text fails the whole commit.
        let stale = store
            .commit(
                vec![Check {
                    key: "a".into(),
                    versionstamp: Some(a),
                }],
                vec![],
            )
            .wait()
            .unwrap();
        assert_eq!(stale, None);
        let err = store
            .commit(
                vec![],
                vec![
                    Mutation::Set {
                        key: "e".into(),
                        value: b"1".to_vec(),
                        expires_at: None,
                    },
                    Mutation::Sum {
                        key: "d".into(),
                        delta: 1.0,
                    },
                ],
            )
            .wait()
            .unwrap_err();
        assert_eq!(err.name(), NOT_A_NUMBER);
        assert_eq!(store.get("e").unwrap(), None);
    }

    pub fn transfers_between_accounts_conserve_the_total(store: &dyn Store) {
        const ACCOUNTS: usize = 20;
        for i in 0..ACCOUNTS {
            set(store, &format!("acct:{i:02}"), b"100");
        }
        thread::scope(|scope| {
            for t in 0..10 {
                scope.spawn(move || {
                    let mut done = 0;
                    let mut n = t;
                    while done < 30 {
                        n = (n * 7 + 3) % (ACCOUNTS * ACCOUNTS);
                        let (from, to) = (
                            format!("acct:{:02}", n % ACCOUNTS),
                            format!("acct:{:02}", n / ACCOUNTS),
                        );
                        if from == to {
                            continue;
                        }
                        let f = store.entry(&from).unwrap().unwrap();
                        let t = store.entry(&to).unwrap().unwrap();
                        let balance: f64 = std::str::from_utf8(&f.value).unwrap().parse().unwrap();
                        if balance < 5.0 {
                            done += 1;
                            continue;
                        }
                        let committed = store
                            .commit(
                                vec![
                                    Check {
                                        key: from.clone(),
                                        versionstamp: Some(f.versionstamp),
                                    },
                                    Check {
                                        key: to.clone(),
                                        versionstamp: Some(t.versionstamp),
                                    },
                                ],
                                vec![
                                    Mutation::Sum {
                                        key: from,
                                        delta: -5.0,
                                    },
                                    Mutation::Sum {
                                        key: to,
                                        delta: 5.0,
                                    },
                                ],
                            )
                            .wait()
                            .unwrap();
                        if committed.is_some() {
                            done += 1;
                        }
                    }
                });
            }
        });
        let total: f64 = store
            .list("acct:", 0)
            .unwrap()
            .iter()
            .map(|(_, v)| std::str::from_utf8(v).unwrap().parse::<f64>().unwrap())
            .sum();
        assert_eq!(total, 100.0 * ACCOUNTS as f64);
    }

    pub fn pop_random_hands_out_each_entry_once(store: &dyn Store) {
        for i in 0..200 {
            set(store, &format!("job:{i:03}"), format!("{i}").as_bytes());
        }
        set(store, "other", b"x");
        let popped: Vec<Vec<(String, Vec<u8>)>> = thread::scope(|scope| {
            let workers: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = Vec::new();
                        while let Some(entry) = store.pop_random("job:").wait().unwrap() {
                            mine.push(entry);
                        }
                        mine
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let all: Vec<_> = popped.into_iter().flatten().collect();
        assert_eq!(all.len(), 200);
        let distinct: BTreeMap<_, _> = all.into_iter().collect();
        assert_eq!(distinct.len(), 200);
        for (key, value) in &distinct {
            assert_eq!(
                format!(
                    "job:{:03}",
                    std::str::from_utf8(value).unwrap().parse::<u32>().unwrap()
                ),
                *key
            );
        }
        assert_eq!(keys(&store.list("", 0).unwrap()), ["other"]);
    }

    pub fn claims_hide_keys_until_released_completed_or_expired(store: &dyn Store) {
        for key in ["q:a", "q:b", "q:c"] {
            set(store, key, key.as_bytes());
        }
        let claim = |owner: &str, ttl: u64| store.claim_random("q:", owner, ttl).wait().unwrap();
        let mut claims: Vec<_> = (0..3)
            .map(|_| claim("w1", 60_000).expect("a free key"))
            .collect();
        claims.sort_by(|a, b| a.0.cmp(&b.0));
        let claimed: Vec<&str> = claims.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(claimed, ["q:a", "q:b", "q:c"]);
        for (key, value, c) in &claims {
            assert_eq!(value, key.as_bytes());
            assert_eq!(c.owner, "w1");
            assert_eq!(c.token.len(), 32);
        }
        let ids: BTreeSet<_> = claims.iter().map(|c| c.2.id.clone()).collect();
        assert_eq!(ids.len(), 3);
        assert!(claim("w2", 60_000).is_none());
        assert_eq!(store.random_key("q:").unwrap(), None);
        assert_eq!(store.pop_random("q:").wait().unwrap(), None);
        assert_eq!(
            store.claim_counts().unwrap(),
            ClaimCounts {
                live: 3,
                expired: 0
            }
        );
        // Claimed keys are still readable and writable; a set keeps the claim.
        set(store, "q:a", b"updated");
        assert_eq!(store.get("q:a").unwrap().unwrap(), b"updated");
        assert!(claim("w2", 60_000).is_none());

        let (a, b, c) = (&claims[0], &claims[1], &claims[2]);
        assert!(!store
            .release_claim(&a.0, &a.2.id, "wrong token")
            .wait()
            .unwrap());
        assert!(!store
            .release_claim(&a.0, &b.2.id, &b.2.token)
            .wait()
            .unwrap());
        assert!(store
            .release_claim(&a.0, &a.2.id, &a.2.token)
            .wait()
            .unwrap());
        assert!(!store
            .release_claim(&a.0, &a.2.id, &a.2.token)
            .wait()
            .unwrap());
        let again = claim("w2", 60_000).expect("q:a is free again");
        assert_eq!(again.0, "q:a");
        assert_eq!(again.1, b"updated");
        assert!(store
            .complete_claim(&b.0, &b.2.id, &b.2.token, true)
            .wait()
            .unwrap());
        assert_eq!(store.get("q:b").unwrap(), None);
        assert!(store
            .complete_claim(&c.0, &c.2.id, &c.2.token, false)
            .wait()
            .unwrap());
        assert_eq!(store.get("q:c").unwrap().unwrap(), b"q:c");
        assert_eq!(
            store.claim_counts().unwrap(),
            ClaimCounts {
                live: 1,
                expired: 0
            }
        );

        // A claim that runs out frees its key; its holder can no longer end it.
        let short = claim("w3", 50).expect("q:c is free");
        assert_eq!(short.0, "q:c");
        thread::sleep(Duration::from_millis(80));
        assert_eq!(
            store.claim_counts().unwrap(),
            ClaimCounts {
                live: 1,
                expired: 1
            }
        );
        assert_eq!(store.random_key("q:").unwrap().as_deref(), Some("q:c"));
        assert!(!store
            .complete_claim(&short.0, &short.2.id, &short.2.token, true)
            .wait()
            .unwrap());
        assert_eq!(store.get("q:c").unwrap().unwrap(), b"q:c");
        // Deleting a key ends its claim.
        store.delete("q:a").wait().unwrap();
        assert_eq!(
            store.claim_counts().unwrap(),
            ClaimCounts {
                live: 0,
                expired: 0
            }
        );
    }

    pub fn random_key_is_uniform_within_its_prefix(store: &dyn Store) {
        for i in 0..10 {
            set(store, &format!("r:{i}"), b"1");
        }
        for key in ["a", "q", "r", "s:1", "z"] {
            set(store, key, b"1");
        }
        let mut seen: BTreeMap<String, u32> = BTreeMap::new();
        for _ in 0..5000 {
            let key = store
                .random_key("r:")
                .unwrap()
                .expect("keys with the prefix");
            *seen.entry(key).or_default() += 1;
        }
        assert_eq!(seen.len(), 10, "{seen:?}");
        // 500 expected each; the standard deviation is about 21.
        for (key, n) in &seen {
            assert!(
                (350..650).contains(n),
                "{key} picked {n} times of 5000: {seen:?}"
            );
        }
        assert_eq!(store.random_key("nothing").unwrap(), None);
        let any: BTreeSet<String> = (0..400)
            .map(|_| store.random_key("").unwrap().unwrap())
            .collect();
        assert_eq!(any.len(), 15);
    }

    pub fn query_entries_carry_versionstamps_and_expiries(store: &dyn Store) {
        let later = now_ms() + 3_600_000;
        put(store, "b", b"2", Some(later));
        put(store, "a", b"1", None);
        put(store, "c", b"3", Some(now_ms() - 1));
        let entries = store.query_entries(&Query::default()).unwrap();
        let shown: Vec<_> = entries
            .iter()
            .map(|(k, e)| (k.as_str(), e.value.as_slice(), e.expires_at))
            .collect();
        assert_eq!(
            shown,
            [("a", &b"1"[..], None), ("b", &b"2"[..], Some(later))]
        );
        assert_eq!(entries[0].1, store.entry("a").unwrap().unwrap());
        assert!(entries[0].1.versionstamp > entries[1].1.versionstamp);
    }
}
