//! `k6/http` throughput against a loopback keep-alive server started here (the tests'
//! server, tests/common/server.rs), with k6 on the same script when `k6` is on PATH.
//!
//!     cargo bench --no-default-features --features quickjs --bench http
//!
//! Each row: a script doing `http.get(BASE/echo)` in a loop for `BENCH_SECS` (default 5)
//! seconds with 1, 10 and 100 VUs; requests/s is `http_reqs` over the run time, and
//! p50/p95 are `http_req_duration` (what the server and the socket took, as measured by
//! each tool). The server shares the machine's cores with the load generator.

#[path = "../tests/common/server.rs"]
#[allow(dead_code)]
mod server;

use rk6::{Overrides, Runner};
use std::process::Command;
use std::time::Duration;

const SCRIPT: &str = r#"
import http from "k6/http";
export default function () {
  http.get(`${__ENV.BASE}/echo`);
}
"#;

/// `(requests/s, p50 ms, p95 ms)` from a k6 summary export.
fn k6_figures(base: &str, vus: u64, secs: u64, dir: &std::path::Path) -> Option<(f64, f64, f64)> {
    let script = dir.join("k6.js");
    std::fs::write(&script, SCRIPT).ok()?;
    let export = dir.join("k6-summary.json");
    let status = Command::new("k6")
        .args([
            "run",
            "-q",
            "--no-color",
            "-u",
            &vus.to_string(),
            "-d",
            &format!("{secs}s"),
        ])
        .arg("--summary-export")
        .arg(&export)
        .arg("-e")
        .arg(format!("BASE={base}"))
        .arg(&script)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(export).ok()?).ok()?;
    let m = &doc["metrics"];
    Some((
        m["http_reqs"]["rate"].as_f64()?,
        m["http_req_duration"]["med"].as_f64()?,
        m["http_req_duration"]["p(95)"].as_f64()?,
    ))
}

fn main() {
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let dir = std::env::temp_dir().join(format!("rk6-bench-http-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = dir.join("rk6.js");
    std::fs::write(&script, SCRIPT).expect("write script");
    println!(
        "{:<8} {:>12} {:>9} {:>9} {:>12} {:>9} {:>9} {:>7}",
        "VUs", "rk6 req/s", "p50 ms", "p95 ms", "k6 req/s", "p50 ms", "p95 ms", "ratio"
    );
    for vus in [1u64, 10, 100] {
        // A fresh server per row, so each starts with no connections.
        let srv = server::Server::start();
        let r = Runner::new(&script)
            .env_var("BASE", srv.base())
            .overrides(Overrides {
                vus: Some(vus),
                duration: Some(Duration::from_secs(secs)),
                ..Default::default()
            })
            .run()
            .expect("run");
        let reqs = &r.metrics["http_reqs"];
        let rate = reqs.sum / r.run_time.as_secs_f64();
        let d = r.metrics["http_req_duration"].trend.expect("durations");
        drop(srv);
        let srv = server::Server::start();
        let k6 = k6_figures(&srv.base(), vus, secs, &dir);
        let (k6_rate, k6_p50, k6_p95) = k6
            .map_or(("-".into(), "-".into(), "-".into()), |(r, a, b)| {
                (format!("{r:.0}"), format!("{a:.3}"), format!("{b:.3}"))
            });
        let ratio = k6.map_or("-".into(), |(k, _, _)| format!("{:.2}", rate / k));
        println!(
            "{:<8} {:>12.0} {:>9.3} {:>9.3} {:>12} {:>9} {:>9} {:>7}",
            vus, rate, d.med, d.p95, k6_rate, k6_p50, k6_p95, ratio
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
