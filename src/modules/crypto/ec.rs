//! Ops behind WebCrypto's ECDSA and ECDH (webcrypto.js) on P-256 and P-384. Keys cross
//! to JS as plain bytes: a private key as its scalar, a public key as its uncompressed
//! SEC1 point; DER (spki, pkcs8) exists only on import and export.

use deno_core::op2;
use deno_error::JsErrorBox;

fn bad<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// WebCrypto's hash names, as webcrypto.js normalizes them.
fn prehash(hash: &str, data: &[u8]) -> Result<Vec<u8>, String> {
    let k6_name = match hash {
        "SHA-1" => "sha1",
        "SHA-256" => "sha256",
        "SHA-384" => "sha384",
        "SHA-512" => "sha512",
        _ => return Err(format!("unsupported hash {hash}")),
    };
    super::ops::digest(k6_name, data).ok_or_else(|| format!("unsupported hash {hash}"))
}

macro_rules! curve {
    ($module:ident, $krate:ident) => {
        mod $module {
            use super::{bad, prehash};
            use $krate::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
            use $krate::ecdsa::{Signature, SigningKey, VerifyingKey};
            use $krate::elliptic_curve::sec1::ToEncodedPoint;
            use $krate::pkcs8::{
                DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey,
            };
            use $krate::{PublicKey, SecretKey};

            fn point(key: &PublicKey) -> Vec<u8> {
                key.to_encoded_point(false).as_bytes().to_vec()
            }

            pub fn run(action: &str, a: &[u8], b: &[u8], hash: &str) -> Result<Vec<u8>, String> {
                Ok(match action {
                    "generate" => loop {
                        let bytes = super::super::ops::random(a.len()).map_err(bad)?;
                        // Almost every string of bytes is a valid scalar; retry the rest.
                        if let Ok(key) = SecretKey::from_slice(&bytes) {
                            break key.to_bytes().to_vec();
                        }
                    },
                    "public" => point(&SecretKey::from_slice(a).map_err(bad)?.public_key()),
                    "import-raw" => point(&PublicKey::from_sec1_bytes(a).map_err(bad)?),
                    "import-spki" => point(&PublicKey::from_public_key_der(a).map_err(bad)?),
                    "import-pkcs8" => SecretKey::from_pkcs8_der(a)
                        .map_err(bad)?
                        .to_bytes()
                        .to_vec(),
                    "export-spki" => PublicKey::from_sec1_bytes(a)
                        .map_err(bad)?
                        .to_public_key_der()
                        .map_err(bad)?
                        .as_bytes()
                        .to_vec(),
                    "export-pkcs8" => SecretKey::from_slice(a)
                        .map_err(bad)?
                        .to_pkcs8_der()
                        .map_err(bad)?
                        .as_bytes()
                        .to_vec(),
                    "sign" => {
                        let key = SigningKey::from_slice(a).map_err(bad)?;
                        let sig: Signature = key.sign_prehash(&prehash(hash, b)?).map_err(bad)?;
                        sig.to_bytes().to_vec()
                    }
                    "ecdh" => {
                        let secret = SecretKey::from_slice(a).map_err(bad)?;
                        let public = PublicKey::from_sec1_bytes(b).map_err(bad)?;
                        $krate::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine())
                            .raw_secret_bytes()
                            .to_vec()
                    }
                    _ => return Err(format!("unknown action {action}")),
                })
            }

            pub fn verify(
                public: &[u8],
                sig: &[u8],
                data: &[u8],
                hash: &str,
            ) -> Result<bool, String> {
                let key = VerifyingKey::from_sec1_bytes(public).map_err(bad)?;
                // A signature of the wrong size is simply not valid (WebCrypto).
                let Ok(sig) = Signature::from_slice(sig) else {
                    return Ok(false);
                };
                Ok(key.verify_prehash(&prehash(hash, data)?, &sig).is_ok())
            }
        }
    };
}

curve!(p256_ops, p256);
curve!(p384_ops, p384);

/// `a` and `b` depend on `action`: the key, the data or the peer's public key; for
/// "generate", `a`'s length is the scalar's.
#[op2]
#[arraybuffer]
pub fn op_subtle_ec(
    #[string] curve: &str,
    #[string] action: &str,
    #[buffer] a: &[u8],
    #[buffer] b: &[u8],
    #[string] hash: &str,
) -> Result<Vec<u8>, JsErrorBox> {
    match curve {
        "P-256" => p256_ops::run(action, a, b, hash),
        "P-384" => p384_ops::run(action, a, b, hash),
        _ => Err(format!("unsupported curve {curve}")),
    }
    .map_err(JsErrorBox::generic)
}

#[op2(fast)]
pub fn op_subtle_ecdsa_verify(
    #[string] curve: &str,
    #[buffer] public: &[u8],
    #[buffer] sig: &[u8],
    #[buffer] data: &[u8],
    #[string] hash: &str,
) -> Result<bool, JsErrorBox> {
    match curve {
        "P-256" => p256_ops::verify(public, sig, data, hash),
        "P-384" => p384_ops::verify(public, sig, data, hash),
        _ => Err(format!("unsupported curve {curve}")),
    }
    .map_err(JsErrorBox::generic)
}
