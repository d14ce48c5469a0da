//! The run's one live event stream: what VUs do (iterations, checks, metric samples, log
//! lines), VU counts, and the run's phases, in the order each VU produced them.
//!
//! VUs do not lock or send per sample: each buffers its events in an outbox (`outbox.rs`)
//! and hands them over in batches (when an iteration ends and a batch is due, when it
//! sleeps, when its buffer fills, when its job ends) to one dispatcher thread (`bus.rs`).
//! A run's stream reads: [`Event::Scenarios`], [`Event::Started`], what VUs do with
//! [`Event::Vus`] and [`Event::ScenarioVus`] every second and an [`Event::ScenarioEnded`]
//! per scenario, [`Event::ScenariosEnded`], teardown's events, then [`Event::Ended`].
//! The dispatcher feeds every consumer in turn: the
//! [`Aggregator`](crate::metrics::aggregator::Aggregator) first (which the summary,
//! thresholds, `RunResult` and snapshots read), then the log output (an embedder's log
//! sink, else stderr), then subscribers
//! ([`RunHandle::events`](crate::runner::RunHandle::events)). Outputs (the progress
//! display, file outputs) plug in at the same place: see [`crate::outputs`].

pub(crate) mod bus;
pub(crate) mod outbox;

use crate::log::LogLine;
pub use crate::metrics::aggregator::IterationOutcome;
pub use crate::metrics::sample::{Sample, Tags};
pub use crate::metrics::thresholds::RuleResult;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// One thing that happened in a run.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// What the scenarios are set to do, sent once just before [`Event::Started`].
    Scenarios {
        /// The scenarios, in the order the options give them.
        plans: Vec<ScenarioPlan>,
        /// VUs created for the run (the most that can be active at once).
        vus_max: u64,
    },
    /// What the script declares about its metrics (thresholds, time Trends), sent once,
    /// after the init code and before `setup()`: file outputs describe each metric with
    /// it the first time they see it. Delivered to subscribers that asked for samples.
    Metrics(Arc<MetricDefs>),
    /// Setup is done: scenarios start now (the start of the run's `run_time`).
    Started,
    /// One scenario's executor is done (its iterations or its duration and graceful
    /// stop are over, or the run was stopped); carries the scenario's name. It follows
    /// every [`Event::Iteration`] of the scenario. A scenario that never started (the run
    /// was stopped before its `startTime`) has none.
    ScenarioEnded(Arc<str>),
    /// An iteration ended; it stands for k6's `iterations` and `iteration_duration`
    /// samples (interrupted iterations have neither).
    Iteration(Iteration),
    /// A `check()` result; it stands for k6's `checks` sample. Delivered to subscribers
    /// that asked for samples ([`crate::Runner::event_samples`]).
    Check(Check),
    /// A metric sample (HTTP, KV, custom metrics, `dropped_iterations`, the `vus` and
    /// `vus_max` gauges). Delivered to subscribers that asked for samples.
    Sample(Sample),
    /// A log line (`console.*`, an iteration's error, the run's own messages).
    Log(LogLine),
    /// VU counts, about once a second while scenarios run.
    Vus(VuCount),
    /// Each started scenario's VU counts, sent with [`Event::Vus`].
    ScenarioVus(Vec<ScenarioVus>),
    /// Every scenario ended; teardown comes next.
    ScenariosEnded,
    /// The final evaluation of the thresholds (`options.thresholds`): every rule with the
    /// value it compared and whether it held, as [`crate::RunResult::thresholds`] has them.
    /// Sent once, after teardown and before `handleSummary`, when the test ran to its
    /// evaluation (not when it failed to start); empty when the script has no thresholds.
    /// Outputs that only see the stream (a report) read the verdicts here.
    Thresholds(Vec<RuleResult>),
    /// The run is over (after teardown and `handleSummary`); nothing follows.
    Ended {
        /// The exit code `rk6 run` would end with.
        exit_code: i32,
    },
}

/// One scenario as it was configured: enough to tell how far along it is (the progress
/// bars) without the options it came from.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScenarioPlan {
    /// Its name (its key in `options.scenarios`, or `default`).
    pub name: Arc<str>,
    /// Its executor, as k6 names it (`shared-iterations`, `ramping-vus`, ...).
    pub executor: &'static str,
    /// When it starts, from [`Event::Started`] (`startTime`).
    pub start_time: Duration,
    /// How long it runs before its graceful stop: `duration`, the sum of its stages, or
    /// `maxDuration` for the iteration-based executors.
    pub duration: Duration,
    /// Its `gracefulStop`.
    pub graceful_stop: Duration,
    /// Worst-case end from [`Event::Started`], graceful stop and ramp-down included.
    pub max_end: Duration,
    /// VUs it starts with: `vus`, `startVUs` or `preAllocatedVUs`.
    pub vus: u64,
    /// Most VUs it can use at once.
    pub max_vus: u64,
    /// Iterations it runs in all (shared-iterations, per-vu-iterations).
    pub iterations: Option<u64>,
    /// Iterations of each VU (per-vu-iterations).
    pub iterations_per_vu: Option<u64>,
    /// Iterations started per `time_unit`: `rate`, or `startRate` (arrival-rate executors).
    pub rate: Option<u64>,
    /// The arrival-rate executors' `timeUnit`.
    pub time_unit: Option<Duration>,
    /// Its stages (ramping executors): VU counts, or rates per `time_unit`.
    pub stages: Vec<crate::options::Stage>,
}

/// What is known about the run's metrics before `setup()` runs.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct MetricDefs {
    /// The script's thresholds, one per key (`http_req_duration`, `my_counter{tag:a}`),
    /// in key order.
    pub thresholds: Vec<ThresholdDef>,
    /// Trends that hold times (`new Trend(name, true)`, the KV store's); built-in ones
    /// (`http_req_*`, `iteration_duration`) are not listed.
    pub time_trends: std::collections::BTreeSet<String>,
}

/// One key of the script's `thresholds`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ThresholdDef {
    /// The key as the script wrote it.
    pub key: String,
    /// The metric it applies to.
    pub metric: String,
    /// The tags of a sub-metric (`my_counter{tag:a}`), in the order written; empty for
    /// the metric itself.
    pub tags: Vec<(String, String)>,
    /// Its rules as written (`p(95)<200`).
    pub rules: Vec<String>,
}

/// How one iteration ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Iteration {
    /// The VU that ran it (1..N).
    pub vu: u32,
    /// The scenario it belongs to.
    pub scenario: Arc<str>,
    /// From its start to its end, as its `iteration_duration` sample measures it.
    pub duration: Duration,
    /// Completed, failed (the script threw) or interrupted (the run stopped it).
    pub outcome: IterationOutcome,
    /// The error that failed it, as the log shows it (with the stack), when it failed.
    pub error: Option<String>,
    /// When it ended.
    pub time: SystemTime,
    /// The tags of its `iterations` sample, when something reads tags (see [`Tags`]).
    pub tags: Tags,
}

/// One `check()` result.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The VU that ran it (0: setup or teardown).
    pub vu: u32,
    /// Group path, nested names joined with `::`; empty at the top level.
    pub group: Arc<str>,
    /// The check's name (the key in `check(value, { name: fn })`).
    pub name: Arc<str>,
    /// The scenario it ran in (empty in setup and teardown).
    pub scenario: Arc<str>,
    /// Whether every function of the check returned a truthy value.
    pub passed: bool,
    /// When it was checked.
    pub time: SystemTime,
    /// The tags of its `checks` sample (`check`, `group`, the scenario's...), when
    /// something reads tags.
    pub tags: Tags,
}

/// One scenario's VUs at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioVus {
    /// The scenario's name.
    pub scenario: Arc<str>,
    /// VUs it has now: those running its loop (looping executors), those it has
    /// activated so far (arrival-rate executors).
    pub active: u64,
    /// Of those, the VUs in an iteration now.
    pub busy: u64,
}

/// How many VUs run, as k6 samples its `vus` and `vus_max` gauges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VuCount {
    /// VUs running iterations now.
    pub active: u64,
    /// VUs created for the run (the most that can be active).
    pub max: u64,
    /// Time since scenarios started.
    pub elapsed: Duration,
}
