//! What `--out json` and `--out csv` cost a run (issue 14: at most 10% slower at 100k
//! samples/s).
//!
//!     CARGO_PROFILE_BENCH_LTO=false CARGO_PROFILE_BENCH_CODEGEN_UNITS=16 \
//!         cargo bench --no-default-features --features quickjs --bench outputs
//!
//! Runs a script whose iteration records 11 samples (8 `Counter.add`, a check, and the
//! iteration's `iterations` + `iteration_duration`) through the library for `BENCH_SECS`
//! (default 5) with `BENCH_VUS` VUs (default 1), as fast as it goes, without an output and
//! with each of json, json.gz, csv and csv.gz, `BENCH_ROUNDS` times (default 3, rows
//! interleaved so that machine noise spreads over all). Prints iterations/s and samples/s
//! (the best round of each) and the change against the run without an output.

use rk6::outputs::spec::OutputSpec;
use rk6::{Overrides, Runner};
use std::time::Duration;

const SAMPLES_PER_ITERATION: u64 = 11;
const SCRIPT: &str = r#"import { check } from "k6";
import { Counter } from "k6/metrics";
const items = new Counter("items");
export default function () {
  for (let i = 0; i < 8; i++) items.add(1, { slot: "s" + (i % 2) });
  check(1, { "is one": (v) => v === 1 });
}
"#;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let secs = env_num("BENCH_SECS", 5);
    let vus = env_num("BENCH_VUS", 1);
    let rounds = env_num("BENCH_ROUNDS", 3);
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("samples.js");
    std::fs::write(&script, SCRIPT).expect("write script");
    let rows: [(&str, Option<String>); 5] = [
        ("no output", None),
        ("--out json", Some("json=out.json".into())),
        ("--out json (.gz)", Some("json=out.json.gz".into())),
        ("--out csv", Some("csv=out.csv".into())),
        ("--out csv (.gz)", Some("csv=out.csv.gz".into())),
    ];
    let mut best = vec![0.0f64; rows.len()];
    let mut bytes = vec![0u64; rows.len()];
    for _ in 0..rounds {
        for (i, (_, out)) in rows.iter().enumerate() {
            let mut runner = Runner::new(&script)
                .overrides(Overrides {
                    vus: Some(vus),
                    duration: Some(Duration::from_secs(secs)),
                    ..Default::default()
                })
                .skip_summary(true);
            let mut file = None;
            if let Some(value) = out {
                let value = value.replace("out.", &format!("{}/out.", dir.path().display()));
                let spec: OutputSpec = value.parse().expect("a valid --out value");
                let maker = spec.maker();
                runner = runner.output(move |info| maker(info));
                file = Some(value.split_once('=').unwrap().1.to_owned());
            }
            let result = runner.run().expect("run");
            // The scenario's time: VU start-up and the file's last write are not in it.
            let rate = result.iterations as f64 / result.run_time.as_secs_f64();
            best[i] = best[i].max(rate);
            if let Some(file) = file {
                bytes[i] = std::fs::metadata(&file).map_or(0, |m| m.len());
                let _ = std::fs::remove_file(&file);
            }
        }
    }
    println!(
        "{vus} VU(s), {secs}s per run, best of {rounds}, {SAMPLES_PER_ITERATION} samples per iteration"
    );
    println!(
        "{:<18} {:>12} {:>12} {:>8} {:>10}",
        "", "iter/s", "samples/s", "change", "file MB"
    );
    for (i, (name, _)) in rows.iter().enumerate() {
        let change = (best[i] / best[0] - 1.0) * 100.0;
        println!(
            "{name:<18} {:>12.0} {:>12.0} {:>7.1}% {:>10.1}",
            best[i],
            best[i] * SAMPLES_PER_ITERATION as f64,
            change,
            bytes[i] as f64 / 1e6
        );
    }
}
