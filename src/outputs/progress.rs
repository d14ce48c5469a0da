//! The live progress display, as k6 shows it while a test runs: a `running (…)` line
//! with the run's VU and iteration counts, then one line per scenario with its bar, its
//! VUs, its time and its iterations or rate.
//!
//! On a terminal (stderr), the lines are redrawn in place at most 10 times a second with
//! `indicatif`, and log lines written meanwhile go above them (see
//! [`crate::log::set_stderr_writer`]). Otherwise the same lines, with the bars shown as a
//! percentage, are printed as a block once a second, as k6 prints them to a file or a
//! pipe. Either way the last state is printed once more when the scenarios end, before
//! teardown and the summary.
//!
//! It is an [`Output`] fed by the run's event stream: [`Event::Scenarios`] for what each
//! scenario is set to do, then iterations, VU counts and [`Event::ScenarioEnded`].

use super::Output;
use crate::events::{Event, IterationOutcome, ScenarioPlan};
use crate::options::Stage;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// k6's widest bar, brackets included, and the narrowest drawn as a bar rather than as a
/// percentage.
const BAR_WIDTH: usize = 40;
const BAR_MIN_WIDTH: usize = 8;
/// Scenario names longer than this are cut.
const MAX_LEFT: usize = 30;
/// How often the plain lines are printed when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(1);
/// How often the bars are redrawn on a terminal.
const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// Where the lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// Bars redrawn in place on stderr, a terminal.
    Terminal,
    /// A block of plain lines once a second.
    Plain,
}

impl Display {
    /// Bars when stderr is a terminal that can redraw them, plain lines otherwise.
    pub fn detect() -> Self {
        if std::io::stderr().is_terminal() && !ProgressDrawTarget::stderr().is_hidden() {
            Self::Terminal
        } else {
            Self::Plain
        }
    }
}

/// The progress display (see the module's documentation).
pub struct Progress {
    display: Display,
    color: bool,
    scenarios: Vec<ScenarioBar>,
    vus_max: u64,
    /// The header's time is measured against this (k6's longest possible run).
    max_end: Duration,
    vus_active: u64,
    complete: u64,
    interrupted: u64,
    started: Option<Instant>,
    ended: Option<Instant>,
    next_plain: Option<Instant>,
    terminal: Option<Terminal>,
    /// The bar width (brackets included) that kept the lines within the terminal last.
    bar_width: usize,
}

/// The lines on a terminal: one indicatif bar whose message is all of them, so that they
/// are redrawn together, once per change, within indicatif's rate limit.
struct Terminal {
    bar: ProgressBar,
    /// The stderr writer installed before this display's, put back when it ends.
    previous_writer: Option<crate::log::StderrWriter>,
}

struct ScenarioBar {
    plan: ScenarioPlan,
    /// Iterations that ran to their end (completed or failed).
    done: u64,
    ended: Option<Instant>,
    /// Its VUs and those in an iteration, as last reported.
    vus: Option<(u64, u64)>,
}

impl Progress {
    /// A display to `display`; `color` colors the bars' status marks as k6 does.
    pub fn new(display: Display, color: bool) -> Self {
        Self {
            display,
            color: color && display == Display::Terminal,
            scenarios: Vec::new(),
            vus_max: 0,
            max_end: Duration::ZERO,
            vus_active: 0,
            complete: 0,
            interrupted: 0,
            started: None,
            ended: None,
            next_plain: None,
            terminal: None,
            bar_width: BAR_WIDTH,
        }
    }

    fn start_display(&mut self, now: Instant) {
        self.started = Some(now);
        match self.display {
            Display::Plain => self.next_plain = Some(now + PLAIN_EVERY),
            Display::Terminal => {
                let hz = (Duration::from_secs(1).as_millis() / REDRAW_EVERY.as_millis()) as u8;
                let bar =
                    ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(hz))
                        .with_style(
                            ProgressStyle::with_template("{msg}").expect("a valid template"),
                        );
                let writer = bar.clone();
                // A log line clears the bars, goes where they were, and they are drawn below.
                let previous_writer =
                    crate::log::set_stderr_writer(Some(Arc::new(move |bytes: &[u8]| {
                        writer.suspend(|| {
                            let _ = std::io::stderr().lock().write_all(bytes);
                        })
                    })));
                self.terminal = Some(Terminal {
                    bar,
                    previous_writer,
                });
                self.redraw(now);
            }
        }
    }

    fn redraw(&mut self, now: Instant) {
        if self.terminal.is_none() {
            return;
        }
        let columns = console::Term::stderr()
            .size_checked()
            .map(|(_, w)| w as usize)
            .unwrap_or(80);
        let (mut lines, longest) = self.render(now, self.bar_width);
        // k6 narrows the bars until the longest line fits (keeping one column free).
        let fitting = (self.bar_width + columns)
            .saturating_sub(longest + 1)
            .clamp(BAR_MIN_WIDTH, BAR_WIDTH);
        if fitting != self.bar_width {
            self.bar_width = fitting;
            lines = self.render(now, fitting).0;
        }
        // A blank line (a space: indicatif leaves out an empty message), the header, then
        // one line per scenario, as k6 draws them.
        let mut text = format!(" \n{}", self.header(now));
        for line in lines {
            text.push('\n');
            text.push_str(&line);
        }
        let terminal = self.terminal.as_ref().expect("checked above");
        terminal.bar.set_message(text);
    }

    fn print_plain(&self, now: Instant) {
        let mut block = String::from("\n");
        block.push_str(&self.header(now));
        block.push('\n');
        for line in self.render(now, BAR_MIN_WIDTH).0 {
            block.push_str(&line);
            block.push('\n');
        }
        crate::log::write_stderr(block.as_bytes());
    }

    /// Shows the final state once and gives stderr back.
    fn finish(&mut self, now: Instant) {
        if self.started.is_none() || self.ended.is_some() {
            return;
        }
        self.ended = Some(now);
        let elapsed = self
            .started
            .map(|t0| now.saturating_duration_since(t0))
            .unwrap_or_default();
        // A scenario the run ended before its startTime stays shown as waiting, as in k6.
        for s in &mut self.scenarios {
            if elapsed >= s.plan.start_time {
                s.ended.get_or_insert(now);
            }
        }
        match self.display {
            Display::Plain => self.print_plain(now),
            Display::Terminal => {
                self.redraw(now);
                // The last state stays on screen; what follows is written below it.
                if let Some(terminal) = self.terminal.take() {
                    crate::log::set_stderr_writer(terminal.previous_writer);
                    terminal.bar.finish();
                }
            }
        }
    }

    /// `running (00m01.0s), 1/1 VUs, 10 complete and 0 interrupted iterations`
    fn header(&self, now: Instant) -> String {
        let elapsed = self
            .started
            .map(|t0| self.ended.unwrap_or(now).saturating_duration_since(t0))
            .unwrap_or_default();
        let width = digits(self.vus_max);
        format!(
            "running ({}), {:0width$}/{:0width$} VUs, {} complete and {} interrupted iterations",
            fixed_duration(elapsed, self.max_end),
            self.vus_active,
            self.vus_max,
            self.complete,
            self.interrupted,
        )
    }

    /// The scenarios' lines with bars `bar_width` wide, and the longest line's width.
    fn render(&self, now: Instant, bar_width: usize) -> (Vec<String>, usize) {
        let Some(t0) = self.started else {
            return (Vec::new(), 0);
        };
        let rows: Vec<Row> = self.scenarios.iter().map(|s| s.row(t0, now)).collect();
        let left = self
            .scenarios
            .iter()
            .map(|s| s.plan.name.chars().count())
            .max()
            .unwrap_or(0)
            // At least 4: k6 also measures its first line's label then, `Init`.
            .clamp(4, MAX_LEFT);
        // The columns before each row's last are aligned across rows.
        let mut column_widths = [0usize; 2];
        for row in &rows {
            for (i, text) in row.right.iter().enumerate().take(row.right.len() - 1) {
                if let Some(w) = column_widths.get_mut(i) {
                    *w = (*w).max(text.chars().count());
                }
            }
        }
        let mut longest = 0;
        let lines = self
            .scenarios
            .iter()
            .zip(&rows)
            .map(|(s, row)| {
                let mut name: String = s.plan.name.to_string();
                if name.chars().count() > left {
                    name = name.chars().take(left - 3).collect::<String>() + "...";
                }
                let mut right = String::new();
                for (i, text) in row.right.iter().enumerate() {
                    let pad = column_widths.get(i).copied().unwrap_or(0) + 1;
                    right.push_str(&format!(" {text:<pad$}"));
                }
                let (fill, padding) = bar(row.progress, bar_width);
                let plain = format!(
                    "{name:<left$} {} [{fill}{padding}]{right}",
                    row.status.as_char()
                );
                longest = longest.max(plain.chars().count());
                if !self.color {
                    return plain;
                }
                let mark = row.status.as_char();
                let status = match row.status {
                    Status::Done => format!("\x1b[32m{mark}\x1b[0m"),
                    Status::Interrupted => format!("\x1b[31m{mark}\x1b[0m"),
                    Status::Waiting => format!("\x1b[2m{mark}\x1b[0m"),
                    _ => mark.to_string(),
                };
                let padding = if padding.is_empty() || padding.starts_with(' ') {
                    padding
                } else {
                    format!("\x1b[2m{padding}\x1b[0m")
                };
                format!("{name:<left$} {status} [{fill}{padding}]{right}")
            })
            .collect();
        (lines, longest)
    }
}

/// The inside of a bar `width` wide (brackets included): `=====>----`, or ` 26% ` when
/// too narrow. Returns what is filled and what is not, which k6 dims.
fn bar(progress: f64, width: usize) -> (String, String) {
    let progress = progress.clamp(0.0, 1.0);
    if width <= BAR_MIN_WIDTH {
        return (format!(" {:>3.0}% ", progress * 100.0), String::new());
    }
    let space = width - 2;
    let filled = (space as f64 * progress) as usize;
    let fill = match filled {
        0 => String::new(),
        n if n < space => "=".repeat(n - 1) + ">",
        n => "=".repeat(n),
    };
    (fill, "-".repeat(space - filled))
}

/// A scenario's mark before its bar, as k6's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Running,
    /// Before its `startTime`.
    Waiting,
    /// Its duration is over; running iterations have their graceful stop to end.
    Stopping,
    /// Ended before its work was done (a stop, an abort, `maxDuration`).
    Interrupted,
    Done,
}

impl Status {
    fn as_char(self) -> char {
        match self {
            Self::Running => ' ',
            Self::Waiting => '•',
            Self::Stopping => '↓',
            Self::Interrupted => '✗',
            Self::Done => '✓',
        }
    }
}

/// What one scenario's line shows.
struct Row {
    status: Status,
    progress: f64,
    /// Texts after the bar, in columns.
    right: Vec<String>,
}

impl ScenarioBar {
    fn row(&self, t0: Instant, now: Instant) -> Row {
        let plan = &self.plan;
        let at = self.ended.unwrap_or(now);
        let since_start = at.saturating_duration_since(t0);
        if self.ended.is_none() && since_start < plan.start_time {
            return Row {
                status: Status::Waiting,
                progress: 0.0,
                right: vec![
                    "waiting".into(),
                    fixed_duration(plan.start_time - since_start, plan.start_time),
                ],
            };
        }
        let spent = since_start.saturating_sub(plan.start_time);
        let duration = plan.duration;
        let over = spent > duration;
        // k6 shows the time spent of the duration, then only the duration once it is over.
        let time = |fixed_total: bool| {
            if over {
                go_duration(duration)
            } else if fixed_total {
                format!(
                    "{}/{}",
                    fixed_duration(spent, duration),
                    fixed_duration(duration, duration)
                )
            } else {
                format!(
                    "{}/{}",
                    fixed_duration(spent, duration),
                    go_duration(duration)
                )
            }
        };
        let by_time = if duration.is_zero() {
            1.0
        } else {
            (spent.as_secs_f64() / duration.as_secs_f64()).min(1.0)
        };
        let vus_width = digits(plan.max_vus);
        let (progress, right) = match plan.executor {
            "shared-iterations" | "per-vu-iterations" => {
                let total = plan.iterations.unwrap_or(0);
                let width = digits(total);
                let vus = format!("{:0vus_width$} VUs", plan.vus);
                let progress = if total == 0 {
                    1.0
                } else {
                    self.done as f64 / total as f64
                };
                if plan.executor == "shared-iterations" {
                    let time = format!(
                        "{}/{}",
                        fixed_duration(spent, duration),
                        go_duration(duration)
                    );
                    let iters = format!("{:0width$}/{total:0width$} shared iters", self.done);
                    (progress, vec![vus, time, iters])
                } else {
                    let per_vu = plan.iterations_per_vu.unwrap_or(0);
                    let iters = format!(
                        "{:0width$}/{total:0width$} iters, {per_vu} per VU",
                        self.done
                    );
                    let progress = if over { 1.0 } else { progress };
                    (progress, vec![vus, time(false), iters])
                }
            }
            "constant-vus" => (by_time, vec![format!("{} VUs", plan.vus), time(false)]),
            "ramping-vus" => {
                let current = self.vus.map_or(plan.vus, |(active, _)| active);
                let vus = format!("{current:0vus_width$}/{:0vus_width$} VUs", plan.max_vus);
                (by_time, vec![vus, time(true)])
            }
            _ => {
                // The arrival-rate executors.
                let unit = plan
                    .time_unit
                    .unwrap_or(Duration::from_secs(1))
                    .as_secs_f64();
                let start = plan.rate.unwrap_or(0);
                let highest = plan.stages.iter().map(|s| s.target).fold(start, u64::max);
                let rate = if plan.stages.is_empty() {
                    start as f64
                } else {
                    ramp_rate(start, &plan.stages, spent)
                };
                let per_sec = |r: f64| r / unit;
                let width = float_width(per_sec(highest as f64));
                let (active, busy) = self.vus.unwrap_or((plan.vus, 0));
                let vus = format!("{busy:0vus_width$}/{active:0vus_width$} VUs");
                let iters = format!("{:0width$.2} iters/s", per_sec(rate));
                (by_time, vec![vus, time(false), iters])
            }
        };
        let status = match self.ended {
            Some(_) if progress >= 1.0 => Status::Done,
            Some(_) => Status::Interrupted,
            None if over => Status::Stopping,
            None => Status::Running,
        };
        Row {
            status,
            progress,
            right,
        }
    }
}

/// A ramping arrival rate `at` into its stages: linear within each, from `start`.
fn ramp_rate(start: u64, stages: &[Stage], at: Duration) -> f64 {
    let mut from = start as f64;
    let mut t = at;
    for stage in stages {
        if t < stage.duration {
            let part = t.as_secs_f64() / stage.duration.as_secs_f64();
            return from + (stage.target as f64 - from) * part;
        }
        t -= stage.duration;
        from = stage.target as f64;
    }
    from
}

/// How many digits `n` has, for k6's zero-padded counts.
fn digits(n: u64) -> usize {
    n.max(1).ilog10() as usize + 1
}

/// The width of `%0N.2f` k6 uses for rates up to `max`.
fn float_width(max: f64) -> usize {
    let whole = if max >= 10.0 {
        max.log10() as usize + 1
    } else {
        1
    };
    whole + 3
}

/// A duration in a width fixed by `max`, as k6 shows elapsed times so that lines do not
/// jump: tenths of seconds, with minutes from a minute, hours from an hour (`0.8s`,
/// `00.8s`, `0m00.8s`, `00m00.8s`, `0h00m00.8s`).
pub fn fixed_duration(d: Duration, max: Duration) -> String {
    let tenth = Duration::from_millis(100);
    let round = |d: Duration| (d.as_nanos() + tenth.as_nanos() / 2) / tenth.as_nanos();
    let max = round(max.max(d)) * tenth.as_nanos();
    let n = round(d);
    let (tenths, secs) = (n % 10, n / 10);
    let s = |unit: u128| max >= unit * 1_000_000_000;
    let (sec, min) = (secs % 60, secs / 60);
    if !s(10) {
        return format!("{sec}.{tenths}s");
    }
    if !s(60) {
        return format!("{sec:02}.{tenths}s");
    }
    let (minute, hours) = (min % 60, min / 60);
    if !s(600) {
        return format!("{minute}m{sec:02}.{tenths}s");
    }
    if !s(3600) {
        return format!("{minute:02}m{sec:02}.{tenths}s");
    }
    if !s(36_000) {
        return format!("{hours}h{minute:02}m{sec:02}.{tenths}s");
    }
    format!("{hours:02}h{minute:02}m{sec:02}.{tenths}s")
}

/// A duration as Go prints it (`3s`, `10m0s`, `1h0m0s`, `1.5s`, `500ms`): k6 shows
/// configured durations so.
pub fn go_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    let trim = |whole: u128, frac: u128, frac_digits: usize| {
        let mut text = whole.to_string();
        if frac > 0 {
            let f = format!("{frac:0frac_digits$}");
            text.push('.');
            text.push_str(f.trim_end_matches('0'));
        }
        text
    };
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        return format!("{}µs", trim(nanos / 1_000, nanos % 1_000, 3));
    }
    if nanos < 1_000_000_000 {
        return format!("{}ms", trim(nanos / 1_000_000, nanos % 1_000_000, 6));
    }
    let secs = nanos / 1_000_000_000;
    let frac = nanos % 1_000_000_000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let s = format!("{}s", trim(s, frac, 9));
    match (h, secs / 60) {
        (0, 0) => s,
        (0, _) => format!("{m}m{s}"),
        _ => format!("{h}h{m}m{s}"),
    }
}

impl Output for Progress {
    fn name(&self) -> &str {
        "progress"
    }

    fn wants_samples(&self) -> bool {
        false
    }

    fn events(&mut self, batch: &[Event]) {
        for event in batch {
            match event {
                Event::Scenarios { plans, vus_max } => {
                    let mut plans = plans.clone();
                    plans.sort_by(|a, b| a.name.cmp(&b.name));
                    self.max_end = plans.iter().map(|p| p.max_end).max().unwrap_or_default();
                    self.vus_max = *vus_max;
                    self.scenarios = plans
                        .into_iter()
                        .map(|plan| ScenarioBar {
                            plan,
                            done: 0,
                            ended: None,
                            vus: None,
                        })
                        .collect();
                }
                Event::Started => self.start_display(Instant::now()),
                Event::Iteration(it) => {
                    if it.outcome == IterationOutcome::Interrupted {
                        self.interrupted += 1;
                    } else {
                        self.complete += 1;
                        if let Some(s) = self
                            .scenarios
                            .iter_mut()
                            .find(|s| s.plan.name == it.scenario)
                        {
                            s.done += 1;
                        }
                    }
                }
                Event::Vus(count) => {
                    self.vus_active = count.active;
                    self.vus_max = count.max;
                }
                Event::ScenarioVus(counts) => {
                    for count in counts {
                        if let Some(s) = self
                            .scenarios
                            .iter_mut()
                            .find(|s| s.plan.name == count.scenario)
                        {
                            s.vus = Some((count.active, count.busy));
                        }
                    }
                }
                Event::ScenarioEnded(name) => {
                    if let Some(s) = self.scenarios.iter_mut().find(|s| s.plan.name == *name) {
                        s.ended.get_or_insert_with(Instant::now);
                        // As k6's last line: no VU busy, and a ramp has none left.
                        let active = match s.plan.executor {
                            "ramping-vus" => 0,
                            _ => s.vus.map_or(s.plan.vus, |(active, _)| active),
                        };
                        s.vus = Some((active, 0));
                    }
                }
                Event::ScenariosEnded => {
                    self.vus_active = 0;
                    for s in &mut self.scenarios {
                        if let Some((_, busy)) = &mut s.vus {
                            *busy = 0;
                        }
                    }
                    self.finish(Instant::now());
                }
                _ => {}
            }
        }
    }

    fn tick_interval(&self) -> Option<Duration> {
        Some(REDRAW_EVERY)
    }

    fn tick(&mut self) {
        if self.started.is_none() || self.ended.is_some() {
            return;
        }
        let now = Instant::now();
        match self.display {
            Display::Terminal => self.redraw(now),
            Display::Plain => {
                if let Some(at) = self.next_plain.filter(|at| now >= *at) {
                    self.print_plain(now);
                    let late = (now - at).as_nanos() / PLAIN_EVERY.as_nanos();
                    self.next_plain = Some(at + PLAIN_EVERY * (late as u32 + 1));
                }
            }
        }
    }

    fn stop(&mut self) -> Result<(), String> {
        self.finish(Instant::now());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_durations_as_k6() {
        let s = Duration::from_secs_f64;
        assert_eq!(fixed_duration(s(0.8), s(3.0)), "0.8s");
        assert_eq!(fixed_duration(s(0.8), s(30.0)), "00.8s");
        assert_eq!(fixed_duration(s(1.0), s(630.0)), "00m01.0s");
        assert_eq!(fixed_duration(s(1.5), s(600.0)), "00m01.5s");
        assert_eq!(fixed_duration(s(61.25), s(120.0)), "1m01.3s");
        assert_eq!(fixed_duration(s(3598.9), s(3600.0)), "0h59m58.9s");
        assert_eq!(fixed_duration(s(3.0), s(3.0)), "3.0s");
    }

    #[test]
    fn go_durations() {
        let s = Duration::from_secs_f64;
        assert_eq!(go_duration(s(3.0)), "3s");
        assert_eq!(go_duration(s(600.0)), "10m0s");
        assert_eq!(go_duration(s(3600.0)), "1h0m0s");
        assert_eq!(go_duration(s(90.5)), "1m30.5s");
        assert_eq!(go_duration(s(0.5)), "500ms");
    }

    #[test]
    fn bars_as_k6() {
        assert_eq!(bar(0.26, 8), ("  26% ".to_owned(), String::new()));
        assert_eq!(bar(1.0, 8), (" 100% ".to_owned(), String::new()));
        let (fill, rest) = bar(0.5, 40);
        assert_eq!(fill, format!("{}>", "=".repeat(18)));
        assert_eq!(rest, "-".repeat(19));
        assert_eq!(bar(1.0, 40).0, "=".repeat(38));
    }
}

#[cfg(test)]
mod rendering {
    use super::*;
    use crate::events::{ScenarioVus, VuCount};

    /// A display of `options`' scenarios, started at the returned instant.
    fn display(options: serde_json::Value) -> (Progress, Instant) {
        let scenarios = crate::options::scenarios(&options, &Default::default()).unwrap();
        let mut p = Progress::new(Display::Plain, false);
        p.events(&[Event::Scenarios {
            plans: scenarios.iter().map(|s| s.plan()).collect(),
            vus_max: 13,
        }]);
        let t0 = Instant::now();
        p.started = Some(t0);
        (p, t0)
    }

    fn scenario_vus(p: &mut Progress, counts: &[(&str, u64, u64)]) {
        let counts = counts
            .iter()
            .map(|(name, active, busy)| ScenarioVus {
                scenario: (*name).into(),
                active: *active,
                busy: *busy,
            })
            .collect();
        p.events(&[Event::ScenarioVus(counts)]);
    }

    fn block(p: &Progress, at: Instant) -> String {
        let mut text = p.header(at);
        for line in p.render(at, BAR_MIN_WIDTH).0 {
            text.push('\n');
            text.push_str(&line);
        }
        text
    }

    fn set_done(p: &mut Progress, name: &str, done: u64) {
        p.scenarios
            .iter_mut()
            .find(|s| &*s.plan.name == name)
            .unwrap()
            .done = done;
    }

    #[test]
    fn every_executor_as_k6_prints_it() {
        let (mut p, t0) = display(serde_json::json!({ "scenarios": {
            "shared": { "executor": "shared-iterations", "vus": 2, "iterations": 20, "maxDuration": "30s" },
            "pervu": { "executor": "per-vu-iterations", "vus": 2, "iterations": 5 },
            "cvus": { "executor": "constant-vus", "vus": 2, "duration": "3s" },
            "rvus": { "executor": "ramping-vus", "startVUs": 0, "stages": [
                { "duration": "2s", "target": 3 }, { "duration": "1s", "target": 0 }] },
            "car": { "executor": "constant-arrival-rate", "rate": 5, "timeUnit": "1s", "duration": "3s",
                "preAllocatedVUs": 2, "maxVUs": 4 },
            "rar": { "executor": "ramping-arrival-rate", "startRate": 2, "timeUnit": "1s",
                "preAllocatedVUs": 2, "maxVUs": 5, "stages": [
                { "duration": "2s", "target": 6 }, { "duration": "1s", "target": 0 }] },
        }}));
        p.events(&[Event::Vus(VuCount {
            active: 9,
            max: 13,
            elapsed: Duration::from_millis(780),
        })]);
        p.complete = 16;
        scenario_vus(
            &mut p,
            &[("car", 2, 1), ("rar", 2, 1), ("rvus", 1, 1), ("cvus", 2, 2)],
        );
        set_done(&mut p, "pervu", 4);
        set_done(&mut p, "shared", 4);
        // What k6 v1.1 printed 0.8 s into the same scenarios (but the ramping rate, which
        // k6 shows as of its last iteration's start rather than as of now).
        assert_eq!(
            block(&p, t0 + Duration::from_millis(780)),
            "running (00m00.8s), 09/13 VUs, 16 complete and 0 interrupted iterations
car      [  26% ] 1/2 VUs  0.8s/3s         5.00 iters/s
cvus     [  26% ] 2 VUs    0.8s/3s       \x20
pervu    [  40% ] 2 VUs    00m00.8s/10m0s  04/10 iters, 5 per VU
rar      [  26% ] 1/2 VUs  0.8s/3s         3.56 iters/s
rvus     [  26% ] 1/3 VUs  0.8s/3.0s     \x20
shared   [  20% ] 2 VUs    00.8s/30s       04/20 shared iters"
        );
        set_done(&mut p, "pervu", 10);
        p.events(&[Event::ScenarioEnded("pervu".into())]);
        p.scenarios[2].ended = Some(t0 + Duration::from_millis(1500));
        set_done(&mut p, "shared", 20);
        p.complete = 93;
        for name in ["car", "cvus", "rar", "rvus", "shared"] {
            p.events(&[Event::ScenarioEnded(name.into())]);
        }
        for s in &mut p.scenarios {
            if &*s.plan.name != "pervu" {
                s.ended = Some(t0 + Duration::from_millis(3300));
            }
        }
        p.events(&[Event::ScenariosEnded]);
        p.ended = Some(t0 + Duration::from_millis(3300));
        // k6's last lines, but the times of shared (03.1s there) and the rate of rar.
        assert_eq!(
            block(&p, t0 + Duration::from_secs(4)),
            "running (00m03.3s), 00/13 VUs, 93 complete and 0 interrupted iterations
car    ✓ [ 100% ] 0/2 VUs  3s              5.00 iters/s
cvus   ✓ [ 100% ] 2 VUs    3s            \x20
pervu  ✓ [ 100% ] 2 VUs    00m01.5s/10m0s  10/10 iters, 5 per VU
rar    ✓ [ 100% ] 0/2 VUs  3s              0.00 iters/s
rvus   ✓ [ 100% ] 0/3 VUs  3s            \x20
shared ✓ [ 100% ] 2 VUs    03.3s/30s       20/20 shared iters"
        );
    }

    #[test]
    fn short_names_are_padded_as_k6_pads_them() {
        let (p, t0) = display(serde_json::json!({ "scenarios": {
            "a": { "executor": "constant-vus", "vus": 2, "duration": "10s" },
        }}));
        assert_eq!(
            p.render(t0 + Duration::from_millis(2800), BAR_MIN_WIDTH).0,
            ["a      [  28% ] 2 VUs  02.8s/10s"]
        );
    }

    #[test]
    fn waiting_stopping_and_interrupted_scenarios() {
        let (mut p, t0) = display(serde_json::json!({ "scenarios": {
            "later": { "executor": "constant-vus", "vus": 1, "duration": "2s", "startTime": "5s" },
            "now": { "executor": "shared-iterations", "vus": 1, "iterations": 4, "maxDuration": "1s" },
        }}));
        set_done(&mut p, "now", 1);
        let at = t0 + Duration::from_millis(1200);
        assert_eq!(
            p.render(at, BAR_MIN_WIDTH).0,
            [
                "later • [   0% ] waiting  3.8s    ",
                "now   ↓ [  25% ] 1 VUs    1.2s/1s  1/4 shared iters",
            ]
        );
        p.events(&[Event::ScenarioEnded("now".into())]);
        p.scenarios[1].ended = Some(t0 + Duration::from_millis(1300));
        assert_eq!(
            p.render(at, 20).0[1],
            "now   ✗ [===>--------------] 1 VUs    1.3s/1s  1/4 shared iters"
        );
        // The run stopped before `later` started: it still waits.
        p.finish(t0 + Duration::from_millis(1400));
        assert_eq!(
            p.render(t0 + Duration::from_millis(1400), 20).0[0],
            "later • [------------------] waiting  3.6s    "
        );
    }
}
