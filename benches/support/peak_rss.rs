//! Peak memory of a child process, for the benches that run the rk6 (and k6) binary.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs `cmd` to completion with its output discarded; its peak resident set in KiB and
/// how long it took, or `None` if it could not start or failed.
pub fn run_sampled(mut cmd: Command) -> Option<(u64, Duration)> {
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let (peak, took, status) = sample(cmd)?;
    status.success().then_some((peak, took))
}

/// Like [`run_sampled`], but keeps what the child printed (stdout, then stderr) and
/// returns it with whether the child exited 0.
#[allow(dead_code)] // each bench includes this file and uses only some of it
pub fn run_sampled_output(mut cmd: Command) -> Option<(u64, Duration, String, bool)> {
    let dir = std::env::temp_dir().join(format!("rk6-peak-rss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let (out_path, err_path) = (dir.join("stdout"), dir.join("stderr"));
    cmd.stdout(std::fs::File::create(&out_path).ok()?)
        .stderr(std::fs::File::create(&err_path).ok()?);
    let (peak, took, status) = sample(cmd)?;
    let mut out = std::fs::read_to_string(&out_path).unwrap_or_default();
    out.push_str(&std::fs::read_to_string(&err_path).unwrap_or_default());
    let _ = std::fs::remove_dir_all(&dir);
    Some((peak, took, out, status.success()))
}

/// Runs `cmd` (its output already directed) to completion, sampling its peak resident set
/// in KiB.
fn sample(mut cmd: Command) -> Option<(u64, Duration, std::process::ExitStatus)> {
    let started = Instant::now();
    let mut child = cmd.stdin(Stdio::null()).spawn().ok()?;
    // wait4's ru_maxrss would include what the child inherited from this process at exec,
    // so the child's own high-water mark is sampled instead.
    let status_file = format!("/proc/{}/status", child.id());
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0u64;
            let watched = Instant::now();
            while !done.load(Ordering::Relaxed) {
                if let Some(kib) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmHWM:"))
                        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                }) {
                    peak = peak.max(kib);
                }
                // A run of one VU ends within ~10 ms: sampled every 10 ms from the start,
                // its peak was often missed entirely.
                let pause = if watched.elapsed() < Duration::from_millis(200) {
                    1
                } else {
                    10
                };
                std::thread::sleep(Duration::from_millis(pause));
            }
            peak
        })
    };
    let status = child.wait().ok()?;
    let took = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let peak = sampler.join().ok()?;
    Some((peak, took, status))
}
