//! `options.thresholds`: pass/fail criteria on metrics and tagged sub-metrics, as in k6.
//!
//! ```js
//! thresholds: {
//!   iteration_duration: ["p(95)<500"],
//!   "iterations{scenario:checkout}": [{ threshold: "count>=100", abortOnFail: true }],
//! }
//! ```
//!
//! Each key selects a metric, optionally narrowed to samples carrying every listed tag; each
//! rule compares one aggregate of the selection with a number. Any failing rule makes the run
//! exit with code 99.

use super::metric::{Metric, MetricKind};
pub use super::selector::Selector;
use crate::error::RunError;
use crate::options::parse_duration;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// k6/http's metrics, in the order it samples a round trip's (src/modules/http/ops.rs):
/// durations in milliseconds, data in bytes.
pub const HTTP_METRICS: [(&str, MetricKind); 11] = [
    ("http_reqs", MetricKind::Counter),
    ("http_req_duration", MetricKind::Trend),
    ("http_req_blocked", MetricKind::Trend),
    ("http_req_connecting", MetricKind::Trend),
    ("http_req_tls_handshaking", MetricKind::Trend),
    ("http_req_sending", MetricKind::Trend),
    ("http_req_waiting", MetricKind::Trend),
    ("http_req_receiving", MetricKind::Trend),
    ("http_req_failed", MetricKind::Rate),
    ("data_sent", MetricKind::Counter),
    ("data_received", MetricKind::Counter),
];

/// The metrics of the run itself.
const RUN_METRICS: [(&str, MetricKind); 7] = [
    ("iterations", MetricKind::Counter),
    ("iteration_duration", MetricKind::Trend),
    ("checks", MetricKind::Rate),
    ("dropped_iterations", MetricKind::Counter),
    // Each `group()` call's duration (runtime-js/k6.js), tagged with the group's path.
    ("group_duration", MetricKind::Trend),
    // Sampled about once a second while scenarios run (src/events/bus.rs), as in k6.
    ("vus", MetricKind::Gauge),
    ("vus_max", MetricKind::Gauge),
];

/// Metrics rk6 emits itself, with their kinds; custom ones come from `k6/metrics`.
pub const BUILTIN_METRICS: [(&str, MetricKind); RUN_METRICS.len() + HTTP_METRICS.len()] =
    super::metric::joined(RUN_METRICS, HTTP_METRICS);

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Aggregate {
    Count,
    Rate,
    Value,
    Avg,
    Min,
    Max,
    Med,
    /// A percentile, 0–100.
    P(f64),
}

impl Aggregate {
    fn applies_to(self, kind: MetricKind) -> bool {
        match kind {
            MetricKind::Counter => matches!(self, Self::Count | Self::Rate),
            MetricKind::Gauge => matches!(self, Self::Value),
            MetricKind::Rate => matches!(self, Self::Rate),
            MetricKind::Trend => matches!(
                self,
                Self::Avg | Self::Min | Self::Max | Self::Med | Self::P(_)
            ),
        }
    }

    fn valid_for(kind: MetricKind) -> &'static str {
        match kind {
            MetricKind::Counter => "count, rate",
            MetricKind::Gauge => "value",
            MetricKind::Rate => "rate",
            MetricKind::Trend => "avg, min, max, med, p(N)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparison {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Comparison {
    fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Self::Lt => left < right,
            Self::Le => left <= right,
            Self::Gt => left > right,
            Self::Ge => left >= right,
            Self::Eq => left == right,
            Self::Ne => left != right,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rule {
    /// The expression as written, e.g. `p(95)<500`.
    pub source: String,
    pub aggregate: Aggregate,
    pub comparison: Comparison,
    pub bound: f64,
    pub abort_on_fail: bool,
    /// How long into the test an `abortOnFail` rule waits before it may abort.
    pub delay_abort_eval: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Threshold {
    /// The key as the script wrote it (k6's summary export names sub-metrics by it).
    pub key: String,
    pub selector: Selector,
    pub rules: Vec<Rule>,
}

/// The outcome of one rule, as the summary shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    /// The threshold's key as written, e.g. `iterations{scenario:a}`.
    pub metric: String,
    /// The rule as written, e.g. `p(95)<200`.
    pub threshold: String,
    /// The aggregate the rule compared (0 when the selection has no samples).
    pub value: f64,
    /// Whether the rule held.
    pub passed: bool,
}

fn bad(key: &str, why: impl std::fmt::Display) -> RunError {
    RunError::InvalidOptions(format!("thresholds[{key:?}]: {why}"))
}

/// Parses `options.thresholds`, checking every metric and aggregate against `kinds` (the
/// built-in metrics plus the custom ones the script declared in its init code).
pub(crate) fn parse(
    options: &Value,
    kinds: &BTreeMap<String, MetricKind>,
) -> Result<Vec<Threshold>, RunError> {
    let Some(value) = options.get("thresholds") else {
        return Ok(Vec::new());
    };
    let map = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Object(map) => map,
        _ => {
            return Err(RunError::InvalidOptions(
                "thresholds must be an object like { iteration_duration: [\"p(95)<500\"] }".into(),
            ))
        }
    };
    map.iter()
        .map(|(key, rules)| {
            let selector = parse_selector(key)?;
            let kind = *kinds.get(&selector.metric).ok_or_else(|| {
                bad(
                    key,
                    format!(
                        "no metric named {:?}; use a built-in one ({}) or a custom metric \
                         created in the init context",
                        selector.metric,
                        BUILTIN_METRICS.map(|(n, _)| n).join(", ")
                    ),
                )
            })?;
            let items: Vec<&Value> = match rules {
                Value::Array(items) => items.iter().collect(),
                single => vec![single],
            };
            let rules = items
                .into_iter()
                .map(|item| parse_rule(key, item, kind))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Threshold {
                key: key.trim().to_owned(),
                selector,
                rules,
            })
        })
        .collect()
}

fn parse_selector(key: &str) -> Result<Selector, RunError> {
    let Some((metric, rest)) = key.split_once('{') else {
        return Ok(Selector {
            metric: key.trim().to_owned(),
            tags: Vec::new(),
        });
    };
    let inner = rest.strip_suffix('}').ok_or_else(|| {
        bad(
            key,
            "a tag filter must end with '}', e.g. iterations{scenario:a}",
        )
    })?;
    let mut tags = Vec::new();
    for pair in inner.split(',').filter(|p| !p.trim().is_empty()) {
        let (k, v) = pair.split_once(':').ok_or_else(|| {
            bad(
                key,
                format!("tag filter {pair:?} must look like name:value"),
            )
        })?;
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        tags.push((k.trim().to_owned(), v.to_owned()));
    }
    if tags.is_empty() {
        return Err(bad(key, "the tag filter is empty"));
    }
    Ok(Selector {
        metric: metric.trim().to_owned(),
        tags,
    })
}

fn parse_rule(key: &str, item: &Value, kind: MetricKind) -> Result<Rule, RunError> {
    let (source, abort_on_fail, delay_abort_eval) = match item {
        Value::String(s) => (s.clone(), false, Duration::ZERO),
        Value::Object(obj) => {
            for name in obj.keys() {
                if !["threshold", "abortOnFail", "delayAbortEval"].contains(&name.as_str()) {
                    return Err(bad(
                        key,
                        format!(
                            "unknown field {name:?}; use threshold, abortOnFail, delayAbortEval"
                        ),
                    ));
                }
            }
            let Some(Value::String(source)) = obj.get("threshold") else {
                return Err(bad(
                    key,
                    "each object needs a threshold string like \"p(95)<500\"",
                ));
            };
            let abort = match obj.get("abortOnFail") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    return Err(bad(
                        key,
                        format!("abortOnFail must be true or false, got {other}"),
                    ))
                }
            };
            let delay = match obj.get("delayAbortEval") {
                None | Some(Value::Null) => Duration::ZERO,
                Some(v) => parse_duration(v, &format!("thresholds[{key:?}].delayAbortEval"))?,
            };
            (source.clone(), abort, delay)
        }
        other => {
            return Err(bad(
                key,
                format!("rules must be strings like \"p(95)<500\" or objects, got {other}"),
            ))
        }
    };
    let (aggregate, comparison, bound) = parse_expression(&source).map_err(|why| bad(key, why))?;
    if !aggregate.applies_to(kind) {
        return Err(bad(
            key,
            format!(
                "{source:?} does not apply to a {} metric; use {}",
                kind_name(kind),
                Aggregate::valid_for(kind)
            ),
        ));
    }
    Ok(Rule {
        source,
        aggregate,
        comparison,
        bound,
        abort_on_fail,
        delay_abort_eval,
    })
}

fn kind_name(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Counter => "counter",
        MetricKind::Gauge => "gauge",
        MetricKind::Rate => "rate",
        MetricKind::Trend => "trend",
    }
}

/// Parses `AGGREGATE OP NUMBER`, e.g. `p(99.9) < 250` or `rate==1`.
fn parse_expression(source: &str) -> Result<(Aggregate, Comparison, f64), String> {
    let usage = || {
        format!(
            "{source:?} is not a threshold; write AGGREGATE OPERATOR NUMBER, e.g. \"p(95)<500\", \
             \"rate>0.99\", \"count>=10\""
        )
    };
    let s = source.trim();
    let op_at = s.find(['<', '>', '=', '!']).ok_or_else(usage)?;
    let (left, rest) = s.split_at(op_at);
    let (comparison, right) = [
        ("<=", Comparison::Le),
        (">=", Comparison::Ge),
        ("===", Comparison::Eq),
        ("==", Comparison::Eq),
        ("!=", Comparison::Ne),
        ("<", Comparison::Lt),
        (">", Comparison::Gt),
    ]
    .into_iter()
    .find_map(|(text, c)| rest.strip_prefix(text).map(|r| (c, r)))
    .ok_or_else(usage)?;
    let bound: f64 = right.trim().parse().map_err(|_| usage())?;
    if !bound.is_finite() {
        return Err(usage());
    }
    let aggregate = match left.trim() {
        "count" => Aggregate::Count,
        "rate" => Aggregate::Rate,
        "value" => Aggregate::Value,
        "avg" => Aggregate::Avg,
        "min" => Aggregate::Min,
        "max" => Aggregate::Max,
        "med" => Aggregate::Med,
        other => {
            let p = other
                .strip_prefix("p(")
                .and_then(|p| p.strip_suffix(')'))
                .and_then(|p| p.trim().parse::<f64>().ok())
                .filter(|p| (0.0..=100.0).contains(p))
                .ok_or_else(|| {
                    format!(
                        "{other:?} in {source:?} is not an aggregate; use count, rate, value, \
                         avg, min, max, med or p(N) with N from 0 to 100"
                    )
                })?;
            Aggregate::P(p)
        }
    };
    Ok((aggregate, comparison, bound))
}

impl Rule {
    /// The aggregate of `metric` (`None`: no samples) this rule compares.
    pub fn observed(&self, metric: Option<&Metric>, run_time: Duration) -> f64 {
        let Some(m) = metric.filter(|m| m.count > 0) else {
            return 0.0;
        };
        match self.aggregate {
            Aggregate::Count => m.sum,
            Aggregate::Rate => m.rate(run_time),
            Aggregate::Value => m.last,
            Aggregate::Avg => m.sum / m.count as f64,
            Aggregate::Min => m.min,
            Aggregate::Max => m.max,
            Aggregate::Med => m.percentile(50.0),
            Aggregate::P(p) => m.percentile(p),
        }
    }

    /// Whether `observed` satisfies the rule's comparison.
    pub fn passes(&self, observed: f64) -> bool {
        self.comparison.holds(observed, self.bound)
    }
}

/// What a threshold's selection collected, among the `watched` selections
/// ([`super::aggregator::Aggregator::watched`]); `None` before it has any samples.
fn selected<'a>(watched: &'a [(Selector, Metric)], t: &Threshold) -> Option<&'a Metric> {
    watched
        .iter()
        .find(|(s, _)| *s == t.selector)
        .map(|(_, m)| m)
}

/// Evaluates every rule against the `watched` selections over `run_time`.
pub(crate) fn evaluate(
    thresholds: &[Threshold],
    watched: &[(Selector, Metric)],
    run_time: Duration,
) -> Vec<RuleResult> {
    let mut results = Vec::new();
    for t in thresholds {
        let metric = selected(watched, t);
        for rule in &t.rules {
            let value = rule.observed(metric, run_time);
            results.push(RuleResult {
                metric: t.key.clone(),
                threshold: rule.source.clone(),
                value,
                passed: rule.passes(value),
            });
        }
    }
    results
}

/// The first `abortOnFail` rule failing `elapsed` into the test (past its
/// `delayAbortEval`), described for the summary.
pub(crate) fn abort_reason(
    thresholds: &[Threshold],
    watched: &[(Selector, Metric)],
    elapsed: Duration,
) -> Option<String> {
    thresholds.iter().find_map(|t| {
        let metric = selected(watched, t);
        t.rules
            .iter()
            .filter(|r| r.abort_on_fail && elapsed >= r.delay_abort_eval)
            .find(|r| !r.passes(r.observed(metric, elapsed)))
            .map(|r| format!("threshold {:?} on {} failed", r.source, t.selector))
    })
}

/// What each threshold's selection collected, by the threshold's key.
pub(crate) fn collected<'a>(
    thresholds: &'a [Threshold],
    watched: &'a [(Selector, Metric)],
) -> impl Iterator<Item = (&'a str, &'a Metric)> {
    thresholds
        .iter()
        .filter_map(|t| Some((t.key.as_str(), selected(watched, t)?)))
}

/// The metrics thresholds may name: rk6's own plus the script's custom ones.
pub(crate) fn known_metrics(custom: &BTreeMap<String, MetricKind>) -> BTreeMap<String, MetricKind> {
    let mut kinds: BTreeMap<String, MetricKind> = BUILTIN_METRICS
        .iter()
        .map(|(n, k)| (n.to_string(), *k))
        .collect();
    kinds.extend(custom.iter().map(|(n, k)| (n.clone(), *k)));
    kinds
}

/// Each threshold's selection with its metric's kind, for [`super::aggregator::Aggregator::watch`].
pub(crate) fn selections(
    thresholds: &[Threshold],
    kinds: &BTreeMap<String, MetricKind>,
) -> Vec<(Selector, MetricKind)> {
    thresholds
        .iter()
        .map(|t| (t.selector.clone(), kinds[&t.selector.metric]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_expressions() {
        assert_eq!(
            parse_expression("p(99.9) < 250").unwrap(),
            (Aggregate::P(99.9), Comparison::Lt, 250.0)
        );
        assert_eq!(
            parse_expression("count===3").unwrap(),
            (Aggregate::Count, Comparison::Eq, 3.0)
        );
        assert_eq!(
            parse_expression("rate>=0.95").unwrap(),
            (Aggregate::Rate, Comparison::Ge, 0.95)
        );
        for bad in [
            "p95<1", "avg", "avg<", "avg<x", "p(101)<1", "mean<3", "avg=>1",
        ] {
            assert!(parse_expression(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_selectors() {
        let s = parse_selector("iterations{scenario: a, team:\"blue\"}").unwrap();
        assert_eq!(s.metric, "iterations");
        assert_eq!(
            s.tags,
            [
                ("scenario".into(), "a".into()),
                ("team".into(), "blue".into())
            ]
        );
        assert_eq!(s.to_string(), "iterations{scenario:a,team:blue}");
        assert!(parse_selector("iterations{scenario:a").is_err());
        assert!(parse_selector("iterations{}").is_err());
    }
}
