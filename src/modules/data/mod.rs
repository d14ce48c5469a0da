//! `k6/data`: `SharedArray`, built once per run and read by every VU without a copy of
//! its own. The script-facing array lives in data.js; the shared store and the ops in
//! ops.rs.

pub mod ops;

/// The module's JavaScript, served as `rk6:data.js` for `import ... from "k6/data"`.
pub const JS: &str = include_str!("data.js");
