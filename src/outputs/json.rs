//! `--out json[=FILE]`: every metric sample as a line of JSON, in k6's layout.
//!
//! The first sample of each metric is preceded by a `Metric` line describing it (type,
//! what its values are, its thresholds and sub-metrics):
//!
//! ```text
//! {"type":"Metric","data":{"name":"checks","type":"rate","contains":"default","thresholds":["rate>0.5"],"submetrics":null},"metric":"checks"}
//! {"metric":"checks","type":"Point","data":{"time":"2026-11-27T15:16:12.90492138Z","value":1,"tags":{"check":"is one","group":"","scenario":"default"}}}
//! ```

use super::file::Sink;
use super::format::{
    unix, write_date_time, write_fraction, write_go_float, write_json_str, TagsText,
};
use super::points::{contains, for_each_point, type_name, Point};
use super::Output;
use crate::events::{Event, MetricDefs};
use rustc_hash::FxHashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The JSON output.
pub struct JsonOutput {
    sink: Sink,
    defs: Option<Arc<MetricDefs>>,
    /// Each metric seen so far, with the start of its `Point` lines.
    metrics: FxHashMap<Box<str>, Box<[u8]>>,
    /// The second `date` holds, as `YYYY-MM-DDTHH:MM:SS`.
    second: Option<u64>,
    date: Vec<u8>,
    tags: TagsText,
}

impl JsonOutput {
    /// Creates `path` (gzip-compressed when it ends in `.gz`); `None` or `-` writes to
    /// standard output.
    pub fn create(path: Option<&Path>) -> Result<Self, String> {
        Ok(Self {
            sink: Sink::create(path)?,
            defs: None,
            metrics: FxHashMap::default(),
            second: None,
            date: Vec::with_capacity(20),
            tags: TagsText::default(),
        })
    }

    fn point(&mut self, p: Point<'_>) {
        if !self.metrics.contains_key(p.metric) {
            self.describe(&p);
        }
        let out = &mut self.sink.buf;
        out.extend_from_slice(&self.metrics[p.metric]);
        let (secs, nanos) = unix(p.time);
        if self.second != Some(secs) {
            self.second = Some(secs);
            self.date.clear();
            write_date_time(&mut self.date, secs);
        }
        out.extend_from_slice(&self.date);
        write_fraction(out, nanos);
        out.extend_from_slice(b"Z\",\"value\":");
        write_go_float(out, p.value);
        out.extend_from_slice(b",\"tags\":{");
        self.tags.write(p.tags, out, |tags, out| {
            let mut first = true;
            tags.for_each_sorted(|k, v| {
                if !first {
                    out.push(b',');
                }
                first = false;
                write_json_str(out, k, true);
                out.push(b':');
                write_json_str(out, v, true);
            });
        });
        out.extend_from_slice(b"}}}\n");
    }

    /// Writes the metric's `Metric` line and remembers how its points start.
    fn describe(&mut self, p: &Point<'_>) {
        let defs = self.defs.as_deref();
        let out = &mut self.sink.buf;
        out.extend_from_slice(b"{\"type\":\"Metric\",\"data\":{\"name\":");
        write_json_str(out, p.metric, false);
        out.extend_from_slice(b",\"type\":\"");
        out.extend_from_slice(type_name(p.kind).as_bytes());
        out.extend_from_slice(b"\",\"contains\":\"");
        out.extend_from_slice(contains(p.metric, p.kind, defs).as_bytes());
        out.extend_from_slice(b"\",\"thresholds\":[");
        let thresholds = defs.map_or(&[][..], |d| &d.thresholds[..]);
        let own = thresholds
            .iter()
            .filter(|t| t.metric == p.metric && t.tags.is_empty());
        for (i, rule) in own.flat_map(|t| &t.rules).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_json_str(out, rule, false);
        }
        out.extend_from_slice(b"],\"submetrics\":");
        let mut subs = thresholds
            .iter()
            .filter(|t| t.metric == p.metric && !t.tags.is_empty())
            .peekable();
        if subs.peek().is_none() {
            out.extend_from_slice(b"null");
        } else {
            out.push(b'[');
            for (i, sub) in subs.enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                // k6 names a sub-metric by what is inside the braces, trimmed.
                let inside = sub
                    .key
                    .split_once('{')
                    .map_or("", |(_, rest)| rest.rsplit_once('}').map_or(rest, |r| r.0))
                    .trim();
                out.extend_from_slice(b"{\"name\":");
                write_json_str(out, &format!("{}{{{inside}}}", p.metric), false);
                out.extend_from_slice(b",\"suffix\":");
                write_json_str(out, inside, false);
                out.extend_from_slice(b",\"tags\":{");
                let tags: std::collections::BTreeMap<_, _> = sub.tags.iter().cloned().collect();
                for (j, (k, v)) in tags.iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    write_json_str(out, k, false);
                    out.push(b':');
                    write_json_str(out, v, false);
                }
                out.extend_from_slice(b"}}");
            }
            out.push(b']');
        }
        out.extend_from_slice(b"},\"metric\":");
        write_json_str(out, p.metric, false);
        out.extend_from_slice(b"}\n");
        let mut prefix = b"{\"metric\":".to_vec();
        write_json_str(&mut prefix, p.metric, true);
        prefix.extend_from_slice(b",\"type\":\"Point\",\"data\":{\"time\":\"");
        self.metrics.insert(p.metric.into(), prefix.into());
    }
}

impl Output for JsonOutput {
    fn name(&self) -> &str {
        "json"
    }

    fn events(&mut self, batch: &[Event]) {
        for event in batch {
            if let Event::Metrics(defs) = event {
                self.defs = Some(defs.clone());
            }
            for_each_point(event, |p| self.point(p));
        }
        self.sink.maybe_send();
    }

    fn tick_interval(&self) -> Option<Duration> {
        Some(Duration::from_secs(1))
    }

    fn tick(&mut self) {
        // Lines reach the file within about a second, even in a quiet run.
        self.sink.send();
    }

    fn stop(&mut self) -> Result<(), String> {
        self.sink.finish()
    }
}
