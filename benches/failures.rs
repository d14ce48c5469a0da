//! Failed iterations at scale (issue 8): each kind of failure, with 1 and 4 VUs, for a
//! baseline count and a large count, through the real binary.
//!
//!     cargo bench --no-default-features --features quickjs --bench failures
//!     RK6_FAILURES=200000 cargo bench ... --bench failures   # a shorter run
//!
//! Prints wall time, failures per second, the failed-iteration count rk6 reported (it must
//! equal the requested count) and the process's peak RSS, with the large run's RSS as a
//! share of the baseline's (issue 8 asks for at most 110% at 1,000,000 failures against
//! 10,000). With `k6` on PATH, the two scripts plain k6 can run are timed on k6 too.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Instant;

const RK6: &str = env!("CARGO_BIN_EXE_rk6");
const BASELINE: u64 = 10_000;

const SCRIPTS: [(&str, &str); 3] = [
    (
        "sync throw",
        "export default function () { throw new Error(\"boom\"); }\n",
    ),
    (
        "async throw",
        "export default async function () { await null; throw new Error(\"boom\"); }\n",
    ),
    (
        "rejected kv.get",
        "import { openKv } from \"k6/x/kv\";\n\
         const kv = openKv({ backend: \"memory\" });\n\
         export default async function () { await kv.get(\"missing\"); }\n",
    ),
];

struct Measured {
    seconds: f64,
    failed: u64,
    peak_rss_kib: u64,
}

/// Which binary runs the script: rk6, or k6 when it is on PATH (for comparison; the kv
/// script needs the xk6-kv extension, which plain k6 lacks).
#[derive(Clone, Copy, PartialEq)]
enum Tool {
    Rk6,
    K6,
}

fn k6_on_path() -> bool {
    Command::new("k6")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run(tool: Tool, script: &std::path::Path, vus: u64, iterations: u64) -> Measured {
    let summary = script.with_extension(format!("{vus}-{iterations}.json"));
    let start = Instant::now();
    let mut child = Command::new(if tool == Tool::Rk6 { RK6 } else { "k6" })
        .args([
            "run",
            "-q",
            "-u",
            &vus.to_string(),
            "-i",
            &iterations.to_string(),
        ])
        .arg("--summary-export")
        .arg(&summary)
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rk6");
    // Every failure prints its stack; reading them is part of the cost a user sees.
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut sink = [0u8; 1 << 16];
        while matches!(stderr.read(&mut sink), Ok(n) if n > 0) {}
    });
    // Peak RSS is the child's own high-water mark, read from /proc while it runs (wait4's
    // ru_maxrss would include what the child inherited from this process at exec).
    let status_file = format!("/proc/{}/status", child.id());
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0u64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(kib) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmHWM:"))
                        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                }) {
                    peak = peak.max(kib);
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            peak
        })
    };
    let status = child.wait().expect("wait for rk6");
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak_rss_kib = sampler.join().expect("sampler");
    let seconds = start.elapsed().as_secs_f64();
    let _ = reader.join();
    assert!(status.success(), "rk6 did not exit 0 ({status})");
    let export: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).expect("summary written"))
            .expect("summary is JSON");
    // k6 has no failed-iteration count in its export; it counts every iteration.
    let failed = match tool {
        Tool::Rk6 => export["rk6"]["failed_iterations"].as_u64(),
        Tool::K6 => export["metrics"]["iterations"]["count"].as_u64(),
    };
    Measured {
        seconds,
        failed: failed.unwrap_or(0),
        peak_rss_kib,
    }
}

fn main() {
    let large: u64 = std::env::var("RK6_FAILURES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("rk6-failures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    println!(
        "{:<24} {:>4} {:>10} {:>9} {:>12} {:>10} {:>11} {:>8}",
        "failure", "VUs", "count", "seconds", "failures/s", "reported", "peak MiB", "vs base"
    );
    let k6 = k6_on_path();
    for (i, (name, body)) in SCRIPTS.iter().enumerate() {
        let script = dir.join(format!("s{i}.js"));
        std::fs::write(&script, body).expect("write script");
        let mut tools = vec![Tool::Rk6];
        if k6 && !body.contains("k6/x/kv") {
            tools.push(Tool::K6);
        }
        for (tool, vus) in tools
            .iter()
            .flat_map(|&t| [1u64, 4].map(move |vus| (t, vus)))
        {
            let base = run(tool, &script, vus, BASELINE);
            let big = run(tool, &script, vus, large);
            let label = match tool {
                Tool::Rk6 => name.to_string(),
                Tool::K6 => format!("{name} (k6)"),
            };
            for (count, m) in [(BASELINE, &base), (large, &big)] {
                println!(
                    "{:<24} {:>4} {:>10} {:>9.1} {:>12.0} {:>10} {:>11.1} {:>7.0}%",
                    label,
                    vus,
                    count,
                    m.seconds,
                    count as f64 / m.seconds,
                    m.failed,
                    m.peak_rss_kib as f64 / 1024.0,
                    100.0 * m.peak_rss_kib as f64 / base.peak_rss_kib as f64
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
