//! What a `k6/data` SharedArray costs in memory: ~100 MB of JSON shared by 200 VUs.
//!
//!     cargo bench --no-default-features --features quickjs --bench shared_array
//!
//! Generates an array of small user-like objects as JSON (`BENCH_MB`, default 100, MB of
//! it) in a temporary directory, then runs, with 200 VUs (`BENCH_VUS`) each reading a few
//! random elements per iteration:
//!
//! - `data`: `new SharedArray("d", () => JSON.parse(open("data.json")))`;
//! - `base`: the same script with a one-element array instead.
//!
//! and prints the peak RSS (VmHWM, read from /proc while the tool runs) of each, the
//! difference, and the difference over the size of the JSON file; k6 on the same scripts
//! beside it when `k6` is on PATH (`BENCH_K6=0` leaves it out). rk6's goal: the data adds
//! at most 1.3× its size.

#[path = "support/peak_rss.rs"]
mod peak_rss;
use peak_rss::run_sampled;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const RK6: &str = env!("CARGO_BIN_EXE_rk6");

fn script(with_data: bool, vus: u64) -> String {
    let data = if with_data {
        r#"new SharedArray("d", () => JSON.parse(open("data.json")))"#
    } else {
        r#"[{ id: 1, name: "x" }]"#
    };
    format!(
        r#"
import {{ SharedArray }} from "k6/data";
const data = {data};
export const options = {{ vus: {vus}, iterations: {iters} }};
export default function () {{
  for (let k = 0; k < 5; k++) {{
    const user = data[Math.floor(Math.random() * data.length)];
    if (user.id === undefined) throw new Error("no id");
  }}
}}
"#,
        iters = vus * 20
    )
}

/// Writes an array of objects as JSON, about `mb` MB of it; its size in bytes.
fn generate(path: &Path, mb: usize) -> usize {
    let target = mb * 1_000_000;
    let mut out = String::with_capacity(target + 1024);
    out.push('[');
    let mut i: u64 = 0;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    while out.len() < target {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"id":{i},"username":"user{i}","email":"user{i}@example.com","password":"p{:x}","age":{},"active":{},"address":{{"city":"City {}","zip":"{:05}"}},"tags":["t{}","t{}"],"score":{}.{}}}"#,
            seed,
            18 + seed % 60,
            seed.is_multiple_of(2),
            seed % 1000,
            seed % 100_000,
            seed % 7,
            seed % 13,
            seed % 1000,
            seed % 100,
        );
        i += 1;
    }
    out.push(']');
    std::fs::write(path, &out).expect("write the data");
    out.len()
}

fn measure(tool: &str, with_data: bool, vus: u64, dir: &Path) -> Option<(u64, Duration)> {
    let name = format!("{tool}-{}.js", if with_data { "data" } else { "base" });
    let path = dir.join(name);
    std::fs::write(&path, script(with_data, vus)).ok()?;
    let mut cmd = Command::new(if tool == "k6" { "k6" } else { RK6 });
    cmd.args(["run", "-q", "--no-summary"]).arg(&path);
    run_sampled(cmd)
}

fn main() {
    let env_num = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let mb = env_num("BENCH_MB", 100);
    let vus = env_num("BENCH_VUS", 200) as u64;
    let with_k6 = std::env::var("BENCH_K6").map_or(true, |v| v != "0");
    let dir = std::env::temp_dir().join(format!("rk6-bench-shared-array-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let size = generate(&dir.join("data.json"), mb);
    let size_mib = size as f64 / 1048576.0;
    println!("data.json: {size_mib:.1} MiB, {vus} VUs");
    println!(
        "{:<4} {:>14} {:>14} {:>10} {:>12} {:>8} {:>8}",
        "tool", "peak RSS base", "peak RSS data", "added", "added/data", "t base", "t data"
    );
    for tool in ["rk6", "k6"] {
        if tool == "k6" && !with_k6 {
            continue;
        }
        let base = measure(tool, false, vus, &dir);
        let data = measure(tool, true, vus, &dir);
        match (base, data) {
            (Some((b, tb)), Some((d, td))) => {
                let added = (d as f64 - b as f64) / 1024.0;
                println!(
                    "{:<4} {:>10.0} MiB {:>10.0} MiB {:>6.0} MiB {:>11.2}× {:>7.1}s {:>7.1}s",
                    tool,
                    b as f64 / 1024.0,
                    d as f64 / 1024.0,
                    added,
                    added / size_mib,
                    tb.as_secs_f64(),
                    td.as_secs_f64()
                );
            }
            _ => println!("{tool:<4} did not run"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
