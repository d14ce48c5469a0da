//! `--out TYPE[=ARG]` values (and k6's `K6_OUT` and `K6_WEB_DASHBOARD*` environment
//! variables), parsed into the outputs they ask for.
//!
//! ```text
//! json                          NDJSON to standard output (also `json=-`)
//! json=results.json[.gz]        NDJSON to a file, gzip-compressed when it ends in .gz
//! csv                           CSV to file.csv, as k6
//! csv=results.csv[.gz]
//! csv=fileName=r.csv,timeFormat=rfc3339,saveInterval=2s
//! web-dashboard[=report.html]   the HTML report (k6's form: web-dashboard=export=report.html&period=2s)
//! ```

use super::{Output, OutputMaker};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The output types `--out` takes.
pub const TYPES: [&str; 3] = ["csv", "json", "web-dashboard"];

/// One `--out` value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OutputSpec {
    /// k6's NDJSON: to this file, or standard output for `None`.
    Json {
        /// The file; `None` for standard output.
        path: Option<PathBuf>,
    },
    /// k6's CSV.
    Csv(CsvConfig),
    /// The HTML report.
    WebDashboard(WebDashboardConfig),
}

/// The CSV output's arguments, as k6 names them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CsvConfig {
    /// `fileName` (default `file.csv`, as k6).
    pub path: PathBuf,
    /// `timeFormat` (default `unix`).
    pub time_format: CsvTimeFormat,
    /// `saveInterval`: how often written rows reach the file (default 1s).
    pub save_interval: Duration,
}

impl Default for CsvConfig {
    fn default() -> Self {
        Self {
            path: PathBuf::from("file.csv"),
            time_format: CsvTimeFormat::Unix,
            save_interval: Duration::from_secs(1),
        }
    }
}

/// How the CSV output writes times (k6's `timeFormat` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvTimeFormat {
    /// Whole seconds since the epoch (`unix`, the default).
    Unix,
    /// `unix_milli`.
    UnixMilli,
    /// `unix_micro`.
    UnixMicro,
    /// `unix_nano`.
    UnixNano,
    /// `rfc3339`: `2026-01-02T03:04:05Z`.
    Rfc3339,
    /// `rfc3339_nano`: `2026-01-02T03:04:05.123456789Z` (without trailing zeros).
    Rfc3339Nano,
}

const TIME_FORMATS: [(&str, CsvTimeFormat); 6] = [
    ("unix", CsvTimeFormat::Unix),
    ("unix_milli", CsvTimeFormat::UnixMilli),
    ("unix_micro", CsvTimeFormat::UnixMicro),
    ("unix_nano", CsvTimeFormat::UnixNano),
    ("rfc3339", CsvTimeFormat::Rfc3339),
    ("rfc3339_nano", CsvTimeFormat::Rfc3339Nano),
];

/// The web dashboard's arguments, as k6 names them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebDashboardConfig {
    /// `export`: the HTML report's file.
    pub export: Option<PathBuf>,
    /// `period`: how often the charts take a point (default 10s, as k6).
    pub period: Duration,
    /// The other arguments k6 takes (`host`, `port`, `open`, `record`, `tag`), as given.
    pub other: Vec<(String, String)>,
}

impl Default for WebDashboardConfig {
    fn default() -> Self {
        Self {
            export: None,
            period: Duration::from_secs(10),
            other: Vec::new(),
        }
    }
}

const WEB_DASHBOARD_KEYS: [&str; 7] = ["export", "host", "open", "period", "port", "record", "tag"];

impl FromStr for OutputSpec {
    type Err = String;

    /// Parses `TYPE[=ARG]`; the error names the value and lists the types.
    fn from_str(value: &str) -> Result<Self, String> {
        parse(value).map_err(|why| {
            format!(
                "invalid output {value:?}: {why}; available types are: {}",
                TYPES.join(", ")
            )
        })
    }
}

fn parse(value: &str) -> Result<OutputSpec, String> {
    let (kind, arg) = value.split_once('=').unwrap_or((value, ""));
    match kind {
        "json" => Ok(OutputSpec::Json {
            path: (!arg.is_empty() && arg != "-").then(|| PathBuf::from(arg)),
        }),
        "csv" => parse_csv(arg).map(OutputSpec::Csv),
        "web-dashboard" => parse_web_dashboard(arg).map(OutputSpec::WebDashboard),
        "" => Err("no output type".into()),
        other => Err(format!("unknown output type {other:?}")),
    }
}

/// `FILE`, or k6's `key=value,...` with `fileName`, `timeFormat` and `saveInterval`.
fn parse_csv(arg: &str) -> Result<CsvConfig, String> {
    let mut config = CsvConfig::default();
    if arg.is_empty() {
        return Ok(config);
    }
    if !arg.contains('=') {
        config.path = PathBuf::from(arg);
        return Ok(config);
    }
    for pair in arg.split(',') {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("{pair:?} must look like key=value for the csv output"))?;
        match key.trim() {
            "fileName" if value.is_empty() => return Err("fileName is empty".into()),
            "fileName" => config.path = PathBuf::from(value),
            "timeFormat" => {
                config.time_format = TIME_FORMATS
                    .iter()
                    .find(|(name, _)| *name == value)
                    .map(|(_, f)| *f)
                    .ok_or_else(|| {
                        let names: Vec<&str> = TIME_FORMATS.iter().map(|(n, _)| *n).collect();
                        format!(
                            "timeFormat {value:?} is not one of {}",
                            names.join(", ")
                        )
                    })?
            }
            "saveInterval" => {
                config.save_interval = duration(value)
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| {
                        format!("saveInterval {value:?} is not a duration above 0 such as \"1s\"")
                    })?
            }
            other => {
                return Err(format!(
                    "unknown key {other:?} for the csv output (its keys: fileName, timeFormat, saveInterval)"
                ))
            }
        }
    }
    Ok(config)
}

/// `FILE` (the report), or k6's query form `export=FILE&period=2s&...`.
fn parse_web_dashboard(arg: &str) -> Result<WebDashboardConfig, String> {
    let mut config = WebDashboardConfig::default();
    if arg.is_empty() {
        return Ok(config);
    }
    if !arg.contains('=') {
        config.export = Some(PathBuf::from(arg));
        return Ok(config);
    }
    for pair in arg.split('&') {
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            format!("{pair:?} must look like key=value for the web-dashboard output")
        })?;
        web_dashboard_arg(&mut config, key, value)?;
    }
    Ok(config)
}

fn web_dashboard_arg(
    config: &mut WebDashboardConfig,
    key: &str,
    value: &str,
) -> Result<(), String> {
    match key {
        "export" if value.is_empty() => return Err("export is empty".into()),
        "export" => config.export = Some(PathBuf::from(value)),
        "period" => {
            config.period = duration(value).filter(|d| !d.is_zero()).ok_or_else(|| {
                format!("period {value:?} is not a duration above 0 such as \"10s\"")
            })?
        }
        "port" if value.parse::<i32>().is_err() => {
            return Err(format!("port {value:?} is not a number"))
        }
        "open" if value.parse::<bool>().is_err() => {
            return Err(format!("open {value:?} is not true or false"))
        }
        key if WEB_DASHBOARD_KEYS.contains(&key) => {
            config.other.push((key.to_owned(), value.to_owned()))
        }
        other => {
            return Err(format!(
                "unknown key {other:?} for the web-dashboard output (its keys: {})",
                WEB_DASHBOARD_KEYS.join(", ")
            ))
        }
    }
    Ok(())
}

fn duration(value: &str) -> Option<Duration> {
    crate::options::parse_duration_str(value.trim()).ok()
}

/// The outputs k6's environment variables ask for: `K6_OUT` (comma-separated values, used
/// when no `--out` flag is given, as k6) and `K6_WEB_DASHBOARD=true` with
/// `K6_WEB_DASHBOARD_EXPORT`, `_PERIOD`, `_HOST`, `_PORT`, `_OPEN`. An error names the
/// variable and its value.
pub fn from_env(
    var: impl Fn(&str) -> Option<String>,
    flags_given: bool,
) -> Result<Vec<OutputSpec>, String> {
    let mut specs = Vec::new();
    if let Some(value) = var("K6_OUT").filter(|v| !v.trim().is_empty() && !flags_given) {
        for part in split_env_out(&value) {
            specs.push(part.parse().map_err(|e| format!("K6_OUT: {e}"))?);
        }
    }
    if let Some(on) = var("K6_WEB_DASHBOARD") {
        // The spellings Go's strconv.ParseBool (k6's) reads.
        let on = match on.trim() {
            "" | "0" | "f" | "F" | "false" | "FALSE" | "False" => false,
            "1" | "t" | "T" | "true" | "TRUE" | "True" => true,
            _ => {
                return Err(format!(
                    "K6_WEB_DASHBOARD={on:?} is not a boolean; use true or false"
                ))
            }
        };
        if on {
            let mut config = WebDashboardConfig::default();
            for key in ["export", "period", "host", "port", "open"] {
                let name = format!("K6_WEB_DASHBOARD_{}", key.to_uppercase());
                if let Some(value) = var(&name) {
                    web_dashboard_arg(&mut config, key, &value)
                        .map_err(|e| format!("{name}={value:?}: {e}"))?;
                }
            }
            specs.push(OutputSpec::WebDashboard(config));
        }
    }
    Ok(specs)
}

/// `K6_OUT`'s values: split at commas, except those inside a value's own arguments
/// (`csv=fileName=a.csv,timeFormat=unix`): a `key=value` part whose key is not a type
/// continues the previous one.
fn split_env_out(value: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for part in value.split(',') {
        let key = part.split_once('=').map(|(k, _)| k.trim());
        match parts.last_mut() {
            Some(last) if key.is_some_and(|k| !TYPES.contains(&k)) => {
                last.push(',');
                last.push_str(part);
            }
            _ => parts.push(part.trim().to_owned()),
        }
    }
    parts
}

impl OutputSpec {
    /// The output's type as `--out` names it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Json { .. } => "json",
            Self::Csv(_) => "csv",
            Self::WebDashboard(_) => "web-dashboard",
        }
    }

    /// What [`Runner::output`](crate::Runner::output) takes: files are created when the
    /// run starts, and one that cannot be fails the run (exit 104) naming it.
    pub fn maker(&self) -> OutputMaker {
        let spec = self.clone();
        Arc::new(move |info| {
            let output: Box<dyn Output> = match &spec {
                Self::Json { path } => Box::new(super::json::JsonOutput::create(path.as_deref())?),
                Self::Csv(config) => Box::new(super::csv::CsvOutput::create(config)?),
                Self::WebDashboard(config) => match &config.export {
                    Some(path) => return (super::web_dashboard::maker(path.clone()))(info),
                    None => {
                        return Err("the web-dashboard output needs its report's file, as \
                             --out web-dashboard=report.html (rk6 serves no live dashboard)"
                            .into())
                    }
                },
            };
            Ok(output)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k6_out_splits_between_outputs_only() {
        assert_eq!(
            split_env_out("json=a.json,csv=fileName=b.csv,timeFormat=unix,web-dashboard,x"),
            [
                "json=a.json",
                "csv=fileName=b.csv,timeFormat=unix",
                "web-dashboard",
                "x"
            ]
        );
    }

    #[test]
    fn forms_k6_takes() {
        let csv = |s: &str| match s.parse::<OutputSpec>().unwrap() {
            OutputSpec::Csv(c) => c,
            other => panic!("{other:?}"),
        };
        assert_eq!(csv("csv").path, PathBuf::from("file.csv"));
        assert_eq!(csv("csv=a.csv.gz").path, PathBuf::from("a.csv.gz"));
        let c = csv("csv=fileName=b.csv,timeFormat=rfc3339_nano,saveInterval=2s");
        assert_eq!(c.path, PathBuf::from("b.csv"));
        assert_eq!(c.time_format, CsvTimeFormat::Rfc3339Nano);
        assert_eq!(c.save_interval, Duration::from_secs(2));
        assert_eq!("json=-".parse(), Ok(OutputSpec::Json { path: None }));
        let OutputSpec::WebDashboard(w) = "web-dashboard=export=r.html&period=2s".parse().unwrap()
        else {
            panic!()
        };
        assert_eq!(w.export, Some(PathBuf::from("r.html")));
        assert_eq!(w.period, Duration::from_secs(2));
    }
}
