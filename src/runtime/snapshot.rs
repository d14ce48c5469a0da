//! A startup snapshot of a runtime with rk6's extension, shared by every VU of a process.
//!
//! Creating a runtime from scratch re-runs deno_core's bootstrap JavaScript: ~8 ms each on
//! QuickJS (its Temporal polyfill now waits for first use). Restoring this snapshot takes
//! ~5 ms. Taking it costs ~250 ms once per process, so runs with few VUs skip it (see
//! [`SNAPSHOT_MIN_VUS`]).

use super::state::{TestState, VuState};
use crate::error::RunError;
use deno_core::{JsRuntimeForSnapshot, RuntimeOptions};
use std::sync::{Arc, OnceLock};

/// From this many VUs on, runtimes start from the snapshot: below it, taking the snapshot
/// costs more than it saves.
pub const SNAPSHOT_MIN_VUS: u64 = 64;

/// The snapshot, taken on first use and kept for the life of the process (runtimes
/// borrow it for as long as they live).
pub fn startup_snapshot() -> Result<&'static [u8], RunError> {
    static SNAPSHOT: OnceLock<&'static [u8]> = OnceLock::new();
    if let Some(snapshot) = SNAPSHOT.get() {
        return Ok(snapshot);
    }
    // The VU state only exists to satisfy the extension; op state is not part of a snapshot.
    crate::engine::prepare();
    let test = Arc::new(TestState::new(Default::default(), Default::default()));
    let runtime = JsRuntimeForSnapshot::try_new(RuntimeOptions {
        extensions: vec![super::extension(VuState::new(test, 0))],
        ..Default::default()
    })
    .map_err(|e| RunError::Internal(format!("cannot create the snapshot runtime: {e}")))?;
    let taken: &'static [u8] = Box::leak(runtime.snapshot());
    Ok(SNAPSHOT.get_or_init(|| taken))
}
