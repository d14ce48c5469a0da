//! The end-of-test summary printed by `rk6 run`.

use super::metric::TrendSummary;
use crate::runner::{MetricSummary, RunResult};
use std::collections::BTreeMap;
use std::fmt::Write;

fn row(out: &mut String, name: &str, value: &str) {
    let dots = 32usize.saturating_sub(name.len());
    let _ = writeln!(out, "     {name}{}: {value}", ".".repeat(dots));
}

fn trend(t: &TrendSummary, unit: &str) -> String {
    format!(
        "avg={:.2}{unit} min={:.2}{unit} med={:.2}{unit} max={:.2}{unit} p(90)={:.2}{unit} p(95)={:.2}{unit}",
        t.avg, t.min, t.med, t.max, t.p90, t.p95
    )
}

/// A number as people read it: whole numbers without decimals, others to 3 places.
fn round3(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{:.3}", v).trim_end_matches('0').to_owned()
    }
}

fn values(name: &str, m: &MetricSummary) -> String {
    match (&m.trend, m.kind) {
        // k6/http's timings are milliseconds; custom trends have no unit.
        (Some(t), _) if name.starts_with("http_req_") => trend(t, "ms"),
        (Some(t), _) => trend(t, ""),
        (None, super::metric::MetricKind::Counter) => format!("{} {:.2}/s", m.sum, m.rate),
        (None, super::metric::MetricKind::Gauge) => format!("{}", m.last),
        (None, _) => format!(
            "{:.2}% ✓ {} ✗ {}",
            m.rate * 100.0,
            (m.rate * m.count as f64).round(),
            m.count - (m.rate * m.count as f64).round() as u64
        ),
    }
}

/// Sub-metrics with samples by their metric's name, each as `(tags as written, values)`
/// in key order: the implicit `http_req_duration{expected_response:true}` (a metric of
/// its own in the results, as in k6's) and those thresholds select.
fn sub_metrics(r: &RunResult) -> BTreeMap<&str, Vec<(&str, &MetricSummary)>> {
    let mut keyed: BTreeMap<&str, &MetricSummary> = BTreeMap::new();
    for (key, m) in r.metrics.iter().chain(&r.selections) {
        keyed.entry(key.as_str()).or_insert(m);
    }
    let mut out: BTreeMap<&str, Vec<(&str, &MetricSummary)>> = BTreeMap::new();
    for (key, m) in keyed {
        let Some((metric, tags)) = key.split_once('{') else {
            continue;
        };
        let tags = tags.trim_end().strip_suffix('}').unwrap_or(tags).trim();
        if m.count > 0 {
            out.entry(metric.trim()).or_default().push((tags, m));
        }
    }
    for subs in out.values_mut() {
        subs.sort_by_key(|(tags, _)| *tags);
    }
    out
}

/// Renders the plain-text summary.
pub fn render(r: &RunResult) -> String {
    let mut out = String::new();
    let mut current_group: Option<&str> = None;
    for c in &r.checks {
        if current_group != Some(c.group.as_str()) {
            current_group = Some(c.group.as_str());
            if !c.group.is_empty() {
                let _ = writeln!(out, "     █ {}", c.group);
            }
        }
        let indent = if c.group.is_empty() {
            "     "
        } else {
            "       "
        };
        if c.fails == 0 {
            let _ = writeln!(out, "{indent}✓ {}", c.name);
        } else {
            let total = c.passes + c.fails;
            let pct = 100 * c.passes / total.max(1);
            let _ = writeln!(
                out,
                "{indent}✗ {}\n{indent}  ↳  {pct}% — ✓ {} / ✗ {}",
                c.name, c.passes, c.fails
            );
        }
    }
    if !r.checks.is_empty() {
        out.push('\n');
    }
    let (passed, failed) = (r.checks_passed(), r.checks_failed());
    if passed + failed > 0 {
        let pct = 100.0 * passed as f64 / (passed + failed) as f64;
        row(
            &mut out,
            "checks",
            &format!("{pct:.2}% ✓ {passed} ✗ {failed}"),
        );
    }
    let subs = sub_metrics(r);
    // vus_max has its own row below, also when the test was too short to sample it.
    for (name, m) in r
        .metrics
        .iter()
        .filter(|(n, _)| !n.contains('{') && *n != "vus_max")
    {
        row(&mut out, name, &values(name, m));
        // Sub-metrics go right under their metric, indented, as in k6 v1.1.
        for (tags, sub) in subs.get(name.as_str()).into_iter().flatten() {
            row(&mut out, &format!("  {{ {tags} }}"), &values(name, sub));
        }
    }
    if let Some(t) = &r.iteration_duration_ms {
        row(&mut out, "iteration_duration", &trend(t, "ms"));
    }
    row(
        &mut out,
        "iterations",
        &format!("{} {:.2}/s", r.iterations, r.iteration_rate),
    );
    row(
        &mut out,
        "iterations_failed",
        &r.failed_iterations.to_string(),
    );
    if r.interrupted_iterations > 0 {
        row(
            &mut out,
            "iterations_interrupted",
            &r.interrupted_iterations.to_string(),
        );
    }
    if r.dropped_iterations > 0 {
        row(
            &mut out,
            "dropped_iterations",
            &r.dropped_iterations.to_string(),
        );
    }
    row(&mut out, "vus_max", &r.vus_max.to_string());
    row(
        &mut out,
        "run_time",
        &format!("{:.2}s", r.run_time.as_secs_f64()),
    );
    if !r.thresholds.is_empty() {
        let _ = writeln!(out, "\n     thresholds:");
        for t in &r.thresholds {
            let mark = if t.passed { "✓" } else { "✗" };
            let _ = writeln!(
                out,
                "     {mark} {}: {} (observed {})",
                t.metric,
                t.threshold,
                round3(t.value)
            );
        }
    }
    if let Some(reason) = &r.aborted {
        let _ = writeln!(out, "\n     test aborted: {reason}");
    }
    out
}
