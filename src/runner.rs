//! Runs a whole test: init → options → VUs → setup → scenarios → teardown → result.

use crate::error::{exit_code, RunError};
use crate::events::bus::{Bus, Subscription};
use crate::events::Event;
use crate::exec;
use crate::log::{Level, LogLine, LogSink};
use crate::metrics::aggregator::{Aggregator, Breakdown};
use crate::metrics::thresholds::{self, RuleResult};
use crate::metrics::{CheckStat, Metric, MetricKind, TrendSummary};
use crate::options::{self, Overrides, Scenario};
use crate::outputs::{Output, OutputMaker, RunInfo};
use crate::runtime::snapshot;
use crate::runtime::state::{IterationError, TestState};
use crate::signal::StopSignal;
use crate::vu::pool::{leave_for_exit, spawn_vus, stop_all, VuPool};
use crate::vu::{for_the_author, ExtensionFactory, VuSpec};
use deno_core::ModuleSpecifier;
use rk6_kv::Store;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often `abortOnFail` thresholds are checked while the test runs.
const ABORT_CHECK_INTERVAL: Duration = Duration::from_millis(250);

/// Builds and runs a test; the library face of `rk6 run`.
#[derive(Debug, Clone, Default)]
pub struct Runner {
    script: PathBuf,
    env: BTreeMap<String, String>,
    overrides: Overrides,
    stop: Option<Arc<StopSignal>>,
    /// Whether `handleSummary` runs (k6's `--no-summary` skips it).
    skip_summary: bool,
    no_color: bool,
    /// The store a run's scripts open as `backend: "memory"`.
    kv_memory: Option<Opaque<Arc<dyn Store>>>,
    /// Whether `__ENV` starts from the process environment (the CLI's default, as k6's).
    include_host_env: bool,
    /// The script's text, when it was given as text rather than read from `script`.
    source: Option<Arc<str>>,
    /// Options laid over the script's `export const options`, key by key.
    options: Option<serde_json::Value>,
    extensions: Option<Opaque<ExtensionFactory>>,
    /// Modules added by name, with their source.
    modules: Vec<(String, String)>,
    log_sink: Option<Opaque<LogSink>>,
    /// Outputs (`--out`), made when the run starts.
    outputs: Vec<Opaque<OutputMaker>>,
    label: Option<String>,
    /// Whether [`start`](Self::start)'s subscriber gets checks and metric samples.
    event_samples: bool,
    /// How many undelivered events [`start`](Self::start)'s subscriber may have queued.
    event_capacity: usize,
    /// `--summary-trend-stats`: the Trend statistics the summary shows (k6's default when
    /// `None`).
    trend_stats: Option<Vec<String>>,
    /// `--summary-mode full`: keep per-group and per-scenario tallies.
    breakdown: bool,
    /// Whether the VUs are left standing at the end for the process's exit to reclaim.
    leave_vus: bool,
}

/// Events a subscriber may leave unread before newer ones are dropped, by default.
pub const DEFAULT_EVENT_CAPACITY: usize = 1 << 16;

/// Something a `Runner` holds that has no `Debug` of its own (a closure, a store), so
/// that `Runner` can still derive it.
#[derive(Clone)]
struct Opaque<T>(T);

impl<T> std::fmt::Debug for Opaque<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("..")
    }
}

/// How long `handleSummary` may run, as k6 allows it.
const HANDLE_SUMMARY_TIMEOUT: Duration = Duration::from_secs(120);

/// What a finished run reports.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    /// Iterations that ran to their end (completed or failed).
    pub iterations: u64,
    /// Iterations whose function threw (k6 counts them in `iterations` too).
    pub failed_iterations: u64,
    /// Iterations cut short by the end of their scenario or a stop.
    pub interrupted_iterations: u64,
    /// Iterations an arrival-rate executor could not start for lack of a free VU.
    pub dropped_iterations: u64,
    /// Iterations per second over the test's run time.
    pub iteration_rate: f64,
    /// The `iteration_duration` Trend, in milliseconds.
    pub iteration_duration_ms: Option<TrendSummary>,
    /// `iteration_duration` with the summary's trend stats.
    #[serde(skip)]
    pub iteration_duration: Option<MetricSummary>,
    /// The trend stats each Trend's [`MetricSummary::stats`] holds, in the order asked.
    #[serde(skip)]
    pub trend_stats: Vec<String>,
    /// Every check, by group and name, with its passes and fails.
    pub checks: Vec<CheckStat>,
    /// The checks again, by the scenario they ran in (those of setup and teardown, which
    /// run in none, left out).
    #[serde(skip)]
    pub scenario_checks: Vec<(String, CheckStat)>,
    /// Each group and each scenario's own figures, when
    /// [`Runner::summary_breakdown`] asked for them.
    #[serde(skip)]
    pub breakdown: Option<Breakdown<MetricSummary>>,
    /// Every metric with samples, by name (built-in and custom).
    pub metrics: BTreeMap<String, MetricSummary>,
    /// The most VUs the run had at once.
    pub vus_max: u64,
    /// The scenarios that ran, by name.
    pub scenarios: Vec<String>,
    /// Time from the first iteration's start to the last scenario's end (setup and teardown excluded).
    #[serde(serialize_with = "as_secs")]
    pub run_time: Duration,
    /// The reason given to `exec.test.abort()`, or the threshold that aborted the test.
    pub aborted: Option<String>,
    /// Every threshold rule and whether it passed.
    pub thresholds: Vec<RuleResult>,
    /// The samples each threshold's key selected, by that key.
    pub selections: BTreeMap<String, MetricSummary>,
    /// What `setup()` returned, if anything.
    pub setup_data: Option<serde_json::Value>,
    /// The code `rk6 run` exits with (see [`crate::exit_code`]).
    pub exit_code: i32,
    /// The first [`KEPT_ITERATION_ERRORS`](crate::metrics::aggregator::KEPT_ITERATION_ERRORS)
    /// (20) distinct errors that failed iterations, in the order they first happened, each
    /// with how many iterations it failed.
    pub iteration_errors: Vec<IterationError>,
    /// What the script's `handleSummary` returned, by destination (`stdout`, `stderr` or a
    /// file path), to be written instead of the default summary; `None` when it has none,
    /// returned nothing, or threw.
    #[serde(skip)]
    pub summary_outputs: Option<Vec<(String, Vec<u8>)>>,
}

/// A custom metric (or a threshold's selection) as the summary shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MetricSummary {
    /// Counter, Gauge, Rate or Trend.
    pub kind: MetricKind,
    /// How many samples.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// Counter: sum per second of run time. Rate: share of non-zero samples.
    pub rate: f64,
    /// The latest sample.
    pub last: f64,
    /// The smallest sample.
    pub min: f64,
    /// The largest sample.
    pub max: f64,
    /// Samples that were non-zero (a Rate's passes).
    pub nonzero: u64,
    /// Percentiles and mean, for Trends.
    pub trend: Option<TrendSummary>,
    /// A Trend's `--summary-trend-stats` (`avg`, `p(99.9)`, `count`, ...) by name, for the
    /// end-of-test summary.
    #[serde(skip)]
    pub stats: BTreeMap<String, f64>,
    /// Whether the values are durations in milliseconds (the summary picks units for them).
    #[serde(skip)]
    pub time: bool,
}

impl MetricSummary {
    fn of(m: &Metric, run_time: Duration) -> Self {
        let rate = match m.kind {
            MetricKind::Rate | MetricKind::Counter => m.rate(run_time),
            _ => 0.0,
        };
        let seen = |v: f64| if m.count > 0 { v } else { 0.0 };
        Self {
            kind: m.kind,
            count: m.count,
            sum: m.sum,
            rate,
            last: m.last,
            min: seen(m.min),
            max: seen(m.max),
            nonzero: m.nonzero,
            trend: m.trend(),
            stats: BTreeMap::new(),
            time: false,
        }
    }

    /// Also computes a Trend's `stats` (names `crate::metrics::summary::parse_trend_stats` accepted)
    /// and notes whether it holds durations.
    fn with_stats(mut m: Metric, run_time: Duration, stats: &[String], time: bool) -> Self {
        m.sort();
        let mut summary = Self::of(&m, run_time);
        summary.time = time;
        if m.kind == MetricKind::Trend && m.count > 0 {
            for stat in stats {
                let value = match stat.as_str() {
                    "avg" => m.sum / m.count as f64,
                    "min" => m.min,
                    "max" => m.max,
                    "med" => m.percentile(50.0),
                    "count" => m.count as f64,
                    p => match crate::metrics::summary::percentile_of(p) {
                        Some(p) => m.percentile(p),
                        None => continue,
                    },
                };
                summary.stats.insert(stat.clone(), value);
            }
        }
        summary
    }
}

/// The process environment as `__ENV` sees it. `std::env::vars()` panics on a name or value
/// that is not UTF-8; such a variable cannot become a JS string faithfully, so it is left
/// out, with a warning so a script reading it is not puzzled by `undefined`.
fn process_env() -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for (name, value) in std::env::vars_os() {
        match (name.into_string(), value.into_string()) {
            (Ok(name), Ok(value)) => {
                env.insert(name, value);
            }
            (name, _) => {
                let shown = match &name {
                    Ok(name) => name.clone(),
                    Err(raw) => raw.to_string_lossy().into_owned(),
                };
                crate::log::warn(
                    &format!(
                        "environment variable {shown:?} is not valid UTF-8; it is left out of __ENV"
                    ),
                    &[],
                );
            }
        }
    }
    env
}

fn as_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl RunResult {
    /// How many check results passed, over every check.
    pub fn checks_passed(&self) -> u64 {
        self.checks.iter().map(|c| c.passes).sum()
    }
    /// How many check results failed, over every check.
    pub fn checks_failed(&self) -> u64 {
        self.checks.iter().map(|c| c.fails).sum()
    }
}

impl Runner {
    /// A run of the script at `script` (resolved against the working directory).
    pub fn new(script: impl Into<PathBuf>) -> Self {
        Self {
            script: script.into(),
            env: BTreeMap::new(),
            overrides: Overrides::default(),
            stop: None,
            skip_summary: false,
            no_color: false,
            kv_memory: None,
            include_host_env: false,
            source: None,
            options: None,
            extensions: None,
            modules: Vec::new(),
            log_sink: None,
            outputs: Vec::new(),
            label: None,
            event_samples: false,
            event_capacity: DEFAULT_EVENT_CAPACITY,
            trend_stats: None,
            breakdown: false,
            leave_vus: false,
        }
    }

    /// Whether the stream [`start`](Self::start) returns also carries every check result
    /// ([`Event::Check`]) and metric sample ([`Event::Sample`]) with their tags (default:
    /// no; they are most of the stream, and tagging them costs the VUs some time).
    pub fn event_samples(mut self, samples: bool) -> Self {
        self.event_samples = samples;
        self
    }

    /// How many events the stream [`start`](Self::start) returns holds unread (default
    /// [`DEFAULT_EVENT_CAPACITY`]); past that, new events are dropped and counted
    /// ([`RunHandle::dropped_events`]) rather than slow the run down.
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity.max(1);
        self
    }

    /// Starts the test on a thread of its own and returns at once with a handle to it:
    /// its live events, snapshots of its metrics, a way to stop it, and its result.
    ///
    /// The handle's stream is subscribed before anything runs, so it misses nothing
    /// (unless it falls [`event_capacity`](Self::event_capacity) events behind).
    pub fn start(mut self) -> Result<RunHandle, RunError> {
        let stop = self
            .stop
            .get_or_insert_with(|| Arc::new(StopSignal::new()))
            .clone();
        let capacity = match self.event_capacity {
            0 => DEFAULT_EVENT_CAPACITY,
            n => n,
        };
        let (subscription, events, dropped) = Subscription::new(capacity, self.event_samples);
        let outputs = self.make_outputs()?;
        let bus = Bus::start(
            self.log_sink.clone().map(|s| s.0),
            vec![subscription],
            outputs,
        );
        let run_bus = bus.clone();
        let thread = std::thread::Builder::new()
            .name("rk6-run".into())
            .spawn(move || self.execute(run_bus))
            .map_err(|e| RunError::Internal(format!("cannot start the run's thread: {e}")))?;
        Ok(RunHandle {
            events,
            dropped,
            bus,
            stop,
            thread: parking_lot::Mutex::new(Some(thread)),
        })
    }

    /// Adds an output: a consumer of the run's event stream (see [`crate::outputs`]),
    /// made by `make` when the run starts. If `make` fails the run ends before any VU
    /// starts, with [`RunError::InvalidOptions`] naming the output.
    pub fn output(
        mut self,
        make: impl Fn(&RunInfo) -> Result<Box<dyn Output>, String> + Send + Sync + 'static,
    ) -> Self {
        self.outputs.push(Opaque(Arc::new(make)));
        self
    }

    /// Sends the run's log lines — `console.*` output, iteration errors with their stacks,
    /// the run's own errors — to `sink` instead of stderr (the default, as `rk6 run`
    /// prints them). Each line says which run (see [`label`](Self::label)) and which VU.
    /// The sink is a consumer of the run's event stream: it is called on the stream's
    /// dispatcher thread, in order with the run's other events, as VUs hand lines over
    /// (at once: a log line does not wait for its iteration to end). Keep it quick: the
    /// stream's other consumers wait for it, and VUs do once the stream's queue is full.
    pub fn log_sink(mut self, sink: impl Fn(&LogLine) + Send + Sync + 'static) -> Self {
        self.log_sink = Some(Opaque(Arc::new(sink)));
        self
    }

    /// What this run's log lines carry as [`LogLine::run`] (default: the script's path).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds deno_core extensions (ops, state) to every VU's runtime, next to rk6's own.
    /// `make` is called once per VU, since each runtime needs extensions of its own. Their
    /// ops are reachable from modules added with [`module`](Self::module) as
    /// `Deno.core.ops.op_name`. Runtimes then start without rk6's startup snapshot (which
    /// holds rk6's extension only), so runs that would use it (see
    /// [`snapshot::SNAPSHOT_MIN_VUS`] and [`crate::engine::STARTUP_SNAPSHOT_PAYS`]) start a
    /// little slower.
    pub fn extensions(
        mut self,
        make: impl Fn() -> Vec<deno_core::Extension> + Send + Sync + 'static,
    ) -> Self {
        self.extensions = Some(Opaque(Arc::new(make)));
        self
    }

    /// Adds an ES module that scripts import by `name`, as they import `k6/http`
    /// (e.g. `k6/x/greet`). It can import rk6's modules (`k6`, `k6/metrics`: to record
    /// checks and metrics) and reach ops of [`extensions`](Self::extensions) through
    /// `Deno.core.ops`. A name of a built-in module, or one that is not a bare name, is an
    /// invalid-options error when the run starts.
    pub fn module(mut self, name: impl Into<String>, source: impl Into<String>) -> Self {
        self.modules.push((name.into(), source.into()));
        self
    }

    /// A run of a script given as text. `name` is its file name: relative imports and
    /// `open()` resolve against the current directory as if the script were a file there
    /// (it need not exist), stack traces show it, and a `.ts` name makes it TypeScript.
    pub fn from_source(name: impl Into<PathBuf>, source: impl Into<String>) -> Self {
        let mut runner = Self::new(name);
        runner.source = Some(source.into().into());
        runner
    }

    /// Options as a script's `export const options` gives them (`scenarios`, `thresholds`,
    /// `tags`, `vus`, ...): each top-level key replaces the script's own, and
    /// [`overrides`](Self::overrides) still beat both, as CLI flags do. Anything but an
    /// object is an invalid-options error when the run starts.
    pub fn options(mut self, options: serde_json::Value) -> Self {
        self.options = Some(options);
        self
    }

    /// Whether scripts see this process's environment variables in `__ENV`, under the
    /// entries given with [`env`](Self::env) / [`env_var`](Self::env_var) (default: no,
    /// `__ENV` holds only those; `rk6 run` passes `true`, as `k6 run` does unless given
    /// `--include-system-env-vars=false`).
    pub fn include_host_env(mut self, include: bool) -> Self {
        self.include_host_env = include;
        self
    }

    /// Gives this run its own store behind `openKv({ backend: "memory" })`, so that runs
    /// in one process do not see (or `clear()`) each other's data. Without it, every run
    /// of the process shares one memory store, as the VUs of a run do.
    ///
    /// The store is yours before and after the run: seed it and read it back through
    /// [`Store`], encoding values with [`crate::kv::value`] the way the script's
    /// `serialization` option does. Any [`Store`] works, e.g. a fresh
    /// [`MemoryStore`](crate::kv::MemoryStore) (`Arc::new(MemoryStore::new())`).
    pub fn kv_memory_store(mut self, store: Arc<dyn Store>) -> Self {
        self.kv_memory = Some(Opaque(store));
        self
    }

    /// The statistics each Trend reports in [`MetricSummary::stats`] (`--summary-trend-stats`,
    /// checked with [`crate::metrics::summary::parse_trend_stats`]; default k6's `avg`, `min`, `med`,
    /// `max`, `p(90)`, `p(95)`).
    pub fn summary_trend_stats(mut self, stats: Vec<String>) -> Self {
        self.trend_stats = Some(stats);
        self
    }

    /// Also tallies each group and each scenario apart ([`RunResult::breakdown`]), as
    /// `--summary-mode full` shows them (default: no; it aggregates every sample twice and
    /// tags every sample).
    pub fn summary_breakdown(mut self, breakdown: bool) -> Self {
        self.breakdown = breakdown;
        self
    }

    /// Leaves the VUs standing when the run ends instead of tearing their runtimes down,
    /// for a process that exits right after the run, as the CLI does (default: no). The
    /// operating system reclaims their memory at exit in one go, where tearing down a
    /// thousand runtimes one object at a time costs ~1.8 M instructions each, a tenth of
    /// a short run's CPU time. Their threads and memory stay until the process exits, so
    /// a process that runs more than one test keeps the default. While a disk store is
    /// open the VUs are torn down anyway: the store commits its queued writes as its
    /// last handle drops.
    pub fn leave_vus_for_exit(mut self, leave: bool) -> Self {
        self.leave_vus = leave;
        self
    }

    /// Does not call the script's `handleSummary` (`--no-summary`).
    pub fn skip_summary(mut self, skip: bool) -> Self {
        self.skip_summary = skip;
        self
    }

    /// Tells `handleSummary` (its `data.options.noColor`) that colors are off.
    pub fn no_color(mut self, no_color: bool) -> Self {
        self.no_color = no_color;
        self
    }

    /// Replaces the entries scripts see in `__ENV` (default: none; see
    /// [`include_host_env`](Self::include_host_env)).
    pub fn env(mut self, env: BTreeMap<String, String>) -> Self {
        self.env = env;
        self
    }

    /// Sets one `__ENV` entry (like `-e KEY=VALUE`).
    pub fn env_var(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// Options that beat the script's `export const options` (like CLI flags).
    pub fn overrides(mut self, overrides: Overrides) -> Self {
        self.overrides = overrides;
        self
    }

    /// A signal that stops the test from outside when triggered (the CLI's Ctrl-C): no new
    /// iterations, running ones are interrupted, teardown runs, exit code 105.
    pub fn stop_on(mut self, stop: Arc<StopSignal>) -> Self {
        self.stop = Some(stop);
        self
    }

    /// Runs the test like [`run`](Self::run) without blocking the caller's async runtime:
    /// the run gets a thread of its own (as `run` does its work on VU threads it starts)
    /// and the returned future resolves with its result.
    ///
    /// Dropping the future does not stop the run; give it a signal with
    /// [`stop_on`](Self::stop_on) and trigger that to stop it.
    pub async fn run_async(self) -> Result<RunResult, RunError> {
        let (done, result) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("rk6-run".into())
            .spawn(move || {
                // The receiver may be gone (the future was dropped); the run stands.
                let _ = done.send(self.run());
            })
            .map_err(|e| RunError::Internal(format!("cannot start the run's thread: {e}")))?;
        result
            .await
            .map_err(|_| RunError::Internal("the run's thread ended without a result".into()))?
    }

    /// Runs the test to its end on the calling thread, which blocks meanwhile: VUs run on
    /// threads of their own (one per VU, each with its own JavaScript runtime), setup and
    /// teardown on another. Do not call it from inside an async task; use
    /// [`run_async`](Self::run_async) there.
    pub fn run(self) -> Result<RunResult, RunError> {
        let outputs = self.make_outputs()?;
        let bus = Bus::start(self.log_sink.clone().map(|s| s.0), Vec::new(), outputs);
        self.execute(bus)
    }

    fn make_outputs(&self) -> Result<Vec<Box<dyn Output>>, RunError> {
        let info = RunInfo {
            script: self.script.display().to_string(),
        };
        self.outputs
            .iter()
            .map(|make| (make.0)(&info).map_err(RunError::InvalidOptions))
            .collect()
    }

    /// Runs the test with `bus` as its event stream, which it closes at the end.
    fn execute(self, bus: Arc<Bus>) -> Result<RunResult, RunError> {
        let outcome = self.execute_on(bus.clone());
        bus.close(match &outcome {
            Ok(result) => result.exit_code,
            Err(e) => e.exit_code(),
        });
        outcome
    }

    fn execute_on(self, bus: Arc<Bus>) -> Result<RunResult, RunError> {
        let given = match &self.options {
            None => None,
            Some(serde_json::Value::Object(options)) => Some(options),
            Some(other) => {
                return Err(RunError::InvalidOptions(format!(
                    "the options given to the runner must be an object like {{ \"vus\": 2 }}, got {other}"
                )))
            }
        };
        let script = match &self.source {
            Some(_) => std::path::absolute(&self.script).map_err(|e| {
                RunError::Io(format!(
                    "cannot place script {}: {e}",
                    self.script.display()
                ))
            })?,
            None => canonical_script(&self.script)?,
        };
        let url = ModuleSpecifier::from_file_path(&script).map_err(|_| {
            RunError::Io(format!(
                "cannot turn {} into a module URL",
                script.display()
            ))
        })?;
        let dir = script.parent().map(Path::to_path_buf).unwrap_or_default();
        let env = if self.include_host_env {
            let mut env = process_env();
            env.extend(self.env);
            env
        } else {
            self.env
        };
        let mut test = TestState::with_events(env, dir, bus);
        test.label = self
            .label
            .unwrap_or_else(|| self.script.display().to_string())
            .into();
        test.kv_memory = self.kv_memory.map(|store| store.0);
        let test = Arc::new(test);
        if self.breakdown {
            test.events.aggregator.break_down();
        }
        let mut spec = VuSpec::new(test.clone(), &url);
        spec.extensions = self.extensions.map(|e| e.0);
        for (name, source) in &self.modules {
            spec.sources
                .add_module(name, source)
                .map_err(RunError::InvalidOptions)?;
        }
        if let Some(source) = &self.source {
            spec.sources
                .provide(&url, source)
                .map_err(|e| RunError::Script(format!("{}: {e}", script.display())))?;
        }
        // Watches for an external stop from the start, so that it also ends a script that
        // spins in its init context or in setup().
        let finished = Arc::new(StopSignal::new());
        let watcher = self.stop.map(|stop| {
            let (test, finished) = (test.clone(), finished.clone());
            std::thread::spawn(move || {
                while !stop.sleep(Duration::from_millis(50)) {
                    if finished.is_set() {
                        return;
                    }
                }
                test.stop_externally();
            })
        });
        let summary = (!self.skip_summary).then_some(self.no_color);
        let trend_stats = self
            .trend_stats
            .unwrap_or_else(crate::metrics::summary::default_trend_stats);
        let outcome = run_test(
            &test,
            &mut spec,
            given,
            &self.overrides,
            summary,
            &trend_stats,
            self.leave_vus,
        );
        finished.trigger();
        if let Some(w) = watcher {
            let _ = w.join();
        }
        outcome
    }
}

/// The [`Event::Metrics`] event: what file outputs say about each metric.
fn metric_defs(
    test: &TestState,
    thresholds: &[thresholds::Threshold],
) -> crate::events::MetricDefs {
    crate::events::MetricDefs {
        thresholds: thresholds
            .iter()
            .map(|t| crate::events::ThresholdDef {
                key: t.key.clone(),
                metric: t.selector.metric.clone(),
                tags: t.selector.tags.clone(),
                rules: t.rules.iter().map(|r| r.source.clone()).collect(),
            })
            .collect(),
        time_trends: test.time_metrics.lock().clone(),
    }
}

/// `summary`: whether to call `handleSummary`, and if so with which `noColor`.
fn run_test(
    test: &Arc<TestState>,
    spec: &mut VuSpec,
    given: Option<&serde_json::Map<String, serde_json::Value>>,
    overrides: &Overrides,
    summary: Option<bool>,
    trend_stats: &[String],
    leave_vus: bool,
) -> Result<RunResult, RunError> {
    let test_started = Instant::now();
    // VU 0 evaluates the script first: its options decide how many VUs to create,
    // and it later runs setup() and teardown().
    let lifecycle_vu = spawn_vus([0], spec)?.pop().expect("one VU requested");
    let (functions, options_json) = lifecycle_vu
        .call(|vu| vu.exports())
        .ok_or_else(|| RunError::Internal("VU 0 stopped".into()))?;
    let mut script_options: serde_json::Value = serde_json::from_str(&options_json)
        .map_err(|e| RunError::InvalidOptions(format!("options are not valid JSON: {e}")))?;
    let options_json = match given {
        None => options_json,
        Some(given) => {
            let merged = script_options
                .as_object_mut()
                .ok_or_else(|| RunError::InvalidOptions("options must be an object".into()))?;
            merged.extend(given.clone());
            script_options.to_string()
        }
    };
    let scenarios = options::scenarios(&script_options, overrides)?;
    crate::modules::http::config::HttpConfig::from_options(&script_options)
        .map_err(RunError::InvalidOptions)?;
    check_exec_functions(&scenarios, &functions)?;
    let mut exec_names: Vec<String> = Vec::new();
    for s in &scenarios {
        if !exec_names.contains(&s.exec) {
            exec_names.push(s.exec.clone());
        }
    }
    let _ = test.exec_names.set(exec_names);
    let _ = test.options_json.set(options_json);
    let _ = test.tags.set(options::test_tags(&script_options)?);
    let timeouts = options::lifecycle_timeouts(&script_options)?;
    // VU 0 has run the init code, so every custom metric the script declares is known.
    let kinds = thresholds::known_metrics(&test.metric_kinds.lock());
    let thresholds = thresholds::parse(&script_options, &kinds)?;
    let tag_needs = test
        .events
        .aggregator
        .watch(thresholds::selections(&thresholds, &kinds));
    test.events.set_tag_needs(tag_needs);
    test.events
        .emit(Event::Metrics(Arc::new(metric_defs(test, &thresholds))));

    let vus_max = options::vus_needed(&scenarios);
    if crate::engine::STARTUP_SNAPSHOT_PAYS
        && vus_max >= snapshot::SNAPSHOT_MIN_VUS
        && spec.extensions.is_none()
    {
        spec.snapshot = Some(snapshot::startup_snapshot()?);
    }
    let vus = spawn_vus(1..=vus_max as u32, spec)?;
    let pool = VuPool::new(vus);
    test.events.vus_max.store(vus_max, Ordering::Relaxed);

    let setup_data = lifecycle_vu
        .call(move |vu| vu.run_setup(timeouts.setup))
        .ok_or_else(|| RunError::Internal("VU 0 stopped".into()))??;
    let _ = test.setup_data.set(setup_data);

    let started = Instant::now();
    let _ = test.started.set(started);
    test.events.emit(Event::Scenarios {
        plans: scenarios.iter().map(Scenario::plan).collect(),
        vus_max,
    });
    test.events.started(started);
    let finished = Arc::new(StopSignal::new());
    let threshold_watcher = thresholds
        .iter()
        .any(|t| t.rules.iter().any(|r| r.abort_on_fail))
        .then(|| {
            let (test, finished, thresholds) = (test.clone(), finished.clone(), thresholds.clone());
            std::thread::spawn(move || {
                while !finished.sleep(ABORT_CHECK_INTERVAL) {
                    if test.hard_stop.is_set() {
                        return;
                    }
                    let watched = test.events.aggregator.watched();
                    let elapsed = started.elapsed();
                    if let Some(why) = thresholds::abort_reason(&thresholds, &watched, elapsed) {
                        test.abort_on_thresholds(why);
                        return;
                    }
                }
            })
        });
    exec::run_all(&scenarios, &pool, test);
    let run_time = started.elapsed();
    test.events.scenarios_ended();
    finished.trigger();
    if let Some(w) = threshold_watcher {
        let _ = w.join();
    }

    lifecycle_vu
        .call(move |vu| vu.run_teardown(timeouts.teardown))
        .ok_or_else(|| RunError::Internal("VU 0 stopped".into()))??;
    // A disk store commits its queued writes as its last handle (a VU's) drops.
    let leave_vus = leave_vus && !rk6_kv::any_store_open();
    if leave_vus {
        leave_for_exit(pool.into_inner());
    } else {
        stop_all(pool.into_inner());
    }
    // Every VU handed its last events over as its job ended: once the dispatcher has
    // caught up, the aggregate is complete.
    test.events.sync();

    let mut result = result(
        test,
        &scenarios,
        vus_max,
        run_time,
        &thresholds,
        trend_stats,
    );
    test.events
        .emit(Event::Thresholds(result.thresholds.clone()));
    if let (Some(no_color), true) = (summary, functions.iter().any(|f| f == "handleSummary")) {
        let time_metrics = test.time_metrics.lock().clone();
        let data = crate::metrics::export::handle_summary_data(
            &result,
            &time_metrics,
            no_color,
            test_started.elapsed(),
        );
        let data = serde_json::to_string(&data).expect("JSON values serialize");
        let outcome = lifecycle_vu
            .call(move |vu| vu.run_summary(data, HANDLE_SUMMARY_TIMEOUT))
            .ok_or_else(|| RunError::Internal("VU 0 stopped".into()))?;
        match outcome {
            Ok(outputs) => result.summary_outputs = outputs,
            // As k6: a result it cannot write is reported and nothing is written; an
            // exception is reported and the default summary printed.
            Err(RunError::Script(why)) if why.contains("SummaryError: ") => {
                let why = why.rsplit("SummaryError: ").next().unwrap_or_default();
                test.log(
                    None,
                    Level::Error,
                    "failed to handle the end-of-test summary",
                    &[("error", why.lines().next().unwrap_or_default())],
                );
                result.summary_outputs = Some(Vec::new());
            }
            Err(RunError::Script(why)) => {
                let why = why.strip_prefix("handleSummary() failed: ").unwrap_or(&why);
                test.log(
                    None,
                    Level::Error,
                    &for_the_author(why),
                    &[("hint", "script exception")],
                );
            }
            Err(e) => test.log(None, Level::Error, &e.to_string(), &[]),
        }
    }
    if leave_vus {
        leave_for_exit(vec![lifecycle_vu]);
    }
    Ok(result)
}

fn canonical_script(path: &Path) -> Result<PathBuf, RunError> {
    match std::fs::canonicalize(path) {
        Ok(p) if p.is_file() => Ok(p),
        Ok(p) => Err(RunError::Io(format!("{} is not a file", p.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(RunError::Io(format!("script {} not found", path.display())))
        }
        Err(e) => Err(RunError::Io(format!(
            "cannot read script {}: {e}",
            path.display()
        ))),
    }
}

fn check_exec_functions(scenarios: &[Scenario], functions: &[String]) -> Result<(), RunError> {
    for s in scenarios {
        if !functions.contains(&s.exec) {
            let what = if s.exec == options::DEFAULT_SCENARIO {
                "the script has no default export function; add `export default function () { ... }`"
                    .to_owned()
            } else {
                format!(
                    "exec function {:?} is not exported by the script; export it or fix the name",
                    s.exec
                )
            };
            return Err(RunError::InvalidOptions(
                if scenarios.len() == 1 && s.name == options::DEFAULT_SCENARIO {
                    what
                } else {
                    format!("scenario {:?}: {what}", s.name)
                },
            ));
        }
    }
    Ok(())
}

fn result(
    test: &TestState,
    scenarios: &[Scenario],
    vus_max: u64,
    run_time: Duration,
    threshold_set: &[thresholds::Threshold],
    trend_stats: &[String],
) -> RunResult {
    let aggregator = &test.events.aggregator;
    let watched = aggregator.watched();
    let thresholds = thresholds::evaluate(threshold_set, &watched, run_time);
    let time_metrics = test.time_metrics.lock().clone();
    let is_time = |key: &str| {
        let base = key.split('{').next().unwrap_or(key).trim();
        time_metrics.contains(base)
            || base.starts_with("http_req_")
            || base == "group_duration"
            || base == "iteration_duration"
    };
    let summarize =
        |key: &str, m: Metric| MetricSummary::with_stats(m, run_time, trend_stats, is_time(key));
    let selections = thresholds::collected(threshold_set, &watched)
        .map(|(key, m)| (key.to_owned(), summarize(key, m.clone())))
        .collect();
    let aborted = test.aborted();
    let Snapshot {
        iterations,
        failed_iterations,
        interrupted_iterations,
        dropped_iterations,
        iteration_rate,
        iteration_duration_ms,
        checks,
        metrics,
        ..
    } = Snapshot::summarized(aggregator, run_time, summarize);
    RunResult {
        iterations,
        failed_iterations,
        interrupted_iterations,
        dropped_iterations,
        iteration_rate,
        iteration_duration_ms,
        iteration_duration: aggregator
            .iteration_duration_metric()
            .map(|m| MetricSummary::with_stats(m, run_time, trend_stats, true)),
        trend_stats: trend_stats.to_vec(),
        checks,
        scenario_checks: aggregator.scenario_checks(),
        breakdown: aggregator
            .breakdown()
            .map(|b| b.map(|name, m| summarize(name, m))),
        metrics,
        vus_max,
        scenarios: scenarios.iter().map(|s| s.name.clone()).collect(),
        run_time,
        exit_code: if test.thresholds_aborted.load(Ordering::SeqCst) {
            exit_code::THRESHOLDS_FAILED
        } else if aborted.is_some() {
            exit_code::SCRIPT_ABORTED
        } else if test.stopped_externally() {
            exit_code::EXTERNAL_ABORT
        } else if thresholds.iter().any(|t| !t.passed) {
            exit_code::THRESHOLDS_FAILED
        } else {
            exit_code::OK
        },
        aborted,
        thresholds,
        selections,
        setup_data: test
            .setup_data
            .get()
            .cloned()
            .flatten()
            .and_then(|json| serde_json::from_str(&json).ok()),
        iteration_errors: aggregator.iteration_errors(),
        summary_outputs: None,
    }
}

/// The aggregated metrics of a run so far (see [`RunHandle::snapshot`]); the same
/// figures as [`RunResult`]'s, which is the last snapshot plus thresholds.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// Completed and failed iterations.
    pub iterations: u64,
    /// Iterations that threw.
    pub failed_iterations: u64,
    /// Iterations cut short by a stop or a scenario's end (not in `iterations`).
    pub interrupted_iterations: u64,
    /// Iterations arrival-rate scenarios could not start.
    pub dropped_iterations: u64,
    /// Iterations per second since scenarios started.
    pub iteration_rate: f64,
    /// Iteration durations in milliseconds (`None` before the first iteration ends).
    pub iteration_duration_ms: Option<TrendSummary>,
    /// Check tallies in the order checks were first seen.
    pub checks: Vec<CheckStat>,
    /// Every other metric by name, as in [`RunResult::metrics`].
    pub metrics: BTreeMap<String, MetricSummary>,
    /// Time since scenarios started (zero before).
    #[serde(serialize_with = "as_secs")]
    pub elapsed: Duration,
}

impl Snapshot {
    fn of(aggregator: &Aggregator, elapsed: Duration) -> Self {
        Self::summarized(aggregator, elapsed, |_, m| MetricSummary::of(&m, elapsed))
    }

    /// The snapshot with each metric summarized by `summarize` (the final result asks for
    /// the summary's trend stats; summarizing a Trend sorts its samples, so once is enough).
    fn summarized(
        aggregator: &Aggregator,
        elapsed: Duration,
        summarize: impl Fn(&str, Metric) -> MetricSummary,
    ) -> Self {
        let counts = aggregator.counts();
        let secs = elapsed.as_secs_f64();
        Self {
            iterations: counts.iterations,
            failed_iterations: counts.failed_iterations,
            interrupted_iterations: counts.interrupted_iterations,
            dropped_iterations: counts.dropped_iterations,
            iteration_rate: if secs > 0.0 {
                counts.iterations as f64 / secs
            } else {
                0.0
            },
            iteration_duration_ms: aggregator.iteration_durations(),
            checks: aggregator.checks(),
            metrics: aggregator
                .metrics()
                .into_iter()
                .map(|(name, m)| {
                    let summary = summarize(&name, m);
                    (name, summary)
                })
                .collect(),
            elapsed,
        }
    }

    /// Checks passed so far, over every check.
    pub fn checks_passed(&self) -> u64 {
        self.checks.iter().map(|c| c.passes).sum()
    }

    /// Checks failed so far, over every check.
    pub fn checks_failed(&self) -> u64 {
        self.checks.iter().map(|c| c.fails).sum()
    }
}

/// A run started with [`Runner::start`].
///
/// Threading: the run works on threads of its own (one per VU, one for setup and
/// teardown, one that drives it); one more thread, the dispatcher, delivers the events,
/// in the order each VU produced them. Nothing here blocks but [`wait`](Self::wait) and
/// reading the stream.
pub struct RunHandle {
    events: Receiver<Event>,
    dropped: Arc<AtomicU64>,
    bus: Arc<Bus>,
    stop: Arc<StopSignal>,
    /// Taken by the first [`wait`](RunHandle::wait).
    thread: parking_lot::Mutex<Option<std::thread::JoinHandle<Result<RunResult, RunError>>>>,
}

impl std::fmt::Debug for RunHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunHandle").finish_non_exhaustive()
    }
}

impl RunHandle {
    /// The run's live events. VUs hand theirs over in batches, when an iteration ends
    /// (at least every 50 ms), when they sleep, or every 1024 events, so an event shows
    /// up that long after it happened at most. The stream ends (`recv` fails) after
    /// [`Event::Ended`]. A subscriber that falls behind loses the newest events rather
    /// than slowing the run (see [`dropped_events`](Self::dropped_events)).
    pub fn events(&self) -> &Receiver<Event> {
        &self.events
    }

    /// Events dropped so far because the stream was full.
    pub fn dropped_events(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The aggregated metrics now: what the dispatcher has taken in so far (VUs' latest
    /// events arrive with their next batch).
    pub fn snapshot(&self) -> Snapshot {
        let elapsed = self
            .bus
            .started_at()
            .map(|t| t.elapsed())
            .unwrap_or_default();
        Snapshot::of(&self.bus.aggregator, elapsed)
    }

    /// Stops the test as Ctrl-C does: no new iterations, running ones are interrupted,
    /// teardown runs, and the result's exit code is 105.
    pub fn stop(&self) {
        self.stop.trigger();
    }

    /// Waits for the run's end and returns its result, as [`Runner::run`] would have.
    /// The stream keeps what was not read yet, to read afterwards. Only the first call
    /// gets the result; later ones get an internal error.
    pub fn wait(&self) -> Result<RunResult, RunError> {
        let thread =
            self.thread.lock().take().ok_or_else(|| {
                RunError::Internal("wait() was already called for this run".into())
            })?;
        thread
            .join()
            .map_err(|_| RunError::Internal("the run's thread panicked".into()))?
    }
}
