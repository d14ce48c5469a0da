//! The end-of-test summary printed by `rk6 run`, in k6 1.x's layout: a THRESHOLDS block,
//! then TOTAL RESULTS (check totals, the checks, then the metrics by section), and with
//! `--summary-mode full` a block per group. `--summary-mode legacy` keeps rk6's earlier
//! flat list (k6's own legacy mode is similar).
//!
//! Widths, padding and number forms follow k6's summary code closely, so that the two
//! programs' outputs can be compared line by line.

use super::aggregator::{CheckStat, GroupTally};
use super::metric::{MetricKind, TrendSummary};
use crate::runner::{MetricSummary, RunResult};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Which summary `rk6 run` prints (`--summary-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SummaryMode {
    /// k6 1.x's default: thresholds, check totals and the metrics by section.
    #[default]
    Compact,
    /// Compact plus the HTTP timing details and a block per group.
    Full,
    /// rk6's earlier flat list.
    Legacy,
}

impl std::str::FromStr for SummaryMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "compact" => Ok(Self::Compact),
            "full" => Ok(Self::Full),
            "legacy" => Ok(Self::Legacy),
            // k6's words, plus the choices.
            _ => Err(format!(
                "invalid summary mode {s:?}; use \"compact\", \"full\" or \"legacy\""
            )),
        }
    }
}

/// How the summary is written.
#[derive(Debug, Clone)]
pub struct SummaryConfig {
    /// Compact, full or legacy.
    pub mode: SummaryMode,
    /// The Trend columns, in order (see [`parse_trend_stats`]).
    pub trend_stats: Vec<String>,
}

impl Default for SummaryConfig {
    fn default() -> Self {
        Self {
            mode: SummaryMode::Compact,
            trend_stats: default_trend_stats(),
        }
    }
}

/// k6's default `--summary-trend-stats`.
pub fn default_trend_stats() -> Vec<String> {
    ["avg", "min", "med", "max", "p(90)", "p(95)"]
        .map(String::from)
        .to_vec()
}

/// The percentile (0–100) a `p(N)` stat names; `None` for anything else.
pub fn percentile_of(stat: &str) -> Option<f64> {
    let n: f64 = stat.strip_prefix("p(")?.strip_suffix(')')?.parse().ok()?;
    (0.0..=100.0).contains(&n).then_some(n)
}

/// Parses `--summary-trend-stats` (`avg,min,med,max,count,p(N)`), with k6's messages for a
/// stat it does not know.
pub fn parse_trend_stats(s: &str) -> Result<Vec<String>, String> {
    let mut stats = Vec::new();
    for stat in s.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !matches!(stat, "avg" | "min" | "med" | "max" | "count") {
            if !(stat.starts_with("p(") && stat.ends_with(')')) {
                return Err(format!("invalid trend stat '{stat}', unknown format"));
            }
            if percentile_of(stat).is_none() {
                return Err(format!(
                    "invalid percentile trend stat value '{stat}', provide a number between 0 and 100"
                ));
            }
        }
        stats.push(stat.to_owned());
    }
    Ok(stats)
}

/// Renders the summary in k6 1.x's compact layout with its default trend stats.
pub fn render(r: &RunResult) -> String {
    render_with(r, &SummaryConfig::default())
}

/// Renders the summary as `config` says, with the blank lines k6 prints around it.
pub fn render_with(r: &RunResult, config: &SummaryConfig) -> String {
    if config.mode == SummaryMode::Legacy {
        return render_legacy(r);
    }
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    let stats = &config.trend_stats;
    if !r.thresholds.is_empty() {
        sections.push(("THRESHOLDS".into(), thresholds(r)));
    }
    let secs = r.run_time.as_secs_f64();
    let mut total = checks_block(&merged_checks(&r.checks), 0, secs, stats);
    total.extend(metric_sections(&all_rows(r, config.mode), 0, stats));
    sections.push(("TOTAL RESULTS".into(), total));
    if config.mode == SummaryMode::Full {
        match &r.breakdown {
            Some(breakdown) => {
                let context = Context {
                    secs,
                    stats,
                    mode: config.mode,
                };
                // As k6: the `default` scenario's groups get blocks of their own; named
                // scenarios come after, by name, each with its groups inside.
                for (name, group) in &breakdown.root.groups {
                    sections.push((format!("GROUP: {name}"), tally_content(group, 0, &context)));
                }
                let mut scenarios: Vec<_> = breakdown.scenarios.iter().collect();
                scenarios.sort_by(|(a, _), (b, _)| {
                    a.to_lowercase().cmp(&b.to_lowercase()).then(a.cmp(b))
                });
                for (name, scenario) in scenarios {
                    sections.push((
                        format!("SCENARIO: {name}"),
                        tally_content(scenario, 0, &context),
                    ));
                }
            }
            // A result made without the breakdown (an embedder's): the checks alone.
            None => sections.extend(check_blocks(r, secs, stats)),
        }
    }
    let mut body = String::new();
    for (title, content) in sections {
        let mut parts = vec![indent(0, 1, &format!("█ {title} \n"))];
        parts.extend(content);
        parts.push("\n".into());
        for part in parts {
            // As k6 joins its parts: a bare newline as is, anything else on a line of its own.
            if part != "\n" {
                body.push('\n');
            }
            body.push_str(&part);
        }
    }
    format!("\n{body}\n\n")
}

/// The group and scenario blocks as the checks alone can tell them, for a result that has
/// no [`RunResult::breakdown`].
fn check_blocks(r: &RunResult, secs: f64, stats: &[String]) -> Vec<(String, Vec<String>)> {
    let mut sections = Vec::new();
    // As k6: groups of the `default` scenario get blocks of their own; those of named
    // scenarios show inside their scenario's block.
    let mut scenarios: BTreeMap<&str, Vec<CheckStat>> = BTreeMap::new();
    for (scenario, check) in &r.scenario_checks {
        scenarios
            .entry(scenario.as_str())
            .or_default()
            .push(check.clone());
    }
    let default = scenarios.remove("default");
    let unscoped: &[CheckStat] = if r.scenario_checks.is_empty() {
        &r.checks
    } else {
        &[]
    };
    let tree = group_tree(default.as_deref().unwrap_or(unscoped));
    for (name, group) in &tree.children {
        sections.push((
            format!("GROUP: {name}"),
            group_content(group, 0, secs, stats),
        ));
    }
    for (name, checks) in &scenarios {
        let mut content = checks_block(&merged_checks(checks), 0, secs, stats);
        content.extend(subgroups(&group_tree(checks), 0, secs, stats));
        sections.push((format!("SCENARIO: {name}"), content));
    }
    sections
}

/// What the blocks of `--summary-mode full` need besides the tallies.
struct Context<'a> {
    secs: f64,
    stats: &'a [String],
    mode: SummaryMode,
}

/// A group's or a scenario's block at `base`'s indentation: its checks, its metrics by
/// section, then its subgroups.
fn tally_content(g: &GroupTally<MetricSummary>, base: usize, cx: &Context) -> Vec<String> {
    let checks: Vec<(String, u64, u64)> = g
        .checks
        .iter()
        .map(|c| (c.name.clone(), c.passes, c.fails))
        .collect();
    let mut out = checks_block(&checks, base, cx.secs, cx.stats);
    let rows: Vec<Row> = g
        .metrics
        .iter()
        .filter(|(name, _)| !skipped(name, cx.mode))
        .map(|(name, m)| row_of(name, m))
        .collect();
    out.extend(metric_sections(&rows, base, cx.stats));
    let inner = base + 1;
    for (name, child) in &g.groups {
        out.push(indent(inner, 1, &format!("↳ GROUP: {name} \n")));
        out.extend(tally_content(child, inner, cx));
    }
    out
}

/// `level` steps of two spaces past `base`'s, as k6's render contexts indent.
fn indent(base: usize, level: usize, text: &str) -> String {
    format!("{}{text}", " ".repeat((base + level) * 2))
}

#[derive(Clone, Copy, PartialEq)]
enum Contains {
    Default,
    Time,
    Data,
}

enum Values {
    Counter {
        count: f64,
        rate: f64,
    },
    Gauge {
        value: f64,
        min: f64,
        max: f64,
    },
    Rate {
        passes: u64,
        fails: u64,
    },
    /// Values by stat name.
    Trend(BTreeMap<String, f64>),
}

/// One metric (or sub-metric, `name{tags}`) as the summary shows it.
struct Row {
    name: String,
    contains: Contains,
    values: Values,
}

fn contains_of(name: &str, m: &MetricSummary) -> Contains {
    let base = name.split('{').next().unwrap_or(name);
    if m.time || base.starts_with("http_req_") || base == "iteration_duration" {
        Contains::Time
    } else if base == "data_sent" || base == "data_received" {
        Contains::Data
    } else {
        Contains::Default
    }
}

/// A Trend's values: those the run computed, else what its fixed summary has.
fn trend_values(m: &MetricSummary) -> BTreeMap<String, f64> {
    let mut values = m.stats.clone();
    let fixed = match &m.trend {
        Some(t) => fixed_trend(t, m.count),
        None => BTreeMap::from([("count".to_owned(), m.count as f64)]),
    };
    for (k, v) in fixed {
        values.entry(k).or_insert(v);
    }
    values
}

fn row_of(name: &str, m: &MetricSummary) -> Row {
    let values = match m.kind {
        MetricKind::Counter => Values::Counter {
            count: m.sum,
            rate: m.rate,
        },
        MetricKind::Gauge => Values::Gauge {
            value: m.last,
            min: m.min,
            max: m.max,
        },
        MetricKind::Rate => Values::Rate {
            passes: m.nonzero,
            fails: m.count - m.nonzero,
        },
        MetricKind::Trend => Values::Trend(trend_values(m)),
    };
    Row {
        name: name.to_owned(),
        contains: contains_of(name, m),
        values,
    }
}

/// Sub-metrics with samples by their metric's name, each as `(tags as written, values)`:
/// the implicit `http_req_duration{expected_response:true}` (a metric of its own in the
/// results, as in k6's) and those thresholds select.
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

/// Every metric of the run, rk6's own iteration counts among them, with the sub-metrics
/// that have samples; k6's compact mode leaves out the HTTP timing details.
fn all_rows(r: &RunResult, mode: SummaryMode) -> Vec<Row> {
    let secs = r.run_time.as_secs_f64();
    let per_sec = |n: u64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
    let mut rows = Vec::new();
    let subs = sub_metrics(r);
    for (name, m) in r.metrics.iter().filter(|(n, _)| !n.contains('{')) {
        rows.push(row_of(name, m));
        for (tags, sub) in subs.get(name.as_str()).into_iter().flatten() {
            rows.push(row_of(&format!("{name}{{{tags}}}"), sub));
        }
    }
    let counter = |name: &str, n: u64| Row {
        name: name.into(),
        contains: Contains::Default,
        values: Values::Counter {
            count: n as f64,
            rate: per_sec(n),
        },
    };
    if let Some(m) = &r.iteration_duration {
        rows.push(row_of("iteration_duration", m));
    } else if let Some(t) = &r.iteration_duration_ms {
        rows.push(Row {
            name: "iteration_duration".into(),
            contains: Contains::Time,
            values: Values::Trend(fixed_trend(t, r.iterations)),
        });
    }
    rows.push(Row {
        name: "iterations".into(),
        contains: Contains::Default,
        values: Values::Counter {
            count: r.iterations as f64,
            rate: r.iteration_rate,
        },
    });
    // rk6's own: failed and interrupted iterations (k6 counts them only as errors in its log).
    rows.push(counter("iterations_failed", r.failed_iterations));
    if r.interrupted_iterations > 0 {
        rows.push(counter("iterations_interrupted", r.interrupted_iterations));
    }
    if r.dropped_iterations > 0 {
        rows.push(counter("dropped_iterations", r.dropped_iterations));
    }
    // A sampled `vus_max` is among the metrics; otherwise the VUs the run allocated, which
    // is what k6's constant `vus_max` shows.
    if !r.metrics.contains_key("vus_max") {
        let n = r.vus_max as f64;
        rows.push(Row {
            name: "vus_max".into(),
            contains: Contains::Default,
            values: Values::Gauge {
                value: n,
                min: n,
                max: n,
            },
        });
    }
    // Sub-metrics of rk6's own metrics (`iterations{scenario:a}`, ...), which are not in
    // `r.metrics`; the sections sort each under its metric.
    for (name, list) in &subs {
        if !r.metrics.contains_key(*name) {
            for (tags, sub) in list {
                rows.push(row_of(&format!("{name}{{{tags}}}"), sub));
            }
        }
    }
    rows.retain(|row| !skipped(&row.name, mode));
    rows
}

fn fixed_trend(t: &TrendSummary, count: u64) -> BTreeMap<String, f64> {
    [
        ("avg", t.avg),
        ("min", t.min),
        ("med", t.med),
        ("max", t.max),
        ("p(90)", t.p90),
        ("p(95)", t.p95),
        ("p(99)", t.p99),
        ("count", count as f64),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Metrics k6 leaves out of the summary's lists (matched on the name's start, as k6 does).
fn skipped(name: &str, mode: SummaryMode) -> bool {
    let always = ["checks", "group_duration"];
    let details = [
        "http_req_blocked",
        "http_req_connecting",
        "http_req_receiving",
        "http_req_sending",
        "http_req_tls_handshaking",
        "http_req_waiting",
    ];
    always.iter().any(|p| name.starts_with(p))
        || (mode == SummaryMode::Compact && details.iter().any(|p| name.starts_with(p)))
}

/// The section k6 lists a metric in; anything it does not know is CUSTOM (rk6's KV metrics,
/// as the xk6-kv extension's are in k6). rk6's `iterations_failed` and
/// `iterations_interrupted` land in EXECUTION by k6's rule (a name starting `iterations`).
fn section_of(name: &str) -> usize {
    let any = |names: &[&str]| names.iter().any(|p| name.starts_with(p));
    if any(&[
        "http_reqs",
        "http_req_failed",
        "http_req_duration",
        "http_req_blocked",
        "http_req_connecting",
        "http_req_tls_handshaking",
        "http_req_sending",
        "http_req_waiting",
        "http_req_receiving",
    ]) {
        1
    } else if any(&[
        "vus",
        "vus_max",
        "iterations",
        "iteration_duration",
        "dropped_iterations",
    ]) {
        2
    } else if any(&["data_sent", "data_received"]) {
        3
    } else if name.starts_with("browser_") {
        4
    } else if name.starts_with("grpc_") {
        5
    } else if name.starts_with("ws_") {
        6
    } else {
        0
    }
}

const SECTIONS: [&str; 7] = [
    "CUSTOM",
    "HTTP",
    "EXECUTION",
    "NETWORK",
    "BROWSER",
    "GRPC",
    "WEBSOCKET",
];

fn metric_sections(rows: &[Row], base: usize, stats: &[String]) -> Vec<String> {
    let base = base + 1;
    let info = Info::of(rows.iter(), base, stats);
    let mut out = Vec::new();
    for (i, title) in SECTIONS.iter().enumerate() {
        let mut in_section: Vec<&Row> = rows.iter().filter(|r| section_of(&r.name) == i).collect();
        if in_section.is_empty() {
            continue;
        }
        in_section.sort_by(|a, b| {
            let split = |n: &str| n.find('{').unwrap_or(n.len());
            let (pa, sa) = a.name.split_at(split(&a.name));
            let (pb, sb) = b.name.split_at(split(&b.name));
            pa.cmp(pb).then(sa.cmp(sb))
        });
        out.push(indent(base, 1, title));
        out.extend(in_section.iter().map(|r| info.line(r, base)));
        out.push("\n".into());
    }
    out
}

/// Column widths and formatted values over a set of rows, as k6 computes them once per
/// list so that the columns line up.
struct Info<'a> {
    stats: &'a [String],
    max_name: usize,
    max_value: usize,
    max_extras: Vec<usize>,
    max_cols: Vec<usize>,
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// What k6 shows for a sub-metric `name{tags}`: `  { tags }`; a metric's own name otherwise.
fn display_name(name: &str) -> String {
    match name.split_once('{') {
        Some((_, tags)) => format!("  {{ {} }}", tags.strip_suffix('}').unwrap_or(tags)),
        None => name.to_owned(),
    }
}

impl<'a> Info<'a> {
    fn of<'r>(rows: impl Iterator<Item = &'r Row>, base: usize, stats: &'a [String]) -> Self {
        let mut info = Info {
            stats,
            max_name: 0,
            max_value: 0,
            max_extras: Vec::new(),
            max_cols: vec![0; stats.len()],
        };
        for row in rows {
            // k6 measures the name and its display form together (a quirk kept for equal
            // widths).
            let shown = format!("{}{}", row.name, display_name(&row.name));
            info.max_name = info.max_name.max((base + 1) * 2 + width(&shown));
            match &row.values {
                Values::Trend(_) => {
                    for (i, col) in info.cols(row).iter().enumerate() {
                        info.max_cols[i] = info.max_cols[i].max(width(col));
                    }
                }
                _ => {
                    let values = non_trend(row);
                    info.max_value = info.max_value.max(width(&values[0]));
                    for (i, extra) in values[1..].iter().enumerate() {
                        if info.max_extras.len() <= i {
                            info.max_extras.push(0);
                        }
                        info.max_extras[i] = info.max_extras[i].max(width(extra));
                    }
                }
            }
        }
        info
    }

    fn cols(&self, row: &Row) -> Vec<String> {
        let Values::Trend(values) = &row.values else {
            return Vec::new();
        };
        self.stats
            .iter()
            .map(|stat| trend_value(values.get(stat).copied().unwrap_or(0.0), stat, row))
            .collect()
    }

    fn line(&self, row: &Row, base: usize) -> String {
        let shown = display_name(&row.name);
        let dots = (self.max_name + 3).saturating_sub(width(&shown) + (base + 1) * 2);
        let data = match &row.values {
            Values::Trend(_) => self
                .cols(row)
                .iter()
                .zip(self.stats)
                .zip(&self.max_cols)
                .map(|((col, stat), w)| format!("{stat}={col}{}", pad(col, *w)))
                .collect::<Vec<_>>()
                .join(" "),
            _ => {
                let values = non_trend(row);
                let mut s = format!("{}{}", values[0], pad(&values[0], self.max_value));
                match &values[1..] {
                    [] => {}
                    [one] => {
                        let _ = write!(s, " {one}");
                    }
                    extras => {
                        for (i, extra) in extras.iter().enumerate() {
                            let _ = write!(s, " {extra}{}", pad(extra, self.max_extras[i]));
                        }
                    }
                }
                s
            }
        };
        indent(base, 1, &format!("{shown}{}: {data}", ".".repeat(dots)))
    }
}

fn pad(s: &str, to: usize) -> String {
    " ".repeat(to.saturating_sub(width(s)))
}

fn trend_value(v: f64, stat: &str, row: &Row) -> String {
    if stat == "count" {
        return js_number(v);
    }
    humanize(v, row.contains)
}

/// A Counter's count and rate, a Gauge's value, min and max, a Rate's share and counts.
fn non_trend(row: &Row) -> Vec<String> {
    let h = |v: f64| humanize(v, row.contains);
    match &row.values {
        Values::Counter { count, rate } => vec![h(*count), format!("{}/s", h(*rate))],
        Values::Gauge { value, min, max } => {
            vec![
                h(*value),
                format!("min={}", h(*min)),
                format!("max={}", h(*max)),
            ]
        }
        Values::Rate { passes, fails } => {
            let total = passes + fails;
            let rate = if total > 0 {
                *passes as f64 / total as f64
            } else {
                0.0
            };
            vec![percent(rate), format!("{passes} out of {total}")]
        }
        Values::Trend(_) => vec!["[no data]".into()],
    }
}

/// A rate as k6 shows it: truncated, not rounded, to two decimals.
fn percent(rate: f64) -> String {
    format!("{:.2}%", (rate * 100.0 * 100.0).trunc() / 100.0)
}

fn humanize(v: f64, contains: Contains) -> String {
    match contains {
        Contains::Data => bytes(v),
        Contains::Time => duration(v),
        Contains::Default => fixed_no_trailing_zeros(v, 6),
    }
}

/// A number as JavaScript prints it (no `-0`, no trailing `.0`).
fn js_number(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else {
        format!("{v}")
    }
}

/// `v` to `prec` decimals without trailing zeros.
fn fixed_no_trailing_zeros(v: f64, prec: usize) -> String {
    let rounded: f64 = format!("{v:.prec$}").parse().unwrap_or(v);
    js_number(rounded)
}

fn fixed_trunc(v: f64, prec: i32) -> String {
    let mult = 10f64.powi(prec);
    fixed_no_trailing_zeros((mult * v).trunc() / mult, prec as usize)
}

fn bytes(b: f64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    if b < 10.0 {
        return format!("{} B", js_number(b));
    }
    let e = (b.ln() / 1000f64.ln()).floor();
    let unit = UNITS[(e as usize).min(UNITS.len() - 1)];
    let v = ((b / 1000f64.powf(e)) * 10.0 + 0.5).floor() / 10.0;
    if v < 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.0} {unit}")
    }
}

/// Milliseconds in the unit that suits them: `400ns`, `12.3µs`, `1.12s`, `1m0s`, `1h2m5s`.
fn duration(ms: f64) -> String {
    if ms == 0.0 {
        return "0s".into();
    }
    if ms < 0.001 {
        return format!("{}ns", js_number((ms * 1_000_000.0).trunc()));
    }
    if ms < 1.0 {
        return format!("{}µs", fixed_trunc(ms * 1000.0, 2));
    }
    if ms < 1000.0 {
        return format!("{}ms", fixed_trunc(ms, 2));
    }
    let secs = fixed_trunc((ms % 60000.0) / 1000.0, if ms > 60000.0 { 0 } else { 2 });
    let minutes = (ms / 60000.0).trunc();
    if minutes < 1.0 {
        return format!("{secs}s");
    }
    let hours = (minutes / 60.0).trunc();
    let m = js_number(minutes % 60.0);
    if hours < 1.0 {
        return format!("{m}m{secs}s");
    }
    format!("{}h{m}m{secs}s", js_number(hours))
}

/// Checks as k6 lists them: one entry per name, wherever it ran, in first-seen order.
fn merged_checks(checks: &[CheckStat]) -> Vec<(String, u64, u64)> {
    let mut out: Vec<(String, u64, u64)> = Vec::new();
    for c in checks {
        match out.iter_mut().find(|(name, ..)| *name == c.name) {
            Some(entry) => {
                entry.1 += c.passes;
                entry.2 += c.fails;
            }
            None => out.push((c.name.clone(), c.passes, c.fails)),
        }
    }
    out
}

/// The check totals and the checks, at `base`'s indentation; nothing without checks.
fn checks_block(
    checks: &[(String, u64, u64)],
    base: usize,
    secs: f64,
    stats: &[String],
) -> Vec<String> {
    if checks.is_empty() {
        return Vec::new();
    }
    let base = base + 1;
    let passes: u64 = checks.iter().map(|c| c.1).sum();
    let fails: u64 = checks.iter().map(|c| c.2).sum();
    let total = passes + fails;
    let rate = |n: u64| Values::Rate {
        passes: n,
        fails: total - n,
    };
    let rows = [
        Row {
            name: "checks_total".into(),
            contains: Contains::Default,
            values: Values::Counter {
                count: total as f64,
                rate: if secs > 0.0 { total as f64 / secs } else { 0.0 },
            },
        },
        Row {
            name: "checks_succeeded".into(),
            contains: Contains::Default,
            values: rate(passes),
        },
        Row {
            name: "checks_failed".into(),
            contains: Contains::Default,
            values: rate(fails),
        },
    ];
    let info = Info::of(rows.iter(), base, stats);
    let mut out: Vec<String> = rows.iter().map(|r| info.line(r, base)).collect();
    out.push("\n".into());
    for (name, passes, fails) in checks {
        if *fails == 0 {
            out.push(indent(base, 1, &format!("✓ {name}")));
        } else {
            let pct = 100 * passes / (passes + fails);
            out.push(format!(
                "{}\n{}",
                indent(base, 1, &format!("✗ {name}")),
                indent(
                    base,
                    base + 1,
                    &format!("↳  {pct}% — ✓ {passes} / ✗ {fails}")
                )
            ));
        }
    }
    out.push("\n".into());
    out
}

/// Groups as checks name them (`outer::inner`), nested, in first-seen order.
#[derive(Default)]
struct Group {
    checks: Vec<(String, u64, u64)>,
    children: Vec<(String, Group)>,
}

fn group_tree(checks: &[CheckStat]) -> Group {
    let mut root = Group::default();
    for c in checks.iter().filter(|c| !c.group.is_empty()) {
        let mut node = &mut root;
        for name in c.group.split("::") {
            let i = match node.children.iter().position(|(n, _)| n == name) {
                Some(i) => i,
                None => {
                    node.children.push((name.to_owned(), Group::default()));
                    node.children.len() - 1
                }
            };
            node = &mut node.children[i].1;
        }
        node.checks.push((c.name.clone(), c.passes, c.fails));
    }
    root
}

fn group_content(group: &Group, base: usize, secs: f64, stats: &[String]) -> Vec<String> {
    let mut out = checks_block(&group.checks, base, secs, stats);
    out.extend(subgroups(group, base, secs, stats));
    out
}

fn subgroups(group: &Group, base: usize, secs: f64, stats: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let inner = base + 1;
    for (name, child) in &group.children {
        out.push(indent(inner, 1, &format!("↳ GROUP: {name} \n")));
        out.extend(group_content(child, inner, secs, stats));
    }
    out
}

/// The THRESHOLDS block: each selection with its rules, ✓/✗, and the value judged.
fn thresholds(r: &RunResult) -> Vec<String> {
    let base = 1;
    let mut keys: Vec<&str> = Vec::new();
    for t in &r.thresholds {
        if !keys.contains(&t.metric.as_str()) {
            keys.push(&t.metric);
        }
    }
    keys.sort_by(|a, b| {
        let split = |n: &str| n.find('{').unwrap_or(n.len());
        let (pa, sa) = a.split_at(split(a));
        let (pb, sb) = b.split_at(split(b));
        pa.cmp(pb).then(sa.cmp(sb))
    });
    let mut out = Vec::new();
    for key in &keys {
        let parent = key.split('{').next().unwrap_or(key);
        let is_sub = parent.len() < key.len();
        let nested = is_sub && keys.contains(&parent);
        let level = if nested { base + 1 } else { base };
        out.push(indent(
            level,
            1,
            if nested { &key[parent.len()..] } else { key },
        ));
        let summary = r.selections.get(*key).or_else(|| r.metrics.get(*key));
        for t in r.thresholds.iter().filter(|t| t.metric == *key) {
            let source = t.threshold.trim();
            let agg = source
                .split(['=', '>', '<'])
                .next()
                .unwrap_or_default()
                .trim();
            let contains = summary.map_or(Contains::Default, |m| contains_of(key, m));
            let value = match summary.map(|m| m.kind) {
                Some(MetricKind::Rate) => percent(t.value),
                Some(MetricKind::Counter) if agg != "count" => {
                    format!("{}/s", humanize(t.value, contains))
                }
                Some(MetricKind::Trend) if agg == "count" => js_number(t.value),
                _ => humanize(t.value, contains),
            };
            let mark = if t.passed { "✓" } else { "✗" };
            out.push(indent(
                level,
                1,
                &format!("{mark} '{source}' {agg}={value}"),
            ));
        }
        out.push("\n".into());
    }
    out
}

// ---- legacy mode: rk6's earlier flat list ----

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
        (None, MetricKind::Counter) => format!("{} {:.2}/s", m.sum, m.rate),
        (None, MetricKind::Gauge) => format!("{}", m.last),
        (None, _) => format!(
            "{:.2}% ✓ {} ✗ {}",
            m.rate * 100.0,
            (m.rate * m.count as f64).round(),
            m.count - (m.rate * m.count as f64).round() as u64
        ),
    }
}

/// rk6's earlier summary (`--summary-mode legacy`): checks nested under their groups, one
/// flat metric list, thresholds last.
pub fn render_legacy(r: &RunResult) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_units_as_k6() {
        let cases = [
            (0.0, "0s"),
            (0.0004, "400ns"),
            (0.0123, "12.3µs"),
            (0.999, "999µs"),
            (1.126, "1.12ms"),
            (1127.255, "1.12s"),
            (61000.0, "1m1s"),
            (60000.0, "1m0s"),
            (3725000.0, "1h2m5s"),
        ];
        for (ms, shown) in cases {
            assert_eq!(duration(ms), shown, "{ms}");
        }
    }

    #[test]
    fn numbers_bytes_and_rates_as_k6() {
        assert_eq!(fixed_no_trailing_zeros(12.825, 6), "12.825");
        assert_eq!(fixed_no_trailing_zeros(36285.7868571234, 6), "36285.786857");
        assert_eq!(fixed_no_trailing_zeros(-0.0, 6), "0");
        assert_eq!(bytes(0.0), "0 B");
        assert_eq!(bytes(1234.0), "1.2 kB");
        assert_eq!(bytes(56789.0), "57 kB");
        assert_eq!(percent(5.0 / 30.0), "16.66%");
        assert_eq!(percent(1.0), "100.00%");
    }

    #[test]
    fn trend_stats_are_checked_with_k6s_messages() {
        assert_eq!(
            parse_trend_stats("avg, p(99.9),count").unwrap(),
            ["avg", "p(99.9)", "count"]
        );
        assert_eq!(
            parse_trend_stats("avg,bogus").unwrap_err(),
            "invalid trend stat 'bogus', unknown format"
        );
        assert_eq!(
            parse_trend_stats("p(101)").unwrap_err(),
            "invalid percentile trend stat value 'p(101)', provide a number between 0 and 100"
        );
    }
}
