//! `--summary-export`: the end-of-test summary as JSON in the layout k6 writes for the same
//! flag, so tools that read k6's file read rk6's. rk6's own [`RunResult`] rides along under
//! the extra key `rk6`.
//!
//! k6's layout: `root_group` is the tree of groups and checks, each with `name`, `path`
//! (`::outer::inner`), `id` (MD5 of the path), and `groups`/`checks` objects keyed by name;
//! `metrics` maps a metric (or a threshold's tag-filtered sub-metric, keyed as written) to
//! its values: counter `count`/`rate`, gauge `value`/`min`/`max`, rate
//! `passes`/`fails`/`value`, trend `avg`/`min`/`med`/`max`/`p(90)`/`p(95)`, plus
//! `thresholds` mapping each rule to whether it FAILED (k6 keeps that inverted meaning).

use super::metric::{MetricKind, TrendSummary};
use crate::runner::{MetricSummary, RunResult};
use md5::{Digest, Md5};
use serde_json::{json, Map, Value};

/// The export document for `result`.
pub fn summary_export(result: &RunResult) -> Value {
    let mut doc = Map::new();
    doc.insert("root_group".into(), root_group(result));
    doc.insert("metrics".into(), Value::Object(metrics(result)));
    if let Some(data) = &result.setup_data {
        doc.insert("setup_data".into(), data.clone());
    }
    doc.insert(
        "rk6".into(),
        serde_json::to_value(result).expect("results serialize"),
    );
    Value::Object(doc)
}

/// Writes `value` as JSON indented by four spaces, as k6 does.
pub fn to_text(value: &Value) -> String {
    use serde::Serialize;
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut ser).expect("JSON values serialize");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

fn id(path: &str) -> String {
    Md5::digest(path.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn group(name: &str, path: &str) -> Map<String, Value> {
    let mut g = Map::new();
    g.insert("name".into(), json!(name));
    g.insert("path".into(), json!(path));
    g.insert("id".into(), json!(id(path)));
    g.insert("groups".into(), json!({}));
    g.insert("checks".into(), json!({}));
    g
}

fn root_group(result: &RunResult) -> Value {
    let mut root = group("", "");
    for check in &result.checks {
        // Walk (and create) the groups of the check's path, "outer::inner".
        let mut node = &mut root;
        let mut path = String::new();
        for name in check.group.split("::").filter(|n| !n.is_empty()) {
            path = format!("{path}::{name}");
            let groups = node["groups"].as_object_mut().expect("groups is an object");
            let child = groups
                .entry(name.to_owned())
                .or_insert_with(|| Value::Object(group(name, &path)));
            node = child.as_object_mut().expect("a group is an object");
        }
        let check_path = format!("{path}::{}", check.name);
        node["checks"]
            .as_object_mut()
            .expect("checks is an object")
            .insert(
                check.name.clone(),
                json!({
                    "name": check.name,
                    "path": check_path,
                    "id": id(&check_path),
                    "passes": check.passes,
                    "fails": check.fails,
                }),
            );
    }
    Value::Object(root)
}

/// A number as Go's encoder writes a float64: whole values without a fraction (`4`, not
/// `4.0`), so the file reads the same as k6's.
fn num(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

fn trend(t: &TrendSummary) -> Value {
    json!({
        "avg": num(t.avg), "min": num(t.min), "med": num(t.med), "max": num(t.max),
        "p(90)": num(t.p90), "p(95)": num(t.p95),
    })
}

fn counter(count: f64, rate: f64) -> Value {
    json!({ "count": num(count), "rate": num(rate) })
}

fn rate(passes: u64, fails: u64) -> Value {
    let total = passes + fails;
    let value = if total > 0 {
        passes as f64 / total as f64
    } else {
        0.0
    };
    json!({ "passes": passes, "fails": fails, "value": num(value) })
}

fn stats(m: &MetricSummary) -> Value {
    Value::Object(m.stats.iter().map(|(k, v)| (k.clone(), num(*v))).collect())
}

fn summary_values(m: &MetricSummary) -> Value {
    match m.kind {
        MetricKind::Counter => counter(m.sum, m.rate),
        MetricKind::Gauge => json!({ "value": num(m.last), "min": num(m.min), "max": num(m.max) }),
        MetricKind::Rate => rate(m.nonzero, m.count - m.nonzero),
        // The `--summary-trend-stats` the run computed, as k6 exports them.
        MetricKind::Trend if !m.stats.is_empty() => stats(m),
        MetricKind::Trend => m.trend.as_ref().map_or_else(
            || json!({ "avg": 0, "min": 0, "med": 0, "max": 0, "p(90)": 0, "p(95)": 0 }),
            trend,
        ),
    }
}

fn metrics(result: &RunResult) -> Map<String, Value> {
    let secs = result.run_time.as_secs_f64();
    let per_sec = |n: u64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
    let mut metrics = Map::new();
    metrics.insert(
        "iterations".into(),
        counter(result.iterations as f64, result.iteration_rate),
    );
    match (&result.iteration_duration, &result.iteration_duration_ms) {
        (Some(m), _) if !m.stats.is_empty() => {
            metrics.insert("iteration_duration".into(), stats(m));
        }
        (_, Some(t)) => {
            metrics.insert("iteration_duration".into(), trend(t));
        }
        _ => {}
    }
    if !result.checks.is_empty() {
        metrics.insert(
            "checks".into(),
            rate(result.checks_passed(), result.checks_failed()),
        );
    }
    if result.dropped_iterations > 0 {
        let n = result.dropped_iterations;
        metrics.insert("dropped_iterations".into(), counter(n as f64, per_sec(n)));
    }
    let vus_max = result.vus_max;
    metrics.insert(
        "vus_max".into(),
        json!({ "value": vus_max, "min": vus_max, "max": vus_max }),
    );
    for (name, m) in &result.metrics {
        metrics.insert(name.clone(), summary_values(m));
    }
    // A threshold's key names either a whole metric (already above, unless it had no
    // samples) or a tag-filtered sub-metric, which k6 lists under the key as written.
    for (key, m) in &result.selections {
        metrics
            .entry(key.clone())
            .or_insert_with(|| summary_values(m));
    }
    for t in &result.thresholds {
        let entry = metrics.entry(t.metric.clone()).or_insert_with(|| json!({}));
        let thresholds = entry
            .as_object_mut()
            .expect("metric values are objects")
            .entry("thresholds")
            .or_insert_with(|| json!({}));
        thresholds[&t.threshold] = json!(!t.passed);
    }
    metrics
}

/// The `data` that `handleSummary(data)` gets, in k6's layout: `metrics` maps each metric
/// to `{ type, contains, values, thresholds? }` (a rate's values are `rate`/`passes`/`fails`,
/// a threshold is `{ ok }`), `root_group` lists its groups and checks as arrays, and
/// `options` and `state` say how the summary should be written.
pub fn handle_summary_data(
    result: &RunResult,
    time_metrics: &std::collections::BTreeSet<String>,
    no_color: bool,
    test_run: std::time::Duration,
) -> Value {
    use std::io::IsTerminal;
    let kind_of = |name: &str| -> Option<MetricKind> {
        let base = name.split('{').next().unwrap_or(name).trim();
        match base {
            "iterations" | "dropped_iterations" | "data_sent" | "data_received" => {
                Some(MetricKind::Counter)
            }
            "iteration_duration" | "group_duration" => Some(MetricKind::Trend),
            "checks" => Some(MetricKind::Rate),
            "vus" | "vus_max" => Some(MetricKind::Gauge),
            _ => result
                .metrics
                .get(base)
                .or_else(|| result.metrics.get(name))
                .or_else(|| result.selections.get(name))
                .map(|m| m.kind),
        }
    };
    let mut out = Map::new();
    for (name, mut values) in metrics(result) {
        let base = name.split('{').next().unwrap_or(&name).trim().to_owned();
        let kind = kind_of(&name).unwrap_or(MetricKind::Counter);
        let thresholds = values.as_object_mut().and_then(|v| v.remove("thresholds"));
        if kind == MetricKind::Rate {
            if let Some(v) = values.as_object_mut() {
                if let Some(rate) = v.remove("value") {
                    v.insert("rate".into(), rate);
                }
            }
        }
        let time = kind == MetricKind::Trend
            && (time_metrics.contains(&base)
                || base == "iteration_duration"
                || base == "group_duration"
                || base.starts_with("http_req_"));
        let contains = if time {
            "time"
        } else if base == "data_sent" || base == "data_received" {
            "data"
        } else {
            "default"
        };
        let mut metric = Map::new();
        metric.insert("type".into(), json!(kind));
        metric.insert("contains".into(), json!(contains));
        metric.insert("values".into(), values);
        if let Some(Value::Object(rules)) = thresholds {
            let rules: Map<String, Value> = rules
                .into_iter()
                .map(|(rule, failed)| (rule, json!({ "ok": failed != Value::Bool(true) })))
                .collect();
            metric.insert("thresholds".into(), Value::Object(rules));
        }
        out.insert(name, Value::Object(metric));
    }
    let mut doc = Map::new();
    // In k6's order, which `Object.keys(data)` and `JSON.stringify(data)` show.
    doc.insert("root_group".into(), listed(root_group(result)));
    doc.insert(
        "options".into(),
        json!({
            "summaryTrendStats": if result.trend_stats.is_empty() {
                crate::metrics::summary::default_trend_stats()
            } else {
                result.trend_stats.clone()
            },
            "summaryTimeUnit": "",
            "noColor": no_color,
        }),
    );
    doc.insert(
        "state".into(),
        json!({
            "isStdOutTTY": std::io::stdout().is_terminal(),
            "isStdErrTTY": std::io::stderr().is_terminal(),
            "testRunDurationMs": test_run.as_secs_f64() * 1000.0,
        }),
    );
    doc.insert("metrics".into(), Value::Object(out));
    if let Some(data) = &result.setup_data {
        doc.insert("setup_data".into(), data.clone());
    }
    Value::Object(doc)
}

/// A group of the export's tree with its `groups` and `checks` as arrays, as
/// handleSummary's data has them.
fn listed(mut group: Value) -> Value {
    if let Some(g) = group.as_object_mut() {
        for key in ["groups", "checks"] {
            if let Some(Value::Object(children)) = g.remove(key) {
                let children = children.into_iter().map(|(_, c)| listed(c)).collect();
                g.insert(key.into(), Value::Array(children));
            }
        }
    }
    group
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_md5_of_the_path() {
        assert_eq!(id(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(id("::g"), "652e756c89643c3ada0b451cbd88a9d3");
    }
}
