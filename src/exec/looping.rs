//! Executors whose VUs loop over iterations: shared-iterations, per-vu-iterations,
//! constant-vus and ramping-vus.

use super::rate::target_at;
use super::ScenarioRun;
use crate::options::ExecutorConfig;
use crate::vu::pool::VuHandle;
use crate::vu::Outcome;
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// How many of a ramping-vus scenario's VUs may run iterations right now.
struct ActiveTarget {
    target: Mutex<u64>,
    cv: Condvar,
}

impl ActiveTarget {
    fn set(&self, n: u64) {
        let mut t = self.target.lock();
        if *t != n {
            *t = n;
            self.cv.notify_all();
        }
    }

    /// Waits until VU number `index` (0-based) is within the target; `false` when the
    /// scenario stops first.
    fn wait_turn(&self, index: u64, stop: &crate::signal::StopSignal) -> bool {
        let mut t = self.target.lock();
        while *t <= index {
            if stop.is_set() {
                return false;
            }
            self.cv.wait_for(&mut t, Duration::from_millis(20));
        }
        !stop.is_set()
    }
}

pub(super) fn run(run: &ScenarioRun, vus: Vec<VuHandle>) -> Vec<VuHandle> {
    let executor = &run.scenario.executor;
    // Which iteration budget a VU draws from.
    let shared_left = Arc::new(AtomicU64::new(0));
    let (per_vu, until) = match executor {
        ExecutorConfig::SharedIterations {
            iterations,
            max_duration,
            ..
        } => {
            shared_left.store(*iterations, Ordering::Relaxed);
            (None, *max_duration)
        }
        ExecutorConfig::PerVuIterations {
            iterations,
            max_duration,
            ..
        } => (Some(*iterations), *max_duration),
        other => (None, other.max_duration()),
    };
    let shared = matches!(executor, ExecutorConfig::SharedIterations { .. });
    let ramp = match executor {
        ExecutorConfig::RampingVus { start_vus, .. } => Some(Arc::new(ActiveTarget {
            target: Mutex::new(*start_vus),
            cv: Condvar::new(),
        })),
        _ => None,
    };

    let (done_tx, done_rx) = mpsc::channel();
    for (index, vu) in vus.iter().enumerate() {
        let state = run.state.clone();
        let test = run.test.clone();
        let stop = run.no_new_iterations.clone();
        let shared_left = shared_left.clone();
        let ramp = ramp.clone();
        let done = done_tx.clone();
        vu.run(Box::new(move |vu| {
            vu.enter_scenario(&state);
            let mut active = false;
            let mut count = 0u64;
            loop {
                if stop.is_set() {
                    break;
                }
                if let Some(ramp) = &ramp {
                    if !ramp.wait_turn(index as u64, &stop) {
                        break;
                    }
                }
                if shared {
                    // Claim one of the shared iterations; none left means this VU is done.
                    let claimed =
                        shared_left.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                            n.checked_sub(1)
                        });
                    if claimed.is_err() {
                        break;
                    }
                } else if per_vu.is_some_and(|n| count >= n) {
                    break;
                }
                if !active {
                    test.vus_active.fetch_add(1, Ordering::Relaxed);
                    active = true;
                }
                count += 1;
                if matches!(vu.run_iteration(), Outcome::Interrupted | Outcome::Aborted) {
                    break;
                }
            }
            if active {
                test.vus_active.fetch_sub(1, Ordering::Relaxed);
            }
            let _ = done.send(());
        }));
    }
    drop(done_tx);

    let stages = match executor {
        ExecutorConfig::RampingVus {
            start_vus, stages, ..
        } => Some((*start_vus, stages.clone())),
        _ => None,
    };
    let workers = vus.len();
    run.supervise(
        &done_rx,
        until,
        |elapsed| {
            if let (Some(ramp), Some((start, stages))) = (&ramp, &stages) {
                ramp.set(target_at(*start, stages, elapsed).round() as u64);
            }
            workers
        },
        || {},
    );
    vus
}
