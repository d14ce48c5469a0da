//! The run's events as k6's metric samples ("points"), which the file outputs write one
//! per line.

use crate::events::{Event, IterationOutcome, MetricDefs, Tags};
use crate::metrics::MetricKind;
use std::time::SystemTime;

/// One sample of one metric.
pub(crate) struct Point<'a> {
    pub metric: &'a str,
    pub kind: MetricKind,
    pub value: f64,
    pub time: SystemTime,
    pub tags: &'a Tags,
}

/// Calls `f` with the points `event` stands for: a sample is one, a check one `checks`
/// point, a finished iteration an `iteration_duration` point then an `iterations` point
/// (in k6's order); an interrupted iteration none, as in k6.
#[inline]
pub(crate) fn for_each_point(event: &Event, mut f: impl FnMut(Point<'_>)) {
    match event {
        Event::Sample(s) => f(Point {
            metric: &s.metric,
            kind: s.kind,
            value: s.value,
            time: s.time,
            tags: &s.tags,
        }),
        Event::Check(c) => f(Point {
            metric: "checks",
            kind: MetricKind::Rate,
            value: if c.passed { 1.0 } else { 0.0 },
            time: c.time,
            tags: &c.tags,
        }),
        Event::Iteration(i) if i.outcome != IterationOutcome::Interrupted => {
            f(Point {
                metric: "iteration_duration",
                kind: MetricKind::Trend,
                value: i.duration.as_secs_f64() * 1000.0,
                time: i.time,
                tags: &i.tags,
            });
            f(Point {
                metric: "iterations",
                kind: MetricKind::Counter,
                value: 1.0,
                time: i.time,
                tags: &i.tags,
            });
        }
        _ => {}
    }
}

/// What k6 says a metric's values are: `time` (milliseconds), `data` (bytes) or
/// `default`.
pub(crate) fn contains(metric: &str, kind: MetricKind, defs: Option<&MetricDefs>) -> &'static str {
    let time_trend = metric.starts_with("http_req_")
        || matches!(metric, "iteration_duration" | "group_duration")
        || defs.is_some_and(|d| d.time_trends.contains(metric));
    if kind == MetricKind::Trend && time_trend {
        "time"
    } else if matches!(metric, "data_sent" | "data_received") {
        "data"
    } else {
        "default"
    }
}

/// k6's name of a metric type.
pub(crate) fn type_name(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Counter => "counter",
        MetricKind::Gauge => "gauge",
        MetricKind::Rate => "rate",
        MetricKind::Trend => "trend",
    }
}
