//! `k6/encoding`: base64 in k6's four flavours (encoding.js) and the ops behind it
//! (ops.rs). encoding.js also holds the byte conversions `k6/crypto` shares.

pub mod ops;

/// The module's JavaScript, served as `rk6:encoding.js` for `import ... from "k6/encoding"`.
pub const JS: &str = include_str!("encoding.js");
