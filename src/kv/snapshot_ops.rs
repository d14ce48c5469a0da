//! Ops behind `kv.backup()` and `kv.restore()`. The file work runs on tokio's blocking
//! pool, so a VU's other pending work (timers, requests) goes on meanwhile.

use super::ops::{store, to_js};
use deno_core::{op2, OpState};
use deno_error::JsErrorBox;
use rk6_kv::snapshot::{self, RestoreLimits};
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, rk6_kv::StoreError> + Send + 'static,
) -> Result<T, JsErrorBox> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| JsErrorBox::new("BackendError", format!("the snapshot task failed: {e}")))?
        .map_err(to_js)
}

/// `[entries, bytesWritten]`.
#[op2]
#[serde]
pub async fn op_kv_backup(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] file: String,
) -> Result<(f64, f64), JsErrorBox> {
    let store = store(&state.borrow(), rid)?.clone();
    let summary = blocking(move || snapshot::backup_to_file(&*store, &PathBuf::from(file))).await?;
    Ok((summary.entries as f64, summary.bytes as f64))
}

/// `[entries, bytesRead, sourceBackend]`; limits of `0` are no limits.
#[op2]
#[serde]
pub async fn op_kv_restore(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: u32,
    #[string] file: String,
    max_entries: f64,
    max_bytes: f64,
) -> Result<(f64, f64, String), JsErrorBox> {
    let store = store(&state.borrow(), rid)?.clone();
    let limits = RestoreLimits {
        max_entries: max_entries as u64,
        max_bytes: max_bytes as u64,
    };
    let summary =
        blocking(move || snapshot::restore_from_file(&*store, &PathBuf::from(file), limits))
            .await?;
    Ok((
        summary.entries as f64,
        summary.bytes as f64,
        summary.backend,
    ))
}
