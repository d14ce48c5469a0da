//! Counters and check results shared by every VU of a run.

use crate::thresholds::Selector;
use crate::trend::Samples;
use parking_lot::Mutex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// Pass/fail tally of one named check inside one group path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckStat {
    /// Group path, nested names joined with `::`; empty at the top level.
    pub group: String,
    pub name: String,
    pub passes: u64,
    pub fails: u64,
}

#[derive(Default)]
pub struct Stats {
    pub iterations: AtomicU64,
    pub failed_iterations: AtomicU64,
    pub interrupted_iterations: AtomicU64,
    pub dropped_iterations: AtomicU64,
    checks: Mutex<Vec<CheckStat>>,
    /// The same tallies by the scenario they ran in, for the summary's per-scenario blocks.
    scenario_checks: Mutex<Vec<(String, CheckStat)>>,
    metrics: Mutex<BTreeMap<String, Metric>>,
    /// Iteration durations in milliseconds, the `iteration_duration` Trend.
    iteration_durations: Mutex<Option<Metric>>,
    /// The selections thresholds look at, each with the samples it matched.
    sinks: OnceLock<Vec<Sink>>,
}

struct Sink {
    selector: Selector,
    metric: Mutex<Metric>,
}

/// Custom metric kinds, numbered as in runtime-js/metrics.js.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    Counter,
    Gauge,
    Rate,
    Trend,
}

impl MetricKind {
    pub fn from_code(code: u32) -> Self {
        match code {
            0 => Self::Counter,
            1 => Self::Gauge,
            2 => Self::Rate,
            _ => Self::Trend,
        }
    }
}

/// Aggregate of one custom metric over the whole run.
#[derive(Debug, Clone)]
pub struct Metric {
    pub kind: MetricKind,
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    pub last: f64,
    /// Samples that were non-zero (what a Rate reports as its rate).
    pub nonzero: u64,
    /// A Trend's samples, for percentiles.
    samples: Option<Samples>,
}

/// Summary statistics of a distribution, as k6 prints for trends.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrendSummary {
    pub avg: f64,
    pub min: f64,
    pub med: f64,
    pub max: f64,
    pub p90: f64,
    pub p95: f64,
    /// Not in k6's default summary; embedders and rk6's own benchmarks read it.
    pub p99: f64,
}

impl Metric {
    pub fn new(kind: MetricKind) -> Self {
        Self {
            kind,
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            last: 0.0,
            nonzero: 0,
            samples: (kind == MetricKind::Trend).then(Samples::new),
        }
    }

    pub fn add(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        self.last = value;
        if value != 0.0 {
            self.nonzero += 1;
        }
        if let Some(samples) = &mut self.samples {
            samples.add(value);
        }
    }

    /// A Counter's sum per second of `run_time`; for other kinds the share of non-zero
    /// samples (what a Rate reports).
    pub fn rate(&self, run_time: Duration) -> f64 {
        match self.kind {
            MetricKind::Counter if !run_time.is_zero() => self.sum / run_time.as_secs_f64(),
            MetricKind::Counter => 0.0,
            _ if self.count > 0 => self.nonzero as f64 / self.count as f64,
            _ => 0.0,
        }
    }

    /// The `p`th percentile (0–100) of a Trend's samples (see [`crate::trend`]); 0 for other
    /// kinds.
    pub fn percentile(&self, p: f64) -> f64 {
        self.samples.as_ref().map_or(0.0, |s| s.percentile(p))
    }

    /// Puts a Trend's samples in order, so this copy answers percentiles without sorting again.
    pub fn sort(&mut self) {
        if let Some(samples) = &mut self.samples {
            samples.sort();
        }
    }

    /// Summary statistics of a Trend, `None` for other kinds or without samples.
    pub fn trend(&self) -> Option<TrendSummary> {
        let samples = self.samples.as_ref()?;
        if self.count == 0 {
            return None;
        }
        let [med, p90, p95, p99] = samples.percentiles(&[50.0, 90.0, 95.0, 99.0]);
        Some(TrendSummary {
            avg: self.sum / self.count as f64,
            min: self.min,
            med,
            max: self.max,
            p90,
            p95,
            p99,
        })
    }
}

impl Stats {
    pub fn record_check(&self, group: &str, name: &str, passed: bool) {
        let mut checks = self.checks.lock();
        // Check sets are small (a handful of names), so a scan beats hashing two strings.
        let stat = match checks
            .iter_mut()
            .position(|c| c.name == name && c.group == group)
        {
            Some(i) => &mut checks[i],
            None => {
                checks.push(CheckStat {
                    group: group.to_owned(),
                    name: name.to_owned(),
                    passes: 0,
                    fails: 0,
                });
                checks.last_mut().expect("just pushed")
            }
        };
        if passed {
            stat.passes += 1;
        } else {
            stat.fails += 1;
        }
    }

    /// Tallies a check under its scenario too (see [`scenario_checks`](Self::scenario_checks)).
    pub fn record_scenario_check(&self, scenario: &str, group: &str, name: &str, passed: bool) {
        let mut checks = self.scenario_checks.lock();
        let i = match checks
            .iter()
            .position(|(s, c)| c.name == name && c.group == group && s == scenario)
        {
            Some(i) => i,
            None => {
                let stat = CheckStat {
                    group: group.to_owned(),
                    name: name.to_owned(),
                    passes: 0,
                    fails: 0,
                };
                checks.push((scenario.to_owned(), stat));
                checks.len() - 1
            }
        };
        let stat = &mut checks[i].1;
        if passed {
            stat.passes += 1;
        } else {
            stat.fails += 1;
        }
    }

    /// Checks with the scenario they ran in, in the order first seen.
    pub fn scenario_checks(&self) -> Vec<(String, CheckStat)> {
        self.scenario_checks.lock().clone()
    }

    pub fn record_metric(&self, name: &str, kind: u32, value: f64) {
        let mut metrics = self.metrics.lock();
        let kind = MetricKind::from_code(kind);
        metrics
            .entry(name.to_owned())
            .or_insert_with(|| Metric::new(kind))
            .add(value);
    }

    /// Several samples under one lock: an HTTP request alone emits a dozen.
    pub fn record_metrics(&self, samples: &[(&str, MetricKind, f64)]) {
        let mut metrics = self.metrics.lock();
        for &(name, kind, value) in samples {
            match metrics.get_mut(name) {
                Some(m) => m.add(value),
                None => {
                    let mut m = Metric::new(kind);
                    m.add(value);
                    metrics.insert(name.to_owned(), m);
                }
            }
        }
    }

    /// Starts collecting samples for these selections (once, before the test starts).
    pub fn watch(&self, selections: impl IntoIterator<Item = (Selector, MetricKind)>) {
        let sinks = selections
            .into_iter()
            .map(|(selector, kind)| Sink {
                selector,
                metric: Mutex::new(Metric::new(kind)),
            })
            .collect();
        let _ = self.sinks.set(sinks);
    }

    /// Whether any selection is watched; callers skip gathering tags when none is.
    pub fn watching(&self) -> bool {
        self.sinks.get().is_some_and(|s| !s.is_empty())
    }

    /// Offers one sample of `metric`, tagged as `tags` says, to the watched selections.
    pub fn sample(&self, metric: &str, value: f64, tags: &dyn Fn(&str) -> Option<String>) {
        for sink in self.sinks.get().into_iter().flatten() {
            if sink.selector.matches(metric, tags) {
                sink.metric.lock().add(value);
            }
        }
    }

    /// Every watched selection with what it collected so far.
    pub fn watched(&self) -> Vec<(Selector, Metric)> {
        self.sinks
            .get()
            .into_iter()
            .flatten()
            .map(|s| {
                let mut metric = s.metric.lock().clone();
                // Sorted outside the lock; the caller may ask for several percentiles.
                metric.sort();
                (s.selector.clone(), metric)
            })
            .collect()
    }

    pub fn metrics(&self) -> BTreeMap<String, Metric> {
        self.metrics.lock().clone()
    }

    /// Records one iteration's duration, in milliseconds as k6 does, the same value the
    /// `iteration_duration` thresholds see.
    pub fn record_iteration_duration(&self, ms: f64) {
        self.iteration_durations
            .lock()
            .get_or_insert_with(|| Metric::new(MetricKind::Trend))
            .add(ms);
    }

    /// The `iteration_duration` Trend itself (milliseconds), for statistics beyond
    /// [`iteration_durations`](Self::iteration_durations)'.
    pub fn iteration_duration_metric(&self) -> Option<Metric> {
        self.iteration_durations.lock().clone()
    }

    /// Iteration durations in milliseconds.
    pub fn iteration_durations(&self) -> Option<TrendSummary> {
        self.iteration_durations.lock().as_ref()?.trend()
    }

    /// Checks in the order they were first seen.
    pub fn checks(&self) -> Vec<CheckStat> {
        self.checks.lock().clone()
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    pub fn bump(counter: &AtomicU64) -> u64 {
        counter.fetch_add(1, Ordering::Relaxed)
    }
}
