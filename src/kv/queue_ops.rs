//! Ops for using the store as a work queue: uniform random picks, pops and claims (leases),
//! and `stats()`.

use std::cell::RefCell;
use std::rc::Rc;

use deno_core::{op2, OpState};
use deno_error::JsErrorBox;
use rk6_kv::{AtomicOps, Claim};
use serde::Serialize;

use super::ops::{finished, store, stored_text, to_js};

/// A random live, unclaimed key with `prefix`, or `""`.
#[op2]
#[string]
pub fn op_kv_random_key(
    state: &mut OpState,
    #[smi] rid: u32,
    #[string] prefix: &str,
) -> Result<String, JsErrorBox> {
    Ok(store(state, rid)?
        .random_key(prefix)
        .map_err(to_js)?
        .unwrap_or_default())
}

// Pops, claims and their ends come in two forms, as the other writes do (see ops.rs): the
// memory store finishes them before its op returns, so kv.js calls the synchronous `_now`
// op for it, and the async one for the disk store, which answers once committed.

/// `[key, text]` of the entry taken out, or `null`.
#[op2]
#[serde]
pub async fn op_kv_pop_random(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] prefix: String,
) -> Result<Option<(String, String)>, JsErrorBox> {
    let op = store(&state.borrow(), rid)?.pop_random(&prefix);
    popped(op.await.map_err(to_js)?)
}

#[op2]
#[serde]
pub fn op_kv_pop_random_now(
    state: &mut OpState,
    #[smi] rid: u32,
    #[string] prefix: &str,
) -> Result<Option<(String, String)>, JsErrorBox> {
    popped(finished(store(state, rid)?.pop_random(prefix))?)
}

fn popped(entry: Option<(String, Vec<u8>)>) -> Result<Option<(String, String)>, JsErrorBox> {
    entry
        .map(|(key, value)| stored_text(&key, value).map(|text| (key, text)))
        .transpose()
}

/// `[id, key, token, owner, expiresAt, text]` of the claim taken, or `null`. An array
/// rather than an object: building named properties is a measurable share of a claim.
type ClaimReply = (String, String, String, String, f64, String);

#[op2]
#[serde]
pub async fn op_kv_claim_random(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] prefix: String,
    #[string] owner: String,
    ttl: f64,
) -> Result<Option<ClaimReply>, JsErrorBox> {
    let op = store(&state.borrow(), rid)?.claim_random(&prefix, &owner, ttl.ceil() as u64);
    claimed(op.await.map_err(to_js)?)
}

#[op2]
#[serde]
pub fn op_kv_claim_random_now(
    state: &mut OpState,
    #[smi] rid: u32,
    #[string] prefix: &str,
    #[string] owner: &str,
    ttl: f64,
) -> Result<Option<ClaimReply>, JsErrorBox> {
    claimed(finished(store(state, rid)?.claim_random(
        prefix,
        owner,
        ttl.ceil() as u64,
    ))?)
}

fn claimed(claim: Option<(String, Vec<u8>, Claim)>) -> Result<Option<ClaimReply>, JsErrorBox> {
    let Some((key, value, claim)) = claim else {
        return Ok(None);
    };
    let text = stored_text(&key, value)?;
    Ok(Some((
        claim.id,
        key,
        claim.token,
        claim.owner,
        claim.expires_at as f64,
        text,
    )))
}

/// `releaseClaim` (`delete_key` false) and `completeClaim`.
#[op2]
pub async fn op_kv_end_claim(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] key: String,
    #[string] id: String,
    #[string] token: String,
    delete_key: bool,
) -> Result<bool, JsErrorBox> {
    let op = store(&state.borrow(), rid)?.end_claim(&key, &id, &token, delete_key);
    op.await.map_err(to_js)
}

#[op2(fast)]
pub fn op_kv_end_claim_now(
    state: &mut OpState,
    #[smi] rid: u32,
    #[string] key: &str,
    #[string] id: &str,
    #[string] token: &str,
    delete_key: bool,
) -> Result<bool, JsErrorBox> {
    finished(store(state, rid)?.end_claim(key, id, token, delete_key))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsReply {
    backend: &'static str,
    count: f64,
    live_claims: f64,
    expired_claims: f64,
    path: Option<String>,
    size_bytes: Option<f64>,
}

#[op2]
#[serde]
pub fn op_kv_stats(state: &mut OpState, #[smi] rid: u32) -> Result<StatsReply, JsErrorBox> {
    let store = store(state, rid)?;
    let claims = store.claim_counts().map_err(to_js)?;
    let path = store.file_path();
    Ok(StatsReply {
        backend: store.backend_name(),
        count: store.size().map_err(to_js)? as f64,
        live_claims: claims.live as f64,
        expired_claims: claims.expired as f64,
        path: path.map(|p| p.display().to_string()),
        size_bytes: path
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.len() as f64),
    })
}
