//! Memory and time per sample of a Trend (`rk6::metrics::trend::Samples`) over 10 million samples.
//!
//!     cargo bench --no-default-features --features quickjs --bench trend
//!
//! Bytes are counted by a global allocator that tracks live heap bytes: "live" is what the
//! Trend holds after the last sample, "peak" the most it held at any moment (both relative to
//! before it was created). The k6 row keeps every sample in a `Vec<f64>`, as k6 does. "worst
//! err" is the largest relative difference of rk6's med, p(90) and p(95) from k6's.

use rk6::metrics::trend::Samples;
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let grow = new_size - layout.size();
            let live = LIVE.fetch_add(grow, Ordering::Relaxed) + grow;
            PEAK.fetch_max(live, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SAMPLES: u64 = 10_000_000;

/// xorshift64*: a fixed, cheap sequence, so every run measures the same samples.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Latency-like: log-uniform between `low` and `high`.
fn log_uniform(low: f64, high: f64) -> impl FnMut() -> f64 {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let span = (high / low).ln();
    move || low * (rng.unit() * span).exp()
}

struct Measured {
    live: usize,
    peak: usize,
    ns_per_sample: f64,
    percentiles: [f64; 3],
}

fn measure<T>(
    mut next: impl FnMut() -> f64,
    new: impl FnOnce() -> T,
    mut add: impl FnMut(&mut T, f64),
    percentiles: impl FnOnce(&mut T) -> [f64; 3],
) -> Measured {
    // The samples are drawn up front so the timing covers only adding them.
    let values: Vec<f64> = (0..SAMPLES).map(|_| next()).collect();
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let mut trend = new();
    let start = Instant::now();
    for &v in &values {
        add(&mut trend, black_box(v));
    }
    let took = start.elapsed();
    let live = LIVE.load(Ordering::Relaxed) - base;
    let peak = PEAK.load(Ordering::Relaxed) - base;
    let percentiles = percentiles(&mut trend);
    drop(black_box(trend));
    Measured {
        live,
        peak,
        ns_per_sample: took.as_nanos() as f64 / SAMPLES as f64,
        percentiles,
    }
}

fn k6_percentile(sorted: &[f64], p: f64) -> f64 {
    let i = p / 100.0 * (sorted.len() as f64 - 1.0);
    let (j, k) = (sorted[i.floor() as usize], sorted[i.ceil() as usize]);
    j + (k - j) * (i - i.floor())
}

fn row(name: &str, m: &Measured, exact: Option<[f64; 3]>) {
    let error = exact.map_or(String::new(), |e| {
        let worst = m
            .percentiles
            .iter()
            .zip(e)
            .map(|(got, e)| ((got - e) / e).abs())
            .fold(0.0, f64::max);
        format!("{:.4}%", worst * 100.0)
    });
    println!(
        "{name:<52} {:>12} {:>12} {:>8.1} {:>10}",
        m.live, m.peak, m.ns_per_sample, error
    );
}

fn main() {
    println!("{SAMPLES} samples per Trend");
    println!(
        "{:<52} {:>12} {:>12} {:>8} {:>10}",
        "", "live bytes", "peak bytes", "ns/sample", "worst err"
    );
    for (label, low, high) in [
        ("latencies 0.5 ms .. 10 s", 0.5, 10_000.0),
        (
            "1e-6 .. 1e22 (28 decades: the sketch's full span)",
            1e-6,
            1e22,
        ),
        (
            "1e-9 .. 1e30 (39 decades: the low end collapses)",
            1e-9,
            1e30,
        ),
    ] {
        let k6 = measure(
            log_uniform(low, high),
            Vec::new,
            |v: &mut Vec<f64>, x| v.push(x),
            |v| {
                v.sort_unstable_by(f64::total_cmp);
                [50.0, 90.0, 95.0].map(|p| k6_percentile(v, p))
            },
        );
        let rk6 = measure(log_uniform(low, high), Samples::new, Samples::add, |s| {
            s.percentiles(&[50.0, 90.0, 95.0])
        });
        println!("{label}:");
        row("  k6 (every sample in a Vec<f64>)", &k6, None);
        row(
            "  rk6 (100k exact, then DDSketch 0.1%)",
            &rk6,
            Some(k6.percentiles),
        );
    }
}
