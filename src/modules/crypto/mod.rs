//! `k6/crypto` (crypto.js) and the WebCrypto `crypto` global (webcrypto.js), over the
//! RustCrypto primitives in ops.rs, subtle.rs (digests, AES),
//! ec.rs (ECDSA, ECDH) and rsa.rs (RSA-OAEP).

pub mod ec;
pub mod ops;
pub mod rsa;
pub mod subtle;

/// Served as `rk6:crypto.js` for `import ... from "k6/crypto"`.
pub const JS: &str = include_str!("crypto.js");
/// Served as `rk6:webcrypto.js`; bootstrap.js installs its `crypto` as a global.
pub const WEBCRYPTO_JS: &str = include_str!("webcrypto.js");
