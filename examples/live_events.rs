//! Starts a 3-second test and prints its progress once a second from the run's live event
//! stream (elapsed time, active VUs, iterations so far, iteration rate, checks passed),
//! then the final result.
//!
//!     cargo run --no-default-features --features quickjs --example live_events

use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use rk6::events::{Event, IterationOutcome};
use rk6::Runner;

const SCRIPT: &str = r#"
import { check, sleep } from "k6";

export const options = { vus: 4, duration: "3s" };

export default function () {
  check(__VU, { "has a VU number": (vu) => vu > 0 });
  sleep(0.1);
}
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The stream is subscribed before the test starts: no event is missed.
    let run = Runner::from_source("live.js", SCRIPT)
        .skip_summary(true)
        .start()?;
    let started = Instant::now();
    let mut next_line = Duration::from_secs(1);
    let (mut iterations, mut vus) = (0u64, 0u64);
    loop {
        match run.events().recv_timeout(Duration::from_millis(100)) {
            Ok(Event::Iteration(it)) if it.outcome != IterationOutcome::Interrupted => {
                iterations += 1
            }
            Ok(Event::Vus(count)) => vus = count.active,
            Ok(Event::Ended { .. }) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(_) | Err(RecvTimeoutError::Timeout) => {}
        }
        let elapsed = started.elapsed();
        if elapsed >= next_line {
            next_line += Duration::from_secs(1);
            // Checks come from a snapshot of the aggregated metrics, iterations from the
            // stream itself.
            let snapshot = run.snapshot();
            println!(
                "progress {:>4.1}s: {vus} VUs, {iterations} iterations, {:.1} iterations/s, {} checks passed",
                elapsed.as_secs_f64(),
                iterations as f64 / snapshot.elapsed.as_secs_f64().max(0.001),
                snapshot.checks_passed(),
            );
        }
    }
    let result = run.wait()?;
    println!(
        "result: {} iterations, {} checks passed, {} failed, exit code {}",
        result.iterations,
        result.checks_passed(),
        result.checks_failed(),
        result.exit_code
    );
    println!("iteration events: {iterations}");
    Ok(())
}
