//! Scenarios and their executors: when each scenario starts, how many VUs it uses,
//! when iterations start, and how it stops (duration, gracefulStop, abort).

mod arrival;
mod looping;
mod rate;

use crate::events::Event;
use crate::options::{ExecutorConfig, Scenario};
use crate::runtime::state::{Progress, ScenarioState, TestState};
use crate::signal::StopSignal;
use crate::vu::pool::{VuHandle, VuPool};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs every scenario, each from its `startTime`, in parallel; returns when all ended.
pub fn run_all(scenarios: &[Scenario], pool: &VuPool, test: &Arc<TestState>) {
    let exec_names = test.exec_names.get().cloned().unwrap_or_default();
    std::thread::scope(|scope| {
        for scenario in scenarios {
            let exec_index = exec_names
                .iter()
                .position(|n| *n == scenario.exec)
                .unwrap_or(0) as u32;
            scope.spawn(move || {
                // A test aborted before this scenario's start never starts it.
                if test.hard_stop.sleep(scenario.start_time) {
                    return;
                }
                let vus = pool.take(scenario.executor.max_vus() as usize);
                let vus = run_scenario(scenario, exec_index, vus, test);
                test.events
                    .emit(Event::ScenarioEnded(scenario.name.as_str().into()));
                pool.give_back(vus);
            });
        }
    });
}

fn run_scenario(
    scenario: &Scenario,
    exec_index: u32,
    vus: Vec<VuHandle>,
    test: &Arc<TestState>,
) -> Vec<VuHandle> {
    let mut env = test.env.clone();
    env.extend(scenario.env.clone());
    let progress = match &scenario.executor {
        ExecutorConfig::SharedIterations { iterations, .. } => Progress::Iterations(*iterations),
        ExecutorConfig::PerVuIterations {
            vus, iterations, ..
        } => Progress::Iterations(vus * iterations),
        other => Progress::Time(other.max_duration()),
    };
    let mut tags = test.test_tags();
    tags.insert("scenario".to_owned(), scenario.name.clone());
    tags.extend(scenario.tags.clone());
    let state = Arc::new(ScenarioState {
        name: scenario.name.clone(),
        tags,
        executor: scenario.executor.name(),
        started: Instant::now(),
        env,
        exec_index,
        iterations_started: Default::default(),
        interrupt: Arc::new(StopSignal::new()),
        progress,
        vus: test.events.scenario_counters(&scenario.name),
    });
    let run = ScenarioRun {
        scenario,
        state,
        test: test.clone(),
        no_new_iterations: Arc::new(StopSignal::new()),
    };
    match &scenario.executor {
        ExecutorConfig::ConstantArrivalRate { .. } | ExecutorConfig::RampingArrivalRate { .. } => {
            arrival::run(&run, vus)
        }
        _ => looping::run(&run, vus),
    }
}

/// What an executor needs while its scenario runs.
pub(crate) struct ScenarioRun<'a> {
    pub scenario: &'a Scenario,
    pub state: Arc<ScenarioState>,
    pub test: Arc<TestState>,
    /// Fires when the scenario must start no more iterations (duration over, or abort).
    pub no_new_iterations: Arc<StopSignal>,
}

impl ScenarioRun<'_> {
    /// Waits for the scenario's VU jobs to report on `done`, enforcing its end: after
    /// `until` no new iterations start (`on_stop` runs once then), after `gracefulStop`
    /// more the running ones are interrupted; an abort of the test does both at once.
    /// `tick` runs every few milliseconds until then (to move ramps and start
    /// iterations) and returns how many VU jobs have been started so far.
    pub fn supervise(
        &self,
        done: &mpsc::Receiver<()>,
        until: Duration,
        mut tick: impl FnMut(Duration) -> usize,
        on_stop: impl FnOnce(),
    ) {
        let started = self.state.started;
        let graceful_end = until + self.scenario.graceful_stop;
        let mut on_stop = Some(on_stop);
        let mut workers = tick(Duration::ZERO);
        let mut finished = 0;
        while finished < workers {
            let elapsed = started.elapsed();
            let hard = self.test.hard_stop.is_set();
            if hard || elapsed >= until {
                self.no_new_iterations.trigger();
                if let Some(f) = on_stop.take() {
                    f();
                }
            } else {
                workers = tick(elapsed);
            }
            if hard || elapsed >= graceful_end {
                self.state.interrupt.trigger();
            }
            match done.recv_timeout(Duration::from_millis(2)) {
                Ok(()) => finished += 1,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        self.no_new_iterations.trigger();
        if let Some(f) = on_stop.take() {
            f();
        }
    }
}
