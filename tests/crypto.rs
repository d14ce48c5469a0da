//! `k6/encoding`, `k6/crypto` and the WebCrypto `crypto` global through the real
//! binary. Each script in tests/scripts/crypto/ prints one line per case; the `.expected`
//! file beside it holds the lines k6 v1.1 prints for the same script (webcrypto.expected
//! notes where rk6 deliberately differs), or values from the RFC or NIST vectors.

mod common;

use common::*;

fn run(name: &str) -> Vec<String> {
    script_lines("crypto", name)
}

fn expected(name: &str) -> Vec<String> {
    expected_lines("crypto", name)
}

#[test]
fn encoding_b64encode_and_b64decode_as_k6() {
    assert_lines(&run("encoding.js"), &expected("encoding.expected"));
}

#[test]
fn k6_crypto_hashes_hmac_hashers_and_random_bytes_as_k6() {
    assert_lines(&run("k6crypto.js"), &expected("k6crypto.expected"));
}

#[test]
fn webcrypto_digest_random_hmac_and_aes() {
    assert_lines(&run("webcrypto.js"), &expected("webcrypto.expected"));
}

#[test]
fn webcrypto_ecdsa_and_ecdh_on_p256_and_p384() {
    assert_lines(&run("webcrypto_ec.js"), &expected("webcrypto_ec.expected"));
}

#[test]
fn webcrypto_rsa_oaep_decrypts_what_k6_encrypted() {
    assert_lines(
        &run("webcrypto_rsa.js"),
        &expected("webcrypto_rsa.expected"),
    );
}

#[test]
fn webcrypto_rejects_what_rk6_does_not_implement_with_not_supported_error() {
    let dir = tempdir();
    common::write(
        dir.path(),
        "script.js",
        r#"
export default async function () {
  const s = crypto.subtle;
  const cases = {
    p521: () => s.generateKey({ name: "ECDSA", namedCurve: "P-521" }, true, ["sign"]),
    rsaPss: () => s.importKey("spki", new Uint8Array(4), { name: "RSA-PSS", hash: "SHA-256" }, true, ["verify"]),
    rsaJwk: () => s.importKey("jwk", { kty: "RSA" }, { name: "RSA-OAEP", hash: "SHA-256" }, true, ["encrypt"]),
    pbkdf2: () => s.importKey("raw", new Uint8Array(4), "PBKDF2", false, ["deriveBits"]),
    hkdf: () => s.deriveBits({ name: "HKDF" }, null, 256),
    wrapKey: () => s.wrapKey("raw", null, null, "AES-KW"),
    sha3: () => s.digest("SHA3-256", new Uint8Array(1)),
  };
  for (const [name, f] of Object.entries(cases)) {
    try {
      await f();
      console.log(name, "resolved");
    } catch (e) {
      console.log(name, e.name);
    }
  }
}
"#,
    );
    let out = common::rk6(dir.path(), &["run", "-q", "script.js"]);
    assert_no_panic(&out);
    assert_code(&out, 0);
    let want: Vec<String> = [
        "p521", "rsaPss", "rsaJwk", "pbkdf2", "hkdf", "wrapKey", "sha3",
    ]
    .iter()
    .map(|n| format!("{n} NotSupportedError"))
    .collect();
    assert_eq!(info_lines(&stderr(&out)), want);
}
