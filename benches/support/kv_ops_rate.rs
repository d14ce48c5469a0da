//! What the KV benches share: one run of a script that counts its operations in the
//! `kv_bench_ops` Counter, with one iteration per VU.

use rk6::{Overrides, Runner};
use std::path::Path;

/// Operations per second of one run: the `kv_bench_ops` count over the run time (which
/// excludes init, setup and teardown). `what` names the run in failure messages.
pub fn kv_ops_per_sec(script: &Path, vus: u64, env: &[(&str, String)], what: &str) -> f64 {
    let mut runner = Runner::new(script).overrides(Overrides {
        vus: Some(vus),
        iterations: Some(vus),
        ..Default::default()
    });
    for (name, value) in env {
        runner = runner.env_var(*name, value);
    }
    let result = runner
        .run()
        .unwrap_or_else(|e| panic!("{what} with {vus} VUs: the run failed: {e}"));
    assert_eq!(
        (result.iterations, result.failed_iterations),
        (vus, 0),
        "{what} with {vus} VUs: every VU must run its one iteration without error"
    );
    let ops = result.metrics.get("kv_bench_ops").map_or(0.0, |m| m.sum);
    ops / result.run_time.as_secs_f64()
}
