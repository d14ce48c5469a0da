//! Random sampling on a large store: `randomKey`, `popRandom` and `claimRandom` from one VU
//! on 1,000,000 keys, next to the raw `Store`/`AtomicOps` calls they wrap:
//! `cargo bench --no-default-features --features quickjs --bench kv_random`.
//!
//! The store is filled from Rust before the runs (the memory store is the process's shared
//! one, which the in-process `rk6::Runner` uses too). Each JS figure is one run of one VU
//! looping on the awaited operation for `BENCH_RUN_MS` (default 1000), counted in a Counter
//! metric, over `RunResult::run_time`. `popRandom`/`claimRandom` are writes: on disk each
//! one from a lone VU is a durable commit of its own, so `fsync` bounds them; the figure
//! with 50 VUs shows group commit sharing it, and `RK6_KV_BENCH_DIR=/dev/shm` (tmpfs, where
//! `fsync` is free) shows what the picks themselves cost. `RK6_KV_BENCH_DIR` picks the disk store's
//! directory (default: the system temp dir). `BENCH_KEYS` changes the store size.
//!
//! The `disk-process` rows are the disk store opened with `durability: "process"` (no fsync,
//! writes through a writable map). `BENCH_BACKENDS=disk-process` (a comma-separated list of
//! `memory`, `disk`, `disk-process`; default all) runs only the rows named.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use rk6::kv::{open_memory_shared, AtomicOps, DiskStore, Durability, Store};
#[path = "support/kv_ops_rate.rs"]
mod kv_ops_rate;

use kv_ops_rate::kv_ops_per_sec;

const TARGET_MEMORY: f64 = 50_000.0;
const TARGET_DISK: f64 = 20_000.0;

const SCRIPT: &str = r#"
import { openKv } from "k6/x/kv";
import { Counter } from "k6/metrics";

const kv = openKv(__ENV.BENCH_BACKEND === "disk"
    ? { backend: "disk", path: __ENV.BENCH_PATH, durability: __ENV.BENCH_DURABILITY }
    : { backend: "memory" });
const OP = __ENV.BENCH_OP;
const RUN_MS = Number(__ENV.BENCH_RUN_MS);
const ops = new Counter("kv_bench_ops");

export default async function () {
    const deadline = Date.now() + RUN_MS;
    let done = 0;
    while (Date.now() < deadline) {
        for (let n = 0; n < 16; n++) {
            let got;
            if (OP === "randomKey") got = await kv.randomKey({ prefix: "key:" });
            else if (OP === "popRandom") got = await kv.popRandom({ prefix: "key:" });
            else got = await kv.claimRandom({ prefix: "key:", owner: "bench", ttl: 600000 });
            if (!got) throw new Error(`${OP} found nothing`);
        }
        done += 16;
    }
    ops.add(done);
}
"#;

fn keys() -> usize {
    std::env::var("BENCH_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn run_ms() -> u64 {
    std::env::var("BENCH_RUN_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

/// Fills `store` with `key:0000000`.. in atomic batches (one commit each on disk).
fn fill(store: &dyn Store) {
    store.clear().wait().expect("clear");
    let n = keys();
    for start in (0..n).step_by(20_000) {
        let end = (start + 20_000).min(n);
        store
            .atomic(Box::new(move |txn| {
                for i in start..end {
                    txn.put(&format!("key:{i:07}"), b"\"value\"".to_vec())?;
                }
                Ok(())
            }))
            .wait()
            .expect("fill");
    }
    // The first pick after the fill builds the disk store's key index (a scan of every
    // key); that is paid once per process and data set, not per pick, so not measured.
    store.random_key("key:").expect("warm-up pick");
}

fn backends() -> Vec<String> {
    std::env::var("BENCH_BACKENDS")
        .unwrap_or_else(|_| "memory,disk,disk-process".into())
        .split(',')
        .map(|b| b.trim().to_owned())
        .collect()
}

fn js_ops_per_sec(
    script: &Path,
    backend: &str,
    durability: Durability,
    store_path: &Path,
    op: &str,
    vus: u64,
) -> f64 {
    let env = [
        ("BENCH_BACKEND", backend.to_owned()),
        ("BENCH_DURABILITY", durability.name().to_owned()),
        ("BENCH_OP", op.to_owned()),
        ("BENCH_RUN_MS", run_ms().to_string()),
        (
            "BENCH_PATH",
            store_path.to_str().expect("UTF-8 path").to_owned(),
        ),
    ];
    kv_ops_per_sec(script, vus, &env, &format!("{backend} ({durability}) {op}"))
}

fn raw_ops_per_sec(store: &dyn Store, op: &str) -> f64 {
    let run = Duration::from_millis(run_ms());
    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < run {
        for _ in 0..16 {
            let found = match op {
                "randomKey" => store.random_key("key:").expect("random_key").is_some(),
                "popRandom" => store.pop_random("key:").wait().expect("pop").is_some(),
                _ => store
                    .claim_random("key:", "bench", 600_000)
                    .wait()
                    .expect("claim")
                    .is_some(),
            };
            assert!(black_box(found), "{op} found nothing");
        }
        done += 16;
    }
    done as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let base = std::env::var_os("RK6_KV_BENCH_DIR")
        .map(Into::into)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::tempdir_in(&base).expect("bench dir");
    let script = dir.path().join("kv_random.js");
    std::fs::write(&script, SCRIPT).expect("write the bench script");
    let disk_path = dir.path().join("random.kv");
    println!(
        "random sampling on {} keys: {} engine, ~{} ms per figure, disk store {}",
        keys(),
        rk6::engine::ENGINE,
        run_ms(),
        disk_path.display()
    );
    println!(
        "{:<12} {:<12} {:>5} {:>12} {:>12} {:>8}  target",
        "backend", "op", "VUs", "JS ops/s", "raw ops/s", "JS/raw"
    );
    let wanted = backends();
    let memory = open_memory_shared();
    let process_path = dir.path().join("random-process.kv");
    let disk = DiskStore::open(&disk_path).expect("open the disk store");
    let disk_process = DiskStore::open_with_durability(&process_path, Durability::Process)
        .expect("open the disk store with process durability");
    for (label, backend, store, durability, path, target) in [
        (
            "memory",
            "memory",
            &*memory as &dyn Store,
            Durability::Full,
            &disk_path,
            TARGET_MEMORY,
        ),
        (
            "disk",
            "disk",
            &*disk as &dyn Store,
            Durability::Full,
            &disk_path,
            TARGET_DISK,
        ),
        (
            "disk-process",
            "disk",
            &*disk_process as &dyn Store,
            Durability::Process,
            &process_path,
            TARGET_DISK,
        ),
    ] {
        if !wanted.iter().any(|w| w == label) {
            continue;
        }
        for op in ["randomKey", "popRandom", "claimRandom"] {
            for vus in [1u64, 50] {
                if vus > 1 && (backend == "memory" || op == "randomKey") {
                    continue;
                }
                let filled = Instant::now();
                fill(store);
                let fill_time = filled.elapsed();
                let js = js_ops_per_sec(&script, backend, durability, path, op, vus);
                let raw = if vus == 1 {
                    fill(store);
                    raw_ops_per_sec(store, op)
                } else {
                    f64::NAN
                };
                let verdict = if vus > 1 {
                    String::new()
                } else if js >= target {
                    format!(">= {target:.0}: MET")
                } else {
                    format!(">= {target:.0}: MISSED")
                };
                println!(
                    "{label:<12} {op:<12} {vus:>5} {js:>12.0} {raw:>12.0} {:>8.2}  {verdict}  (fill {:.1}s)",
                    js / raw,
                    fill_time.as_secs_f64()
                );
            }
        }
    }
}
