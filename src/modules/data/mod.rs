//! PLACEHOLDER `k6/data`: only enough of `SharedArray` for `k6/experimental/csv` and
//! its tests (a frozen array built by the callback, per VU). The real module replaces
//! this one.

/// Served as `rk6:data.js` for `import ... from "k6/data"`.
pub const JS: &str = include_str!("data.js");
