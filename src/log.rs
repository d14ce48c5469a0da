//! Log lines as k6 writes them, so that tools and people reading k6's output read rk6's:
//! on a terminal with colors `INFO[0003] message` (the message padded to 44 columns, then
//! ` key=value` fields); without a terminal or with `--no-color`, logfmt
//! (`time="…" level=info msg="…" source=console`); with `--log-format json`, one JSON
//! object per line with its keys sorted. `console.*` lines carry `source=console` and can
//! go to their own file (`--console-output`, logfmt without the `source` field);
//! `console.debug` only shows with `--verbose`.

use icu_properties::props::{GeneralCategory, GeneralCategoryGroup};
use icu_properties::CodePointMapData;
use parking_lot::Mutex;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime};

/// A log line's severity, as k6 names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `console.debug`; shown with `--verbose` only.
    Debug,
    /// `console.log` and `console.info`.
    Info,
    /// `console.warn` and rk6's own warnings.
    Warn,
    /// `console.error`, failed iterations, rk6's own errors.
    Error,
}

impl Level {
    /// The numbers runtime-js/console.js uses.
    pub fn from_code(code: u32) -> Self {
        match code {
            0 => Self::Debug,
            1 => Self::Info,
            2 => Self::Warn,
            _ => Self::Error,
        }
    }

    /// k6's name for the level (`level=` in its log lines).
    pub fn name(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warning",
            Self::Error => "error",
        }
    }

    fn short(self) -> &'static str {
        match self {
            Self::Debug => "DEBU",
            Self::Info => "INFO",
            Self::Warn => "WARN",
            Self::Error => "ERRO",
        }
    }

    fn color(self) -> u8 {
        match self {
            Self::Debug => 37,
            Self::Info => 36,
            Self::Warn => 33,
            Self::Error => 31,
        }
    }
}

/// A line a run logs, as an embedder's sink gets it instead of stderr
/// (`Runner::log_sink`): console output, iteration errors and the run's own messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The run's label (`Runner::label`; default: the script's path).
    pub run: Arc<str>,
    /// The VU that logged it (0: the VU that runs setup and teardown); `None` for the
    /// run's own messages.
    pub vu: Option<u32>,
    /// Its severity.
    pub level: Level,
    /// The text (for console lines, the arguments joined as k6 formats them).
    pub message: String,
    /// The fields k6 adds: `source` (`console`, `stacktrace`), `scenario`, `executor`, ...
    pub fields: Vec<(String, String)>,
}

/// Where a run's log lines go when not to stderr.
pub type LogSink = Arc<dyn Fn(&LogLine) + Send + Sync>;

/// How log lines are written (k6's `--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Colored `INFO[0003]` lines on a terminal, logfmt otherwise.
    Text {
        /// No ANSI colors even on a terminal (`--no-color`).
        no_color: bool,
    },
    /// One JSON object per line (`--log-format json`).
    Json,
}

/// How the process logs; the CLI sets it once from its flags.
pub struct Config {
    /// Text or JSON lines.
    pub format: Format,
    /// Whether debug lines are shown (`--verbose`).
    pub verbose: bool,
    /// `--console-output`: where `console.*` lines go instead of stderr.
    pub console_file: Option<std::fs::File>,
}

struct Logger {
    format: Format,
    verbose: bool,
    colored: bool,
    console_file: Option<Mutex<std::fs::File>>,
}

static LOGGER: OnceLock<Logger> = OnceLock::new();
static STARTED: OnceLock<Instant> = OnceLock::new();

/// Sets how the process logs. Only the first call counts; without one, rk6 logs as k6
/// does by default.
pub fn configure(config: Config) {
    started();
    let colored = matches!(config.format, Format::Text { no_color: false })
        && std::io::stderr().is_terminal();
    let _ = LOGGER.set(Logger {
        format: config.format,
        verbose: config.verbose,
        colored,
        console_file: config.console_file.map(Mutex::new),
    });
}

fn logger() -> &'static Logger {
    LOGGER.get_or_init(|| Logger {
        format: Format::Text { no_color: false },
        verbose: false,
        colored: std::io::stderr().is_terminal(),
        console_file: None,
    })
}

/// The `[0003]` of a colored line counts seconds from here, as k6 counts from its start.
fn started() -> Instant {
    *STARTED.get_or_init(Instant::now)
}

/// logrus' rule: anything beyond letters, digits and `-._/@^+` is quoted.
fn needs_quoting(text: &str) -> bool {
    text.chars().any(|c| {
        !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/' | '@' | '^' | '+'))
    })
}

/// Go's `%q` (strconv.Quote): double quotes; escapes for quotes, backslashes and every
/// character Go does not count as printable, named where Go has a name for it.
fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if go_printable(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII
/// space. Other spaces (U+00A0, U+2028, ...), format and control characters are escaped.
fn go_printable(c: char) -> bool {
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    let category = CodePointMapData::<GeneralCategory>::new().get(c);
    [
        GeneralCategoryGroup::Letter,
        GeneralCategoryGroup::Mark,
        GeneralCategoryGroup::Number,
        GeneralCategoryGroup::Punctuation,
        GeneralCategoryGroup::Symbol,
    ]
    .iter()
    .any(|group| group.contains(category))
}

fn value(text: &str) -> String {
    if needs_quoting(text) {
        go_quote(text)
    } else {
        text.to_owned()
    }
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

fn logfmt(level: Level, message: &str, fields: &[(&str, &str)]) -> String {
    let mut line = format!(
        "time=\"{}\" level={} msg={}",
        now_rfc3339(),
        level.name(),
        value(message)
    );
    for (k, v) in fields {
        line.push_str(&format!(" {k}={}", value(v)));
    }
    line.push('\n');
    line
}

fn colored(level: Level, message: &str, fields: &[(&str, &str)]) -> String {
    let color = level.color();
    let secs = started().elapsed().as_secs();
    let mut line = format!(
        "\x1b[{color}m{}\x1b[0m[{secs:04}] {:<44} ",
        level.short(),
        message.trim_end_matches('\n')
    );
    for (k, v) in fields {
        line.push_str(&format!(" \x1b[{color}m{k}\x1b[0m={}", value(v)));
    }
    line.push('\n');
    line
}

fn json(level: Level, message: &str, fields: &[(&str, &str)]) -> String {
    let time = now_rfc3339();
    // Sorted keys, as Go writes a map. Go also escapes <, > and &, which only occur
    // inside strings here.
    let mut map = std::collections::BTreeMap::new();
    map.insert("level", level.name());
    map.insert("msg", message);
    map.insert("time", &time);
    for (k, v) in fields {
        map.insert(k, v);
    }
    let text = serde_json::to_string(&map).expect("strings serialize");
    let text = text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    format!("{text}\n")
}

fn render(level: Level, message: &str, fields: &[(&str, &str)]) -> String {
    let l = logger();
    match l.format {
        Format::Json => json(level, message, fields),
        Format::Text { .. } if l.colored => colored(level, message, fields),
        Format::Text { .. } => logfmt(level, message, fields),
    }
}

/// Something that writes the process's stderr lines while it owns the terminal.
pub type StderrWriter = Arc<dyn Fn(&[u8]) + Send + Sync>;

static STDERR_WRITER: parking_lot::RwLock<Option<StderrWriter>> = parking_lot::const_rwlock(None);

/// Routes the log lines meant for stderr through `writer` until it is replaced, e.g. by
/// the progress bars (which must clear themselves before a line is written and redraw
/// after); `None` writes to stderr again. Returns the writer it replaces.
pub fn set_stderr_writer(writer: Option<StderrWriter>) -> Option<StderrWriter> {
    std::mem::replace(&mut *STDERR_WRITER.write(), writer)
}

/// Writes `bytes` to stderr in one write (so that lines of concurrent VUs never mix),
/// through the installed writer if there is one.
pub fn write_stderr(bytes: &[u8]) {
    // Cloned so that the writer runs without the lock: it may take a while to redraw.
    let writer = STDERR_WRITER.read().clone();
    match writer {
        Some(writer) => writer(bytes),
        None => {
            let _ = std::io::stderr().lock().write_all(bytes);
        }
    }
}

/// Writes one log line to stderr.
pub fn emit(level: Level, message: &str, fields: &[(&str, &str)]) {
    if level == Level::Debug && !logger().verbose {
        return;
    }
    let line = render(level, message, fields);
    write_stderr(line.as_bytes());
}

/// Logs an error line of rk6's own (not the script's), with k6-style fields.
pub fn error(message: &str, fields: &[(&str, &str)]) {
    emit(Level::Error, message, fields);
}

/// Logs a warning of rk6's own (not the script's), with k6-style fields.
pub fn warn(message: &str, fields: &[(&str, &str)]) {
    emit(Level::Warn, message, fields);
}

/// A `console.*` call.
pub fn console(level: Level, message: &str) {
    let l = logger();
    if level == Level::Debug && !l.verbose {
        return;
    }
    match &l.console_file {
        Some(file) => {
            let line = logfmt(level, message, &[]);
            let _ = file.lock().write_all(line.as_bytes());
        }
        None => emit(level, message, &[("source", "console")]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_as_logrus() {
        assert_eq!(value("plain-text_1.0"), "plain-text_1.0");
        assert_eq!(value("two words"), "\"two words\"");
        assert_eq!(value("a \"q\"\nb"), "\"a \\\"q\\\"\\nb\"");
    }

    #[test]
    fn escapes_what_go_does_not_print() {
        // What k6 v1.1 prints for console.log of the same string.
        assert_eq!(
            value("a\u{a0}b\u{2028}\u{200b}\u{7}\u{0}\u{7f}\u{b}é😀\u{e0001}\u{e000}"),
            "\"a\\u00a0b\\u2028\\u200b\\a\\x00\\x7f\\vé😀\\U000e0001\\ue000\""
        );
    }

    #[test]
    fn colored_lines_pad_the_message() {
        let line = colored(Level::Warn, "hi", &[("source", "console")]);
        assert!(line.starts_with("\x1b[33mWARN\x1b[0m["));
        assert!(line.ends_with(&format!(
            "] hi{} \x1b[33msource\x1b[0m=console\n",
            " ".repeat(43)
        )));
    }
}
