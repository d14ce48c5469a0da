//! One behavioural contract, run against every backend: a script must not be able to tell
//! which backend it runs on, apart from durability.

use std::sync::Arc;
use std::thread;

use rk6_kv::{AtomicOps, DiskStore, MemoryStore, Query, Store, StoreError, NOT_A_NUMBER};
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
}
