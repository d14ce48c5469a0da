//! Arrival-rate executors: iterations start on a schedule, whatever the iterations'
//! own duration. A start finds an idle VU, activates another one (up to maxVUs), or
//! is counted as dropped.

use super::rate::integral;
use super::ScenarioRun;
use crate::events::{Event, Sample};
use crate::metrics::{MetricKind, Tags};
use crate::options::ExecutorConfig;
use crate::vu::pool::VuHandle;
use crate::vu::Outcome;
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

#[derive(Default)]
struct Queue {
    /// Iteration starts handed out but not yet picked up by a VU.
    pending: u64,
    /// Activated VUs waiting for work (including ones just activated).
    idle: u64,
    closed: bool,
}

#[derive(Default)]
struct Dispatch {
    queue: Mutex<Queue>,
    cv: Condvar,
}

impl Dispatch {
    /// Blocks until there is an iteration to run (`true`) or the scenario is over (`false`).
    fn next(&self) -> bool {
        let mut q = self.queue.lock();
        while q.pending == 0 && !q.closed {
            self.cv.wait(&mut q);
        }
        if q.pending == 0 {
            return false;
        }
        q.pending -= 1;
        q.idle -= 1;
        true
    }

    fn finished_one(&self) {
        self.queue.lock().idle += 1;
    }

    fn close(&self) {
        self.queue.lock().closed = true;
        self.cv.notify_all();
    }
}

/// How many iterations the schedule has asked for by `t`, counting the one at t = 0.
fn due(executor: &ExecutorConfig, t: Duration) -> u64 {
    match executor {
        ExecutorConfig::ConstantArrivalRate {
            rate, time_unit, ..
        } => {
            // The first start is at t = 0, then one every time_unit / rate.
            let count = *rate as f64 * t.as_secs_f64() / time_unit.as_secs_f64();
            count.floor() as u64 + 1
        }
        ExecutorConfig::RampingArrivalRate {
            start_rate,
            time_unit,
            stages,
            ..
        } => {
            // A start is due once the area under the rate ramp reaches it.
            (integral(*start_rate, stages, t) / time_unit.as_secs_f64()).ceil() as u64
        }
        _ => 0,
    }
}

pub(super) fn run(run: &ScenarioRun, vus: Vec<VuHandle>) -> Vec<VuHandle> {
    let executor = run.scenario.executor.clone();
    let (pre_allocated, duration) = match &executor {
        ExecutorConfig::ConstantArrivalRate {
            pre_allocated_vus,
            duration,
            ..
        } => (*pre_allocated_vus as usize, *duration),
        ExecutorConfig::RampingArrivalRate {
            pre_allocated_vus, ..
        } => (*pre_allocated_vus as usize, executor.max_duration()),
        _ => unreachable!("arrival::run is only given arrival-rate scenarios"),
    };
    let dispatch = Arc::new(Dispatch::default());
    let (done_tx, done_rx) = mpsc::channel();
    let mut activated = 0usize;

    let activate = |vu: &VuHandle, dispatch: &Arc<Dispatch>| {
        let state = run.state.clone();
        let test = run.test.clone();
        let dispatch = dispatch.clone();
        let done = done_tx.clone();
        dispatch.queue.lock().idle += 1;
        test.vus_active.fetch_add(1, Ordering::Relaxed);
        state.vus.active.fetch_add(1, Ordering::Relaxed);
        vu.run(Box::new(move |vu| {
            vu.enter_scenario(&state);
            while dispatch.next() {
                state.vus.busy.fetch_add(1, Ordering::Relaxed);
                let outcome = vu.run_iteration();
                state.vus.busy.fetch_sub(1, Ordering::Relaxed);
                dispatch.finished_one();
                if matches!(outcome, Outcome::Interrupted | Outcome::Aborted) {
                    break;
                }
            }
            test.vus_active.fetch_sub(1, Ordering::Relaxed);
            vu.flush_events();
            let _ = done.send(());
        }));
    };

    for vu in vus.iter().take(pre_allocated.min(vus.len())) {
        activate(vu, &dispatch);
        activated += 1;
    }

    let mut started = 0u64;
    let test = run.test.clone();
    let tick = |elapsed: Duration| {
        let wanted = due(&executor, elapsed.min(duration));
        while started < wanted {
            started += 1;
            let mut q = dispatch.queue.lock();
            if q.idle > q.pending {
                q.pending += 1;
                drop(q);
                dispatch.cv.notify_one();
            } else if activated < vus.len() {
                q.pending += 1;
                drop(q);
                activate(&vus[activated], &dispatch);
                activated += 1;
            } else {
                drop(q);
                let tags = match test.events.wants_tags("dropped_iterations") {
                    true => Tags::new(Arc::new(run.state.tags.clone())),
                    false => Tags::default(),
                };
                test.events.emit(Event::Sample(Sample {
                    metric: "dropped_iterations".into(),
                    kind: MetricKind::Counter,
                    value: 1.0,
                    time: std::time::SystemTime::now(),
                    tags,
                }));
            }
        }
        activated
    };
    run.supervise(&done_rx, duration, tick, || dispatch.close());
    vus
}
