//! What `--out json` and `--out csv` cost a run (issue 14: at most 10% slower at 100k
//! samples/s).
//!
//!     CARGO_PROFILE_BENCH_LTO=false CARGO_PROFILE_BENCH_CODEGEN_UNITS=16 \
//!         cargo bench --no-default-features --features quickjs --bench outputs
//!
//! A script whose iteration records 11 samples (8 `Counter.add` with a tag, a check, and
//! the iteration's `iterations` + `iteration_duration`) runs through the library, without
//! an output, with an output that reads every sample and writes nothing (what VUs pay to
//! tag every sample), and with each of json, json.gz, csv and csv.gz, in two modes:
//!
//! - paced: a constant-arrival-rate of `BENCH_RATE` iterations/s (default 9091, i.e.
//!   ~100k samples/s; up to 50 VUs) for `BENCH_SECS` (default 5): iterations/s reached, iterations
//!   dropped, and the process's CPU time (user + system) per 1000 iterations;
//! - flat out: `BENCH_VUS` VUs (default 1) as fast as they go for `BENCH_SECS`:
//!   iterations/s and samples/s, the change against no output.
//!
//! `BENCH_MODE=paced` or `flat` runs one mode only. Each row runs `BENCH_ROUNDS` times (default 3, interleaved so that machine noise spreads
//! over all rows); the best round is shown.

use rk6::events::Event;
use rk6::outputs::spec::OutputSpec;
use rk6::outputs::Output;
use rk6::{Overrides, Runner};
use std::path::Path;
use std::time::Duration;

const SAMPLES_PER_ITERATION: u64 = 11;
const SCRIPT: &str = r#"import { check } from "k6";
import { Counter } from "k6/metrics";
const items = new Counter("items");
export const options = __ENV.BENCH_RATE ? {
  scenarios: { paced: {
    executor: "constant-arrival-rate", rate: Number(__ENV.BENCH_RATE), timeUnit: "1s",
    duration: __ENV.BENCH_SECS + "s", preAllocatedVUs: 50, maxVUs: 50,
  } },
} : {};
export default function () {
  for (let i = 0; i < 8; i++) items.add(1, { slot: "s" + (i % 2) });
  check(1, { "is one": (v) => v === 1 });
}
"#;

/// Reads every sample (so VUs tag them all) and writes nothing.
struct NoOp;

impl Output for NoOp {
    fn name(&self) -> &str {
        "no-op"
    }
    fn events(&mut self, batch: &[Event]) {
        std::hint::black_box(batch);
    }
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// User + system CPU time of this process so far.
fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

struct Round {
    iter_per_sec: f64,
    dropped: u64,
    cpu_per_k: Duration,
    bytes: u64,
}

fn run_once(
    script: &Path,
    dir: &Path,
    out: Option<&str>,
    paced: Option<(u64, u64)>,
    vus: u64,
    secs: u64,
) -> Round {
    let mut runner = Runner::new(script).skip_summary(true);
    match paced {
        Some((rate, secs)) => {
            runner = runner
                .env_var("BENCH_RATE", rate.to_string())
                .env_var("BENCH_SECS", secs.to_string())
        }
        None => {
            runner = runner.overrides(Overrides {
                vus: Some(vus),
                duration: Some(Duration::from_secs(secs)),
                ..Default::default()
            })
        }
    }
    let mut file = None;
    match out {
        None => {}
        Some("no-op") => runner = runner.output(|_| Ok(Box::new(NoOp))),
        Some(value) => {
            let value = value.replace("out.", &format!("{}/out.", dir.display()));
            let spec: OutputSpec = value.parse().expect("a valid --out value");
            let maker = spec.maker();
            runner = runner.output(move |info| maker(info));
            file = Some(value.split_once('=').unwrap().1.to_owned());
        }
    }
    let cpu = cpu_time();
    let result = runner.run().expect("run");
    let cpu = cpu_time() - cpu;
    let bytes = file.map_or(0, |f| {
        let len = std::fs::metadata(&f).map_or(0, |m| m.len());
        let _ = std::fs::remove_file(&f);
        len
    });
    Round {
        // The scenario's time: VU start-up and the file's last write are not in it.
        iter_per_sec: result.iterations as f64 / result.run_time.as_secs_f64(),
        dropped: result.dropped_iterations,
        cpu_per_k: cpu * 1000 / result.iterations.max(1) as u32,
        bytes,
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let secs = env_num("BENCH_SECS", 5);
    let vus = env_num("BENCH_VUS", 1);
    let rounds = env_num("BENCH_ROUNDS", 3);
    let rate = env_num("BENCH_RATE", 9091);
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("samples.js");
    std::fs::write(&script, SCRIPT).expect("write script");
    let rows: [(&str, Option<&str>); 6] = [
        ("no output", None),
        ("no-op output", Some("no-op")),
        ("--out json", Some("json=out.json")),
        ("--out json (.gz)", Some("json=out.json.gz")),
        ("--out csv", Some("csv=out.csv")),
        ("--out csv (.gz)", Some("csv=out.csv.gz")),
    ];
    let mode = std::env::var("BENCH_MODE").unwrap_or_default();
    let modes = match mode.as_str() {
        "paced" => vec![Some((rate, secs))],
        "flat" => vec![None],
        _ => vec![Some((rate, secs)), None],
    };
    for paced in modes {
        let mut best: Vec<Option<Round>> = rows.iter().map(|_| None).collect();
        for _ in 0..rounds {
            for (i, (_, out)) in rows.iter().enumerate() {
                let round = run_once(&script, dir.path(), *out, paced, vus, secs);
                let better = match (&best[i], paced) {
                    (None, _) => true,
                    (Some(b), Some(_)) => round.cpu_per_k < b.cpu_per_k,
                    (Some(b), None) => round.iter_per_sec > b.iter_per_sec,
                };
                if better {
                    best[i] = Some(round);
                }
            }
        }
        let best: Vec<Round> = best.into_iter().map(Option::unwrap).collect();
        match paced {
            Some((rate, _)) => println!(
                "paced: {rate} iterations/s (~{} samples/s) for {secs}s, best of {rounds} by CPU time",
                rate * SAMPLES_PER_ITERATION
            ),
            None => println!("flat out: {vus} VU(s) for {secs}s, best of {rounds}"),
        }
        println!(
            "{:<18} {:>10} {:>11} {:>8} {:>8} {:>12} {:>8} {:>8}",
            "", "iter/s", "samples/s", "change", "dropped", "CPU/1k iter", "CPU +", "file MB"
        );
        for (i, (name, _)) in rows.iter().enumerate() {
            let r = &best[i];
            println!(
                "{name:<18} {:>10.0} {:>11.0} {:>7.1}% {:>8} {:>9.1} ms {:>7.1}% {:>8.1}",
                r.iter_per_sec,
                r.iter_per_sec * SAMPLES_PER_ITERATION as f64,
                (r.iter_per_sec / best[0].iter_per_sec - 1.0) * 100.0,
                r.dropped,
                r.cpu_per_k.as_secs_f64() * 1000.0,
                (r.cpu_per_k.as_secs_f64() / best[0].cpu_per_k.as_secs_f64() - 1.0) * 100.0,
                r.bytes as f64 / 1e6
            );
        }
        println!();
    }
}
