// The WebCrypto `crypto` global. Values are from RFCs and NIST's published vectors, and
// k6 v1.1 prints the same for this script except where webcrypto.expected notes otherwise.
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));
const ascii = (s) => new Uint8Array(Array.from(s, (c) => c.charCodeAt(0)));

async function t(name, f) {
  try {
    const v = await f();
    console.log(name, v instanceof ArrayBuffer ? "hex:" + hex(v) : JSON.stringify(v));
  } catch (e) {
    console.log(name, "ERR", e.name, e.message);
  }
}

export default async function () {
  console.log(typeof crypto, typeof crypto.subtle, typeof crypto.getRandomValues, typeof crypto.randomUUID);
  await t("digest-sha1", () => crypto.subtle.digest("SHA-1", ascii("abc")));
  await t("digest-sha256", () => crypto.subtle.digest("SHA-256", ascii("abc")));
  await t("digest-sha384", () => crypto.subtle.digest({ name: "sha-384" }, ascii("abc").buffer));
  await t("digest-sha512", () => crypto.subtle.digest("SHA-512", new DataView(ascii("abc").buffer)));
  await t("digest-md5", () => crypto.subtle.digest("MD5", ascii("abc")));
  await t("digest-string", () => crypto.subtle.digest("SHA-256", "abc"));
  await t("uuid", () => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()));
  await t("uuid-differ", () => crypto.randomUUID() !== crypto.randomUUID());
  await t("random-same", () => {
    const a = new Uint32Array(8);
    return [crypto.getRandomValues(a) === a, a.some((x) => x !== 0)];
  });
  await t("random-max", () => crypto.getRandomValues(new Uint8Array(65536)).length);
  await t("random-big", () => crypto.getRandomValues(new Uint8Array(65537)));
  await t("random-float", () => crypto.getRandomValues(new Float32Array(4)));

  // RFC 4231 test case 2.
  const jefe = await crypto.subtle.importKey("raw", ascii("Jefe"), { name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
  const msg = ascii("what do ya want for nothing?");
  await t("hmac-key", () => [jefe.type, jefe.extractable, jefe.algorithm.name, jefe.algorithm.hash.name, jefe.algorithm.length, jefe.usages]);
  await t("hmac-sign", () => crypto.subtle.sign("HMAC", jefe, msg));
  await t("hmac-verify", async () => crypto.subtle.verify("HMAC", jefe, await crypto.subtle.sign("HMAC", jefe, msg), msg));
  await t("hmac-verify-bad", () => crypto.subtle.verify("HMAC", jefe, new Uint8Array(32), msg));
  await t("hmac-export-raw", () => crypto.subtle.exportKey("raw", jefe));
  await t("hmac-export-jwk", () => crypto.subtle.exportKey("jwk", jefe));
  await t("hmac-jwk", async () => {
    const k = await crypto.subtle.importKey("jwk", { kty: "oct", k: "SmVmZQ", alg: "HS512" }, { name: "HMAC", hash: "SHA-512" }, false, ["sign"]);
    return crypto.subtle.sign({ name: "hmac" }, k, msg);
  });
  await t("hmac-generate", async () => {
    const k = await crypto.subtle.generateKey({ name: "HMAC", hash: { name: "SHA-512" } }, true, ["sign"]);
    return [k.algorithm.length, k.usages, (await crypto.subtle.exportKey("raw", k)).byteLength];
  });
  await t("hmac-not-extractable", async () => {
    const k = await crypto.subtle.importKey("raw", ascii("key"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return crypto.subtle.exportKey("raw", k);
  });
  await t("hmac-bad-usage", () => crypto.subtle.importKey("raw", ascii("key"), { name: "HMAC", hash: "SHA-256" }, true, ["encrypt"]));
  await t("hmac-missing-usage", async () => {
    const k = await crypto.subtle.importKey("raw", ascii("key"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return crypto.subtle.verify("HMAC", k, new Uint8Array(32), msg);
  });
  await t("hmac-empty-key", () => crypto.subtle.importKey("raw", new Uint8Array(0), { name: "HMAC", hash: "SHA-256" }, true, ["sign"]));
  await t("hmac-no-hash", () => crypto.subtle.importKey("raw", ascii("k"), { name: "HMAC" }, true, ["sign"]));
  await t("hmac-pkcs8", () => crypto.subtle.importKey("pkcs8", ascii("k"), { name: "HMAC", hash: "SHA-256" }, true, ["sign"]));
  await t("not-a-key", () => crypto.subtle.sign("HMAC", "notakey", msg));
  await t("unknown-alg", () => crypto.subtle.sign("FOO", jefe, msg));

  // NIST SP 800-38A F.2.1 (CBC) and F.5.1 (CTR), AES-128.
  const nistKey = unhex("2b7e151628aed2a6abf7158809cf4f3c");
  const block1 = unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
  const cbcKey = await crypto.subtle.importKey("raw", nistKey, "AES-CBC", true, ["encrypt", "decrypt"]);
  const cbcIv = unhex("000102030405060708090a0b0c0d0e0f");
  await t("cbc-key", () => [cbcKey.algorithm.name, cbcKey.algorithm.length]);
  const cbcOut = await crypto.subtle.encrypt({ name: "AES-CBC", iv: cbcIv }, cbcKey, block1);
  await t("cbc-encrypt", () => hex(cbcOut).slice(0, 64));
  await t("cbc-decrypt", () => crypto.subtle.decrypt({ name: "AES-CBC", iv: cbcIv }, cbcKey, cbcOut));
  await t("cbc-bad-padding", () => crypto.subtle.decrypt({ name: "AES-CBC", iv: cbcIv }, cbcKey, cbcOut.slice(0, 32)));
  await t("cbc-short-iv", () => crypto.subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(8) }, cbcKey, block1));
  const ctrKey = await crypto.subtle.importKey("raw", nistKey, { name: "AES-CTR" }, false, ["encrypt", "decrypt"]);
  const counter = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  await t("ctr-encrypt", () => crypto.subtle.encrypt({ name: "AES-CTR", counter, length: 64 }, ctrKey, block1));
  await t("ctr-encrypt-128", () => crypto.subtle.encrypt({ name: "AES-CTR", counter, length: 128 }, ctrKey, block1));
  await t("ctr-decrypt", () =>
    crypto.subtle.decrypt({ name: "AES-CTR", counter, length: 64 }, ctrKey, unhex("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff")),
  );

  // The GCM specification's test case 3 (AES-128, 96-bit IV, no additional data).
  const gcmKey = await crypto.subtle.importKey("raw", unhex("feffe9928665731c6d6a8f9467308308"), "AES-GCM", true, ["encrypt", "decrypt"]);
  const gcmIv = unhex("cafebabefacedbaddecaf888");
  const gcmPlain = unhex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
  );
  const gcmOut = await crypto.subtle.encrypt({ name: "AES-GCM", iv: gcmIv }, gcmKey, gcmPlain);
  await t("gcm-encrypt", () => gcmOut);
  await t("gcm-decrypt", async () => hex(await crypto.subtle.decrypt({ name: "AES-GCM", iv: gcmIv }, gcmKey, gcmOut)) === hex(gcmPlain));
  const tampered = new Uint8Array(gcmOut);
  tampered[0] ^= 1;
  await t("gcm-tampered", () => crypto.subtle.decrypt({ name: "AES-GCM", iv: gcmIv }, gcmKey, tampered));
  await t("gcm-aad-tag96", async () => {
    const aad = ascii("header");
    const out = await crypto.subtle.encrypt({ name: "AES-GCM", iv: gcmIv, additionalData: aad, tagLength: 96 }, gcmKey, ascii("hi"));
    const back = await crypto.subtle.decrypt({ name: "AES-GCM", iv: gcmIv, additionalData: aad, tagLength: 96 }, gcmKey, out);
    return [out.byteLength, hex(back)];
  });
  await t("gcm-export-jwk", () => crypto.subtle.exportKey("jwk", gcmKey));
  await t("aes-generate", async () => {
    const k = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const out = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, k, await crypto.subtle.encrypt({ name: "AES-GCM", iv }, k, ascii("round trip")));
    return [k.algorithm, (await crypto.subtle.exportKey("raw", k)).byteLength, hex(out)];
  });
  await t("aes-bad-length", () => crypto.subtle.importKey("raw", new Uint8Array(10), "AES-GCM", true, ["encrypt"]));
  await t("aes-wrong-usage", () => crypto.subtle.encrypt({ name: "AES-GCM", iv: gcmIv }, jefe, gcmPlain));
}
