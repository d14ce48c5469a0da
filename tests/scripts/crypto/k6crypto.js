// k6/crypto: each line is checked against what k6 v1.1 prints for the same script.
import crypto from "k6/crypto";
import * as ns from "k6/crypto";

function t(name, f) {
  try {
    const v = f();
    console.log(name, typeof v, v instanceof ArrayBuffer ? "AB:" + Array.from(new Uint8Array(v)).join(",") : JSON.stringify(v));
  } catch (e) {
    console.log(name, "ERR", e.name, e.message);
  }
}

export default function () {
  console.log(Object.keys(crypto).sort().join(","));
  // An ES module namespace always has `default`; k6's has not.
  console.log(Object.keys(ns).filter((k) => k !== "default").sort().join(","));
  for (const a of ["md4", "md5", "sha1", "sha256", "sha384", "sha512", "sha512_224", "sha512_256", "ripemd160"]) {
    t(a, () => crypto[a]("abc", "hex"));
    t(a + "-empty", () => crypto[a]("", "base64"));
    t(a + "-hmac", () => crypto.hmac(a, "key", "The quick brown fox jumps over the lazy dog", "hex"));
  }
  t("b64", () => crypto.sha256("abc", "base64"));
  t("b64url", () => crypto.sha256("abc", "base64url"));
  t("b64rawurl", () => crypto.sha256("abc", "base64rawurl"));
  t("b64raw", () => crypto.sha256("abc", "base64raw"));
  t("bin", () => crypto.md5("abc", "binary"));
  t("bogus", () => crypto.md5("abc", "bogus"));
  t("noenc", () => crypto.md5("abc"));
  t("ab", () => crypto.md5(new Uint8Array([97, 98, 99]).buffer, "hex"));
  t("u8", () => crypto.md5(new Uint8Array([97, 98, 99]), "hex"));
  t("u8view", () => crypto.md5(new Uint8Array([0, 97, 98, 99, 0]).subarray(1, 4), "hex"));
  t("num", () => crypto.md5(123, "hex"));
  t("undef", () => crypto.sha1(undefined, "hex"));
  t("utf8", () => crypto.md5("é✓", "hex"));
  // RFC 4231 test case 2.
  t("rfc4231-256", () => crypto.hmac("sha256", "Jefe", "what do ya want for nothing?", "hex"));
  t("rfc4231-384", () => crypto.hmac("sha384", "Jefe", "what do ya want for nothing?", "hex"));
  t("rfc4231-512", () => crypto.hmac("sha512", "Jefe", "what do ya want for nothing?", "hex"));
  t("hmacab", () => crypto.hmac("sha256", new Uint8Array([107, 101, 121]).buffer, new Uint8Array([97]).buffer, "hex"));
  t("hmaclongkey", () => crypto.hmac("sha1", "k".repeat(200), "a", "hex"));
  t("hmacbad", () => crypto.hmac("sha3", "key", "a", "hex"));
  t("hmacupper", () => crypto.hmac("SHA256", "k", "a", "hex"));
  t("hmacbin", () => crypto.hmac("sha1", "key", "a", "binary"));
  t("hmacbadkey", () => crypto.hmac("sha256", 5, "a", "hex"));
  t("hmacbadenc", () => crypto.hmac("sha256", "k", "a", "x"));
  t("ch", () => {
    const h = crypto.createHash("sha1");
    h.update("a");
    h.update("bc");
    return h.digest("hex");
  });
  t("ch2", () => {
    const h = crypto.createHash("sha1");
    h.update("a");
    const a = h.digest("hex");
    h.update("bc");
    return [a, h.digest("base64")];
  });
  t("chmac", () => {
    const h = crypto.createHMAC("sha256", "key");
    h.update("The quick brown fox ");
    h.update(new Uint8Array([106, 117, 109, 112, 115]).buffer);
    h.update(" over the lazy dog");
    return h.digest("base64");
  });
  t("chmacbad", () => crypto.createHMAC("foo", "key"));
  t("chupd", () => crypto.createHash("md5").update("x"));
  t("chdig", () => crypto.createHash("md5").digest());
  t("chbin", () => crypto.createHash("ripemd160").digest("binary"));
  t("updbad", () => crypto.createHash("md5").update(5));
  t("hex1", () => crypto.hexEncode("abc"));
  t("hex2", () => crypto.hexEncode(new Uint8Array([1, 255]).buffer));
  t("hex3", () => crypto.hexEncode(5));
  t("rb", () => crypto.randomBytes(4).byteLength);
  t("rbt", () => crypto.randomBytes(3) instanceof ArrayBuffer);
  t("rb0", () => crypto.randomBytes(0));
  t("rbneg", () => crypto.randomBytes(-1));
  t("rbstr", () => crypto.randomBytes("5").byteLength);
  t("rbfloat", () => crypto.randomBytes(2.7).byteLength);
  t("rbdiffer", () => crypto.hexEncode(crypto.randomBytes(16)) !== crypto.hexEncode(crypto.randomBytes(16)));
}
