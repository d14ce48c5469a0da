//! `k6/experimental/fs`: files opened in the init context (fs.js), read once per run
//! and shared by every VU (ops.rs). files.js holds what `k6/experimental/csv` needs
//! from a `File` without scripts seeing it.

pub mod ops;

/// Served as `rk6:fs.js` for `import ... from "k6/experimental/fs"`.
pub const JS: &str = include_str!("fs.js");
/// Served as `rk6:fs-files.js`: the internal side of `File` objects.
pub const FILES_JS: &str = include_str!("files.js");
