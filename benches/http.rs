//! `k6/http` throughput against a loopback keep-alive server started here (the tests'
//! server, tests/common/server.rs), with k6 on the same script when `k6` is on PATH.
//!
//!     cargo bench --no-default-features --features quickjs --bench http
//!
//! Each row: a script doing `http.get(BASE/echo)` in a loop for `BENCH_SECS` (default 5)
//! seconds with 1, 10 and 100 VUs, run by the `rk6` binary and by k6 as child processes
//! (`BENCH_VUS=100` picks rows, `BENCH_K6=0` leaves k6 out). Figures per tool:
//!
//! - requests/s: `http_reqs` over the run time;
//! - overhead p50/p99: what an iteration took beyond its request, `iteration_duration`
//!   minus `http_req_duration` at the same percentile (neither tool has a clock finer
//!   than a millisecond in scripts, so the per-iteration difference is not available);
//! - peak RSS of the tool's process (VmHWM, read from /proc while it runs).
//!
//! The server runs in this process and shares the machine's cores with the tool.

#[path = "../tests/common/server.rs"]
#[allow(dead_code)]
mod server;

#[path = "support/peak_rss.rs"]
mod peak_rss;
use peak_rss::run_sampled;
use std::path::Path;
use std::process::Command;

const RK6: &str = env!("CARGO_BIN_EXE_rk6");

const SCRIPT: &str = r#"
import http from "k6/http";
export default function () {
  http.get(`${__ENV.BASE}/echo`);
}
"#;

struct Figures {
    rate: f64,
    overhead_p50: f64,
    overhead_p99: f64,
    peak_rss_mib: f64,
}

/// Runs one tool on the script and reads its figures from its summary export.
fn measure(tool: &str, base: &str, vus: u64, secs: u64, dir: &Path) -> Option<Figures> {
    let script = dir.join(format!("{tool}.js"));
    std::fs::write(&script, SCRIPT).ok()?;
    let export = dir.join(format!("{tool}-summary.json"));
    let _ = std::fs::remove_file(&export);
    let mut cmd = Command::new(if tool == "k6" { "k6" } else { RK6 });
    cmd.args([
        "run",
        "-q",
        "-u",
        &vus.to_string(),
        "-d",
        &format!("{secs}s"),
    ])
    .arg("--summary-export")
    .arg(&export)
    .arg("-e")
    .arg(format!("BASE={base}"));
    if tool == "k6" {
        cmd.args(["--no-color", "--summary-trend-stats", "med,p(99)"]);
    }
    cmd.arg(&script);
    let (peak_kib, _) = run_sampled(cmd)?;
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(export).ok()?).ok()?;
    // rk6's export keeps k6's layout (med, p(90), p(95)); its p99 is in its own section.
    let p50_p99 = |m: &str| -> Option<(f64, f64)> {
        if tool == "k6" {
            let t = &doc["metrics"][m];
            Some((t["med"].as_f64()?, t["p(99)"].as_f64()?))
        } else {
            let t = match m {
                "iteration_duration" => &doc["rk6"]["iteration_duration_ms"],
                _ => &doc["rk6"]["metrics"][m]["trend"],
            };
            Some((t["med"].as_f64()?, t["p99"].as_f64()?))
        }
    };
    let iter = p50_p99("iteration_duration")?;
    let req = p50_p99("http_req_duration")?;
    Some(Figures {
        rate: doc["metrics"]["http_reqs"]["rate"].as_f64()?,
        overhead_p50: iter.0 - req.0,
        overhead_p99: iter.1 - req.1,
        peak_rss_mib: peak_kib as f64 / 1024.0,
    })
}

fn main() {
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let rows: Vec<u64> = std::env::var("BENCH_VUS").map_or(vec![1, 10, 100], |v| {
        v.split(',').filter_map(|n| n.trim().parse().ok()).collect()
    });
    let with_k6 = std::env::var("BENCH_K6").map_or(true, |v| v != "0");
    let dir = std::env::temp_dir().join(format!("rk6-bench-http-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    println!(
        "{:<5} {:<4} {:>9} {:>14} {:>14} {:>9}   {:>8}",
        "VUs", "tool", "req/s", "overhead p50", "overhead p99", "peak RSS", "ratio"
    );
    for vus in rows {
        let mut figures = Vec::new();
        for tool in ["rk6", "k6"] {
            if tool == "k6" && !with_k6 {
                continue;
            }
            // A fresh server per run, so each starts with no connections.
            let srv = server::Server::start();
            figures.push((tool, measure(tool, &srv.base(), vus, secs, &dir)));
        }
        let k6_rate = figures
            .iter()
            .find(|(t, _)| *t == "k6")
            .and_then(|(_, f)| f.as_ref().map(|f| f.rate));
        for (tool, f) in figures {
            match f {
                Some(f) => println!(
                    "{:<5} {:<4} {:>9.0} {:>11.3} ms {:>11.3} ms {:>5.0} MiB   {:>8}",
                    vus,
                    tool,
                    f.rate,
                    f.overhead_p50,
                    f.overhead_p99,
                    f.peak_rss_mib,
                    match (tool, k6_rate) {
                        ("rk6", Some(k)) => format!("{:.2}×", f.rate / k),
                        _ => String::new(),
                    }
                ),
                None => println!("{vus:<5} {tool:<4} did not run"),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
