// The WebCrypto `crypto` global as k6 1.x offers it: getRandomValues, randomUUID and
// crypto.subtle. Implemented: SHA digests, HMAC and AES-GCM/CBC/CTR keys (raw and JWK).
// Every other algorithm, format or operation rejects with NotSupportedError, so a
// script learns at once what rk6 lacks instead of getting a wrong answer.
const { op_crypto_hmac, op_crypto_random, op_encoding_b64decode, op_encoding_b64encode, op_subtle_aes, op_subtle_digest } =
  Deno.core.ops;

// DOMException where the runtime has one; otherwise an Error with the same name and message.
class CryptoError extends Error {
  constructor(message, name) {
    super(message);
    this.name = name;
  }
}
const fail = (name, message) =>
  typeof DOMException === "function" ? new DOMException(message, name) : new CryptoError(message, name);

// getRandomValues accepts the integer typed arrays only (WebCrypto).
const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];

function getRandomValues(typedArray) {
  if (!INTEGER_ARRAYS.some((T) => typedArray instanceof T)) {
    throw fail("TypeMismatchError", "typedArray parameter isn't a TypedArray instance");
  }
  if (typedArray.byteLength > 65536) {
    throw fail("QuotaExceededError", "typedArray parameter is too big; maximum length is 65536");
  }
  const bytes = new Uint8Array(op_crypto_random(typedArray.byteLength));
  new Uint8Array(typedArray.buffer, typedArray.byteOffset, typedArray.byteLength).set(bytes);
  return typedArray;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function randomUUID() {
  const b = new Uint8Array(op_crypto_random(16));
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const h = Array.from(b, (x) => HEX[x]).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// Registered algorithm names, for case-insensitive matching as WebCrypto normalizes them.
const NAMES = [
  "SHA-1", "SHA-256", "SHA-384", "SHA-512", "HMAC", "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW",
  "ECDSA", "ECDH", "RSA-OAEP", "RSA-PSS", "RSASSA-PKCS1-v1_5", "HKDF", "PBKDF2", "Ed25519", "X25519",
];
const HASHES = ["SHA-1", "SHA-256", "SHA-384", "SHA-512"];
const AES = ["AES-GCM", "AES-CBC", "AES-CTR"];
// Algorithms rk6 implements, per operation.
const SUPPORTED = {
  digest: HASHES,
  generateKey: ["HMAC", ...AES],
  importKey: ["HMAC", ...AES],
  sign: ["HMAC"],
  verify: ["HMAC"],
  encrypt: AES,
  decrypt: AES,
};

function normalize(algorithm, op) {
  const input = typeof algorithm === "string" ? { name: algorithm } : algorithm;
  if (input === null || typeof input !== "object" || typeof input.name !== "string") {
    throw new TypeError("algorithm must be a string or an object with a name");
  }
  const name = NAMES.find((n) => n.toLowerCase() === input.name.toLowerCase()) ?? input.name;
  if (!(SUPPORTED[op] ?? []).includes(name)) {
    throw fail("NotSupportedError", `algorithm "${input.name}" doesn't support (in implementation) operation "${op}"`);
  }
  return { ...input, name };
}

function hashOf(algorithm) {
  if (algorithm.hash === undefined) throw fail("SyntaxError", "could not get hash from algorithm parameter");
  const hash = normalize(algorithm.hash, "digest");
  return hash.name;
}

// BufferSource → a copy of its bytes (the script may change its buffer before the
// promise settles).
function bytesOf(data, what = "data") {
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  throw new TypeError(`${what} must be an ArrayBuffer, TypedArray, or DataView`);
}

// Secret key bytes, out of the script's reach.
const secrets = new WeakMap();

class CryptoKey {
  constructor() {
    throw new TypeError("CryptoKey cannot be constructed by scripts");
  }
}

function makeKey(bytes, algorithm, extractable, usages) {
  const key = Object.create(CryptoKey.prototype);
  Object.defineProperties(key, {
    type: { value: "secret", enumerable: true },
    extractable: { value: Boolean(extractable), enumerable: true },
    algorithm: { value: algorithm, enumerable: true },
    usages: { value: usages, enumerable: true },
  });
  secrets.set(key, bytes);
  return key;
}

const USAGES = { HMAC: ["sign", "verify"], AES: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] };

function checkUsages(name, usages) {
  const allowed = name === "HMAC" ? USAGES.HMAC : USAGES.AES;
  const list = Array.from(usages ?? []);
  for (const u of list) {
    if (!allowed.includes(u)) throw fail("SyntaxError", `invalid key usage: ${u}`);
  }
  if (list.length === 0) throw fail("SyntaxError", "usages cannot be empty for a secret or private CryptoKey");
  return list;
}

// HMAC's default key length is the hash's block size.
const BLOCK_BITS = { "SHA-1": 512, "SHA-256": 512, "SHA-384": 1024, "SHA-512": 1024 };
const JWK_HMAC = { "SHA-1": "HS1", "SHA-256": "HS256", "SHA-384": "HS384", "SHA-512": "HS512" };
const JWK_AES = { "AES-GCM": "GCM", "AES-CBC": "CBC", "AES-CTR": "CTR" };
const K6_HASH = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };

function secretAlgorithm(alg, bits) {
  if (alg.name === "HMAC") {
    const hash = hashOf(alg);
    if (alg.length !== undefined && alg.length !== bits) throw fail("DataError", "key length does not match the algorithm's length");
    return { name: "HMAC", hash: { name: hash }, length: bits };
  }
  if (![128, 192, 256].includes(bits)) throw fail("DataError", `invalid key length ${bits / 8} bytes`);
  return { name: alg.name, length: bits };
}

async function generateKey(algorithm, extractable, keyUsages) {
  const alg = normalize(algorithm, "generateKey");
  const usages = checkUsages(alg.name, keyUsages);
  let bits;
  if (alg.name === "HMAC") {
    bits = alg.length === undefined ? BLOCK_BITS[hashOf(alg)] : Number(alg.length);
    if (!(bits > 0) || bits % 8 !== 0) throw fail("OperationError", "HMAC key length must be a positive multiple of 8");
  } else {
    bits = Number(alg.length);
    if (![128, 192, 256].includes(bits)) throw fail("OperationError", "AES key length must be 128, 192 or 256 bits");
  }
  const bytes = new Uint8Array(op_crypto_random(bits / 8));
  return makeKey(bytes, secretAlgorithm({ ...alg, length: undefined }, bits), extractable, usages);
}

function fromJwk(jwk, alg, extractable) {
  if (jwk === null || typeof jwk !== "object") throw new TypeError("a JWK must be an object");
  if (jwk.kty !== "oct") throw fail("DataError", `JWK kty must be "oct", got ${JSON.stringify(jwk.kty)}`);
  if (typeof jwk.k !== "string") throw fail("DataError", "JWK has no k");
  if (jwk.ext === false && extractable) throw fail("DataError", "JWK is not extractable (ext is false)");
  let bytes;
  try {
    bytes = new Uint8Array(op_encoding_b64decode(jwk.k, "rawurl"));
  } catch (e) {
    throw fail("DataError", `JWK k is not base64url: ${e.message}`);
  }
  if (jwk.alg !== undefined) {
    const expected = alg.name === "HMAC" ? JWK_HMAC[hashOf(alg)] : `A${bytes.length * 8}${JWK_AES[alg.name]}`;
    if (jwk.alg !== expected) throw fail("DataError", `JWK alg ${JSON.stringify(jwk.alg)} does not match ${expected}`);
  }
  return bytes;
}

async function importKey(format, keyData, algorithm, extractable, keyUsages) {
  const alg = normalize(algorithm, "importKey");
  let bytes;
  if (format === "raw") bytes = bytesOf(keyData, "keyData");
  else if (format === "jwk") bytes = fromJwk(keyData, alg, extractable);
  else if (["spki", "pkcs8"].includes(format)) throw fail("NotSupportedError", `unsupported key format ${format}`);
  else throw new TypeError(`unknown key format ${format}`);
  const usages = checkUsages(alg.name, keyUsages);
  if (bytes.length === 0) throw fail("DataError", "key length cannot be 0");
  return makeKey(bytes, secretAlgorithm(alg, bytes.length * 8), extractable, usages);
}

function secretOf(key) {
  const bytes = key !== null && typeof key === "object" ? secrets.get(key) : undefined;
  if (bytes === undefined) throw fail("InvalidAccessError", "key argument does hold not a valid CryptoKey object");
  return bytes;
}

async function exportKey(format, key) {
  const bytes = secretOf(key);
  if (!key.extractable) throw fail("InvalidAccessError", "the key is not extractable");
  if (format === "raw") return bytes.slice().buffer;
  if (format === "jwk") {
    const alg = key.algorithm;
    return {
      kty: "oct",
      k: op_encoding_b64encode(bytes, "rawurl"),
      alg: alg.name === "HMAC" ? JWK_HMAC[alg.hash.name] : `A${alg.length}${JWK_AES[alg.name]}`,
      ext: true,
      key_ops: [...key.usages],
    };
  }
  if (["spki", "pkcs8"].includes(format)) throw fail("NotSupportedError", `unsupported key format ${format}`);
  throw new TypeError(`unknown key format ${format}`);
}

// The key's secret, once it is known to suit `alg` and `usage`.
function useKey(alg, key, usage) {
  const bytes = secretOf(key);
  if (key.algorithm.name !== alg.name) {
    throw fail("InvalidAccessError", `${usage}'s algorithm name does not match key algorithm name`);
  }
  if (!key.usages.includes(usage)) throw fail("InvalidAccessError", `key does not contain the '${usage}' usage`);
  return bytes;
}

function hmac(key, secret, data) {
  return op_crypto_hmac(K6_HASH[key.algorithm.hash.name], secret, data);
}

async function sign(algorithm, key, data) {
  const alg = normalize(algorithm, "sign");
  const secret = useKey(alg, key, "sign");
  return hmac(key, secret, bytesOf(data));
}

async function verify(algorithm, key, signature, data) {
  const alg = normalize(algorithm, "verify");
  const secret = useKey(alg, key, "verify");
  const given = bytesOf(signature, "signature");
  const expected = new Uint8Array(hmac(key, secret, bytesOf(data)));
  // No early exit: how long this takes says nothing about the signature.
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= expected[i] ^ (given[i] ?? 0);
  return diff === 0;
}

function aes(encrypt, algorithm, key, data) {
  const alg = normalize(algorithm, encrypt ? "encrypt" : "decrypt");
  const secret = useKey(alg, key, encrypt ? "encrypt" : "decrypt");
  const input = bytesOf(data);
  let iv;
  let aad = new Uint8Array(0);
  let param = 0;
  if (alg.name === "AES-CTR") {
    iv = bytesOf(alg.counter, "counter");
    param = Number(alg.length);
    if (iv.length !== 16) throw fail("OperationError", "counter must be 16 bytes long");
    if (!(param >= 1 && param <= 128)) throw fail("OperationError", "length must be between 1 and 128");
  } else {
    iv = bytesOf(alg.iv, "iv");
    if (alg.name === "AES-CBC" && iv.length !== 16) throw fail("OperationError", "iv length is not 16 bytes");
    if (alg.name === "AES-GCM") {
      if (alg.additionalData !== undefined) aad = bytesOf(alg.additionalData, "additionalData");
      param = alg.tagLength === undefined ? 128 : Number(alg.tagLength);
      if (![32, 64, 96, 104, 112, 120, 128].includes(param)) throw fail("OperationError", `invalid tagLength ${alg.tagLength}`);
    }
  }
  try {
    return op_subtle_aes(alg.name, encrypt, secret, iv, aad, param, input);
  } catch (e) {
    throw fail("OperationError", e.message);
  }
}

const encrypt = async (algorithm, key, data) => aes(true, algorithm, key, data);
const decrypt = async (algorithm, key, data) => aes(false, algorithm, key, data);

async function digest(algorithm, data) {
  const alg = normalize(algorithm, "digest");
  return op_subtle_digest(alg.name, bytesOf(data));
}

function unsupported(op) {
  return async () => {
    throw fail("NotSupportedError", `rk6 does not implement crypto.subtle.${op}`);
  };
}

class SubtleCrypto {}
const subtle = Object.create(SubtleCrypto.prototype);
Object.assign(subtle, {
  decrypt,
  deriveBits: unsupported("deriveBits"),
  deriveKey: unsupported("deriveKey"),
  digest,
  encrypt,
  exportKey,
  generateKey,
  importKey,
  sign,
  unwrapKey: unsupported("unwrapKey"),
  verify,
  wrapKey: unsupported("wrapKey"),
});

export const crypto = { getRandomValues, randomUUID, subtle, CryptoKey };
