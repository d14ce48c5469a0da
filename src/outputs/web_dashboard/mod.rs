//! The `web-dashboard` output: one self-contained HTML report, written when the run ends,
//! with charts over time (VUs, iteration rate and duration, HTTP request duration, rate and
//! failures, KV operation latency, checks) and the checks and thresholds tables.
//!
//! It reads only the run's event stream. While the run goes it folds events into time
//! buckets of one second; a run longer than [`MAX_BUCKETS`] seconds doubles the bucket's
//! width (merging neighbours) as often as needed, so memory stays bounded whatever the
//! run's length. Percentiles come from a DDSketch per bucket (within 1% of a true sample),
//! which merges exactly when buckets do.
//!
//! The page embeds its data as JSON and uPlot (MIT, vendored under `assets/`, see its
//! README) inline, so it opens offline from the file alone.

use super::{Output, OutputMaker, RunInfo};
use crate::events::{Event, IterationOutcome, RuleResult};
use crate::metrics::aggregator::CheckStat;
use crate::metrics::trend::Samples;
use serde_json::{json, Value};
use sketches_ddsketch::{Config, DDSketch};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The most time buckets kept: a run longer than this many seconds gets buckets of 2, 4,
/// 8... seconds, so a chart never has more points than this.
pub const MAX_BUCKETS: usize = 600;

/// Percentiles drawn are within this relative error of a true sample: plenty for a chart,
/// and it keeps one bucket's sketch to a few hundred bins.
const RELATIVE_ACCURACY: f64 = 0.01;
const SKETCH_BINS: u32 = 2048;
const SKETCH_MIN_VALUE: f64 = 1e-9;

/// How far back a VU count's time is taken (half the gauges' one-second period).
const VUS_SAMPLE_LAG: f64 = 0.5;

const PAGE: &str = include_str!("assets/dashboard.html");
const STYLE: &str = include_str!("assets/dashboard.css");
const SCRIPT: &str = include_str!("assets/dashboard.js");
const UPLOT_JS: &str = include_str!("assets/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("assets/uPlot.min.css");

/// Makes the output for `--out web-dashboard=FILE` (and k6's `K6_WEB_DASHBOARD_EXPORT`):
/// the report is written to `path` when the run ends. Fails the run before it starts when
/// `path`'s directory does not exist.
pub fn maker(path: PathBuf) -> OutputMaker {
    Arc::new(move |info: &RunInfo| {
        WebDashboard::new(path.clone(), info).map(|o| Box::new(o) as Box<dyn Output>)
    })
}

/// The web dashboard output (see the module's documentation).
pub struct WebDashboard {
    path: PathBuf,
    script: String,
    /// When the output was made: the time origin until scenarios start.
    made: SystemTime,
    started: Option<SystemTime>,
    scenarios_ended: Option<SystemTime>,
    exit_code: Option<i32>,
    /// Seconds each bucket covers.
    width: u64,
    buckets: Vec<Bucket>,
    totals: Totals,
    checks: Vec<CheckStat>,
    check_index: HashMap<(Arc<str>, Arc<str>), usize>,
    /// KV operation names (the `op` tag) in the order first seen.
    kv_ops: Vec<Arc<str>>,
    thresholds: Option<Vec<RuleResult>>,
}

impl WebDashboard {
    /// An output that writes the report of the run `info` describes to `path`.
    pub fn new(path: PathBuf, info: &RunInfo) -> Result<Self, String> {
        if path.as_os_str().is_empty() {
            return Err("web-dashboard: the report's file name is empty".into());
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(format!(
                    "web-dashboard: cannot write {}: directory {} does not exist",
                    path.display(),
                    dir.display()
                ));
            }
        }
        if path.is_dir() {
            return Err(format!(
                "web-dashboard: cannot write {}: it is a directory",
                path.display()
            ));
        }
        Ok(Self {
            path,
            script: info.script.clone(),
            made: SystemTime::now(),
            started: None,
            scenarios_ended: None,
            exit_code: None,
            width: 1,
            buckets: Vec::new(),
            totals: Totals::default(),
            checks: Vec::new(),
            check_index: HashMap::new(),
            kv_ops: Vec::new(),
            thresholds: None,
        })
    }

    /// The file the report goes to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn origin(&self) -> SystemTime {
        self.started.unwrap_or(self.made)
    }

    /// Seconds from the scenarios' start to `t`; what happened before it (setup) counts
    /// as 0, in the first bucket.
    fn elapsed(&self, t: SystemTime) -> f64 {
        match self.started {
            Some(start) => t.duration_since(start).map_or(0.0, |d| d.as_secs_f64()),
            None => 0.0,
        }
    }

    /// The bucket holding `secs` after the origin, widening buckets when it lies beyond
    /// the last one kept.
    fn bucket(&mut self, secs: f64) -> &mut Bucket {
        // A clock far off would otherwise widen buckets for nothing; a day covers any
        // sample of a real run, and a later one lands in the last bucket.
        let secs = if secs.is_finite() {
            secs.clamp(0.0, 86_400.0 * 365.0)
        } else {
            0.0
        };
        let mut index = (secs / self.width as f64) as usize;
        while index >= MAX_BUCKETS {
            self.coalesce();
            index = (secs / self.width as f64) as usize;
        }
        if self.buckets.len() <= index {
            self.buckets.resize_with(index + 1, Bucket::default);
        }
        &mut self.buckets[index]
    }

    /// Doubles the buckets' width, merging each pair of neighbours.
    fn coalesce(&mut self) {
        self.width *= 2;
        let old = std::mem::take(&mut self.buckets);
        let mut pairs = old.into_iter();
        while let Some(mut first) = pairs.next() {
            if let Some(second) = pairs.next() {
                first.merge(second);
            }
            self.buckets.push(first);
        }
    }

    fn kv_op(&mut self, op: &str) -> usize {
        match self.kv_ops.iter().position(|o| &**o == op) {
            Some(i) => i,
            None => {
                self.kv_ops.push(op.into());
                self.kv_ops.len() - 1
            }
        }
    }

    fn check(&mut self, group: &Arc<str>, name: &Arc<str>, passed: bool) {
        let key = (group.clone(), name.clone());
        let index = match self.check_index.get(&key) {
            Some(&i) => i,
            None => {
                self.checks.push(CheckStat::new(group, name));
                self.check_index.insert(key, self.checks.len() - 1);
                self.checks.len() - 1
            }
        };
        self.checks[index].record(passed);
    }

    fn take(&mut self, event: &Event) {
        match event {
            Event::Started => self.started = Some(SystemTime::now()),
            Event::ScenariosEnded => self.scenarios_ended = Some(SystemTime::now()),
            Event::Ended { exit_code } => self.exit_code = Some(*exit_code),
            Event::Thresholds(results) => self.thresholds = Some(results.clone()),
            Event::Vus(count) => {
                self.totals.vus_max = self.totals.vus_max.max(count.max);
                // The gauges are sampled at the end of each second (a little late when
                // the stream is busy): such a sample describes the second that ends.
                let secs = count.elapsed.as_secs_f64() - VUS_SAMPLE_LAG;
                let bucket = self.bucket(secs);
                bucket.vus = Some(bucket.vus.unwrap_or(0).max(count.active));
                bucket.vus_max = Some(bucket.vus_max.unwrap_or(0).max(count.max));
            }
            Event::Iteration(it) => {
                // As k6, an interrupted iteration is neither an iteration nor a duration.
                if it.outcome == IterationOutcome::Interrupted {
                    return;
                }
                let ms = it.duration.as_secs_f64() * 1000.0;
                let failed = it.outcome == IterationOutcome::Failed;
                self.totals.iterations += 1;
                self.totals.failed_iterations += u64::from(failed);
                self.totals.iteration_ms.add(ms);
                let secs = self.elapsed(it.time);
                let bucket = self.bucket(secs);
                bucket.iterations += 1;
                bucket.failed_iterations += u64::from(failed);
                add(&mut bucket.iteration_ms, ms);
            }
            Event::Check(c) => {
                self.check(&c.group, &c.name, c.passed);
                let secs = self.elapsed(c.time);
                let bucket = self.bucket(secs);
                if c.passed {
                    bucket.checks_passed += 1;
                } else {
                    bucket.checks_failed += 1;
                }
            }
            Event::Sample(s) => {
                let secs = self.elapsed(s.time);
                match &*s.metric {
                    "http_req_duration" => {
                        self.totals.http_ms.add(s.value);
                        add(&mut self.bucket(secs).http_ms, s.value);
                    }
                    "http_reqs" => {
                        self.totals.http_reqs += s.value as u64;
                        self.bucket(secs).http_reqs += s.value as u64;
                    }
                    "http_req_failed" => {
                        let failed = u64::from(s.value != 0.0);
                        self.totals.http_failed += failed;
                        let bucket = self.bucket(secs);
                        bucket.http_failed += failed;
                        bucket.http_failed_of += 1;
                    }
                    "xk6_kv_operation_duration" => {
                        let op = self.kv_op(s.tags.get("op").unwrap_or("all"));
                        self.totals.kv_ops += 1;
                        let bucket = self.bucket(secs);
                        if bucket.kv_ms.len() <= op {
                            bucket.kv_ms.resize_with(op + 1, || None);
                        }
                        add(&mut bucket.kv_ms[op], s.value);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// The report's data, as the page's script reads it.
    fn data(&self) -> Value {
        let origin = self.origin();
        let origin_secs = origin
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let duration = match (self.started, self.scenarios_ended) {
            (Some(_), Some(end)) => self.elapsed(end),
            (Some(_), None) => self.elapsed(SystemTime::now()),
            (None, _) => 0.0,
        };
        let width = self.width as f64;
        // A rate divides by the time the bucket covers: the last one may be cut short by
        // the run's end. One that covers less than half its width has no rate: the few
        // iterations ending in it would draw a spike or a dip that never happened.
        let rate = |i: usize, count: u64| {
            let covered = (duration - i as f64 * width).min(width);
            (covered >= width / 2.0 || i == 0).then(|| count as f64 / covered.max(1e-3))
        };
        let n = self.buckets.len();
        let series = |f: &dyn Fn(usize, &Bucket) -> Option<f64>| -> Vec<Option<f64>> {
            self.buckets
                .iter()
                .enumerate()
                .map(|(i, b)| f(i, b).map(round))
                .collect()
        };
        // Each point stands at its bucket's end (where the run ended, for the bucket it
        // ended in): what happened during the second up to that time.
        let t: Vec<f64> = (0..n)
            .map(|i| {
                let (start, end) = (i as f64 * width, (i + 1) as f64 * width);
                round(if start < duration {
                    end.min(duration)
                } else {
                    end
                })
            })
            .collect();
        let quantiles = |pick: &dyn Fn(&Bucket) -> Option<&DDSketch>| {
            json!({
                "p50": series(&|_, b| quantile(pick(b), 0.50)),
                "p95": series(&|_, b| quantile(pick(b), 0.95)),
                "p99": series(&|_, b| quantile(pick(b), 0.99)),
            })
        };
        let mut iterations = quantiles(&|b| b.iteration_ms.as_ref());
        iterations["rate"] = json!(series(&|i, b| rate(i, b.iterations)));
        iterations["failedRate"] = json!(series(&|i, b| rate(i, b.failed_iterations)));
        let http = (!self.totals.http_ms.is_empty()).then(|| {
            let mut http = quantiles(&|b| b.http_ms.as_ref());
            http["rate"] = json!(series(&|i, b| rate(i, b.http_reqs)));
            http["failedPct"] = json!(series(&|_, b| (b.http_failed_of > 0)
                .then(|| 100.0 * b.http_failed as f64 / b.http_failed_of as f64)));
            http
        });
        let kv = (!self.kv_ops.is_empty()).then(|| {
            let p95: Vec<Vec<Option<f64>>> = (0..self.kv_ops.len())
                .map(|op| series(&|_, b| quantile(b.kv_ms.get(op).and_then(Option::as_ref), 0.95)))
                .collect();
            json!({ "ops": self.kv_ops, "p95": p95 })
        });
        let checks_over_time = (!self.checks.is_empty()).then(|| {
            json!({
                "passRate": series(&|i, b| rate(i, b.checks_passed)),
                "failRate": series(&|i, b| rate(i, b.checks_failed)),
            })
        });
        let checks: Vec<Value> = self
            .checks
            .iter()
            .map(
                |c| json!({"group": c.group, "name": c.name, "passes": c.passes, "fails": c.fails}),
            )
            .collect();
        let thresholds = self.thresholds.as_ref().map(|rules| {
            rules
                .iter()
                .map(|r| {
                    json!({
                        "metric": r.metric,
                        "rule": r.threshold,
                        "value": r.value,
                        "passed": r.passed,
                    })
                })
                .collect::<Vec<_>>()
        });
        let totals = &self.totals;
        json!({
            "generator": concat!("rk6 ", env!("CARGO_PKG_VERSION")),
            "script": self.script,
            "startTime": round(origin_secs * 1000.0),
            "duration": round(duration),
            "exitCode": self.exit_code,
            "bucketSeconds": self.width,
            "t": t,
            "vus": series(&|_, b| b.vus.map(|v| v as f64)),
            "vusMax": series(&|_, b| b.vus_max.map(|v| v as f64)),
            "iterations": iterations,
            "http": http,
            "kv": kv,
            "checksOverTime": checks_over_time,
            "totals": {
                "iterations": totals.iterations,
                "failedIterations": totals.failed_iterations,
                "iterationRate": if duration > 0.0 { round(totals.iterations as f64 / duration) } else { 0.0 },
                "iterationP95": exact_p95(&totals.iteration_ms),
                "httpReqs": totals.http_reqs,
                "httpFailed": totals.http_failed,
                "httpP95": exact_p95(&totals.http_ms),
                "kvOps": totals.kv_ops,
                "vusMax": totals.vus_max,
            },
            "checks": checks,
            "thresholds": thresholds,
        })
    }

    /// The whole page.
    pub fn render(&self) -> String {
        // `<` only occurs inside JSON strings, where `\u003c` means the same: no string
        // of the run (a check's name, the script's) can close the page's script element.
        let data = serde_json::to_string(&self.data())
            .expect("JSON values serialize")
            .replace('<', "\\u003c");
        let title = html_escape(&format!("rk6 report: {}", self.script));
        let style = format!("{UPLOT_CSS}\n{STYLE}");
        fill(
            PAGE,
            &[
                ("TITLE", &title),
                ("STYLE", &style),
                ("UPLOT", UPLOT_JS),
                ("DATA", &data),
                ("SCRIPT", SCRIPT),
            ],
        )
    }
}

impl Output for WebDashboard {
    fn name(&self) -> &str {
        "web-dashboard"
    }

    fn events(&mut self, batch: &[Event]) {
        for event in batch {
            self.take(event);
        }
    }

    fn stop(&mut self) -> Result<(), String> {
        std::fs::write(&self.path, self.render()).map_err(|e| {
            format!(
                "cannot write the web dashboard report {}: {e}",
                self.path.display()
            )
        })
    }
}

#[derive(Default)]
struct Bucket {
    /// The most VUs active in the bucket (`None`: no sample fell in it).
    vus: Option<u64>,
    vus_max: Option<u64>,
    iterations: u64,
    failed_iterations: u64,
    iteration_ms: Option<DDSketch>,
    http_reqs: u64,
    http_failed: u64,
    /// `http_req_failed` samples, the failure rate's denominator.
    http_failed_of: u64,
    http_ms: Option<DDSketch>,
    /// By the index of the operation's name in `WebDashboard::kv_ops`.
    kv_ms: Vec<Option<DDSketch>>,
    checks_passed: u64,
    checks_failed: u64,
}

impl Bucket {
    fn merge(&mut self, other: Bucket) {
        self.vus = max_opt(self.vus, other.vus);
        self.vus_max = max_opt(self.vus_max, other.vus_max);
        self.iterations += other.iterations;
        self.failed_iterations += other.failed_iterations;
        merge_sketch(&mut self.iteration_ms, other.iteration_ms);
        self.http_reqs += other.http_reqs;
        self.http_failed += other.http_failed;
        self.http_failed_of += other.http_failed_of;
        merge_sketch(&mut self.http_ms, other.http_ms);
        if self.kv_ms.len() < other.kv_ms.len() {
            self.kv_ms.resize_with(other.kv_ms.len(), || None);
        }
        for (mine, theirs) in self.kv_ms.iter_mut().zip(other.kv_ms) {
            merge_sketch(mine, theirs);
        }
        self.checks_passed += other.checks_passed;
        self.checks_failed += other.checks_failed;
    }
}

/// The whole run's figures. Its percentiles are the summary's (k6's interpolation, exact up
/// to [`crate::metrics::trend::EXACT_LIMIT`] samples), so the report's cards and the
/// summary agree.
#[derive(Default)]
struct Totals {
    iterations: u64,
    failed_iterations: u64,
    iteration_ms: Samples,
    http_reqs: u64,
    http_failed: u64,
    http_ms: Samples,
    kv_ops: u64,
    vus_max: u64,
}

fn new_sketch() -> DDSketch {
    DDSketch::new(Config::new(
        RELATIVE_ACCURACY,
        SKETCH_BINS,
        SKETCH_MIN_VALUE,
    ))
}

fn add(sketch: &mut Option<DDSketch>, value: f64) {
    // The sketch maps a value through its logarithm: keep it finite and non-negative.
    let value = if value.is_finite() {
        value.max(0.0)
    } else {
        0.0
    };
    sketch.get_or_insert_with(new_sketch).add(value);
}

fn merge_sketch(into: &mut Option<DDSketch>, from: Option<DDSketch>) {
    match (into.as_mut(), from) {
        (_, None) => {}
        (None, from) => *into = from,
        // Sketches made by `new_sketch` share a configuration, so merging cannot fail.
        (Some(mine), Some(theirs)) => mine.merge(&theirs).expect("same sketch configuration"),
    }
}

fn quantile(sketch: Option<&DDSketch>, q: f64) -> Option<f64> {
    let sketch = sketch?;
    let value = sketch.quantile(q).ok().flatten()?;
    // A bin's representative value may lie just outside the samples it holds.
    Some(value.clamp(sketch.min()?, sketch.max()?))
}

fn exact_p95(samples: &Samples) -> Option<f64> {
    (!samples.is_empty()).then(|| round(samples.percentile(95.0)))
}

fn max_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Four significant decimals are more than a chart shows, and keep the page small.
fn round(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return if v.is_finite() { v } else { 0.0 };
    }
    let digits = 4 - v.abs().log10().ceil() as i32;
    let scale = 10f64.powi(digits.clamp(0, 12));
    (v * scale).round() / scale
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `template` with each `{{NAME}}` replaced by its value; values are not searched again.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after.find("}}").and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (close, *v))
        }) {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Check, Iteration, VuCount};
    use std::time::Duration;

    fn dashboard() -> WebDashboard {
        let info = RunInfo {
            script: "t.js".into(),
        };
        WebDashboard::new(PathBuf::from("report.html"), &info).unwrap()
    }

    fn iteration(at: SystemTime, ms: u64) -> Event {
        Event::Iteration(Iteration {
            vu: 1,
            scenario: "default".into(),
            duration: Duration::from_millis(ms),
            outcome: IterationOutcome::Completed,
            error: None,
            time: at,
            tags: Default::default(),
        })
    }

    #[test]
    fn a_long_run_widens_buckets_and_keeps_every_iteration() {
        let mut d = dashboard();
        d.events(&[Event::Started]);
        let t0 = d.origin();
        // One iteration a second for 3000 s: 1 s buckets cannot hold it.
        let batch: Vec<Event> = (0..3000)
            .map(|s| iteration(t0 + Duration::from_secs(s), 10 + s % 7))
            .collect();
        d.events(&batch);
        assert_eq!(d.width, 8);
        assert!(d.buckets.len() <= MAX_BUCKETS);
        let kept: u64 = d.buckets.iter().map(|b| b.iterations).sum();
        assert_eq!(kept, 3000);
        assert_eq!(d.buckets[0].iterations, 8);
        // The first 8 s took 10, 10, 11... 16 ms: the sketch's p99 is the sample at the
        // lower of the two closest ranks, 15 ms, within its 1%.
        let p99 = quantile(d.buckets[0].iteration_ms.as_ref(), 0.99).unwrap();
        assert!((p99 - 15.0).abs() <= 0.15, "{p99}");
    }

    #[test]
    fn checks_keep_their_first_seen_order_and_names_cannot_close_the_script() {
        let mut d = dashboard();
        let check = |name: &str, passed| {
            Event::Check(Check {
                vu: 1,
                group: "".into(),
                name: name.into(),
                scenario: "default".into(),
                passed,
                time: SystemTime::now(),
                tags: Default::default(),
            })
        };
        d.events(&[
            Event::Started,
            check("b</script><b>", true),
            check("a", false),
            check("b</script><b>", false),
            Event::Vus(VuCount {
                active: 3,
                max: 4,
                elapsed: Duration::from_millis(1003),
            }),
        ]);
        let data = d.data();
        assert_eq!(data["checks"][0]["name"], "b</script><b>");
        assert_eq!(data["checks"][0]["passes"], 1);
        assert_eq!(data["checks"][0]["fails"], 1);
        assert_eq!(data["checks"][1]["fails"], 1);
        assert_eq!(data["vus"][0], 3.0);
        let page = d.render();
        assert!(!page.contains("b</script>"));
        assert!(page.contains(r"b\u003c/script>\u003cb>"));
    }

    #[test]
    fn fill_replaces_known_names_once() {
        assert_eq!(
            fill("a{{X}}b{{Y}}c{{", &[("X", "{{Y}}"), ("Y", "1")]),
            "a{{Y}}b1c{{"
        );
    }

    #[test]
    fn round_keeps_four_significant_digits() {
        assert_eq!(round(123.456789), 123.5);
        assert_eq!(round(0.00123456), 0.001235);
        assert_eq!(round(98765.4), 98765.0);
    }
}
