//! One metric's aggregate over a run, and the kinds of metrics k6 has.

use super::trend::Samples;
use serde::Serialize;
use std::time::Duration;

/// Custom metric kinds, numbered as in runtime-js/metrics.js.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    /// A sum (`Counter`): requests, bytes, custom counts.
    Counter,
    /// The last value, with its min and max (`Gauge`).
    Gauge,
    /// The share of non-zero samples (`Rate`): checks, failures.
    Rate,
    /// A distribution with percentiles (`Trend`): durations.
    Trend,
}

/// `first` then `second` as one list of metrics and kinds, for lists made of others in
/// const context; `N` must be the sum of their lengths.
pub(crate) const fn joined<const A: usize, const B: usize, const N: usize>(
    first: [(&'static str, MetricKind); A],
    second: [(&'static str, MetricKind); B],
) -> [(&'static str, MetricKind); N] {
    assert!(A + B == N, "a joined list is as long as both");
    let mut all = [("", MetricKind::Counter); N];
    let mut i = 0;
    while i < N {
        all[i] = if i < A { first[i] } else { second[i - A] };
        i += 1;
    }
    all
}

impl MetricKind {
    /// The kind runtime-js/metrics.js numbers `code` (0 Counter, 1 Gauge, 2 Rate, else Trend).
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
    /// Counter, Gauge, Rate or Trend.
    pub kind: MetricKind,
    /// How many samples were added.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// The smallest sample.
    pub min: f64,
    /// The largest sample.
    pub max: f64,
    /// The latest sample.
    pub last: f64,
    /// Samples that were non-zero (what a Rate reports as its rate).
    pub nonzero: u64,
    /// A Trend's samples, for percentiles.
    samples: Option<Samples>,
}

/// Summary statistics of a distribution, as k6 prints for trends.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrendSummary {
    /// Mean.
    pub avg: f64,
    /// Smallest value.
    pub min: f64,
    /// Median.
    pub med: f64,
    /// Largest value.
    pub max: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Not in k6's default summary; embedders and rk6's own benchmarks read it.
    pub p99: f64,
}

impl Metric {
    /// An empty aggregate of this kind (Trends also keep their samples, for percentiles).
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

    /// Adds one sample.
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

    /// The `p`th percentile (0–100) of a Trend's samples (see [`super::trend`]); 0 for other
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
