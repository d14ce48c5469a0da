//! Errors that end a run, each with the exit code k6 uses for it.

use thiserror::Error;

/// k6's exit codes, so CI pipelines written for k6 read rk6 the same way.
pub mod exit_code {
    /// The test ran and every threshold passed.
    pub const OK: i32 = 0;
    /// A threshold failed (k6's `ThresholdsHaveFailed`).
    pub const THRESHOLDS_FAILED: i32 = 99;
    /// Bad options, flags or configuration (k6's `InvalidConfig`).
    pub const INVALID_CONFIG: i32 = 104;
    /// `setup()` ran longer than `setupTimeout`.
    pub const SETUP_TIMEOUT: i32 = 100;
    /// `teardown()` ran longer than `teardownTimeout`.
    pub const TEARDOWN_TIMEOUT: i32 = 101;
    /// Stopped from outside: Ctrl-C, `RunHandle::stop`, a `StopSignal`.
    pub const EXTERNAL_ABORT: i32 = 105;
    /// The script threw outside an iteration (init, setup, teardown), or failed to load.
    pub const SCRIPT_EXCEPTION: i32 = 107;
    /// The script called `exec.test.abort()` (an `abortOnFail` threshold exits 99).
    pub const SCRIPT_ABORTED: i32 = 108;
    /// Anything else: I/O errors, a missing script, an engine failure.
    pub const GENERIC: i32 = 255;
}

/// Why a run could not finish normally; [`RunError::exit_code`] maps it to k6's codes.
#[derive(Debug, Error)]
pub enum RunError {
    /// Bad flags or `options`; the message names the option.
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// An exception or syntax error while evaluating the script (init) or in setup/teardown.
    #[error("{0}")]
    Script(String),
    /// The script file (or something it needs) could not be read.
    #[error("{0}")]
    Io(String),
    /// The JS engine or runtime failed in a way that is not the script's fault.
    #[error("internal error: {0}")]
    Internal(String),
    /// `setup()` ran longer than `setupTimeout`.
    #[error("setup() execution timed out after {}; increase the time limit with the setupTimeout option", humantime::format_duration(*.0))]
    SetupTimeout(std::time::Duration),
    /// `teardown()` ran longer than `teardownTimeout`.
    #[error("teardown() execution timed out after {}; increase the time limit with the teardownTimeout option", humantime::format_duration(*.0))]
    TeardownTimeout(std::time::Duration),
    /// Stopped from outside (Ctrl-C, or an embedder's stop signal) before the test ran;
    /// the message says during what.
    #[error("the test was stopped {0}")]
    Stopped(String),
}

impl RunError {
    /// The process exit code k6 uses for this error (see [`exit_code`](mod@exit_code)).
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::InvalidOptions(_) => exit_code::INVALID_CONFIG,
            Self::Script(_) => exit_code::SCRIPT_EXCEPTION,
            Self::Io(_) | Self::Internal(_) => exit_code::GENERIC,
            Self::SetupTimeout(_) => exit_code::SETUP_TIMEOUT,
            Self::TeardownTimeout(_) => exit_code::TEARDOWN_TIMEOUT,
            Self::Stopped(_) => exit_code::EXTERNAL_ABORT,
        }
    }
}
