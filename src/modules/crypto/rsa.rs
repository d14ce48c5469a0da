//! Ops behind WebCrypto's RSA-OAEP (webcrypto.js). Keys cross to JS as DER: a public key
//! as SubjectPublicKeyInfo, a private key as PKCS#8, which are also the formats scripts
//! import and export.

use deno_core::op2;
use deno_error::JsErrorBox;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Oaep, RsaPrivateKey, RsaPublicKey};

fn bad<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn oaep(hash: &str, label: &[u8]) -> Result<Oaep, String> {
    // The rsa crate keeps the label as a String; a non-UTF-8 label cannot be expressed.
    let label = String::from_utf8(label.to_vec())
        .map_err(|_| "rk6 supports only UTF-8 RSA-OAEP labels".to_owned())?;
    let label = (!label.is_empty()).then_some(label);
    Ok(match (hash, label) {
        ("SHA-1", None) => Oaep::new::<sha1::Sha1>(),
        ("SHA-256", None) => Oaep::new::<sha2::Sha256>(),
        ("SHA-384", None) => Oaep::new::<sha2::Sha384>(),
        ("SHA-512", None) => Oaep::new::<sha2::Sha512>(),
        ("SHA-1", Some(l)) => Oaep::new_with_label::<sha1::Sha1, _>(l),
        ("SHA-256", Some(l)) => Oaep::new_with_label::<sha2::Sha256, _>(l),
        ("SHA-384", Some(l)) => Oaep::new_with_label::<sha2::Sha384, _>(l),
        ("SHA-512", Some(l)) => Oaep::new_with_label::<sha2::Sha512, _>(l),
        _ => return Err(format!("unsupported hash {hash}")),
    })
}

fn public_der(key: &RsaPublicKey) -> Result<Vec<u8>, String> {
    Ok(key.to_public_key_der().map_err(bad)?.as_bytes().to_vec())
}

fn private_der(key: &RsaPrivateKey) -> Result<Vec<u8>, String> {
    Ok(key.to_pkcs8_der().map_err(bad)?.as_bytes().to_vec())
}

fn run(action: &str, a: &[u8], b: &[u8], hash: &str, label: &[u8]) -> Result<Vec<u8>, String> {
    match action {
        // `a`: the modulus length in bits (4 bytes, big-endian); `b`: the public exponent.
        "generate" => {
            let bits = u32::from_be_bytes(a.try_into().map_err(bad)?) as usize;
            if !(1024..=8192).contains(&bits) {
                return Err(format!(
                    "rk6 generates RSA keys of 1024 to 8192 bits, not {bits}"
                ));
            }
            let exp = BigUint::from_bytes_be(b);
            let mut rng = rsa::rand_core::OsRng;
            let key = RsaPrivateKey::new_with_exp(&mut rng, bits, &exp).map_err(bad)?;
            private_der(&key)
        }
        "public" => public_der(
            &RsaPrivateKey::from_pkcs8_der(a)
                .map_err(bad)?
                .to_public_key(),
        ),
        "import-spki" => public_der(&RsaPublicKey::from_public_key_der(a).map_err(bad)?),
        "import-pkcs8" => private_der(&RsaPrivateKey::from_pkcs8_der(a).map_err(bad)?),
        // The modulus length in bits (4 bytes, big-endian), then the public exponent.
        "info" => {
            let key = RsaPublicKey::from_public_key_der(a).map_err(bad)?;
            let mut out = (key.n().bits() as u32).to_be_bytes().to_vec();
            out.extend(key.e().to_bytes_be());
            Ok(out)
        }
        "encrypt" => {
            let key = RsaPublicKey::from_public_key_der(a).map_err(bad)?;
            let mut rng = rsa::rand_core::OsRng;
            key.encrypt(&mut rng, oaep(hash, label)?, b).map_err(bad)
        }
        "decrypt" => {
            let key = RsaPrivateKey::from_pkcs8_der(a).map_err(bad)?;
            key.decrypt(oaep(hash, label)?, b).map_err(bad)
        }
        _ => Err(format!("unknown action {action}")),
    }
}

#[op2]
#[arraybuffer]
pub fn op_subtle_rsa(
    #[string] action: &str,
    #[buffer] a: &[u8],
    #[buffer] b: &[u8],
    #[string] hash: &str,
    #[buffer] label: &[u8],
) -> Result<Vec<u8>, JsErrorBox> {
    run(action, a, b, hash, label).map_err(JsErrorBox::generic)
}
