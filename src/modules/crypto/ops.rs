//! Ops behind `k6/crypto`: hashes, HMAC and random bytes. JS turns the script's inputs
//! into bytes, checks algorithm names (to word the error as k6 does) and formats the
//! output.

use deno_core::op2;
use deno_error::JsErrorBox;
use hmac::digest::{Digest, KeyInit};
use hmac::{Hmac, Mac};

fn hash<D: Digest>(data: &[u8]) -> Vec<u8> {
    D::digest(data).to_vec()
}

/// k6's algorithm names (lowercase, as k6 accepts them).
pub fn digest(alg: &str, data: &[u8]) -> Option<Vec<u8>> {
    Some(match alg {
        "md4" => hash::<md4::Md4>(data),
        "md5" => hash::<md5::Md5>(data),
        "sha1" => hash::<sha1::Sha1>(data),
        "sha256" => hash::<sha2::Sha256>(data),
        "sha384" => hash::<sha2::Sha384>(data),
        "sha512" => hash::<sha2::Sha512>(data),
        "sha512_224" => hash::<sha2::Sha512_224>(data),
        "sha512_256" => hash::<sha2::Sha512_256>(data),
        "ripemd160" => hash::<ripemd::Ripemd160>(data),
        _ => return None,
    })
}

fn mac<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut m = <M as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

pub fn hmac(alg: &str, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    Some(match alg {
        "md4" => mac::<Hmac<md4::Md4>>(key, data),
        "md5" => mac::<Hmac<md5::Md5>>(key, data),
        "sha1" => mac::<Hmac<sha1::Sha1>>(key, data),
        "sha256" => mac::<Hmac<sha2::Sha256>>(key, data),
        "sha384" => mac::<Hmac<sha2::Sha384>>(key, data),
        "sha512" => mac::<Hmac<sha2::Sha512>>(key, data),
        "sha512_224" => mac::<Hmac<sha2::Sha512_224>>(key, data),
        "sha512_256" => mac::<Hmac<sha2::Sha512_256>>(key, data),
        "ripemd160" => mac::<Hmac<ripemd::Ripemd160>>(key, data),
        _ => return None,
    })
}

pub fn unknown(alg: &str) -> JsErrorBox {
    JsErrorBox::generic(format!("invalid algorithm: {alg}"))
}

/// The WebCrypto script (see [`super::WEBCRYPTO_JS`]), for runtime-js/bootstrap.js.
#[op2]
#[string]
pub fn op_webcrypto_source() -> &'static str {
    super::WEBCRYPTO_JS
}

#[op2]
#[arraybuffer]
pub fn op_crypto_digest(#[string] alg: &str, #[buffer] data: &[u8]) -> Result<Vec<u8>, JsErrorBox> {
    digest(alg, data).ok_or_else(|| unknown(alg))
}

#[op2]
#[arraybuffer]
pub fn op_crypto_hmac(
    #[string] alg: &str,
    #[buffer] key: &[u8],
    #[buffer] data: &[u8],
) -> Result<Vec<u8>, JsErrorBox> {
    hmac(alg, key, data).ok_or_else(|| unknown(alg))
}

/// Cryptographically random bytes from the operating system.
pub fn random(len: usize) -> Result<Vec<u8>, JsErrorBox> {
    let mut bytes = vec![0; len];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| JsErrorBox::generic(format!("no random bytes from the system: {e}")))?;
    Ok(bytes)
}

/// At most 1 GiB: more is a script's mistake, better refused than allocated.
#[op2]
#[arraybuffer]
pub fn op_crypto_random(len: f64) -> Result<Vec<u8>, JsErrorBox> {
    if !(0.0..=(1u64 << 30) as f64).contains(&len) {
        return Err(JsErrorBox::range_error("invalid size"));
    }
    random(len as usize)
}
