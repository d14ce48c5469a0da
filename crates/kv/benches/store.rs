//! Throughput of both backends: `cargo bench --bench store`.
//!
//! Each figure is one ~1 s run, so treat it as an order of magnitude. The disk store lives in
//! `RK6_KV_BENCH_DIR` if set, else the system temp dir; on tmpfs its `fsync` costs nothing and
//! the durable-write figures mean little.

use std::hint::black_box;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rk6_kv::{AtomicOps, DiskStore, MemoryStore, Store};

const KEYS: usize = 100_000;
const VALUE_BYTES: usize = 64;
const RUN: Duration = Duration::from_secs(1);

fn key(i: usize) -> String {
    format!("key:{:06}", i % KEYS)
}

/// Spreads consecutive iterations over the key space instead of walking it in order.
fn spread(thread: usize, i: usize) -> usize {
    (i.wrapping_mul(7919) + thread * 50_021) % KEYS
}

fn fill(store: &dyn Store) {
    // Fire all writes before waiting so the disk store commits them in large groups.
    let handles: Vec<_> = (0..KEYS)
        .map(|i| store.set(&key(i), vec![b'v'; VALUE_BYTES]))
        .collect();
    for handle in handles {
        handle.wait().expect("fill");
    }
}

/// Runs `op` on `threads` threads for about `RUN` and returns total operations per second.
fn measure(threads: usize, op: &(dyn Fn(usize, usize) + Sync)) -> f64 {
    let started = Instant::now();
    let total: usize = thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let mut done = 0;
                    // Checking the clock every op would dominate the in-memory figures.
                    while started.elapsed() < RUN {
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

fn report(backend: &str, what: &str, threads: usize, ops_per_sec: f64) {
    let plural = if threads == 1 { "" } else { "s" };
    println!("{backend:<6} {what:<28} {threads:>2} thread{plural:<1}  {ops_per_sec:>12.0} ops/s");
}

fn read_benches(backend: &str, store: &dyn Store) {
    for threads in [1, 2] {
        let ops_per_sec = measure(threads, &|t, i| {
            black_box(store.get(&key(spread(t, i))).expect("get"));
        });
        report(backend, "get", threads, ops_per_sec);
    }
    for threads in [1, 2] {
        let ops_per_sec = measure(threads, &|t, i| {
            black_box(store.exists(&key(spread(t, i))).expect("exists"));
        });
        report(backend, "exists", threads, ops_per_sec);
    }
    for threads in [1, 2] {
        let ops_per_sec = measure(threads, &|t, i| {
            // "key:0123" matches exactly 100 keys (key:012300 .. key:012399).
            let prefix = format!("key:{:04}", spread(t, i) % (KEYS / 100));
            let listed = store.list(&prefix, 0).expect("list");
            debug_assert_eq!(listed.len(), 100);
            black_box(listed);
        });
        report(backend, "list (100 of 100k keys)", threads, ops_per_sec);
    }
}

fn write_benches(backend: &str, store: &dyn Store, thread_counts: &[usize]) {
    let what = if backend == "disk" {
        "set (durable)"
    } else {
        "set"
    };
    for &threads in thread_counts {
        let ops_per_sec = measure(threads, &|t, i| {
            store
                .set(&key(spread(t, i)), vec![b'w'; VALUE_BYTES])
                .wait()
                .expect("set");
        });
        report(backend, what, threads, ops_per_sec);
    }
}

/// The atomic operations against `set`, one thread: what an atomic step costs on top of
/// the write itself.
fn atomic_benches(backend: &str, store: &dyn Store) {
    let ops_per_sec = measure(1, &|t, i| {
        store
            .increment_by("counter", 1.0)
            .wait()
            .expect("increment_by");
        black_box((t, i));
    });
    report(backend, "increment_by", 1, ops_per_sec);
    let ops_per_sec = measure(1, &|t, i| {
        let key = key(spread(t, i));
        let current = store.get(&key).expect("get").expect("filled");
        let swapped = store
            .compare_and_swap(&key, Some(current), vec![b'w'; VALUE_BYTES])
            .wait()
            .expect("compare_and_swap");
        black_box(swapped);
    });
    report(backend, "get + compare_and_swap", 1, ops_per_sec);
    let ops_per_sec = measure(1, &|t, i| {
        let key = key(spread(t, i));
        let current = store.get(&key).expect("get").expect("filled");
        store.set(&key, current).wait().expect("set");
    });
    report(backend, "get + set", 1, ops_per_sec);
}

fn main() {
    println!("{KEYS} keys with {VALUE_BYTES}-byte values; each figure is a ~1 s run");

    let memory = MemoryStore::new();
    fill(&memory);
    read_benches("memory", &memory);
    write_benches("memory", &memory, &[1, 2]);
    atomic_benches("memory", &memory);

    let base = std::env::var_os("RK6_KV_BENCH_DIR")
        .map(Into::into)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::tempdir_in(&base).expect("bench dir");
    let disk: Arc<DiskStore> = DiskStore::open(&dir.path().join("bench.kv")).expect("open disk");
    println!("disk store in {}", dir.path().display());
    let filling = Instant::now();
    fill(&*disk);
    println!(
        "disk fill: {KEYS} sets in {:.2} s using {} commits",
        filling.elapsed().as_secs_f64(),
        disk.commit_count()
    );
    read_benches("disk", &*disk);
    write_benches("disk", &*disk, &[1, 2, 50]);
}
