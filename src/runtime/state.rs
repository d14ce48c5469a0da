//! State shared between the runner and the ops: one `TestState` per run (shared by
//! every VU thread) and one `VuState` per JS runtime (kept in its `OpState`).

use crate::events::bus::Bus;
use crate::events::outbox::Outbox;
use crate::events::Event;
use crate::log::{Level, LogLine};
use crate::metrics::MetricKind;
use crate::modules::data::ops::SharedArrays;
use crate::signal::StopSignal;
use deno_core::v8;
use parking_lot::Mutex;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// What the whole run shares.
pub struct TestState {
    /// The run's event stream, and the aggregate of its metrics.
    pub events: Arc<Bus>,
    /// Iterations completed and interrupted so far, for `k6/execution` (the metrics'
    /// counts are the aggregate's, which lags these by a batch).
    pub iterations_completed: AtomicU64,
    /// Iterations interrupted so far (see `iterations_completed`).
    pub iterations_interrupted: AtomicU64,
    /// Environment seen as `__ENV`: the process environment plus `-e` overrides.
    pub env: BTreeMap<String, String>,
    /// Directory `open()` resolves relative paths against.
    pub script_dir: PathBuf,
    /// Names of the functions scenarios execute; an iteration picks one by index.
    pub exec_names: OnceLock<Vec<String>>,
    /// JSON of `setup()`'s return value (`None` when it returned nothing).
    pub setup_data: OnceLock<Option<String>>,
    /// The consolidated options, as `exec.test.options` shows them.
    pub options_json: OnceLock<String>,
    /// When the test (after setup) started; `None` before.
    pub started: OnceLock<Instant>,
    /// Set by `exec.test.abort()` or an external stop; stops every scenario at once.
    pub hard_stop: Arc<StopSignal>,
    /// Fires with the external stop (Ctrl-C, or an embedder's stop signal) only, so
    /// that it also stops a `teardown()` that started after an abort.
    pub external_stop: Arc<StopSignal>,
    /// The reason given to `exec.test.abort()` (or by an aborting threshold), once aborted.
    pub abort_reason: Mutex<Option<String>>,
    /// VUs running iterations now (shared with the stream, which samples it as `vus`).
    pub vus_active: Arc<AtomicU64>,
    /// VUs whose init context has run, for `exec.instance.vusInitialized`.
    pub vus_initialized: AtomicU64,
    /// `options.tags`: on every sample of the run.
    pub tags: OnceLock<BTreeMap<String, String>>,
    /// Custom metrics the script declared, by name (a name keeps its first kind).
    pub metric_kinds: Mutex<BTreeMap<String, MetricKind>>,
    /// Set when an `abortOnFail` threshold stopped the test.
    pub thresholds_aborted: std::sync::atomic::AtomicBool,
    /// Trends created with `isTime` (`new Trend(name, true)`): handleSummary's data says
    /// they contain `time`.
    pub time_metrics: Mutex<std::collections::BTreeSet<String>>,
    /// `k6/data` arrays by name: built once per run, read by every VU.
    pub shared_arrays: Arc<SharedArrays>,
    /// Files `k6/experimental/fs` opened: read once per run, shared by every VU.
    pub fs_files: crate::modules::fs::ops::FileCache,
    /// What `openKv({ backend: "memory" })` opens in this run; `None`: the process's one
    /// memory store, shared with every other run of the process that has none of its own.
    pub kv_memory: Option<Arc<dyn rk6_kv::Store>>,
    /// What the run's log lines carry as `run` in a sink.
    pub label: Arc<str>,
    /// Which looping VUs run iterations at a time (src/vu/admission.rs).
    pub admission: Arc<crate::vu::admission::Admission>,
}

// Kept where they were first defined, for embedders that name them from here.
pub use crate::metrics::aggregator::{IterationError, KEPT_ITERATION_ERRORS};

impl TestState {
    /// A run's state whose events only feed its aggregate and the process's log.
    pub fn new(env: BTreeMap<String, String>, script_dir: PathBuf) -> Self {
        Self::with_events(env, script_dir, Bus::start(None, Vec::new(), Vec::new()))
    }

    /// A run's state sending its events to `events`.
    pub fn with_events(
        env: BTreeMap<String, String>,
        script_dir: PathBuf,
        events: Arc<Bus>,
    ) -> Self {
        Self {
            vus_active: events.vus_active.clone(),
            events,
            iterations_completed: AtomicU64::new(0),
            iterations_interrupted: AtomicU64::new(0),
            env,
            script_dir,
            exec_names: OnceLock::new(),
            setup_data: OnceLock::new(),
            options_json: OnceLock::new(),
            started: OnceLock::new(),
            hard_stop: Arc::new(StopSignal::new()),
            external_stop: Arc::new(StopSignal::new()),
            abort_reason: Mutex::new(None),
            vus_initialized: AtomicU64::new(0),
            tags: OnceLock::new(),
            metric_kinds: Mutex::new(BTreeMap::new()),
            thresholds_aborted: Default::default(),
            time_metrics: Default::default(),
            shared_arrays: Default::default(),
            fs_files: Default::default(),
            kv_memory: None,
            label: "".into(),
            admission: Arc::new(crate::vu::admission::Admission::for_this_machine()),
        }
    }

    /// Records why the script aborted the test (first reason wins) and stops everything.
    pub fn abort(&self, reason: String) {
        self.abort_reason.lock().get_or_insert(reason);
        self.hard_stop.trigger();
    }

    /// Stops the test from outside: running iterations are interrupted, teardown still runs.
    pub fn stop_externally(&self) {
        // External first: whoever sees the hard stop can then tell it came from outside.
        self.external_stop.trigger();
        self.hard_stop.trigger();
    }

    /// Whether the run was stopped from outside (Ctrl-C, or an embedder's stop signal).
    pub fn stopped_externally(&self) -> bool {
        self.external_stop.is_set()
    }

    /// Stops the test because a threshold with `abortOnFail` failed (exit code 99),
    /// recording `reason` as [`abort`](Self::abort) does.
    pub fn abort_on_thresholds(&self, reason: String) {
        self.thresholds_aborted.store(true, Ordering::SeqCst);
        self.abort(reason);
    }

    /// A line the run logs itself (`vu`: `None` for the run's own), sent now; VUs log
    /// through their outbox instead ([`VuState::log`]), to keep their events in order.
    pub fn log(&self, vu: Option<u32>, level: Level, message: &str, fields: &[(&str, &str)]) {
        self.events
            .emit(Event::Log(self.log_line(vu, level, message, fields)));
    }

    /// A log line of this run (labelled with the run's label), not yet emitted.
    pub fn log_line(
        &self,
        vu: Option<u32>,
        level: Level,
        message: &str,
        fields: &[(&str, &str)],
    ) -> LogLine {
        LogLine {
            run: self.label.clone(),
            vu,
            level,
            message: message.to_owned(),
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// `options.tags` (empty before the options are read).
    pub fn test_tags(&self) -> BTreeMap<String, String> {
        self.tags.get().cloned().unwrap_or_default()
    }

    /// The abort's reason, if the test was aborted.
    pub fn aborted(&self) -> Option<String> {
        self.abort_reason.lock().clone()
    }

    /// Time since the test started (after setup); zero before.
    pub fn elapsed(&self) -> Duration {
        self.started.get().map(|t| t.elapsed()).unwrap_or_default()
    }
}

/// What one scenario's VUs share while it runs.
pub struct ScenarioState {
    /// The scenario's name (its key in `options.scenarios`, or `default`).
    pub name: String,
    /// Its executor's name, as k6 writes it (`shared-iterations`, …).
    pub executor: &'static str,
    /// When it started.
    pub started: Instant,
    /// `__ENV` for this scenario's iterations: the test env overlaid with the scenario's `env`.
    pub env: BTreeMap<String, String>,
    /// Tags of this scenario's samples: the test's, `scenario` = its name, then its own.
    pub tags: BTreeMap<String, String>,
    /// Index of the scenario's exec function in `TestState::exec_names`.
    pub exec_index: u32,
    /// Iterations started so far, across all VUs (k6's `scenario.iterationInTest`).
    pub iterations_started: AtomicU64,
    /// Fires when iterations still running must be interrupted (end of gracefulStop).
    pub interrupt: Arc<StopSignal>,
    /// What its progress is measured against.
    pub progress: Progress,
    /// Its VU counts, which the event stream reports.
    pub(crate) vus: Arc<crate::events::bus::ScenarioCounters>,
}

/// How a scenario measures its progress from 0 to 1.
pub enum Progress {
    /// Time elapsed of this total (duration-based executors).
    Time(Duration),
    /// Iterations started of this total (iteration-based executors).
    Iterations(u64),
}

impl ScenarioState {
    /// Claims the next iteration number of the scenario (k6's `iterationInTest`).
    pub fn next_iteration(&self) -> u64 {
        self.iterations_started.fetch_add(1, Ordering::Relaxed)
    }

    /// How far the scenario is, from 0 to 1 (`exec.scenario.progress`).
    pub fn progress(&self) -> f64 {
        let p = match self.progress {
            Progress::Time(total) if !total.is_zero() => {
                self.started.elapsed().as_secs_f64() / total.as_secs_f64()
            }
            Progress::Iterations(total) if total > 0 => {
                self.iterations_started.load(Ordering::Relaxed) as f64 / total as f64
            }
            _ => 1.0,
        };
        p.clamp(0.0, 1.0)
    }
}

/// The harness functions a VU's script registered (see runtime-js/harness.js).
pub struct Harness {
    /// Runs one iteration of the exec function it is given.
    pub iterate: v8::Global<v8::Function>,
    /// Runs `setup`, `teardown` or `handleSummary` (see [`Stage`]).
    pub lifecycle: v8::Global<v8::Function>,
    /// Names of the script's exported functions.
    pub functions: Vec<String>,
    /// JSON of `export const options` (`{}` when absent).
    pub options_json: String,
}

/// The lifecycle function a VU runs outside iterations (numbered as runtime-js/harness.js
/// numbers them).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stage {
    /// `setup()`.
    Setup = 0,
    /// `teardown(data)`.
    Teardown = 1,
    /// `handleSummary(data)`.
    Summary = 2,
}

/// Per-runtime state, stored in the runtime's `OpState`.
pub struct VuState {
    /// What the whole run shares.
    pub test: Arc<TestState>,
    /// 1..N for VUs, 0 for the runtime that runs setup and teardown.
    pub id: u32,
    /// Whether the script's init context is being evaluated (init-only APIs check it).
    pub in_init: bool,
    /// The harness functions, once the script registered them.
    pub harness: Option<Harness>,
    /// The lifecycle function being run, when not iterating.
    pub stage: Stage,
    /// JSON of what `setup()` returned, set by the VU that ran it (`Some(None)`: nothing).
    pub setup_result: Option<Option<String>>,
    /// The scenario this VU runs iterations for now.
    pub scenario: Option<Arc<ScenarioState>>,
    /// The scenario's name, this VU's own copy (iteration events share it).
    pub scenario_name: Arc<str>,
    /// Set when the scenario changed since the script last read `__ENV`.
    pub env_stale: bool,
    /// `exec.vu.iterationInScenario`.
    pub iteration_in_scenario: u64,
    /// `exec.vu.iterationInInstance`.
    pub iteration_in_instance: u64,
    /// `exec.scenario.iterationInTest` of the iteration running now.
    pub iteration_in_test: u64,
    /// What interrupts this VU's blocking waits right now (its scenario's, else the test's).
    pub interrupt: Arc<StopSignal>,
    /// Tags of this VU's samples (`exec.vu.tags`): its scenario's plus any the script set.
    /// Shared with the samples that carry them until the script changes one.
    pub tags: Arc<BTreeMap<String, String>>,
    /// [`VuState::tags`] with `group` set to the root group, as iterations are tagged,
    /// made again when those change (the first of the pair is what it was made from).
    iteration_tags: Option<(SharedTags, SharedTags)>,
    /// Events recorded and not yet handed to the stream.
    pub(crate) outbox: RefCell<Outbox>,
    /// JSON of the data `handleSummary(data)` gets.
    pub summary_data: Option<String>,
    /// What `handleSummary` returned, by destination; `None` when it returned nothing.
    pub summary_outputs: Option<Vec<(String, Vec<u8>)>>,
    /// Set when this VU's script called `exec.test.abort()`: the stop it triggers may
    /// terminate the calling iteration before its `TestAbortedError` is thrown, and that
    /// iteration still counts as one.
    pub called_abort: bool,
}

/// A tag map shared by the samples that carry it.
type SharedTags = Arc<BTreeMap<String, String>>;

impl VuState {
    /// The tags of an iteration's samples: the VU's, in the root group (as k6 tags
    /// them). One map for all the VU's iterations until its tags change, so that file
    /// outputs write it once for both of an iteration's samples.
    pub fn iteration_tags(&mut self) -> SharedTags {
        match &self.iteration_tags {
            Some((from, tags)) if Arc::ptr_eq(from, &self.tags) => tags.clone(),
            _ => {
                let mut tags = BTreeMap::clone(&self.tags);
                tags.insert("group".to_owned(), String::new());
                let tags = Arc::new(tags);
                self.iteration_tags = Some((self.tags.clone(), tags.clone()));
                tags
            }
        }
    }
}

impl VuState {
    /// The state of VU `id` (0 for the runtime that runs setup and teardown) of `test`.
    pub fn new(test: Arc<TestState>, id: u32) -> Self {
        let interrupt = test.hard_stop.clone();
        let outbox = RefCell::new(Outbox::new(test.events.clone()));
        Self {
            outbox,
            test,
            id,
            in_init: true,
            harness: None,
            stage: Stage::Setup,
            setup_result: None,
            scenario: None,
            scenario_name: "".into(),
            env_stale: false,
            iteration_in_scenario: 0,
            iteration_in_instance: 0,
            iteration_in_test: 0,
            interrupt,
            tags: Default::default(),
            iteration_tags: None,
            called_abort: false,
            summary_data: None,
            summary_outputs: None,
        }
    }

    /// Logs a line of this VU's, in order with its other events (the batch goes now, so
    /// the line shows without waiting for the iteration to end).
    pub fn log(&self, level: Level, message: &str, fields: &[(&str, &str)]) {
        let line = self.test.log_line(Some(self.id), level, message, fields);
        let mut outbox = self.outbox.borrow_mut();
        outbox.push(Event::Log(line));
        outbox.flush();
    }

    /// Tags for a sample of `metric`: this VU's, if anything reads them.
    pub fn sample_tags(&self, metric: &str) -> Option<crate::metrics::Tags> {
        self.test
            .events
            .wants_tags(metric)
            .then(|| crate::metrics::Tags::new(self.tags.clone()))
    }

    /// `__ENV` as this VU sees it now (its scenario's `env` over the test's).
    pub fn env(&self) -> BTreeMap<String, String> {
        self.env_map().clone()
    }

    /// One variable of [`env`](Self::env), without copying the map.
    pub fn env_var(&self, key: &str) -> Option<&str> {
        self.env_map().get(key).map(String::as_str)
    }

    fn env_map(&self) -> &BTreeMap<String, String> {
        match &self.scenario {
            Some(s) => &s.env,
            None => &self.test.env,
        }
    }
}
