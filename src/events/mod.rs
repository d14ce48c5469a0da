//! The run's one live event stream: what VUs do (iterations, checks, metric samples, log
//! lines), VU counts, and the run's phases, in the order each VU produced them.
//!
//! VUs do not lock or send per sample: each buffers its events in an outbox (`outbox.rs`)
//! and hands them over in batches (when an iteration ends and a batch is due, when it
//! sleeps, when its buffer fills, when its job ends) to one dispatcher thread (`bus.rs`).
//! The dispatcher feeds every consumer in turn: the
//! [`Aggregator`](crate::metrics::aggregator::Aggregator) first (which the summary,
//! thresholds, `RunResult` and snapshots read), then the log output (an embedder's log
//! sink, else stderr), then subscribers
//! ([`RunHandle::events`](crate::runner::RunHandle::events)). Future consumers (progress
//! display, file outputs) plug in at the same place: see [`crate::outputs`].

pub(crate) mod bus;
pub(crate) mod outbox;

use crate::log::LogLine;
pub use crate::metrics::aggregator::IterationOutcome;
pub use crate::metrics::sample::{Sample, Tags};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// One thing that happened in a run.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// What the script declares about its metrics (thresholds, time Trends), sent once,
    /// after the init code and before `setup()`: file outputs describe each metric with
    /// it the first time they see it. Delivered to subscribers that asked for samples.
    Metrics(Arc<MetricDefs>),
    /// Setup is done: scenarios start now (the start of the run's `run_time`).
    Started,
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
    /// Every scenario ended; teardown comes next.
    ScenariosEnded,
    /// The run is over (after teardown and `handleSummary`); nothing follows.
    Ended {
        /// The exit code `rk6 run` would end with.
        exit_code: i32,
    },
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
