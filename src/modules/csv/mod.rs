//! `k6/experimental/csv`: `parse` and `Parser` (csv.js) over the files of
//! `k6/experimental/fs`, read with the `csv` crate (ops.rs).

pub mod ops;

/// Served as `rk6:csv.js` for `import ... from "k6/experimental/csv"`.
pub const JS: &str = include_str!("csv.js");
