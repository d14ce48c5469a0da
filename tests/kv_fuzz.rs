//! Property test of the `k6/x/kv` JavaScript API: tests/scripts/kv_fuzz.js makes calls with
//! odd keys, values and options drawn from a seeded PRNG and checks every outcome (see the
//! script). Here the real binary runs it on each backend; it must finish with exit code 0,
//! no panic, no violation, and must have met every kind of rejection it is meant to provoke.
//!
//! Reproduce or explore with `RK6_FUZZ_SEED=<n>` (and `RK6_FUZZ_CALLS=<n>`).

mod common;

use common::*;
use serde_json::Value;

const DEFAULT_SEEDS: [u32; 2] = [1, 20261126];
const DEFAULT_CALLS: u32 = 1500;

fn seeds() -> Vec<u32> {
    match std::env::var("RK6_FUZZ_SEED") {
        Ok(seed) => vec![seed.parse().expect("RK6_FUZZ_SEED is a number")],
        Err(_) => DEFAULT_SEEDS.to_vec(),
    }
}

fn calls() -> u32 {
    std::env::var("RK6_FUZZ_CALLS").map_or(DEFAULT_CALLS, |c| {
        c.parse().expect("RK6_FUZZ_CALLS is a number")
    })
}

fn fuzz(backend: &str) {
    for seed in seeds() {
        let dir = tempdir();
        let calls = calls();
        let script = test_script("", "kv_fuzz.js");
        let args = [
            "run".to_owned(),
            "-q".to_owned(),
            "--no-summary".to_owned(),
            "-e".to_owned(),
            format!("BACKEND={backend}"),
            "-e".to_owned(),
            format!("SEED={seed}"),
            "-e".to_owned(),
            format!("CALLS={calls}"),
            script,
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = rk6(dir.path(), &args);
        assert_no_panic(&output);
        assert_code(&output, 0);
        let err = stderr(&output);
        assert!(
            erro_lines(&err).is_empty(),
            "[{backend} seed {seed}] the iteration failed; {}",
            describe(&output)
        );
        let report: Value = info_lines(&err)
            .iter()
            .find_map(|l| l.strip_prefix("fuzz="))
            .map(|json| serde_json::from_str(json).expect("the fuzz report is JSON"))
            .unwrap_or_else(|| {
                panic!(
                    "[{backend} seed {seed}] no fuzz report; {}",
                    describe(&output)
                )
            });
        assert_eq!(
            report["failures"],
            Value::Array(vec![]),
            "[{backend} seed {seed}] violations"
        );
        assert_eq!(report["calls"], calls);

        // The generator must keep provoking every documented rejection, or the test would
        // quietly stop testing them.
        let outcomes = &report["outcomes"];
        let seen = |name: &str| {
            outcomes
                .as_object()
                .expect("outcomes by method")
                .values()
                .any(|o| o[name].as_u64().is_some_and(|n| n > 0))
        };
        for name in [
            "ok",
            "InvalidKeyError",
            "KeyRequiredError",
            "KeyTooLargeError",
            "KeyNotFoundError",
            "SerializationError",
            "InvalidOptionsError",
        ] {
            assert!(
                seen(name),
                "[{backend} seed {seed}] no call ended in {name}: {outcomes}"
            );
        }
        let open = &report["open"];
        for name in ["ok", "InvalidOptionsError", "StoreOpenError"] {
            assert!(
                open[name].as_u64().is_some_and(|n| n > 0),
                "[{backend} seed {seed}] no openKv() call ended in {name}: {open}"
            );
        }
    }
}

#[test]
fn odd_arguments_on_the_memory_backend() {
    fuzz("memory");
}

#[test]
fn odd_arguments_on_the_disk_backend() {
    fuzz("disk");
}
