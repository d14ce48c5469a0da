//! The run's aggregate of every sample: counts, trends, check tallies and what each
//! threshold's selection collected. It is a consumer of the run's event stream (fed by
//! the dispatcher in [`crate::events`], one batch at a time), and what the summary,
//! thresholds, [`RunResult`](crate::RunResult), `handleSummary`'s data and an embedder's
//! snapshots read.

use super::metric::{Metric, MetricKind, TrendSummary};
use super::sample::{Sample, Tags};
use super::selector::Selector;
use parking_lot::Mutex;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::BTreeMap;

/// Pass/fail tally of one named check inside one group path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckStat {
    /// Group path, nested names joined with `::`; empty at the top level.
    pub group: String,
    /// The check's name.
    pub name: String,
    /// How many times it passed.
    pub passes: u64,
    /// How many times it failed.
    pub fails: u64,
}

impl CheckStat {
    /// A check not yet run.
    pub fn new(group: &str, name: &str) -> Self {
        Self {
            group: group.to_owned(),
            name: name.to_owned(),
            passes: 0,
            fails: 0,
        }
    }

    /// Counts one result.
    pub fn record(&mut self, passed: bool) {
        if passed {
            self.passes += 1;
        } else {
            self.fails += 1;
        }
    }
}

/// How many distinct iteration errors a run keeps; later ones are only counted in
/// `failed_iterations`.
pub const KEPT_ITERATION_ERRORS: usize = 20;

/// An error that failed iterations (its text as printed, with the stack), and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IterationError {
    /// The error's text, with its stack, as the log shows it.
    pub message: String,
    /// How many iterations it failed.
    pub count: u64,
}

/// How an iteration ended, as far as the aggregate counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IterationOutcome {
    /// Ran to its end (or called `exec.test.abort()`, which k6 also counts).
    Completed,
    /// Threw: counted as an iteration and in `iterations_failed`.
    Failed,
    /// Cut short by the end of its scenario or a stop: counted apart, not as an iteration.
    Interrupted,
}

/// The aggregate of a run so far. One lock guards it all: only the dispatcher writes, a
/// batch at a time, and readers (snapshots, the `abortOnFail` watcher) are rare.
#[derive(Default)]
pub struct Aggregator {
    inner: Mutex<Tally>,
}

/// The aggregate itself, behind [`Aggregator`]'s lock.
#[derive(Default)]
pub(crate) struct Tally {
    iterations: u64,
    failed_iterations: u64,
    interrupted_iterations: u64,
    dropped_iterations: u64,
    checks: Vec<CheckStat>,
    scenario_checks: Vec<(String, CheckStat)>,
    /// The first [`KEPT_ITERATION_ERRORS`] distinct errors that failed iterations.
    iteration_errors: Vec<IterationError>,
    /// Hashed, not ordered: every sample looks its metric up (a BTreeMap compared ~4
    /// names each time); whoever reads them sorts them ([`Aggregator::metrics`]).
    metrics: FxHashMap<String, Metric>,
    /// Iteration durations in milliseconds, the `iteration_duration` Trend.
    iteration_durations: Option<Metric>,
    /// The selections thresholds look at, each with the samples it matched.
    sinks: Vec<(Selector, Metric)>,
    /// Whether `data_sent` and `data_received` are among `metrics` yet.
    data_counters: bool,
    /// Per-group and per-scenario tallies, only when `--summary-mode full` asked for them
    /// (they cost a second aggregate of every sample, and tags on every sample).
    breakdown: Option<Box<Breakdown>>,
}

/// One check's tally inside a group or scenario block: its name, passes and fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckCount {
    /// The check's name.
    pub name: String,
    /// How many times it passed.
    pub passes: u64,
    /// How many times it failed.
    pub fails: u64,
}

impl CheckCount {
    fn record(&mut self, passed: bool) {
        if passed {
            self.passes += 1;
        } else {
            self.fails += 1;
        }
    }
}

/// What one group (or one scenario) saw, as `--summary-mode full` shows it: the samples
/// recorded in it (not in its subgroups, as k6 counts them), its checks, and its
/// subgroups in the order first seen. `M` is [`Metric`] while the run goes on, a summary
/// of it in a [`RunResult`](crate::RunResult).
#[derive(Debug, Clone)]
pub struct GroupTally<M = Metric> {
    /// The samples recorded in this group by metric name (rk6's iteration events count
    /// as `iterations` and `iteration_duration` samples of their scenario).
    pub metrics: BTreeMap<String, M>,
    /// Checks in first-seen order.
    pub checks: Vec<CheckCount>,
    /// Subgroups by name, in first-seen order.
    pub groups: Vec<(String, GroupTally<M>)>,
}

impl<M> Default for GroupTally<M> {
    fn default() -> Self {
        Self {
            metrics: BTreeMap::new(),
            checks: Vec::new(),
            groups: Vec::new(),
        }
    }
}

impl<M> GroupTally<M> {
    /// The same tree with every metric turned into `f(name, metric)`.
    pub fn map<N>(self, f: &mut impl FnMut(&str, M) -> N) -> GroupTally<N> {
        GroupTally {
            metrics: self
                .metrics
                .into_iter()
                .map(|(name, m)| {
                    let n = f(&name, m);
                    (name, n)
                })
                .collect(),
            checks: self.checks,
            groups: self
                .groups
                .into_iter()
                .map(|(name, g)| (name, g.map(f)))
                .collect(),
        }
    }

    fn child(&mut self, name: &str) -> &mut Self {
        let i = match self.groups.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                self.groups.push((name.to_owned(), Self::default()));
                self.groups.len() - 1
            }
        };
        &mut self.groups[i].1
    }
}

impl GroupTally<Metric> {
    fn add(&mut self, metric: &str, kind: MetricKind, value: f64) {
        match self.metrics.get_mut(metric) {
            Some(m) => m.add(value),
            None => {
                let mut m = Metric::new(kind);
                m.add(value);
                self.metrics.insert(metric.to_owned(), m);
            }
        }
    }

    fn check(&mut self, name: &str, passed: bool) {
        let i = match self.checks.iter().position(|c| c.name == name) {
            Some(i) => i,
            None => {
                self.checks.push(CheckCount {
                    name: name.to_owned(),
                    passes: 0,
                    fails: 0,
                });
                self.checks.len() - 1
            }
        };
        self.checks[i].record(passed);
    }
}

/// The run broken down as k6 1.x's `--summary-mode full` does: the groups of the
/// `default` scenario as blocks of their own, and each named scenario with its groups.
#[derive(Debug, Clone)]
pub struct Breakdown<M = Metric> {
    /// The `default` scenario's groups are `root.groups`; `root` itself stays empty (its
    /// figures are the run's totals).
    pub root: GroupTally<M>,
    /// Named scenarios in first-seen order.
    pub scenarios: Vec<(String, GroupTally<M>)>,
}

impl<M> Default for Breakdown<M> {
    fn default() -> Self {
        Self {
            root: GroupTally::default(),
            scenarios: Vec::new(),
        }
    }
}

impl<M> Breakdown<M> {
    /// The same breakdown with every metric turned into `f(name, metric)`.
    pub fn map<N>(self, mut f: impl FnMut(&str, M) -> N) -> Breakdown<N> {
        Breakdown {
            root: self.root.map(&mut f),
            scenarios: self
                .scenarios
                .into_iter()
                .map(|(name, g)| (name, g.map(&mut f)))
                .collect(),
        }
    }
}

impl Breakdown<Metric> {
    /// Applies `add` where k6 counts a sample of `scenario` tagged with `group` (`a::b`,
    /// with or without k6's leading `::`): to its named scenario, and to its innermost
    /// group only (inside that scenario, else among the `default` scenario's). Setup
    /// and teardown run in groups of those names (no scenario): as k6, samples in those
    /// groups themselves are left out, those in groups inside them kept.
    fn attribute(&mut self, scenario: &str, group: &str, mut add: impl FnMut(&mut GroupTally)) {
        let group = group.strip_prefix("::").unwrap_or(group);
        if matches!(group, "setup" | "teardown") {
            return;
        }
        let mut node = &mut self.root;
        if !scenario.is_empty() && scenario != "default" {
            let i = match self.scenarios.iter().position(|(n, _)| n == scenario) {
                Some(i) => i,
                None => {
                    self.scenarios
                        .push((scenario.to_owned(), GroupTally::default()));
                    self.scenarios.len() - 1
                }
            };
            node = &mut self.scenarios[i].1;
            add(node);
        }
        if group.is_empty() {
            return;
        }
        for name in group.split("::") {
            node = node.child(name);
        }
        add(node);
    }
}

/// Counts of the aggregate, read together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Completed and failed iterations (k6's `iterations`).
    pub iterations: u64,
    /// Iterations that threw (rk6's `iterations_failed`).
    pub failed_iterations: u64,
    /// Iterations a stop or a scenario's end cut short (not in `iterations`).
    pub interrupted_iterations: u64,
    /// Iterations an arrival-rate scenario could not start for want of a VU.
    pub dropped_iterations: u64,
}

/// Samples whose tags something reads: those of metrics a threshold filters by tag, or
/// all of them when a subscriber asked for samples.
#[derive(Debug, Clone, Default)]
pub struct TagNeeds {
    /// Every sample needs its tags.
    pub all: bool,
    /// Samples of these metrics need their tags.
    pub metrics: Vec<String>,
}

impl TagNeeds {
    /// Whether samples of `metric` need their tags filled in.
    pub fn wants(&self, metric: &str) -> bool {
        self.all || self.metrics.iter().any(|m| m == metric)
    }
}

impl Aggregator {
    /// Also keeps per-group and per-scenario tallies ([`Breakdown`]), for
    /// `--summary-mode full`; call before [`watch`](Self::watch), which then asks for
    /// every sample's tags (their `scenario` and `group`).
    pub fn break_down(&self) {
        self.inner.lock().breakdown = Some(Box::default());
    }

    /// The per-group and per-scenario tallies, when [`break_down`](Self::break_down) asked
    /// for them.
    pub fn breakdown(&self) -> Option<Breakdown> {
        self.inner.lock().breakdown.as_deref().cloned()
    }

    /// Starts collecting samples for these selections (before the test starts); returns
    /// which metrics' samples must then carry tags.
    pub fn watch(&self, selections: impl IntoIterator<Item = (Selector, MetricKind)>) -> TagNeeds {
        let mut inner = self.inner.lock();
        let mut needs = TagNeeds {
            all: inner.breakdown.is_some(),
            metrics: Vec::new(),
        };
        for (selector, kind) in selections {
            if !selector.tags.is_empty() && !needs.metrics.contains(&selector.metric) {
                needs.metrics.push(selector.metric.clone());
            }
            inner.sinks.push((selector, Metric::new(kind)));
        }
        needs
    }

    /// The aggregate, locked, for the dispatcher to add one batch of events to.
    pub(crate) fn lock(&self) -> parking_lot::MutexGuard<'_, Tally> {
        self.inner.lock()
    }

    /// Every watched selection with what it collected so far.
    pub fn watched(&self) -> Vec<(Selector, Metric)> {
        let watched = self.inner.lock().sinks.clone();
        watched
            .into_iter()
            .map(|(selector, mut metric)| {
                // Sorted outside the lock; the caller may ask for several percentiles.
                metric.sort();
                (selector, metric)
            })
            .collect()
    }

    /// Every metric by name (the built-in ones the summary lists apart excluded:
    /// iterations, their durations, checks, dropped iterations).
    pub fn metrics(&self) -> BTreeMap<String, Metric> {
        let tally = self.inner.lock();
        tally
            .metrics
            .iter()
            .map(|(name, m)| (name.clone(), m.clone()))
            .collect()
    }

    /// Iteration durations in milliseconds.
    pub fn iteration_durations(&self) -> Option<TrendSummary> {
        self.inner.lock().iteration_durations.as_ref()?.trend()
    }

    /// Checks in the order they were first seen.
    pub fn checks(&self) -> Vec<CheckStat> {
        self.inner.lock().checks.clone()
    }

    /// The same tallies by the scenario they ran in (setup's and teardown's left out), in
    /// the order first seen, for the summary's per-scenario blocks.
    pub fn scenario_checks(&self) -> Vec<(String, CheckStat)> {
        self.inner.lock().scenario_checks.clone()
    }

    /// The `iteration_duration` Trend itself (milliseconds), for statistics beyond
    /// [`iteration_durations`](Self::iteration_durations)'.
    pub fn iteration_duration_metric(&self) -> Option<Metric> {
        self.inner.lock().iteration_durations.clone()
    }

    /// The first [`KEPT_ITERATION_ERRORS`] distinct errors that failed iterations, in the
    /// order they first happened, with how many iterations each failed.
    pub fn iteration_errors(&self) -> Vec<IterationError> {
        self.inner.lock().iteration_errors.clone()
    }

    /// The iteration counts so far.
    pub fn counts(&self) -> Counts {
        let inner = self.inner.lock();
        Counts {
            iterations: inner.iterations,
            failed_iterations: inner.failed_iterations,
            interrupted_iterations: inner.interrupted_iterations,
            dropped_iterations: inner.dropped_iterations,
        }
    }
}

impl Tally {
    fn offer(&mut self, metric: &str, value: f64, tags: &Tags) {
        for (selector, sink) in &mut self.sinks {
            if selector.matches(metric, tags) {
                sink.add(value);
            }
        }
    }

    pub(crate) fn sample(&mut self, s: &Sample) {
        let name: &str = &s.metric;
        if name == "dropped_iterations" {
            self.dropped_iterations += 1;
        } else {
            match self.metrics.get_mut(name) {
                Some(m) => m.add(s.value),
                None => {
                    let mut m = Metric::new(s.kind);
                    m.add(s.value);
                    self.metrics.insert(name.to_owned(), m);
                }
            }
        }
        if !self.sinks.is_empty() {
            self.offer(name, s.value, &s.tags);
        }
        // Sub-metrics (`http_req_duration{expected_response:true}`) stay in the totals: k6's
        // blocks have none.
        if let (Some(breakdown), false) = (&mut self.breakdown, name.contains('{')) {
            let scenario = s.tags.get("scenario").unwrap_or_default();
            // k6 counts the bytes of an iteration when it ends, outside any group; rk6
            // counts them per request, so they go to the scenario alone, as in k6.
            let group = match name {
                "data_sent" | "data_received" => "",
                _ => s.tags.get("group").unwrap_or_default(),
            };
            breakdown.attribute(scenario, group, |g| g.add(name, s.kind, s.value));
        }
    }

    pub(crate) fn check(&mut self, c: &crate::events::Check) {
        let (group, name, passed, tags) = (&*c.group, &*c.name, c.passed, &c.tags);
        if !c.scenario.is_empty() {
            self.scenario_check(&c.scenario, group, name, passed);
        }
        // Check sets are small (a handful of names), so a scan beats hashing two strings.
        let stat = match self
            .checks
            .iter_mut()
            .position(|c| c.name == name && c.group == group)
        {
            Some(i) => &mut self.checks[i],
            None => {
                self.checks.push(CheckStat::new(group, name));
                self.checks.last_mut().expect("just pushed")
            }
        };
        stat.record(passed);
        if !self.sinks.is_empty() {
            self.offer("checks", if passed { 1.0 } else { 0.0 }, tags);
        }
        if let Some(breakdown) = &mut self.breakdown {
            breakdown.attribute(&c.scenario, group, |g| g.check(name, passed));
        }
    }

    fn scenario_check(&mut self, scenario: &str, group: &str, name: &str, passed: bool) {
        let checks = &mut self.scenario_checks;
        let i = match checks
            .iter()
            .position(|(s, c)| c.name == name && c.group == group && s == scenario)
        {
            Some(i) => i,
            None => {
                checks.push((scenario.to_owned(), CheckStat::new(group, name)));
                checks.len() - 1
            }
        };
        checks[i].1.record(passed);
    }

    /// k6 counts the bytes each iteration sent and received when it ends, so its
    /// `data_sent` and `data_received` are there (at 0) even when nothing used the
    /// network; rk6 counts them per request, and adds them at 0 on the first iteration.
    fn data_counters(&mut self) {
        self.data_counters = true;
        for name in ["data_sent", "data_received"] {
            self.metrics
                .entry(name.to_owned())
                .or_insert_with(|| Metric::new(MetricKind::Counter));
        }
    }

    pub(crate) fn iteration(
        &mut self,
        outcome: IterationOutcome,
        ms: f64,
        error: Option<&str>,
        scenario: &str,
        tags: &Tags,
    ) {
        if !self.data_counters {
            self.data_counters();
        }
        if let Some(breakdown) = &mut self.breakdown {
            breakdown.attribute(scenario, "", |g| {
                for name in ["data_sent", "data_received"] {
                    g.metrics
                        .entry(name.to_owned())
                        .or_insert_with(|| Metric::new(MetricKind::Counter));
                }
                if outcome != IterationOutcome::Interrupted {
                    g.add("iterations", MetricKind::Counter, 1.0);
                    g.add("iteration_duration", MetricKind::Trend, ms);
                }
            });
        }
        if outcome == IterationOutcome::Interrupted {
            self.interrupted_iterations += 1;
            return;
        }
        self.iterations += 1;
        if outcome == IterationOutcome::Failed {
            self.failed_iterations += 1;
        }
        if let Some(message) = error {
            let errors = &mut self.iteration_errors;
            if let Some(known) = errors.iter_mut().find(|e| e.message == message) {
                known.count += 1;
            } else if errors.len() < KEPT_ITERATION_ERRORS {
                errors.push(IterationError {
                    message: message.to_owned(),
                    count: 1,
                });
            }
        }
        self.iteration_durations
            .get_or_insert_with(|| Metric::new(MetricKind::Trend))
            .add(ms);
        if !self.sinks.is_empty() {
            self.offer("iterations", 1.0, tags);
            self.offer("iteration_duration", ms, tags);
        }
    }
}
