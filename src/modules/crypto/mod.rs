//! `k6/crypto` (crypto.js) and the WebCrypto `crypto` global (webcrypto.js), over the
//! RustCrypto primitives in ops.rs, subtle.rs (digests, AES),
//! ec.rs (ECDSA, ECDH) and rsa.rs (RSA-OAEP).

pub mod ec;
pub mod ops;
pub mod rsa;
pub mod subtle;

/// Served as `rk6:crypto.js` for `import ... from "k6/crypto"`.
pub const JS: &str = include_str!("crypto.js");
/// The script behind the WebCrypto `crypto` global, evaluated by bootstrap.js (as
/// `rk6:webcrypto.js`) the first time a VU reads `crypto`; [`ops::op_webcrypto_source`]
/// hands it over.
pub const WEBCRYPTO_JS: &str = include_str!("webcrypto.js");
