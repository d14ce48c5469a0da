//! Test options: the script's `export const options`, CLI overrides, and their
//! consolidation into scenarios the way k6 does it.

use crate::error::RunError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// One ramp step: reach `target` (VUs or iterations per time unit) over `duration`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// How long the ramp to `target` takes.
    pub duration: Duration,
    /// The VU count reached at the end of the stage.
    pub target: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ExecutorConfig {
    SharedIterations {
        vus: u64,
        iterations: u64,
        max_duration: Duration,
    },
    PerVuIterations {
        vus: u64,
        iterations: u64,
        max_duration: Duration,
    },
    ConstantVus {
        vus: u64,
        duration: Duration,
    },
    RampingVus {
        start_vus: u64,
        stages: Vec<Stage>,
        graceful_ramp_down: Duration,
    },
    ConstantArrivalRate {
        rate: u64,
        time_unit: Duration,
        duration: Duration,
        pre_allocated_vus: u64,
        max_vus: u64,
    },
    RampingArrivalRate {
        start_rate: u64,
        time_unit: Duration,
        stages: Vec<Stage>,
        pre_allocated_vus: u64,
        max_vus: u64,
    },
}

impl ExecutorConfig {
    /// The name k6 uses for this executor.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SharedIterations { .. } => "shared-iterations",
            Self::PerVuIterations { .. } => "per-vu-iterations",
            Self::ConstantVus { .. } => "constant-vus",
            Self::RampingVus { .. } => "ramping-vus",
            Self::ConstantArrivalRate { .. } => "constant-arrival-rate",
            Self::RampingArrivalRate { .. } => "ramping-arrival-rate",
        }
    }

    /// Most VUs this executor can have busy at once.
    pub fn max_vus(&self) -> u64 {
        match self {
            Self::SharedIterations { vus, .. }
            | Self::PerVuIterations { vus, .. }
            | Self::ConstantVus { vus, .. } => *vus,
            Self::RampingVus {
                start_vus, stages, ..
            } => stages.iter().map(|s| s.target).fold(*start_vus, u64::max),
            Self::ConstantArrivalRate { max_vus, .. }
            | Self::RampingArrivalRate { max_vus, .. } => *max_vus,
        }
    }

    /// Longest time the executor can run before its graceful stop begins.
    pub fn max_duration(&self) -> Duration {
        match self {
            Self::SharedIterations { max_duration, .. }
            | Self::PerVuIterations { max_duration, .. } => *max_duration,
            Self::ConstantVus { duration, .. } | Self::ConstantArrivalRate { duration, .. } => {
                *duration
            }
            Self::RampingVus { stages, .. } | Self::RampingArrivalRate { stages, .. } => {
                stages.iter().map(|s| s.duration).sum()
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scenario {
    pub name: String,
    pub executor: ExecutorConfig,
    pub start_time: Duration,
    pub graceful_stop: Duration,
    pub exec: String,
    pub env: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
}

impl Scenario {
    /// Worst-case end of this scenario measured from the test start, graceful stop included.
    pub fn end_bound(&self) -> Duration {
        let ramp_down = match &self.executor {
            ExecutorConfig::RampingVus {
                graceful_ramp_down, ..
            } => *graceful_ramp_down,
            _ => Duration::ZERO,
        };
        self.start_time + self.executor.max_duration() + self.graceful_stop + ramp_down
    }

    /// What the event stream tells of this scenario.
    pub fn plan(&self) -> crate::events::ScenarioPlan {
        let (vus, iterations, per_vu, rate, time_unit, stages) = match &self.executor {
            ExecutorConfig::SharedIterations {
                vus, iterations, ..
            } => (*vus, Some(*iterations), None, None, None, Vec::new()),
            ExecutorConfig::PerVuIterations {
                vus, iterations, ..
            } => (
                *vus,
                Some(vus * iterations),
                Some(*iterations),
                None,
                None,
                Vec::new(),
            ),
            ExecutorConfig::ConstantVus { vus, .. } => (*vus, None, None, None, None, Vec::new()),
            ExecutorConfig::RampingVus {
                start_vus, stages, ..
            } => (*start_vus, None, None, None, None, stages.clone()),
            ExecutorConfig::ConstantArrivalRate {
                rate,
                time_unit,
                pre_allocated_vus,
                ..
            } => (
                *pre_allocated_vus,
                None,
                None,
                Some(*rate),
                Some(*time_unit),
                Vec::new(),
            ),
            ExecutorConfig::RampingArrivalRate {
                start_rate,
                time_unit,
                stages,
                pre_allocated_vus,
                ..
            } => (
                *pre_allocated_vus,
                None,
                None,
                Some(*start_rate),
                Some(*time_unit),
                stages.clone(),
            ),
        };
        crate::events::ScenarioPlan {
            name: self.name.as_str().into(),
            executor: self.executor.name(),
            start_time: self.start_time,
            duration: self.executor.max_duration(),
            graceful_stop: self.graceful_stop,
            max_end: self.end_bound(),
            vus,
            max_vus: self.executor.max_vus(),
            iterations,
            iterations_per_vu: per_vu,
            rate,
            time_unit,
            stages,
        }
    }
}

/// Values given on the command line; each one that is set beats the script's options.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `-u/--vus`.
    pub vus: Option<u64>,
    /// `-i/--iterations`.
    pub iterations: Option<u64>,
    /// `-d/--duration`.
    pub duration: Option<Duration>,
    /// `-s/--stage`, in order.
    pub stages: Option<Vec<Stage>>,
}

/// Parses a k6 duration: `"1m30s"`, `"500ms"`, `"2h"`, `"0"`, or a number of milliseconds.
pub(crate) fn parse_duration(value: &Value, what: &str) -> Result<Duration, RunError> {
    match value {
        Value::Number(n) => n
            .as_f64()
            .filter(|ms| *ms >= 0.0 && ms.is_finite())
            .map(|ms| Duration::from_secs_f64(ms / 1000.0))
            .ok_or_else(|| invalid(what, format!("must be a non-negative duration, got {n}"))),
        Value::String(s) => parse_duration_str(s).map_err(|msg| invalid(what, msg)),
        other => Err(invalid(
            what,
            format!("must be a duration string like \"30s\" or \"1m30s\", got {other}"),
        )),
    }
}

/// A duration as k6 writes them (`1m30s`, `250ms`, `2h`, or a bare number of milliseconds);
/// the error says what is wrong.
pub fn parse_duration_str(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if let Ok(ms) = t.parse::<f64>() {
        if ms >= 0.0 && ms.is_finite() {
            // k6 reads a bare number as milliseconds.
            return Ok(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    humantime::parse_duration(t).map_err(|_| {
        format!("{s:?} is not a duration; use forms like \"500ms\", \"30s\", \"1m30s\" or \"2h\"")
    })
}

fn invalid(what: &str, msg: impl std::fmt::Display) -> RunError {
    RunError::InvalidOptions(format!("{what} {msg}"))
}

fn count(value: &Value, what: &str) -> Result<u64, RunError> {
    match value {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                return Ok(u);
            }
            match n.as_f64() {
                Some(f) if f >= 0.0 && f.fract() == 0.0 && f <= u64::MAX as f64 => Ok(f as u64),
                _ => Err(invalid(
                    what,
                    format!("must be a whole number ≥ 0, got {n}"),
                )),
            }
        }
        other => Err(invalid(
            what,
            format!("must be a whole number ≥ 0, got {other}"),
        )),
    }
}

pub(crate) fn parse_stages(value: &Value, what: &str) -> Result<Vec<Stage>, RunError> {
    let Value::Array(items) = value else {
        return Err(invalid(
            what,
            "must be a list like [{ duration: \"30s\", target: 10 }]",
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("{what}[{i}]");
            let Value::Object(obj) = item else {
                return Err(invalid(&at, "must be an object { duration, target }"));
            };
            let duration = obj
                .get("duration")
                .ok_or_else(|| invalid(&at, "needs a duration"))
                .and_then(|d| parse_duration(d, &format!("{at}.duration")))?;
            let target = match obj.get("target") {
                Some(t) => count(t, &format!("{at}.target"))?,
                None => 0,
            };
            Ok(Stage { duration, target })
        })
        .collect()
}

/// Parses a `-s/--stage` flag value, `DURATION:TARGET` (e.g. `30s:10`).
pub fn parse_stage_flag(s: &str) -> Result<Stage, String> {
    let (d, t) = s
        .split_once(':')
        .ok_or_else(|| format!("stage {s:?} must look like DURATION:TARGET, e.g. 30s:10"))?;
    let duration = parse_duration_str(d)?;
    let target = if t.is_empty() {
        0
    } else {
        t.parse()
            .map_err(|_| format!("stage target {t:?} must be a whole number ≥ 0"))?
    };
    Ok(Stage { duration, target })
}

const DEFAULT_GRACEFUL_STOP: Duration = Duration::from_secs(30);
const DEFAULT_MAX_DURATION: Duration = Duration::from_secs(600);
pub(crate) const DEFAULT_SCENARIO: &str = "default";

struct Fields<'a> {
    obj: &'a Map<String, Value>,
    scenario: &'a str,
}

impl Fields<'_> {
    fn what(&self, field: &str) -> String {
        format!("scenario {:?}: {field}", self.scenario)
    }
    fn count(&self, field: &str, default: Option<u64>) -> Result<u64, RunError> {
        match self.obj.get(field) {
            Some(v) => count(v, &self.what(field)),
            None => default.ok_or_else(|| invalid(&self.what(field), "is required")),
        }
    }
    fn duration(&self, field: &str, default: Option<Duration>) -> Result<Duration, RunError> {
        match self.obj.get(field) {
            Some(v) => parse_duration(v, &self.what(field)),
            None => default.ok_or_else(|| invalid(&self.what(field), "is required")),
        }
    }
    fn stages(&self) -> Result<Vec<Stage>, RunError> {
        match self.obj.get("stages") {
            Some(v) => parse_stages(v, &self.what("stages")),
            None => Err(invalid(&self.what("stages"), "is required")),
        }
    }
    fn strings(&self, field: &str) -> Result<BTreeMap<String, String>, RunError> {
        string_map(self.obj.get(field), &self.what(field))
    }
}

/// An object of string values (numbers and booleans are written out), as `env` and `tags` take.
fn string_map(value: Option<&Value>, what: &str) -> Result<BTreeMap<String, String>, RunError> {
    match value {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Number(_) | Value::Bool(_) => Ok((k.clone(), v.to_string())),
                _ => Err(invalid(&format!("{what}.{k}"), "must be a string")),
            })
            .collect(),
        Some(_) => Err(invalid(what, "must be an object of string values")),
    }
}

/// How long `setup()` and `teardown()` may run: k6's `setupTimeout` and `teardownTimeout`
/// (60 s each by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LifecycleTimeouts {
    pub setup: Duration,
    pub teardown: Duration,
}

pub(crate) const DEFAULT_LIFECYCLE_TIMEOUT: Duration = Duration::from_secs(60);

pub(crate) fn lifecycle_timeouts(script: &Value) -> Result<LifecycleTimeouts, RunError> {
    let read = |name: &str| match script.get(name) {
        None | Some(Value::Null) => Ok(DEFAULT_LIFECYCLE_TIMEOUT),
        Some(v) => parse_duration(v, name),
    };
    Ok(LifecycleTimeouts {
        setup: read("setupTimeout")?,
        teardown: read("teardownTimeout")?,
    })
}

/// The test-wide `options.tags`, added to every sample of the run.
pub(crate) fn test_tags(script: &Value) -> Result<BTreeMap<String, String>, RunError> {
    string_map(script.get("tags"), "tags")
}

fn parse_scenario(name: &str, value: &Value) -> Result<Scenario, RunError> {
    let Value::Object(obj) = value else {
        return Err(invalid(
            &format!("scenario {name:?}"),
            "must be an object with an executor",
        ));
    };
    let f = Fields {
        obj,
        scenario: name,
    };
    let executor_name = match obj.get("executor") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(invalid(
                &f.what("executor"),
                format!("must be a string, got {other}"),
            ))
        }
        None => return Err(invalid(&f.what("executor"), "is required")),
    };
    let executor = match executor_name {
        "shared-iterations" => ExecutorConfig::SharedIterations {
            vus: f.count("vus", Some(1))?,
            iterations: f.count("iterations", Some(1))?,
            max_duration: f.duration("maxDuration", Some(DEFAULT_MAX_DURATION))?,
        },
        "per-vu-iterations" => ExecutorConfig::PerVuIterations {
            vus: f.count("vus", Some(1))?,
            iterations: f.count("iterations", Some(1))?,
            max_duration: f.duration("maxDuration", Some(DEFAULT_MAX_DURATION))?,
        },
        "constant-vus" => ExecutorConfig::ConstantVus {
            vus: f.count("vus", Some(1))?,
            duration: f.duration("duration", None)?,
        },
        "ramping-vus" => ExecutorConfig::RampingVus {
            start_vus: f.count("startVUs", Some(1))?,
            stages: f.stages()?,
            graceful_ramp_down: f.duration("gracefulRampDown", Some(DEFAULT_GRACEFUL_STOP))?,
        },
        "constant-arrival-rate" => {
            let pre = f.count("preAllocatedVUs", None)?;
            ExecutorConfig::ConstantArrivalRate {
                rate: f.count("rate", None)?,
                time_unit: f.duration("timeUnit", Some(Duration::from_secs(1)))?,
                duration: f.duration("duration", None)?,
                pre_allocated_vus: pre,
                max_vus: f.count("maxVUs", Some(pre))?.max(pre),
            }
        }
        "ramping-arrival-rate" => {
            let pre = f.count("preAllocatedVUs", None)?;
            ExecutorConfig::RampingArrivalRate {
                start_rate: f.count("startRate", Some(0))?,
                time_unit: f.duration("timeUnit", Some(Duration::from_secs(1)))?,
                stages: f.stages()?,
                pre_allocated_vus: pre,
                max_vus: f.count("maxVUs", Some(pre))?.max(pre),
            }
        }
        other => {
            return Err(invalid(
                &f.what("executor"),
                format!(
                "{other:?} is not an executor; use one of shared-iterations, per-vu-iterations, \
                     constant-vus, ramping-vus, constant-arrival-rate, ramping-arrival-rate"
            ),
            ))
        }
    };
    validate_executor(&f, &executor)?;
    let exec = match obj.get("exec") {
        None | Some(Value::Null) => DEFAULT_SCENARIO.to_owned(),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(other) => {
            return Err(invalid(
                &f.what("exec"),
                format!("must name an exported function, got {other}"),
            ))
        }
    };
    Ok(Scenario {
        name: name.to_owned(),
        start_time: f.duration("startTime", Some(Duration::ZERO))?,
        graceful_stop: f.duration("gracefulStop", Some(DEFAULT_GRACEFUL_STOP))?,
        exec,
        env: f.strings("env")?,
        tags: f.strings("tags")?,
        executor,
    })
}

fn validate_executor(f: &Fields, executor: &ExecutorConfig) -> Result<(), RunError> {
    match executor {
        ExecutorConfig::SharedIterations {
            vus, iterations, ..
        } => {
            if *vus == 0 {
                return Err(invalid(&f.what("vus"), "must be at least 1"));
            }
            if iterations < vus {
                return Err(invalid(
                    &f.what("iterations"),
                    format!("({iterations}) can't be less than vus ({vus})"),
                ));
            }
        }
        ExecutorConfig::PerVuIterations {
            vus, iterations, ..
        } => {
            if *vus == 0 {
                return Err(invalid(&f.what("vus"), "must be at least 1"));
            }
            if *iterations == 0 {
                return Err(invalid(&f.what("iterations"), "must be at least 1"));
            }
        }
        ExecutorConfig::ConstantVus { vus, duration } => {
            if *vus == 0 {
                return Err(invalid(&f.what("vus"), "must be at least 1"));
            }
            if duration.is_zero() {
                return Err(invalid(&f.what("duration"), "must be longer than 0"));
            }
        }
        ExecutorConfig::RampingVus { stages, .. }
        | ExecutorConfig::RampingArrivalRate { stages, .. } => {
            if stages.is_empty() {
                return Err(invalid(&f.what("stages"), "needs at least one stage"));
            }
        }
        ExecutorConfig::ConstantArrivalRate {
            rate,
            time_unit,
            duration,
            max_vus,
            ..
        } => {
            if *rate == 0 {
                return Err(invalid(&f.what("rate"), "must be at least 1"));
            }
            if time_unit.is_zero() || duration.is_zero() {
                return Err(invalid(
                    &f.what("duration"),
                    "and timeUnit must be longer than 0",
                ));
            }
            if *max_vus == 0 {
                return Err(invalid(&f.what("preAllocatedVUs"), "must be at least 1"));
            }
        }
    }
    if let ExecutorConfig::RampingArrivalRate {
        time_unit, max_vus, ..
    } = executor
    {
        if time_unit.is_zero() {
            return Err(invalid(&f.what("timeUnit"), "must be longer than 0"));
        }
        if *max_vus == 0 {
            return Err(invalid(&f.what("preAllocatedVUs"), "must be at least 1"));
        }
    }
    Ok(())
}

/// Consolidates the script's options with CLI overrides into the scenarios to run,
/// with k6's precedence: flags > script options > defaults (1 VU, 1 iteration).
pub(crate) fn scenarios(script: &Value, overrides: &Overrides) -> Result<Vec<Scenario>, RunError> {
    let empty = Map::new();
    let opts = match script {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => return Err(RunError::InvalidOptions("options must be an object".into())),
    };
    let cli_shapes = overrides.iterations.is_some()
        || overrides.duration.is_some()
        || overrides.stages.is_some();
    if !cli_shapes {
        if let Some(sc) = opts.get("scenarios") {
            let Value::Object(map) = sc else {
                return Err(RunError::InvalidOptions(
                    "scenarios must be an object of named scenarios".into(),
                ));
            };
            if !map.is_empty() {
                return map
                    .iter()
                    .map(|(name, v)| parse_scenario(name, v))
                    .collect();
            }
        }
    }
    let vus = match overrides.vus {
        Some(v) => Some(v),
        None => opts.get("vus").map(|v| count(v, "vus")).transpose()?,
    };
    let (iterations, duration, stages) = if cli_shapes {
        (
            overrides.iterations,
            overrides.duration,
            overrides.stages.clone(),
        )
    } else {
        (
            opts.get("iterations")
                .map(|v| count(v, "iterations"))
                .transpose()?,
            opts.get("duration")
                .map(|v| parse_duration(v, "duration"))
                .transpose()?,
            opts.get("stages")
                .map(|v| parse_stages(v, "stages"))
                .transpose()?,
        )
    };
    let mut obj = Map::new();
    let num = |n: u64| Value::from(n);
    let ms = |d: Duration| Value::from(d.as_secs_f64() * 1000.0);
    if let Some(stages) = stages.filter(|s| !s.is_empty()) {
        obj.insert("executor".into(), "ramping-vus".into());
        obj.insert("startVUs".into(), num(vus.unwrap_or(1)));
        let list = stages
            .iter()
            .map(|s| serde_json::json!({"duration": ms(s.duration), "target": s.target}))
            .collect();
        obj.insert("stages".into(), Value::Array(list));
        obj.insert("gracefulRampDown".into(), ms(DEFAULT_GRACEFUL_STOP));
    } else if let Some(iterations) = iterations {
        obj.insert("executor".into(), "shared-iterations".into());
        obj.insert("vus".into(), num(vus.unwrap_or(1)));
        obj.insert("iterations".into(), num(iterations));
        if let Some(d) = duration.filter(|d| !d.is_zero()) {
            obj.insert("maxDuration".into(), ms(d));
        }
    } else if let Some(d) = duration.filter(|d| !d.is_zero()) {
        obj.insert("executor".into(), "constant-vus".into());
        obj.insert("vus".into(), num(vus.unwrap_or(1)));
        obj.insert("duration".into(), ms(d));
    } else {
        let vus = vus.unwrap_or(1);
        obj.insert("executor".into(), "shared-iterations".into());
        obj.insert("vus".into(), num(vus));
        obj.insert("iterations".into(), num(vus.max(1)));
    }
    let scenario = parse_scenario(DEFAULT_SCENARIO, &Value::Object(obj)).map_err(|e| match e {
        // Shortcut options are not a scenario to the user: drop the scenario prefix.
        RunError::InvalidOptions(msg) => RunError::InvalidOptions(
            msg.trim_start_matches(&format!("scenario {DEFAULT_SCENARIO:?}: "))
                .to_owned(),
        ),
        other => other,
    })?;
    Ok(vec![scenario])
}

/// How many VUs must exist at once so that every scenario gets its VUs when it starts:
/// the largest sum of `max_vus` over scenarios whose run windows overlap.
pub(crate) fn vus_needed(scenarios: &[Scenario]) -> u64 {
    scenarios
        .iter()
        .map(|s| {
            scenarios
                .iter()
                .filter(|o| o.start_time < s.end_bound() && s.start_time < o.end_bound())
                .filter(|o| o.start_time <= s.start_time)
                .map(|o| o.executor.max_vus())
                .sum::<u64>()
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_to_one_vu_one_iteration() {
        let s = scenarios(&json!({}), &Overrides::default()).unwrap();
        assert_eq!(
            s[0].executor,
            ExecutorConfig::SharedIterations {
                vus: 1,
                iterations: 1,
                max_duration: DEFAULT_MAX_DURATION
            }
        );
    }

    #[test]
    fn flags_beat_script_options() {
        let o = Overrides {
            duration: Some(Duration::from_secs(2)),
            ..Default::default()
        };
        let s = scenarios(&json!({"vus": 3, "iterations": 9}), &o).unwrap();
        assert_eq!(
            s[0].executor,
            ExecutorConfig::ConstantVus {
                vus: 3,
                duration: Duration::from_secs(2)
            }
        );
    }

    #[test]
    fn durations_parse_like_k6() {
        assert_eq!(
            parse_duration_str("1m30s").unwrap(),
            Duration::from_secs(90)
        );
        assert_eq!(
            parse_duration_str("500ms").unwrap(),
            Duration::from_millis(500)
        );
        assert_eq!(parse_duration_str("0").unwrap(), Duration::ZERO);
        assert!(parse_duration_str("soon").is_err());
    }

    #[test]
    fn overlapping_scenarios_add_up_disjoint_ones_do_not() {
        let s = scenarios(
            &json!({"scenarios": {
                "a": {"executor": "constant-vus", "vus": 5, "duration": "1s", "gracefulStop": "0s"},
                "b": {"executor": "constant-vus", "vus": 3, "duration": "1s", "gracefulStop": "0s"},
                "c": {"executor": "constant-vus", "vus": 4, "duration": "1s", "startTime": "5s"}
            }}),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(vus_needed(&s), 8);
    }
}
