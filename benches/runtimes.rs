//! What one runtime costs, and whether a dropped one gives its memory back (issue 12).
//!
//!     cargo bench --no-default-features --features quickjs --bench runtimes
//!
//! Creates 500 runtimes on one thread and keeps them, then prints the resident memory and
//! the time each one added: a bare deno_core `JsRuntime`, and one with rk6's extension.
//! Then creates and drops 3,000 with rk6's extension and prints how much resident memory
//! grew after the first 500 (a dropped runtime should keep nothing). Each case runs in a
//! child process (this bench re-executed), so that one's memory does not hide another's.
//! `RK6_RUNTIMES=N` changes the 500.

use deno_core::{JsRuntime, RuntimeOptions};
use rk6::runtime::state::{TestState, VuState};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

const CHILD_FLAG: &str = "--runtimes-child";

/// This process's resident set in KiB, from /proc (0 where there is none).
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn runtime(test: &Arc<TestState>, id: u32, with_rk6: bool) -> JsRuntime {
    let extensions = if with_rk6 {
        vec![rk6::runtime::extension(VuState::new(test.clone(), id))]
    } else {
        Vec::new()
    };
    let mut rt = JsRuntime::try_new(RuntimeOptions {
        extensions,
        ..Default::default()
    })
    .expect("runtime");
    rt.execute_script("runtimes.js", "1 + 1").expect("script");
    rt
}

/// Child mode: `keep` or `drop`, with or without rk6's extension; prints one line.
fn child(mode: &str, with_rk6: bool, count: u32) {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio");
    let _guard = tokio.enter();
    rk6::engine::prepare();
    let test = Arc::new(TestState::new(Default::default(), Default::default()));
    // The first runtime fills the process's caches (compiled code, shared tables).
    drop(runtime(&test, 0, with_rk6));
    let (before, start) = (resident_kib(), Instant::now());
    let mut kept = Vec::new();
    let mut warm = before;
    for id in 1..=count {
        let rt = runtime(&test, id, with_rk6);
        if mode == "keep" {
            kept.push(rt);
        } else if id == 500 {
            warm = resident_kib();
        }
    }
    let took = start.elapsed();
    let after = resident_kib();
    if mode == "keep" {
        println!(
            "{:>9.0} KiB {:>8.2} ms",
            (after - before) as f64 / count as f64,
            took.as_secs_f64() * 1000.0 / count as f64
        );
    } else {
        println!("{:>9.1} MiB", after.saturating_sub(warm) as f64 / 1024.0);
    }
}

fn run_child(mode: &str, with_rk6: bool, count: u32) -> String {
    let me = std::env::current_exe().expect("bench path");
    let out = Command::new(me)
        .args([CHILD_FLAG, mode, if with_rk6 { "rk6" } else { "bare" }])
        .arg(count.to_string())
        .output()
        .expect("child");
    if !out.status.success() {
        return format!("failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == CHILD_FLAG) {
        let count = args.get(at + 3).and_then(|n| n.parse().ok()).unwrap_or(500);
        child(&args[at + 1], args[at + 2] == "rk6", count);
        return;
    }
    let count: u32 = std::env::var("RK6_RUNTIMES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(500);
    println!("{count} runtimes kept on one thread      per runtime   create");
    println!(
        "deno_core JsRuntime            {}",
        run_child("keep", false, count)
    );
    println!(
        "with rk6's extension           {}",
        run_child("keep", true, count)
    );
    println!(
        "3000 created and dropped: RSS growth after the 500th {}",
        run_child("drop", true, 3000)
    );
}
