//! `--out csv[=FILE]`: every metric sample as a CSV row, with k6's columns: the metric,
//! its time and value, one column per k6 system tag, then the other tags as
//! `name=value&...` (by name) and an empty `metadata` column.

use super::file::Sink;
use super::format::{unix, write_csv_field, write_date_time, write_fraction, TagsText};
use super::points::{for_each_point, Point};
use super::spec::{CsvConfig, CsvTimeFormat};
use super::Output;
use crate::events::Event;
use crate::metrics::Tags;
use std::io::Write;
use std::time::Duration;

/// The tags with a column of their own, in k6's (alphabetical) order.
const TAG_COLUMNS: [&str; 14] = [
    "check",
    "error",
    "error_code",
    "expected_response",
    "group",
    "method",
    "name",
    "proto",
    "scenario",
    "service",
    "status",
    "subproto",
    "tls_version",
    "url",
];

/// The CSV output.
pub struct CsvOutput {
    sink: Sink,
    time_format: CsvTimeFormat,
    save_interval: Duration,
    extra: Vec<u8>,
    tags: TagsText,
}

impl CsvOutput {
    /// Creates the file (gzip-compressed when its name ends in `.gz`) and writes the
    /// header row.
    pub fn create(config: &CsvConfig) -> Result<Self, String> {
        let mut sink = Sink::create(Some(&config.path))?;
        sink.buf
            .extend_from_slice(b"metric_name,timestamp,metric_value,");
        for column in TAG_COLUMNS {
            sink.buf.extend_from_slice(column.as_bytes());
            sink.buf.push(b',');
        }
        sink.buf.extend_from_slice(b"extra_tags,metadata\n");
        Ok(Self {
            sink,
            time_format: config.time_format,
            save_interval: config.save_interval,
            extra: Vec::new(),
            tags: TagsText::default(),
        })
    }

    fn row(&mut self, p: Point<'_>) {
        let out = &mut self.sink.buf;
        write_csv_field(out, p.metric);
        out.push(b',');
        let (secs, nanos) = unix(p.time);
        let _ = match self.time_format {
            CsvTimeFormat::Unix => write!(out, "{secs}"),
            CsvTimeFormat::UnixMilli => {
                write!(out, "{}", secs * 1000 + u64::from(nanos) / 1_000_000)
            }
            CsvTimeFormat::UnixMicro => {
                write!(out, "{}", secs * 1_000_000 + u64::from(nanos) / 1000)
            }
            CsvTimeFormat::UnixNano => {
                write!(
                    out,
                    "{}",
                    u128::from(secs) * 1_000_000_000 + u128::from(nanos)
                )
            }
            CsvTimeFormat::Rfc3339 => {
                write_date_time(out, secs);
                out.push(b'Z');
                Ok(())
            }
            CsvTimeFormat::Rfc3339Nano => {
                write_date_time(out, secs);
                write_fraction(out, nanos);
                out.push(b'Z');
                Ok(())
            }
        };
        // Go's `%f`: six decimals. Whole numbers (counts, most values) skip float formatting.
        let v = p.value;
        let _ = if v.fract() == 0.0 && v.abs() < 1e15 && !(v == 0.0 && v.is_sign_negative()) {
            write!(out, ",{}.000000,", v as i64)
        } else {
            write!(out, ",{v:.6},")
        };
        let extra = &mut self.extra;
        self.tags
            .write(p.tags, out, |tags, out| write_tag_fields(tags, out, extra));
        out.extend_from_slice(b",\n");
    }
}

/// The tag columns and the `extra_tags` field of a row (`extra` is scratch space).
fn write_tag_fields(tags: &Tags, out: &mut Vec<u8>, extra: &mut Vec<u8>) {
    let mut columns: [&str; TAG_COLUMNS.len()] = [""; TAG_COLUMNS.len()];
    extra.clear();
    tags.for_each_sorted(|k, v| match TAG_COLUMNS.binary_search(&k) {
        Ok(i) => columns[i] = v,
        Err(_) => {
            if !extra.is_empty() {
                extra.push(b'&');
            }
            extra.extend_from_slice(k.as_bytes());
            extra.push(b'=');
            extra.extend_from_slice(v.as_bytes());
        }
    });
    for value in columns {
        write_csv_field(out, value);
        out.push(b',');
    }
    // Tags are valid UTF-8, and so is their join.
    write_csv_field(out, std::str::from_utf8(extra).unwrap_or_default());
}

impl Output for CsvOutput {
    fn name(&self) -> &str {
        "csv"
    }

    fn events(&mut self, batch: &[Event]) {
        for event in batch {
            for_each_point(event, |p| self.row(p));
        }
        self.sink.maybe_send();
    }

    fn tick_interval(&self) -> Option<Duration> {
        Some(self.save_interval)
    }

    fn tick(&mut self) {
        self.sink.send();
    }

    fn stop(&mut self) -> Result<(), String> {
        self.sink.finish()
    }
}
