//! Ops behind the `k6` module, the globals and the harness. Every op that takes
//! script-controlled input gets it as plain strings/numbers validated in JS first.

use super::state::{Harness, VuState};
use crate::events::{Check, Event, Sample};
use crate::metrics::MetricKind;
use deno_core::{op2, v8, OpState};
use deno_error::JsErrorBox;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Name of the error thrown into a VU whose iteration was interrupted by a stop.
pub const INTERRUPTED_ERROR: &str = "IterationInterruptedError";

fn vu(state: &OpState) -> &VuState {
    state.borrow::<VuState>()
}

fn vu_mut(state: &mut OpState) -> &mut VuState {
    state.borrow_mut::<VuState>()
}

#[op2(fast)]
pub fn op_rk6_log(state: &mut OpState, #[smi] level: u32, #[string] message: &str) {
    vu(state).log(
        crate::log::Level::from_code(level),
        message,
        &[("source", "console")],
    );
}

#[op2]
#[serde]
pub fn op_rk6_env(state: &mut OpState) -> BTreeMap<String, String> {
    let vu = vu_mut(state);
    vu.env_stale = false;
    vu.env()
}

/// Whether the script's environment asks to keep the `Deno` global (rk6's own tests
/// count resources through it), without building `__ENV` for it.
#[op2(fast)]
pub fn op_rk6_expose_deno(state: &mut OpState) -> bool {
    vu(state).env_var("RK6_EXPOSE_DENO") == Some("1")
}

#[op2(fast)]
#[smi]
pub fn op_rk6_vu_id(state: &mut OpState) -> u32 {
    vu(state).id
}

#[op2(fast)]
pub fn op_rk6_iteration(state: &mut OpState) -> f64 {
    vu(state).iteration_in_scenario as f64
}

#[op2(fast)]
pub fn op_rk6_in_init(state: &mut OpState) -> bool {
    vu(state).in_init
}

fn read_script_file(state: &OpState, path: &str) -> Result<Vec<u8>, JsErrorBox> {
    let vu = vu(state);
    if !vu.in_init {
        return Err(JsErrorBox::generic(
            "open() can only be called in the init context (the top level of the script)",
        ));
    }
    let full = vu.test.script_dir.join(path);
    std::fs::read(&full).map_err(|e| {
        JsErrorBox::generic(format!("open({path:?}) failed: {} ({e})", full.display()))
    })
}

#[op2]
#[string]
pub fn op_rk6_open_text(state: &mut OpState, #[string] path: &str) -> Result<String, JsErrorBox> {
    let bytes = read_script_file(state, path)?;
    // Valid UTF-8 (the usual case) becomes the String without a copy: open() of a 100 MB
    // file then peaks at two copies of it (this one and the JS string), not three.
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

#[op2]
#[arraybuffer]
pub fn op_rk6_open_bytes(state: &mut OpState, #[string] path: &str) -> Result<Vec<u8>, JsErrorBox> {
    read_script_file(state, path)
}

/// Sleeps this VU's thread; a stop cuts the sleep short with the interruption error
/// (its class is registered by runtime-js/k6.js: an error whose class JS never
/// registered reaches the script as `undefined`).
#[op2(fast)]
pub fn op_rk6_sleep(state: &mut OpState, seconds: f64) -> Result<(), JsErrorBox> {
    if seconds.is_nan() || seconds <= 0.0 {
        return Ok(());
    }
    // Cap absurd values instead of overflowing Duration; a stop still wakes the sleeper.
    let duration = Duration::from_secs_f64(seconds.min(1e9));
    let vu = vu(state);
    // A sleeping VU is not busy: a good time to hand its events over.
    vu.outbox.borrow_mut().flush();
    let interrupt = vu.interrupt.clone();
    if crate::vu::admission::parked(|| interrupt.sleep(duration)) {
        return Err(JsErrorBox::new(
            INTERRUPTED_ERROR,
            "iteration interrupted: the test or scenario is stopping",
        ));
    }
    Ok(())
}

#[op2(fast)]
pub fn op_rk6_check<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &mut OpState,
    #[string] group: &str,
    #[string] name: &str,
    passed: bool,
    tag_list: v8::Local<'s, v8::Value>,
) -> Result<(), JsErrorBox> {
    let vu = vu(state);
    let tags = match vu.sample_tags("checks") {
        Some(mut tags) => {
            for (k, v) in script_tags(scope, tag_list)? {
                tags.set(k, v);
            }
            // k6 tags check samples with the check's name and its group path ("::a::b").
            tags.set("check", name);
            tags.set(
                "group",
                if group.is_empty() {
                    String::new()
                } else {
                    format!("::{group}")
                },
            );
            tags
        }
        None => Default::default(),
    };
    let mut outbox = vu.outbox.borrow_mut();
    let check = Check {
        vu: vu.id,
        group: outbox.name(group),
        name: outbox.name(name),
        scenario: vu.scenario_name.clone(),
        passed,
        time: SystemTime::now(),
        tags,
    };
    outbox.push(Event::Check(check));
    Ok(())
}

#[op2]
#[serde]
pub fn op_rk6_register(
    state: &mut OpState,
    #[scoped] iterate: v8::Global<v8::Function>,
    #[scoped] lifecycle: v8::Global<v8::Function>,
    #[serde] functions: Vec<String>,
    #[string] options_json: String,
) -> Vec<String> {
    let vu = vu_mut(state);
    vu.harness = Some(Harness {
        iterate,
        lifecycle,
        functions,
        options_json,
    });
    vu.test.exec_names.get().cloned().unwrap_or_default()
}

/// Called by the harness as an iteration starts: returns the exec function's index,
/// doubled, plus one when `__ENV` must be re-read (the scenario changed).
#[op2(fast)]
#[smi]
pub fn op_rk6_iter_begin(state: &mut OpState) -> u32 {
    let vu = vu(state);
    let index = vu.scenario.as_ref().map(|s| s.exec_index).unwrap_or(0);
    index * 2 + u32::from(vu.env_stale)
}

#[op2(fast)]
#[smi]
pub fn op_rk6_lifecycle_stage(state: &mut OpState) -> u32 {
    vu(state).stage as u32
}

#[op2]
#[string]
pub fn op_rk6_setup_data(state: &mut OpState) -> Option<String> {
    vu(state).test.setup_data.get().cloned().flatten()
}

#[op2(fast)]
pub fn op_rk6_set_setup_result(state: &mut OpState, #[string] json: &str, present: bool) {
    vu_mut(state).setup_result = Some(present.then(|| json.to_owned()));
}

#[op2]
#[string]
pub fn op_rk6_options(state: &mut OpState) -> String {
    vu(state)
        .test
        .options_json
        .get()
        .cloned()
        .unwrap_or_else(|| "{}".into())
}

#[op2(fast)]
pub fn op_rk6_abort(state: &mut OpState, #[string] reason: &str) {
    let vu = vu_mut(state);
    vu.called_abort = true;
    vu.test.abort(reason.to_owned());
}

/// One number of k6/execution's `exec.vu`, `exec.scenario` and `exec.instance`, by the
/// code runtime-js/execution.js gives each (one value a read: making the whole state for
/// each read, as an object through serde_v8, cost ~20k instructions on QuickJS). Outside
/// a scenario (the init context, setup, teardown) the scenario's numbers are 0.
#[op2(fast)]
pub fn op_rk6_exec_number(state: &mut OpState, #[smi] code: u32) -> f64 {
    let vu = vu(state);
    let test = &vu.test;
    let scenario = vu.scenario.as_ref();
    match code {
        0 | 1 => f64::from(vu.id),
        2 => vu.iteration_in_instance as f64,
        3 => vu.iteration_in_scenario as f64,
        // k6 reports the scenario's start as a Unix timestamp in milliseconds.
        4 => scenario.map_or(0.0, |s| unix_ms(s.started)),
        5 => scenario.map_or(0.0, |s| s.progress()),
        6 | 7 => scenario.map_or(0.0, |_| vu.iteration_in_test as f64),
        8 => test.vus_active.load(Ordering::Relaxed) as f64,
        9 => test.vus_initialized.load(Ordering::Relaxed) as f64,
        10 => test.iterations_completed.load(Ordering::Relaxed) as f64,
        11 => test.iterations_interrupted.load(Ordering::Relaxed) as f64,
        12 => test.elapsed().as_secs_f64() * 1000.0,
        _ => f64::NAN,
    }
}

/// `exec.scenario.name` (code 0) and `exec.scenario.executor` (code 1); empty outside a
/// scenario.
#[op2]
#[string]
pub fn op_rk6_exec_text(state: &mut OpState, #[smi] code: u32) -> String {
    match (&vu(state).scenario, code) {
        (Some(s), 0) => s.name.clone(),
        (Some(s), 1) => s.executor.to_owned(),
        _ => String::new(),
    }
}

fn unix_ms(at: std::time::Instant) -> f64 {
    let now_sys = std::time::SystemTime::now();
    let ago = at.elapsed();
    now_sys
        .checked_sub(ago)
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Declares a custom metric (k6/metrics constructors). As in k6, metrics are declared in
/// the init context, and a name keeps the kind it was first declared with.
#[op2(fast)]
pub fn op_rk6_metric_define(
    state: &mut OpState,
    #[string] name: &str,
    #[smi] kind: u32,
) -> Result<(), JsErrorBox> {
    let vu = vu(state);
    if !vu.in_init {
        return Err(JsErrorBox::generic(format!(
            "metric {name:?} must be created in the init context (the top level of the script), \
             not inside setup(), teardown() or an iteration"
        )));
    }
    // Code 4 is a Trend created with `isTime`.
    if kind == 4 {
        vu.test.time_metrics.lock().insert(name.to_owned());
    }
    let kind = MetricKind::from_code(if kind == 4 { 3 } else { kind });
    let mut kinds = vu.test.metric_kinds.lock();
    match kinds.get(name) {
        Some(existing) if *existing != kind => Err(JsErrorBox::generic(format!(
            "metric {name:?} is already a {existing:?}; give the new {kind:?} another name"
        ))),
        _ => {
            kinds.insert(name.to_owned(), kind);
            Ok(())
        }
    }
}

/// Milliseconds on a monotonic clock (from an arbitrary start), for `group()` to time
/// its `group_duration` samples finer than `Date.now()`'s milliseconds.
#[op2(fast)]
pub fn op_rk6_now_ms() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
        * 1000.0
}

/// Records one sample of a custom metric (k6/metrics), with the tags given to `add()` as
/// runtime-js/tags.js's `[name, value, …]` list (`null` for none). Kinds are numbered as
/// in runtime-js/metrics.js.
#[op2(fast)]
pub fn op_rk6_metric_add<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &mut OpState,
    #[string] name: &str,
    #[smi] kind: u32,
    value: f64,
    tag_list: v8::Local<'s, v8::Value>,
    #[string] group: &str,
) -> Result<(), JsErrorBox> {
    let vu = vu(state);
    let tags = match vu.sample_tags(name) {
        Some(mut tags) => {
            // k6's `group` system tag: "" at the top level, "::outer::inner" inside
            // groups; a tag the script passes to add() wins.
            let group = if group.is_empty() {
                String::new()
            } else {
                format!("::{group}")
            };
            tags.set("group", group);
            for (k, v) in script_tags(scope, tag_list)? {
                tags.set(k, v);
            }
            tags
        }
        None => Default::default(),
    };
    let mut outbox = vu.outbox.borrow_mut();
    let sample = Sample {
        metric: outbox.name(name),
        kind: MetricKind::from_code(kind),
        value,
        time: SystemTime::now(),
        tags,
    };
    outbox.push(Event::Sample(sample));
    Ok(())
}

/// The tags of this VU's next samples (`exec.vu.tags`), as JSON.
#[op2]
#[string]
pub fn op_rk6_vu_tags(state: &mut OpState) -> String {
    serde_json::to_string(&*vu(state).tags).expect("string map serializes")
}

/// Sets (or with `None`, removes) one of this VU's tags.
#[op2]
pub fn op_rk6_vu_tag_set(
    state: &mut OpState,
    #[string] name: String,
    #[string] value: Option<String>,
) {
    let vu = vu_mut(state);
    // Scripts often set a tag to the value it has (each iteration, say): the map, which
    // samples share, is then neither copied nor made anew for the next iterations.
    if vu.tags.get(&name) == value.as_ref() {
        return;
    }
    let tags = Arc::make_mut(&mut vu.tags);
    match value {
        Some(v) => tags.insert(name, v),
        None => tags.remove(&name),
    };
}

/// One of this VU's tags (`exec.vu.tags[name]`), `None` when it has none by that name.
#[op2]
#[string]
pub fn op_rk6_vu_tag_get(state: &mut OpState, #[string] name: &str) -> Option<String> {
    vu(state).tags.get(name).cloned()
}

/// The tags a script passed to `add()` or `check()`: the `[name, value, …]` list
/// runtime-js/tags.js makes, or `null`.
fn script_tags<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    list: v8::Local<'s, v8::Value>,
) -> Result<Vec<(String, String)>, JsErrorBox> {
    if list.is_null_or_undefined() {
        return Ok(Vec::new());
    }
    crate::runtime::strings::string_pairs(scope, list)
        .ok_or_else(|| JsErrorBox::type_error("bad tags: expected a list of names and values"))
}

/// The data object `handleSummary(data)` receives, as JSON.
#[op2]
#[string]
pub fn op_rk6_summary_data(state: &mut OpState) -> String {
    vu_mut(state)
        .summary_data
        .take()
        .unwrap_or_else(|| "{}".into())
}

/// One destination (`stdout`, `stderr` or a file path) of what `handleSummary` returned.
#[op2(fast)]
pub fn op_rk6_summary_output(state: &mut OpState, #[string] key: &str, #[buffer] bytes: &[u8]) {
    let outputs = vu_mut(state).summary_outputs.get_or_insert_with(Vec::new);
    if !key.is_empty() {
        outputs.push((key.to_owned(), bytes.to_vec()));
    }
}
