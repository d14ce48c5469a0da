//! Ops behind `k6/x/kv`. They know only the `Store` trait; which backend a handle
//! points at is decided once, in `op_kv_open`.

use crate::events::{Event, Sample};
use crate::metrics::MetricKind;
use crate::runtime::state::VuState;
use crate::runtime::strings;
use deno_core::{op2, v8, OpState};
use deno_error::JsErrorBox;
use rk6_kv::{AtomicOps, DiskStore, Durability, Pending, Query, Store, StoreError, WriteHandle};
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

/// The stores this runtime has opened, indexed by the handle ids given to JS; `None` once
/// `close()` released one (ids are never reused, so a closed handle stays closed).
#[derive(Default)]
pub struct KvHandles(Vec<Option<Arc<dyn Store>>>);

pub(crate) fn to_js(err: StoreError) -> JsErrorBox {
    JsErrorBox::new(err.name(), err.to_string())
}

/// The store behind `rid`. Sync ops call through the reference; only async ops, which
/// outlive the `OpState` borrow, clone the `Arc` (its count is shared by every VU thread,
/// so bumping it on every call costs cross-core traffic).
pub(crate) fn store(state: &OpState, rid: u32) -> Result<&Arc<dyn Store>, JsErrorBox> {
    match state
        .try_borrow::<KvHandles>()
        .and_then(|h| h.0.get(rid as usize))
    {
        Some(Some(store)) => Ok(store),
        Some(None) => Err(closed()),
        None => Err(JsErrorBox::new(
            "StoreClosedError",
            "this KV handle is not open in this VU",
        )),
    }
}

/// What every call on a closed handle fails with (runtime-js/kv.js says the same).
fn closed() -> JsErrorBox {
    JsErrorBox::new(
        "StoreClosedError",
        "this KV store was closed with close(); open another one with openKv() in the init \
         context, and call close() only when the VU is done with the store (e.g. in teardown())",
    )
}

/// Opens (or joins) the store for `backend`: the run's own memory store when its runner
/// was given one, else the process-wide one; a disk store is one per file per process,
/// opened with `durability` (which the memory store has no use for).
pub fn open_store(
    backend: &str,
    path: &str,
    durability: Durability,
    run_memory: Option<Arc<dyn Store>>,
) -> Result<Arc<dyn Store>, StoreError> {
    match backend {
        "memory" => Ok(run_memory.unwrap_or_else(|| rk6_kv::open_memory_shared())),
        _ => Ok(DiskStore::open_with_durability(
            Path::new(path),
            durability,
        )?),
    }
}

#[op2(fast)]
#[smi]
pub fn op_kv_open(
    state: &mut OpState,
    #[string] backend: &str,
    #[string] path: &str,
    #[string] durability: &str,
) -> Result<u32, JsErrorBox> {
    // runtime-js/kv.js has already refused any other name.
    let durability = Durability::from_name(durability).ok_or_else(|| {
        JsErrorBox::new(
            "InvalidOptionsError",
            format!(
                "openKv() option durability must be \"full\" or \"process\", got {durability:?}"
            ),
        )
    })?;
    let run_memory = state
        .try_borrow::<VuState>()
        .and_then(|vu| vu.test.kv_memory.clone());
    let store = open_store(backend, path, durability, run_memory).map_err(to_js)?;
    if state.try_borrow::<KvHandles>().is_none() {
        state.put(KvHandles::default());
    }
    let handles = state.borrow_mut::<KvHandles>();
    handles.0.push(Some(store));
    Ok((handles.0.len() - 1) as u32)
}

/// Releases this VU's handle. Operations already under way keep their own reference and
/// finish; the store itself (a disk file) closes when the last handle in the process goes.
/// Closing twice, or a handle that was never open, does nothing.
#[op2(fast)]
pub fn op_kv_close(state: &mut OpState, #[smi] rid: u32) {
    if let Some(slot) = state
        .try_borrow_mut::<KvHandles>()
        .and_then(|h| h.0.get_mut(rid as usize))
    {
        *slot = None;
    }
}

// get and exists take the key as a `v8::String` and read it with `strings::utf8`: the
// generic `#[string]` conversion is the costliest part of a get on QuickJS.
//
// Reading a key replaces lone surrogates with U+FFFD, which would make "\ud800" and
// "\udfff" the same key. Only JS can tell a lone surrogate from a real U+FFFD, so for a key
// containing U+FFFD the plain ops throw a `KeyCheckNeeded` error and JS retries with the
// `_checked` variant once the key proved well formed. An error rather than a sentinel
// value keeps the common path free of any extra test on QuickJS.

/// Name of the error class runtime-js/kv.js registers for "check this key first".
const KEY_CHECK_NEEDED: &str = "KeyCheckNeeded";

fn check_needed() -> JsErrorBox {
    JsErrorBox::new(KEY_CHECK_NEEDED, "the key contains U+FFFD")
}

fn has_replacement(key: &str) -> bool {
    // The ASCII test is much cheaper than the search and settles nearly every key.
    !key.is_ascii() && key.contains('\u{FFFD}')
}

/// The stored text under `key`, or `null`.
#[op2]
pub fn op_kv_get<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &mut OpState,
    #[smi] rid: u32,
    key: v8::Local<v8::String>,
) -> Result<v8::Local<'s, v8::Value>, JsErrorBox> {
    get(scope, state, rid, key, false)
}

/// `op_kv_get` for a key JS has checked.
#[op2]
pub fn op_kv_get_checked<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &mut OpState,
    #[smi] rid: u32,
    key: v8::Local<v8::String>,
) -> Result<v8::Local<'s, v8::Value>, JsErrorBox> {
    get(scope, state, rid, key, true)
}

/// The JS string is built straight from the store's bytes, which are our own UTF-8
/// (anything else shows replacement characters).
fn get<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &mut OpState,
    rid: u32,
    key: v8::Local<v8::String>,
    checked: bool,
) -> Result<v8::Local<'s, v8::Value>, JsErrorBox> {
    let mut buf = [0; strings::INLINE];
    let key = strings::utf8(scope, key, &mut buf);
    if !checked && has_replacement(&key) {
        return Err(check_needed());
    }
    let mut text = Ok(None);
    store(state, rid)?
        .get_with(&key, &mut |bytes| {
            text = bytes.map(|b| to_js_string(scope, b)).transpose();
        })
        .map_err(to_js)?;
    match text {
        Ok(Some(text)) => Ok(text.into()),
        Ok(None) => Ok(v8::null(scope).into()),
        Err(why) => Err(JsErrorBox::new(
            "BackendError",
            format!("the value under key {key:?} {why}"),
        )),
    }
}

/// A JS string from stored bytes, or why there is none. Values written by rk6 are UTF-8;
/// anything else comes from another program or a damaged file and is reported, not shown
/// with replacement characters.
fn to_js_string<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    bytes: &[u8],
) -> Result<v8::Local<'s, v8::String>, String> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(not_text());
    }
    v8::String::new_from_utf8(scope, bytes, v8::NewStringType::Normal).ok_or_else(|| {
        format!(
            "is {} bytes, too large for a JavaScript string",
            bytes.len()
        )
    })
}

fn not_text() -> String {
    "is not UTF-8 text: it was not written by rk6 or the store is damaged (check it with \
     `rk6 kv check`)"
        .to_owned()
}

#[op2(fast)]
pub fn op_kv_exists(
    scope: &mut v8::PinScope,
    state: &mut OpState,
    #[smi] rid: u32,
    key: v8::Local<v8::String>,
) -> Result<bool, JsErrorBox> {
    exists(scope, state, rid, key, false)
}

/// `op_kv_exists` for a key JS has checked.
#[op2(fast)]
pub fn op_kv_exists_checked(
    scope: &mut v8::PinScope,
    state: &mut OpState,
    #[smi] rid: u32,
    key: v8::Local<v8::String>,
) -> Result<bool, JsErrorBox> {
    exists(scope, state, rid, key, true)
}

fn exists(
    scope: &mut v8::PinScope,
    state: &mut OpState,
    rid: u32,
    key: v8::Local<v8::String>,
    checked: bool,
) -> Result<bool, JsErrorBox> {
    let mut buf = [0; strings::INLINE];
    let key = strings::utf8(scope, key, &mut buf);
    if !checked && has_replacement(&key) {
        return Err(check_needed());
    }
    store(state, rid)?.exists(&key).map_err(to_js)
}

#[op2]
#[serde]
pub fn op_kv_list(
    state: &mut OpState,
    #[smi] rid: u32,
    #[string] prefix: &str,
    #[smi] limit: u32,
) -> Result<Vec<String>, JsErrorBox> {
    let entries = store(state, rid)?
        .list(prefix, limit as usize)
        .map_err(to_js)?;
    flatten(entries, 0)
}

/// Entries as JS gets them, `[key0, text0, key1, text1, ...]` (one JS value instead of an
/// object per entry), with room for `extra` more items.
fn flatten(entries: Vec<(String, Vec<u8>)>, extra: usize) -> Result<Vec<String>, JsErrorBox> {
    let mut flat = Vec::with_capacity(entries.len() * 2 + extra);
    for (key, value) in entries {
        let value = stored_text(&key, value)?;
        flat.push(key);
        flat.push(value);
    }
    Ok(flat)
}

#[op2(fast)]
pub fn op_kv_size(state: &mut OpState, #[smi] rid: u32) -> Result<f64, JsErrorBox> {
    Ok(store(state, rid)?.size().map_err(to_js)? as f64)
}

// Writes are async: a disk write resolves only once its (group) commit is durable.
// The ops are polled eagerly, so a memory write that is already done costs no extra tick.

#[op2]
pub async fn op_kv_set(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] key: String,
    #[string] value: String,
) -> Result<(), JsErrorBox> {
    let write = store(&state.borrow(), rid)?.set(&key, value.into_bytes());
    write.await.map_err(to_js)
}

#[op2]
pub async fn op_kv_delete(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] key: String,
) -> Result<(), JsErrorBox> {
    let write = store(&state.borrow(), rid)?.delete(&key);
    write.await.map_err(to_js)
}

#[op2]
pub async fn op_kv_clear(state: Rc<RefCell<OpState>>, #[smi] rid: u32) -> Result<(), JsErrorBox> {
    let write = store(&state.borrow(), rid)?.clear();
    write.await.map_err(to_js)
}

// Atomic operations (rk6_kv::AtomicOps). Values cross as their serialized text, which JS
// produced (so it is UTF-8) or which the store holds.

pub(crate) fn stored_text(key: &str, bytes: Vec<u8>) -> Result<String, JsErrorBox> {
    String::from_utf8(bytes).map_err(|_| {
        JsErrorBox::new(
            "BackendError",
            format!("the value under key {key:?} {}", not_text()),
        )
    })
}

#[op2]
pub async fn op_kv_increment_by(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] key: String,
    delta: f64,
) -> Result<f64, JsErrorBox> {
    let op = store(&state.borrow(), rid)?.increment_by(&key, delta);
    op.await.map_err(to_js)
}

/// `[text, loaded]`: the value now under `key`, and whether it was there before.
#[op2]
#[serde]
pub async fn op_kv_get_or_set(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] key: String,
    #[string] value: String,
) -> Result<(String, bool), JsErrorBox> {
    let op = store(&state.borrow(), rid)?.get_or_set(&key, value.into_bytes());
    let (text, loaded) = op.await.map_err(to_js)?;
    Ok((stored_text(&key, text)?, loaded))
}

/// `[loaded, text]`: whether `key` held a value, and the text `value` replaced.
#[op2]
#[serde]
pub async fn op_kv_swap(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] key: String,
    #[string] value: String,
) -> Result<(bool, String), JsErrorBox> {
    let op = store(&state.borrow(), rid)?.swap(&key, value.into_bytes());
    match op.await.map_err(to_js)? {
        Some(text) => Ok((true, stored_text(&key, text)?)),
        None => Ok((false, String::new())),
    }
}

/// Swaps when the stored text is `expected`, or, with `absent`, when there is none.
#[op2]
pub async fn op_kv_compare_and_swap(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] key: String,
    absent: bool,
    #[string] expected: String,
    #[string] value: String,
) -> Result<bool, JsErrorBox> {
    let expected = (!absent).then(|| expected.into_bytes());
    let op = store(&state.borrow(), rid)?.compare_and_swap(&key, expected, value.into_bytes());
    op.await.map_err(to_js)
}

#[op2]
pub async fn op_kv_delete_if_exists(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] key: String,
) -> Result<bool, JsErrorBox> {
    let op = store(&state.borrow(), rid)?.delete_if_exists(&key);
    op.await.map_err(to_js)
}

#[op2]
pub async fn op_kv_compare_and_delete(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] key: String,
    #[string] expected: String,
) -> Result<bool, JsErrorBox> {
    let op = store(&state.borrow(), rid)?.compare_and_delete(&key, expected.into_bytes());
    op.await.map_err(to_js)
}

// The `_now` ops: writes and atomic operations on the memory store, which finishes them
// before returning. kv.js calls these for `backend: "memory"` and wraps the result in a
// settled promise, as it does for get: a sync op skips the async-op machinery (a pending
// promise, its registration and the resolve on the next poll), which was about half the
// cost of an awaited memory write. Keys and values are read with `strings::utf8` (see get);
// kv.js has already refused keys and values with lone surrogates.

/// The result of an operation that should have finished already; a store that has not
/// (not the memory store) is waited for, blocking this VU, rather than answered wrongly.
pub(crate) fn finished<T>(op: Pending<T>) -> Result<T, JsErrorBox> {
    match op.now() {
        Ok(result) => result.map_err(to_js),
        Err(op) => op.wait().map_err(to_js),
    }
}

fn finished_write(mut write: WriteHandle) -> Result<(), JsErrorBox> {
    match write.try_now() {
        Some(result) => result.map_err(to_js),
        None => write.wait().map_err(to_js),
    }
}

/// `None` when the store holds text that is not UTF-8 (see `to_js_string`).
fn stored_js_string<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    key: &str,
    bytes: &[u8],
) -> Result<v8::Local<'s, v8::Value>, JsErrorBox> {
    to_js_string(scope, bytes).map(Into::into).map_err(|why| {
        JsErrorBox::new("BackendError", format!("the value under key {key:?} {why}"))
    })
}

#[op2(fast)]
pub fn op_kv_set_now(
    scope: &mut v8::PinScope,
    state: &mut OpState,
    #[smi] rid: u32,
    key: v8::Local<v8::String>,
    value: v8::Local<v8::String>,
) -> Result<(), JsErrorBox> {
    let mut buf = [0; strings::INLINE];
    let key = strings::utf8(scope, key, &mut buf);
    let value = string_bytes(scope, value);
    finished_write(store(state, rid)?.set(&key, value))
}

#[op2(fast)]
pub fn op_kv_delete_now(
    scope: &mut v8::PinScope,
    state: &mut OpState,
    #[smi] rid: u32,
    key: v8::Local<v8::String>,
) -> Result<(), JsErrorBox> {
    let mut buf = [0; strings::INLINE];
    let key = strings::utf8(scope, key, &mut buf);
    finished_write(store(state, rid)?.delete(&key))
}

/// A value's UTF-8 bytes, written straight into the `Vec` the store keeps.
fn string_bytes(scope: &mut v8::PinScope, s: v8::Local<v8::String>) -> Vec<u8> {
    let mut buf = [0; strings::INLINE];
    strings::utf8(scope, s, &mut buf).into_owned().into_bytes()
}

#[op2(fast)]
pub fn op_kv_increment_by_now(
    scope: &mut v8::PinScope,
    state: &mut OpState,
    #[smi] rid: u32,
    key: v8::Local<v8::String>,
    delta: f64,
) -> Result<f64, JsErrorBox> {
    let mut buf = [0; strings::INLINE];
    let key = strings::utf8(scope, key, &mut buf);
    finished(store(state, rid)?.increment_by(&key, delta))
}

/// `op_kv_compare_and_swap` for the memory store.
#[op2(fast)]
pub fn op_kv_compare_and_swap_now(
    scope: &mut v8::PinScope,
    state: &mut OpState,
    #[smi] rid: u32,
    key: v8::Local<v8::String>,
    absent: bool,
    expected: v8::Local<v8::String>,
    value: v8::Local<v8::String>,
) -> Result<bool, JsErrorBox> {
    let mut buf = [0; strings::INLINE];
    let key = strings::utf8(scope, key, &mut buf);
    let expected = (!absent).then(|| string_bytes(scope, expected));
    let value = string_bytes(scope, value);
    finished(store(state, rid)?.compare_and_swap(&key, expected, value))
}

#[op2(fast)]
pub fn op_kv_delete_if_exists_now(
    scope: &mut v8::PinScope,
    state: &mut OpState,
    #[smi] rid: u32,
    key: v8::Local<v8::String>,
) -> Result<bool, JsErrorBox> {
    let mut buf = [0; strings::INLINE];
    let key = strings::utf8(scope, key, &mut buf);
    finished(store(state, rid)?.delete_if_exists(&key))
}

#[op2(fast)]
pub fn op_kv_compare_and_delete_now(
    scope: &mut v8::PinScope,
    state: &mut OpState,
    #[smi] rid: u32,
    key: v8::Local<v8::String>,
    expected: v8::Local<v8::String>,
) -> Result<bool, JsErrorBox> {
    let mut buf = [0; strings::INLINE];
    let key = strings::utf8(scope, key, &mut buf);
    let expected = string_bytes(scope, expected);
    finished(store(state, rid)?.compare_and_delete(&key, expected))
}

/// The text that was under `key`, or `null` when the key was absent and `value` is now
/// stored there (so JS knows `loaded` and, when it is false, already has the text).
#[op2]
pub fn op_kv_get_or_set_now<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &mut OpState,
    #[smi] rid: u32,
    key: v8::Local<v8::String>,
    value: v8::Local<v8::String>,
) -> Result<v8::Local<'s, v8::Value>, JsErrorBox> {
    let mut buf = [0; strings::INLINE];
    let key = strings::utf8(scope, key, &mut buf);
    let value = string_bytes(scope, value);
    match finished(store(state, rid)?.get_or_set(&key, value))? {
        (text, true) => stored_js_string(scope, &key, &text),
        (_, false) => Ok(v8::null(scope).into()),
    }
}

/// The text `value` replaced under `key`, or `null` when the key was absent.
#[op2]
pub fn op_kv_swap_now<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    state: &mut OpState,
    #[smi] rid: u32,
    key: v8::Local<v8::String>,
    value: v8::Local<v8::String>,
) -> Result<v8::Local<'s, v8::Value>, JsErrorBox> {
    let mut buf = [0; strings::INLINE];
    let key = strings::utf8(scope, key, &mut buf);
    let value = string_bytes(scope, value);
    match finished(store(state, rid)?.swap(&key, value))? {
        Some(text) => stored_js_string(scope, &key, &text),
        None => Ok(v8::null(scope).into()),
    }
}

/// Bits of `op_kv_scan`'s `flags`: which of `start`/`end` are given, and the direction.
const SCAN_START: u32 = 1;
const SCAN_END: u32 = 2;
const SCAN_REVERSE: u32 = 4;

/// One page of a scan: `[key0, text0, key1, text1, ..., cursor]`, where `cursor` is `""`
/// once no entry is left. A cursor is the base64url text of the last key returned, so a
/// scan resumes after it whatever was written in between.
#[op2]
#[serde]
#[allow(clippy::too_many_arguments)]
pub fn op_kv_scan(
    state: &mut OpState,
    #[smi] rid: u32,
    #[string] prefix: &str,
    #[smi] limit: u32,
    #[string] cursor: &str,
    #[string] start: &str,
    #[string] end: &str,
    #[smi] flags: u32,
) -> Result<Vec<String>, JsErrorBox> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let after = if cursor.is_empty() {
        None
    } else {
        let bytes = engine.decode(cursor).ok();
        let key = bytes
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| {
                JsErrorBox::new(
                    "InvalidOptionsError",
                    format!(
                    "scan() option cursor {cursor:?} is not a cursor scan() returned; pass \"\" \
                     (or leave it out) to start a new scan"
                ),
                )
            })?;
        Some(key)
    };
    let store = store(state, rid)?;
    // One entry more than asked tells whether the scan is done.
    let want = if limit == 0 { 0 } else { limit as usize + 1 };
    let query = Query {
        prefix,
        start: (flags & SCAN_START != 0).then_some(start),
        end: (flags & SCAN_END != 0).then_some(end),
        after: after.as_deref(),
        reverse: flags & SCAN_REVERSE != 0,
        limit: want,
    };
    let mut entries = store.query(&query).map_err(to_js)?;
    let more = limit != 0 && entries.len() > limit as usize;
    entries.truncate(if limit == 0 {
        entries.len()
    } else {
        limit as usize
    });
    let next = match (more, entries.last()) {
        (true, Some((key, _))) => engine.encode(key.as_bytes()),
        _ => String::new(),
    };
    let mut flat = flatten(entries, 1)?;
    flat.push(next);
    Ok(flat)
}

#[op2(fast)]
pub fn op_kv_count(
    state: &mut OpState,
    #[smi] rid: u32,
    #[string] prefix: &str,
) -> Result<f64, JsErrorBox> {
    Ok(store(state, rid)?.count(prefix).map_err(to_js)? as f64)
}

// Operation metrics (`openKv({ metrics: { operations: true } })`), under the names the
// oshokin/xk6-kv fork documents so its thresholds and dashboards work unchanged. They go
// through the same event stream and aggregate as k6/metrics samples: the summary, `--summary-export` and
// thresholds see them like any custom metric.

/// Counter: one per operation, tagged `op`, `backend`, `status` (`ok` or `error`).
pub const METRIC_OPERATIONS: &str = "xk6_kv_operations_total";
/// Trend of milliseconds, tagged as the counter.
pub const METRIC_DURATION: &str = "xk6_kv_operation_duration";
/// Rate of failed operations, tagged `op` and `backend`.
pub const METRIC_FAILED: &str = "xk6_kv_operation_failed";
/// Counter of failures, tagged `op`, `backend` and `error_type` (the error's name).
pub const METRIC_ERRORS: &str = "xk6_kv_errors_total";

/// Declares the operation metrics (in the init context, where openKv runs), so thresholds
/// on them are valid before any sample exists.
#[op2(fast)]
pub fn op_kv_metrics_define(state: &mut OpState) -> Result<(), JsErrorBox> {
    let test = &state.borrow::<VuState>().test;
    let mut kinds = test.metric_kinds.lock();
    for (name, kind) in [
        (METRIC_OPERATIONS, MetricKind::Counter),
        (METRIC_DURATION, MetricKind::Trend),
        (METRIC_FAILED, MetricKind::Rate),
        (METRIC_ERRORS, MetricKind::Counter),
    ] {
        match kinds.get(name) {
            Some(existing) if *existing != kind => {
                return Err(JsErrorBox::new(
                    "InvalidOptionsError",
                    format!(
                        "openKv() option metrics needs the metric {name:?}, but the script \
                         already created it as a {existing:?}; rename that metric"
                    ),
                ))
            }
            _ => kinds.insert(name.to_owned(), kind),
        };
    }
    test.time_metrics.lock().insert(METRIC_DURATION.to_owned());
    Ok(())
}

static CLOCK_START: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);

/// Milliseconds on a monotonic clock, for timing an operation with `op_kv_record`.
#[op2(fast)]
pub fn op_kv_clock() -> f64 {
    CLOCK_START.elapsed().as_secs_f64() * 1000.0
}

/// Records one operation that started at `started` (`op_kv_clock`) and ended now, failed
/// with the error named `error` unless that is empty.
#[op2(fast)]
pub fn op_kv_record(
    state: &mut OpState,
    #[string] op: &str,
    #[string] backend: &str,
    started: f64,
    #[string] error: &str,
) {
    let ms = (CLOCK_START.elapsed().as_secs_f64() * 1000.0 - started).max(0.0);
    let failed = !error.is_empty();
    let vu = state.borrow::<VuState>();
    let fail_rate = if failed { 1.0 } else { 0.0 };
    let status = if failed { "error" } else { "ok" };
    // Each metric's own tags: op and backend, plus the status or the error's name.
    let samples = [
        (
            METRIC_OPERATIONS,
            MetricKind::Counter,
            1.0,
            Some(("status", status)),
        ),
        (
            METRIC_DURATION,
            MetricKind::Trend,
            ms,
            Some(("status", status)),
        ),
        (METRIC_FAILED, MetricKind::Rate, fail_rate, None),
        (
            METRIC_ERRORS,
            MetricKind::Counter,
            1.0,
            Some(("error_type", error)),
        ),
    ];
    let time = std::time::SystemTime::now();
    let mut outbox = vu.outbox.borrow_mut();
    for (metric, kind, value, extra) in &samples[..if failed { 4 } else { 3 }] {
        let tags = match vu.sample_tags(metric) {
            Some(mut tags) => {
                tags.set("op", op);
                tags.set("backend", backend);
                if let Some((k, v)) = extra {
                    tags.set(*k, *v);
                }
                tags
            }
            None => Default::default(),
        };
        let sample = Sample {
            metric: outbox.name(metric),
            kind: *kind,
            value: *value,
            time,
            tags,
        };
        outbox.push(Event::Sample(sample));
    }
}
