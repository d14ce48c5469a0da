//! Throughput of `k6/x/kv` as scripts see it, next to the raw `Store` trait it wraps:
//! `cargo bench --no-default-features --features quickjs --bench kv_js`.
//!
//! Every JS figure is one `rk6::Runner` run of a generated script: N VUs (`-u N -i N`, so one
//! iteration each) that each loop on one awaited operation for `RUN_MS` and count what they
//! did in a Counter metric. Throughput is that count over `RunResult::run_time` (which
//! excludes init, setup and teardown). The raw figures call the same store from N Rust threads
//! for the same time. Each figure is a single short run: read it as an order of magnitude.
//!
//! The disk store lives in `RK6_KV_BENCH_DIR` if set, else the system temp dir; on tmpfs its
//! `fsync` costs nothing and the durable-write figures mean little. `BENCH_RUN_MS` changes the
//! length of each measurement (default 500). `BENCH_ONLY=memory:get` (or `disk`, or `get`)
//! measures only the matching rows and skips the target summary.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rk6::kv::{open_memory_shared, AtomicOps, DiskStore, Store};
#[path = "support/kv_ops_rate.rs"]
mod kv_ops_rate;

use kv_ops_rate::kv_ops_per_sec;

const KEYS: usize = 10_000;
const VALUE_CHARS: usize = 64;
const VU_COUNTS: [u64; 3] = [1, 2, 50];
const OPS: [&str; 6] = [
    "get",
    "set",
    "exists",
    "list",
    "incrementBy",
    "compareAndSwap",
];

/// Targets the figures are compared against.
const TARGET_MEMORY_GET_PER_THREAD: f64 = 500_000.0;
const TARGET_DISK_GET_SHARE: f64 = 0.8;
const TARGET_DURABLE_SET_50_VUS: f64 = 30_000.0;
const TARGET_MEMORY_INCREMENT: f64 = 300_000.0;
const TARGET_DURABLE_INCREMENT_50_VUS: f64 = 30_000.0;
/// compareAndSwap may be at most this much slower than set.
const TARGET_CAS_VS_SET: f64 = 0.8;

const SCRIPT: &str = r#"
import { openKv } from "k6/x/kv";
import exec from "k6/execution";
import { Counter } from "k6/metrics";

const BACKEND = __ENV.BENCH_BACKEND;
const OP = __ENV.BENCH_OP;
const RUN_MS = Number(__ENV.BENCH_RUN_MS);
const KEYS = Number(__ENV.BENCH_KEYS);
const VALUE = "v".repeat(Number(__ENV.BENCH_VALUE_CHARS));

const kv = openKv(BACKEND === "disk" ? { backend: "disk", path: __ENV.BENCH_PATH } : { backend: "memory" });
const ops = new Counter("kv_bench_ops");
const keys = Array.from({ length: KEYS }, (_, i) => `key:${String(i).padStart(6, "0")}`);
// "key:0012" matches exactly 100 keys: key:001200 .. key:001299.
const prefixes = Array.from({ length: KEYS / 100 }, (_, i) => `key:${String(i).padStart(4, "0")}`);
// Walk the key space in a scattered order rather than sequentially.
const STEP = 7919;
// Check the clock every BATCH operations; a durable write is slow enough to check every time.
const BATCH = OP !== "get" && OP !== "exists" && OP !== "list" && BACKEND === "disk" ? 1 : 32;

export async function setup() {
    if (kv.size() >= KEYS) return;
    for (let i = 0; i < KEYS; i += 1000) {
        await Promise.all(keys.slice(i, i + 1000).map((k) => kv.set(k, VALUE)));
    }
}

export default async function () {
    let i = (exec.vu.idInTest * 50021) % KEYS;
    let done = 0;
    const deadline = Date.now() + RUN_MS;
    if (OP === "get") {
        while (Date.now() < deadline) {
            for (let n = 0; n < BATCH; n++) {
                await kv.get(keys[i]);
                i = (i + STEP) % KEYS;
            }
            done += BATCH;
        }
    } else if (OP === "set") {
        while (Date.now() < deadline) {
            for (let n = 0; n < BATCH; n++) {
                await kv.set(keys[i], VALUE);
                i = (i + STEP) % KEYS;
            }
            done += BATCH;
        }
    } else if (OP === "exists") {
        while (Date.now() < deadline) {
            for (let n = 0; n < BATCH; n++) {
                await kv.exists(keys[i]);
                i = (i + STEP) % KEYS;
            }
            done += BATCH;
        }
    } else if (OP === "list") {
        while (Date.now() < deadline) {
            for (let n = 0; n < BATCH; n++) {
                const entries = await kv.list({ prefix: prefixes[i % prefixes.length], limit: 100 });
                if (entries.length !== 100) throw new Error(`list returned ${entries.length} entries`);
                i = (i + STEP) % KEYS;
            }
            done += BATCH;
        }
    } else if (OP === "incrementBy") {
        const counter = `counter:${exec.vu.idInTest % 16}`;
        while (Date.now() < deadline) {
            for (let n = 0; n < BATCH; n++) {
                await kv.incrementBy(counter, 1);
            }
            done += BATCH;
        }
    } else if (OP === "compareAndSwap") {
        // Each VU swaps its own key between two values, so every swap succeeds.
        const key = `cas:${exec.vu.idInTest}`;
        await kv.set(key, VALUE);
        let from = VALUE;
        let to = VALUE + "!";
        while (Date.now() < deadline) {
            for (let n = 0; n < BATCH; n++) {
                if (!(await kv.compareAndSwap(key, from, to))) throw new Error("compareAndSwap failed");
                // Not `[from, to] = [to, from]`: that builds and iterates an array per swap,
                // which costs about as much as the swap and is not the store's time.
                const next = from;
                from = to;
                to = next;
            }
            done += BATCH;
        }
    } else {
        throw new Error(`unknown BENCH_OP ${OP}`);
    }
    ops.add(done);
}
"#;

fn key(i: usize) -> String {
    format!("key:{:06}", i % KEYS)
}

/// The bytes the script stores: the JSON text of a `VALUE_CHARS`-long string.
fn value() -> Vec<u8> {
    format!("\"{}\"", "v".repeat(VALUE_CHARS)).into_bytes()
}

fn run_ms() -> u64 {
    std::env::var("BENCH_RUN_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
}

/// Total JS operations per second for `op` on `backend` with `vus` VUs.
fn js_ops_per_sec(script: &Path, backend: &str, store_path: &Path, op: &str, vus: u64) -> f64 {
    let env = [
        ("BENCH_BACKEND", backend.to_owned()),
        ("BENCH_OP", op.to_owned()),
        ("BENCH_RUN_MS", run_ms().to_string()),
        ("BENCH_KEYS", KEYS.to_string()),
        ("BENCH_VALUE_CHARS", VALUE_CHARS.to_string()),
        (
            "BENCH_PATH",
            store_path.to_str().expect("UTF-8 bench path").to_owned(),
        ),
    ];
    kv_ops_per_sec(script, vus, &env, &format!("{backend} {op}"))
}

/// Runs `op` on `threads` threads for the run time and returns total operations per second.
fn raw_ops_per_sec(threads: usize, op: &(dyn Fn(usize, usize) + Sync)) -> f64 {
    let run = Duration::from_millis(run_ms());
    let started = Instant::now();
    let total: usize = thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let mut done = 0;
                    while started.elapsed() < run {
                        for _ in 0..16 {
                            op(t, done);
                            done += 1;
                        }
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("bench thread"))
            .sum()
    });
    total as f64 / started.elapsed().as_secs_f64()
}

fn raw_store_op(store: &dyn Store, op: &str, threads: usize) -> f64 {
    let spread = |t: usize, i: usize| (i.wrapping_mul(7919) + t * 50_021) % KEYS;
    let value = value();
    match op {
        "get" => raw_ops_per_sec(threads, &|t, i| {
            black_box(store.get(&key(spread(t, i))).expect("get"));
        }),
        "exists" => raw_ops_per_sec(threads, &|t, i| {
            black_box(store.exists(&key(spread(t, i))).expect("exists"));
        }),
        "list" => raw_ops_per_sec(threads, &|t, i| {
            let prefix = format!("key:{:04}", spread(t, i) % (KEYS / 100));
            let listed = store.list(&prefix, 100).expect("list");
            assert_eq!(listed.len(), 100);
            black_box(listed);
        }),
        "set" => raw_ops_per_sec(threads, &|t, i| {
            store
                .set(&key(spread(t, i)), value.clone())
                .wait()
                .expect("set");
        }),
        "incrementBy" => raw_ops_per_sec(threads, &|t, _| {
            black_box(
                store
                    .increment_by(&format!("counter:{}", t % 16), 1.0)
                    .wait()
                    .expect("increment_by"),
            );
        }),
        "compareAndSwap" => raw_ops_per_sec(threads, &|t, i| {
            let key = format!("cas:{t}");
            let (a, b) = (value.clone(), [&value[..], b"!"].concat());
            let (from, to) = if i % 2 == 0 { (a, b) } else { (b, a) };
            if i == 0 {
                store.set(&key, from.clone()).wait().expect("set");
            }
            assert!(store
                .compare_and_swap(&key, Some(from), to)
                .wait()
                .expect("compare_and_swap"));
        }),
        other => unreachable!("unknown op {other}"),
    }
}

fn fill(store: &dyn Store) {
    // Fire all writes before waiting so the disk store commits them in large groups.
    let handles: Vec<_> = (0..KEYS).map(|i| store.set(&key(i), value())).collect();
    for handle in handles {
        handle.wait().expect("fill");
    }
}

struct Row {
    backend: &'static str,
    op: &'static str,
    vus: u64,
    js: f64,
    raw: f64,
}

fn fmt_rate(ops_per_sec: f64) -> String {
    let digits = format!("{:.0}", ops_per_sec);
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "MET"
    } else {
        "MISSED"
    }
}

/// Whether `BENCH_ONLY` (a backend, an op, or `backend:op`) selects this row.
fn selected(backend: &str, op: &str) -> bool {
    match std::env::var("BENCH_ONLY") {
        Err(_) => true,
        Ok(only) => match only.split_once(':') {
            Some((b, o)) => b == backend && o == op,
            None => only == backend || only == op,
        },
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter or `--list` from `cargo test --benches` is no
    // reason to spend two minutes here.
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let base = std::env::var_os("RK6_KV_BENCH_DIR")
        .map(Into::into)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::tempdir_in(&base).expect("bench dir");
    let script = dir.path().join("kv_bench.js");
    std::fs::write(&script, SCRIPT).expect("write the bench script");
    let disk_path = dir.path().join("bench.kv");

    println!(
        "k6/x/kv throughput: {} engine, {cores} CPUs, {KEYS} keys, {VALUE_CHARS}-char string values, \
         ~{} ms per figure",
        rk6::engine::ENGINE,
        run_ms()
    );
    println!("disk store: {}", disk_path.display());
    println!("JS = awaited kv.<op> calls in one iteration per VU; raw = Store trait calls from as many Rust threads");
    println!("list = list({{ prefix, limit: 100 }}) returning 100 entries; disk set = durable (group commit)");
    println!();

    let started = Instant::now();
    let memory = open_memory_shared();
    fill(&*memory);
    let disk: Arc<DiskStore> = DiskStore::open(&disk_path).expect("open the disk store");
    fill(&*disk);

    println!(
        "{:<7} {:<15} {:>4}  {:>14}  {:>16}  {:>14}  {:>7}",
        "backend", "op", "VUs", "JS ops/s", "JS ops/s/thread", "raw ops/s", "raw/JS"
    );
    let mut rows = Vec::new();
    for (backend, store) in [
        ("memory", &*memory as &dyn Store),
        ("disk", &*disk as &dyn Store),
    ] {
        for op in OPS {
            if !selected(backend, op) {
                continue;
            }
            for vus in VU_COUNTS {
                let js = js_ops_per_sec(&script, backend, &disk_path, op, vus);
                let raw = raw_store_op(store, op, vus as usize);
                let per_thread = js / (vus as usize).min(cores) as f64;
                let op_label = if backend == "disk" && op != "get" && op != "exists" && op != "list"
                {
                    format!("{op}*")
                } else {
                    op.to_owned()
                };
                println!(
                    "{backend:<7} {op_label:<15} {vus:>4}  {:>14}  {:>16}  {:>14}  {:>6.1}x",
                    fmt_rate(js),
                    fmt_rate(per_thread),
                    fmt_rate(raw),
                    raw / js
                );
                rows.push(Row {
                    backend,
                    op,
                    vus,
                    js,
                    raw,
                });
            }
        }
    }
    println!("(* durable: each write resolves after its group commit is on disk)");
    println!("JS ops/s/thread = JS ops/s divided by min(VUs, CPUs)");
    if std::env::var_os("BENCH_ONLY").is_some() {
        return;
    }

    let find = |backend: &str, op: &str, vus: u64| {
        rows.iter()
            .find(|r| r.backend == backend && r.op == op && r.vus == vus)
            .expect("measured")
    };
    let memory_get = find("memory", "get", 1).js;
    let disk_get = find("disk", "get", 1).js;
    let memory_get_2 = find("memory", "get", 2).js / 2f64.min(cores as f64);
    let durable_50 = find("disk", "set", 50).js;
    println!();
    println!("targets:");
    println!(
        "  memory get >= {} ops/s per VU thread: 1 VU {} ops/s, 2 VUs {} ops/s per thread -> {}",
        fmt_rate(TARGET_MEMORY_GET_PER_THREAD),
        fmt_rate(memory_get),
        fmt_rate(memory_get_2),
        verdict(memory_get >= TARGET_MEMORY_GET_PER_THREAD)
    );
    println!(
        "  disk get >= {:.0}% of memory get: 1 VU {} vs {} ops/s = {:.0}% -> {}",
        TARGET_DISK_GET_SHARE * 100.0,
        fmt_rate(disk_get),
        fmt_rate(memory_get),
        disk_get / memory_get * 100.0,
        verdict(disk_get >= TARGET_DISK_GET_SHARE * memory_get)
    );
    println!(
        "  durable disk set with 50 VUs >= {} ops/s: {} ops/s -> {}",
        fmt_rate(TARGET_DURABLE_SET_50_VUS),
        fmt_rate(durable_50),
        verdict(durable_50 >= TARGET_DURABLE_SET_50_VUS)
    );
    let memory_increment = find("memory", "incrementBy", 1).js;
    println!(
        "  memory incrementBy with 1 VU >= {} ops/s: {} ops/s -> {}",
        fmt_rate(TARGET_MEMORY_INCREMENT),
        fmt_rate(memory_increment),
        verdict(memory_increment >= TARGET_MEMORY_INCREMENT)
    );
    let durable_increment = find("disk", "incrementBy", 50).js;
    println!(
        "  durable disk incrementBy with 50 VUs >= {} ops/s: {} ops/s -> {}",
        fmt_rate(TARGET_DURABLE_INCREMENT_50_VUS),
        fmt_rate(durable_increment),
        verdict(durable_increment >= TARGET_DURABLE_INCREMENT_50_VUS)
    );
    for backend in ["memory", "disk"] {
        let (cas, set) = (
            find(backend, "compareAndSwap", 1).js,
            find(backend, "set", 1).js,
        );
        println!(
            "  {backend} compareAndSwap within {:.0}% of set (1 VU): {} vs {} ops/s = {:.0}% -> {}",
            (1.0 - TARGET_CAS_VS_SET) * 100.0,
            fmt_rate(cas),
            fmt_rate(set),
            cas / set * 100.0,
            verdict(cas >= TARGET_CAS_VS_SET * set)
        );
    }
    for (backend, op) in [
        ("memory", "get"),
        ("memory", "set"),
        ("disk", "get"),
        ("disk", "set"),
    ] {
        let row = find(backend, op, 1);
        println!(
            "  JS/op overhead, {backend} {op} at 1 VU: raw {} vs JS {} ops/s, ratio raw/JS = {:.1}x",
            fmt_rate(row.raw),
            fmt_rate(row.js),
            row.raw / row.js
        );
    }
    println!(
        "disk store: {} commits in total; bench took {:.1} s",
        disk.commit_count(),
        started.elapsed().as_secs_f64()
    );
}
