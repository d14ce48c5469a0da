//! VU start-up and empty-iteration throughput, measured through the library.
//!
//!     cargo bench --no-default-features --features quickjs --bench vus
//!
//! Prints, for 1/100/1000 VUs, the time to initialise them (whole run minus the
//! iterations' run time) and the process's peak RSS; then empty iterations per second
//! with 1 and 2 VUs.

use rk6::{Overrides, Runner};
use std::time::{Duration, Instant};

fn peak_rss_mib() -> f64 {
    // VmHWM is the process's peak resident set; runs go from small to large, so each
    // reading is the peak of the largest run so far.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn script(body: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rk6-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("s{}.js", body.len()));
    std::fs::write(&path, body).expect("write script");
    path
}

fn main() {
    let empty = script("export default function () {}\n");
    println!(
        "{:<28} {:>12} {:>14}",
        "VU initialisation", "seconds", "peak RSS MiB"
    );
    for vus in [1u64, 100, 1000] {
        let start = Instant::now();
        let r = Runner::new(&empty)
            .overrides(Overrides {
                vus: Some(vus),
                iterations: Some(vus),
                ..Default::default()
            })
            .run()
            .expect("run");
        let init = start.elapsed().saturating_sub(r.run_time);
        println!(
            "{:<28} {:>12.2} {:>14.0}",
            format!("{vus} VUs"),
            init.as_secs_f64(),
            peak_rss_mib()
        );
    }
    println!();
    println!(
        "{:<28} {:>12} {:>14}",
        "empty iterations (3 s)", "iter/s", "per VU"
    );
    for vus in [1u64, 2] {
        let r = Runner::new(&empty)
            .overrides(Overrides {
                vus: Some(vus),
                duration: Some(Duration::from_secs(3)),
                ..Default::default()
            })
            .run()
            .expect("run");
        println!(
            "{:<28} {:>12.0} {:>14.0}",
            format!("{vus} VU(s)"),
            r.iteration_rate,
            r.iteration_rate / vus as f64
        );
    }
}
