//! Counters and check results shared by every VU of a run.

use super::metric::{Metric, MetricKind, TrendSummary};
use super::selector::Selector;
use parking_lot::Mutex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

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
