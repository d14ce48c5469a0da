//! Executors whose VUs loop over iterations: shared-iterations, per-vu-iterations,
//! constant-vus and ramping-vus.

use super::rate::{max_between, target_at};
use super::ScenarioRun;
use crate::options::ExecutorConfig;
use crate::signal::StopSignal;
use crate::vu::pool::VuHandle;
use crate::vu::Outcome;
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// The VU plan of a ramping-vus scenario. VU number `i` (0-based) may start iterations
/// while `i < target`. One that is mid-iteration when the target falls below it gets
/// `gracefulRampDown` to finish: it is interrupted once `i` is at or above every target of
/// that window (`keep`). Each VU listens to its own signal, a child of the scenario's, so
/// it can be interrupted alone.
struct Ramp {
    target: Mutex<u64>,
    cv: Condvar,
    signals: Vec<Mutex<Arc<StopSignal>>>,
}

impl Ramp {
    fn new(start_vus: u64, vus: usize, scenario_interrupt: &StopSignal) -> Self {
        Self {
            target: Mutex::new(start_vus),
            cv: Condvar::new(),
            signals: (0..vus)
                .map(|_| Mutex::new(child_signal(scenario_interrupt)))
                .collect(),
        }
    }

    /// Moves the plan: `target` VUs may start iterations, and VUs at index `keep` or
    /// above are interrupted if still running one.
    fn set(&self, target: u64, keep: u64) {
        {
            let mut t = self.target.lock();
            if *t != target {
                *t = target;
                self.cv.notify_all();
            }
        }
        for signal in self.signals.iter().skip(keep as usize) {
            signal.lock().trigger();
        }
    }

    fn has_turn(&self, index: usize) -> bool {
        *self.target.lock() > index as u64
    }

    /// Waits until VU `index` is within the target; `false` when the scenario stops first.
    fn wait_turn(&self, index: usize, stop: &StopSignal) -> bool {
        let mut t = self.target.lock();
        while *t <= index as u64 {
            if stop.is_set() {
                return false;
            }
            self.cv.wait_for(&mut t, Duration::from_millis(20));
        }
        !stop.is_set()
    }

    /// The signal VU `index` should listen to for its next iteration: a fresh one when the
    /// last was fired by a ramp-down.
    fn signal(&self, index: usize, scenario_interrupt: &StopSignal) -> Arc<StopSignal> {
        let mut current = self.signals[index].lock();
        if current.is_set() {
            *current = child_signal(scenario_interrupt);
        }
        current.clone()
    }
}

fn child_signal(parent: &StopSignal) -> Arc<StopSignal> {
    let child = Arc::new(StopSignal::new());
    parent.link(child.clone());
    child
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
        ExecutorConfig::RampingVus { start_vus, .. } => Some(Arc::new(Ramp::new(
            *start_vus,
            vus.len(),
            &run.state.interrupt,
        ))),
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
            let mut pass = None;
            loop {
                if stop.is_set() {
                    break;
                }
                if let Some(ramp) = &ramp {
                    // A VU ramped down holds no place and is not active while it waits
                    // for its turn.
                    if !ramp.has_turn(index) {
                        pass = None;
                        if active {
                            test.vus_active.fetch_sub(1, Ordering::Relaxed);
                            state.vus.active.fetch_sub(1, Ordering::Relaxed);
                            active = false;
                        }
                    }
                    if !ramp.wait_turn(index, &stop) {
                        break;
                    }
                    vu.set_interrupt(ramp.signal(index, &state.interrupt));
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
                    state.vus.active.fetch_add(1, Ordering::Relaxed);
                    active = true;
                }
                // An active VU, counted in `vus`, may still wait for its admission here.
                if pass.is_none() {
                    let Some(admitted) = test.admission.enter(&stop) else {
                        break;
                    };
                    pass = Some(admitted);
                }
                count += 1;
                let outcome = vu.run_iteration();
                if pass.as_ref().is_some_and(|p| p.should_leave()) {
                    // Dropped: its place goes to the first waiting VU, and this one waits.
                    pass = None;
                }
                match outcome {
                    Outcome::Aborted => break,
                    // A VU interrupted by a ramp-down waits for its turn to come back.
                    Outcome::Interrupted if ramp.is_none() || state.interrupt.is_set() => break,
                    _ => {}
                }
            }
            drop(pass);
            if active {
                test.vus_active.fetch_sub(1, Ordering::Relaxed);
                state.vus.active.fetch_sub(1, Ordering::Relaxed);
            }
            vu.flush_events();
            let _ = done.send(());
        }));
    }
    drop(done_tx);

    let stages = match executor {
        ExecutorConfig::RampingVus {
            start_vus,
            stages,
            graceful_ramp_down,
        } => Some((*start_vus, stages.clone(), *graceful_ramp_down)),
        _ => None,
    };
    let workers = vus.len();
    run.supervise(
        &done_rx,
        until,
        |elapsed| {
            if let (Some(ramp), Some((start, stages, grace))) = (&ramp, &stages) {
                let target = target_at(*start, stages, elapsed).round() as u64;
                let window = elapsed.saturating_sub(*grace);
                let keep = max_between(*start, stages, window, elapsed).round() as u64;
                ramp.set(target, keep);
            }
            workers
        },
        || {},
    );
    vus
}
