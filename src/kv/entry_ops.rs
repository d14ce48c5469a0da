//! Ops for what the second edition of `k6/x/kv` adds around single entries: expiry,
//! versionstamps, and multi-key atomic commits (`kv.atomic()`).

use std::cell::RefCell;
use std::rc::Rc;

use deno_core::{op2, OpState};
use deno_error::JsErrorBox;
use rk6_kv::{now_ms, parse_versionstamp, versionstamp_hex, AtomicOps, Check, Mutation};
use serde::Deserialize;

use super::ops::{store, stored_text, to_js};

/// The expiry, in ms since the Unix epoch, of an entry written now that lives `expire_in`
/// ms (JS checked that it is a positive finite number).
fn expiry(expire_in: f64) -> u64 {
    now_ms().saturating_add(expire_in.ceil() as u64)
}

/// `set(key, value, { expireIn })`.
#[op2]
pub async fn op_kv_set_expiring(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] key: String,
    #[string] value: String,
    expire_in: f64,
) -> Result<(), JsErrorBox> {
    let write = store(&state.borrow(), rid)?.put(&key, value.into_bytes(), Some(expiry(expire_in)));
    write.await.map_err(to_js)
}

/// `[text, versionstamp]` of the entry under `key`, or `null`.
#[op2]
#[serde]
pub fn op_kv_get_entry(
    state: &mut OpState,
    #[smi] rid: u32,
    #[string] key: &str,
) -> Result<Option<(String, String)>, JsErrorBox> {
    let entry = store(state, rid)?.entry(key).map_err(to_js)?;
    entry
        .map(|e| Ok((stored_text(key, e.value)?, versionstamp_hex(e.versionstamp))))
        .transpose()
}

/// A `kv.atomic()` operation as JS hands it over: keys and values already checked and
/// serialized.
#[derive(Deserialize)]
pub struct AtomicRequest {
    /// `[key, versionstamp or null]`.
    checks: Vec<(String, Option<String>)>,
    mutations: Vec<MutationRequest>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum MutationRequest {
    Set {
        key: String,
        value: String,
        /// ms; absent: never expires.
        #[serde(rename = "expireIn")]
        expire_in: Option<f64>,
    },
    Delete {
        key: String,
    },
    Sum {
        key: String,
        n: f64,
    },
}

/// Commits a `kv.atomic()` operation: the new versionstamp, or `null` when a check failed.
#[op2]
#[string]
pub async fn op_kv_commit(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[serde] request: AtomicRequest,
) -> Result<Option<String>, JsErrorBox> {
    let mut checks = Vec::with_capacity(request.checks.len());
    for (key, versionstamp) in request.checks {
        let versionstamp = match versionstamp {
            None => None,
            Some(text) => Some(parse_versionstamp(&text).ok_or_else(|| {
                JsErrorBox::new(
                    "InvalidOptionsError",
                    format!(
                        "atomic().check() versionstamp {text:?} for key {key:?} is not one the \
                         store handed out; pass entry.versionstamp from getEntry(), or null for \
                         \"the key must be absent\""
                    ),
                )
            })?),
        };
        checks.push(Check { key, versionstamp });
    }
    let mutations = request
        .mutations
        .into_iter()
        .map(|m| match m {
            MutationRequest::Set {
                key,
                value,
                expire_in,
            } => Mutation::Set {
                key,
                value: value.into_bytes(),
                expires_at: expire_in.map(expiry),
            },
            MutationRequest::Delete { key } => Mutation::Delete { key },
            MutationRequest::Sum { key, n } => Mutation::Sum { key, delta: n },
        })
        .collect();
    let op = store(&state.borrow(), rid)?.commit(checks, mutations);
    Ok(op.await.map_err(to_js)?.map(versionstamp_hex))
}
