//! rk6: run k6-style load-test scripts on deno_core, with `k6/x/kv`, a key-value
//! store shared by every virtual user.
//!
//! The CLI (`rk6 run`) is a thin layer over this library:
//!
//! ```no_run
//! let result = rk6::Runner::new("examples/quickstart.js")
//!     .env_var("BASE", "http://127.0.0.1:8080")
//!     .run()
//!     .expect("the test ran");
//! println!("{} iterations, {} failed", result.iterations, result.failed_iterations);
//! ```
//!
//! Embedders with their own `deno_core::JsRuntime` can add rk6's globals, built-in
//! modules and ops with [`runtime::extension`] and resolve `k6/...` imports with
//! [`runtime::loader::Rk6ModuleLoader`]; the storage alone (no JavaScript) is in
//! [`kv`] (the `rk6-kv` crate).

#![warn(missing_docs)]

pub mod engine;
pub mod error;
pub mod events;
mod exec;
pub mod kv;
pub mod log;
pub mod metrics;
mod modules;
pub mod options;
pub mod outputs;
pub mod runner;
pub mod runtime;
pub mod signal;
mod vu;

pub use deno_core;
pub use error::{exit_code, RunError};
pub use events::Event;
pub use log::{Level, LogLine};
pub use options::Overrides;
pub use runner::{RunHandle, RunResult, Runner, Snapshot};
pub use runtime::state::IterationError;
