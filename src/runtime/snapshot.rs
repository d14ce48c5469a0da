//! A startup snapshot of a runtime with rk6's extension, shared by every VU of a process.
//!
//! Creating a runtime from scratch re-runs deno_core's bootstrap JavaScript (~43 M
//! instructions per VU with rk6's modules, since the engine stopped parsing each script
//! twice); restoring this snapshot takes ~34 M, but the snapshot costs ~2.9 G instructions
//! to take, on one thread, and each VU restored from it holds ~8% more memory. Measured
//! (CPU time of 150 / 300 / 1000 empty VUs): +8%, −10%, −13% with the snapshot. So runs
//! with fewer VUs than [`SNAPSHOT_MIN_VUS`] skip it. On QuickJS no run uses it any more
//! (see [`crate::engine::STARTUP_SNAPSHOT_PAYS`]): the figures above predate patched/v8x
//! changes 13-22, after which a restored VU saved ~5% of the time and cost ~20% more memory.

use super::state::{TestState, VuState};
use crate::error::RunError;
use deno_core::{JsRuntimeForSnapshot, RuntimeOptions};
use std::sync::{Arc, OnceLock};

/// From this many VUs on, runtimes start from the snapshot: below it, taking the snapshot
/// costs more than it saves.
pub const SNAPSHOT_MIN_VUS: u64 = 200;

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
