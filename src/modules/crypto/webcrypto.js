// The WebCrypto `crypto` global as k6 1.x offers it: getRandomValues, randomUUID and
// crypto.subtle. Implemented: SHA digests, HMAC and AES-GCM/CBC/CTR keys (raw and JWK),
// ECDSA and ECDH on P-256 and P-384 (raw, spki, pkcs8, JWK), RSA-OAEP (spki, pkcs8).
// Every other algorithm, format or operation rejects with NotSupportedError, so a
// script learns at once what rk6 lacks instead of getting a wrong answer.
//
// A classic script, not a module: it evaluates to a function that makes the global from
// deno_core's `Deno` (runtime-js/bootstrap.js calls it the first time a script reads
// `crypto`), so the many VUs that never use WebCrypto do not load it.
(function (Deno) {
  "use strict";
  const {
    op_crypto_hmac,
    op_crypto_random,
    op_encoding_b64decode,
    op_encoding_b64encode,
    op_subtle_aes,
    op_subtle_digest,
    op_subtle_ec,
    op_subtle_ecdsa_verify,
    op_subtle_rsa,
  } = Deno.core.ops;

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
  const EC = ["ECDSA", "ECDH"];
  const SUPPORTED = {
    digest: HASHES,
    generateKey: ["HMAC", ...AES, ...EC, "RSA-OAEP"],
    importKey: ["HMAC", ...AES, ...EC, "RSA-OAEP"],
    sign: ["HMAC", "ECDSA"],
    verify: ["HMAC", "ECDSA"],
    encrypt: [...AES, "RSA-OAEP"],
    decrypt: [...AES, "RSA-OAEP"],
    deriveBits: ["ECDH"],
  };
  // Bytes of a scalar (and of each coordinate) per curve.
  const CURVES = { "P-256": 32, "P-384": 48 };

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

  function makeKey(bytes, algorithm, extractable, usages, type = "secret") {
    const key = Object.create(CryptoKey.prototype);
    Object.defineProperties(key, {
      type: { value: type, enumerable: true },
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

  // Which usages each half of an EC key pair may have.
  const EC_USAGES = {
    ECDSA: { private: ["sign"], public: ["verify"] },
    ECDH: { private: ["deriveKey", "deriveBits"], public: [] },
  };

  function curveOf(alg) {
    const curve = alg.namedCurve;
    if (typeof curve !== "string") throw new TypeError("namedCurve is required");
    if (!(curve in CURVES)) throw fail("NotSupportedError", `unsupported curve ${curve}`);
    return curve;
  }

  function ecUsages(name, type, keyUsages) {
    const allowed = EC_USAGES[name][type];
    const list = Array.from(keyUsages ?? []);
    for (const u of list) {
      if (!allowed.includes(u)) throw fail("SyntaxError", `invalid key usage: ${u}`);
    }
    if (type === "private" && list.length === 0) throw fail("SyntaxError", "usages cannot be empty for a secret or private CryptoKey");
    return list;
  }

  function ec(curve, action, a, b = new Uint8Array(0), hash = "") {
    return new Uint8Array(op_subtle_ec(curve, action, a, b, hash));
  }

  function generateEcKey(alg, extractable, keyUsages) {
    const curve = curveOf(alg);
    const all = Array.from(keyUsages ?? []);
    const { private: forPrivate, public: forPublic } = EC_USAGES[alg.name];
    for (const u of all) {
      if (!forPrivate.includes(u) && !forPublic.includes(u)) throw fail("SyntaxError", `invalid key usage: ${u}`);
    }
    const privateUsages = all.filter((u) => forPrivate.includes(u));
    if (privateUsages.length === 0) throw fail("SyntaxError", "usages cannot be empty for a secret or private CryptoKey");
    const scalar = ec(curve, "generate", new Uint8Array(CURVES[curve]));
    const algorithm = { name: alg.name, namedCurve: curve };
    return {
      privateKey: makeKey(scalar, algorithm, extractable, privateUsages, "private"),
      // A public key is always extractable (WebCrypto).
      publicKey: makeKey(ec(curve, "public", scalar), { ...algorithm }, true, all.filter((u) => forPublic.includes(u)), "public"),
    };
  }

  function b64url(text, what) {
    if (typeof text !== "string") throw fail("DataError", `JWK has no ${what}`);
    try {
      return new Uint8Array(op_encoding_b64decode(text, "rawurl"));
    } catch (e) {
      throw fail("DataError", `JWK ${what} is not base64url: ${e.message}`);
    }
  }

  function importEcKey(format, keyData, alg, extractable, keyUsages) {
    const curve = curveOf(alg);
    const size = CURVES[curve];
    let type;
    let bytes;
    try {
      if (format === "raw") {
        type = "public";
        bytes = ec(curve, "import-raw", bytesOf(keyData, "keyData"));
      } else if (format === "spki") {
        type = "public";
        bytes = ec(curve, "import-spki", bytesOf(keyData, "keyData"));
      } else if (format === "pkcs8") {
        type = "private";
        bytes = ec(curve, "import-pkcs8", bytesOf(keyData, "keyData"));
      } else if (format === "jwk") {
        if (keyData === null || typeof keyData !== "object") throw new TypeError("a JWK must be an object");
        if (keyData.kty !== "EC") throw fail("DataError", `JWK kty must be "EC", got ${JSON.stringify(keyData.kty)}`);
        if (keyData.crv !== curve) throw fail("DataError", `JWK crv ${JSON.stringify(keyData.crv)} does not match ${curve}`);
        if (keyData.ext === false && extractable) throw fail("DataError", "JWK is not extractable (ext is false)");
        const x = b64url(keyData.x, "x");
        const y = b64url(keyData.y, "y");
        if (x.length !== size || y.length !== size) throw fail("DataError", "JWK x or y has the wrong length");
        const point = new Uint8Array(1 + 2 * size);
        point[0] = 4;
        point.set(x, 1);
        point.set(y, 1 + size);
        const publicPoint = ec(curve, "import-raw", point);
        if (keyData.d === undefined) {
          type = "public";
          bytes = publicPoint;
        } else {
          type = "private";
          bytes = b64url(keyData.d, "d");
          if (bytes.length !== size) throw fail("DataError", "JWK d has the wrong length");
          const derived = ec(curve, "public", bytes);
          if (derived.some((v, i) => v !== publicPoint[i])) throw fail("DataError", "JWK d does not match x and y");
        }
      } else {
        throw new TypeError(`unknown key format ${format}`);
      }
    } catch (e) {
      // The ops' errors are malformed keys.
      throw e instanceof TypeError || e instanceof CryptoError || (typeof DOMException === "function" && e instanceof DOMException)
        ? e
        : fail("DataError", `invalid ${format} key: ${e.message}`);
    }
    const usages = ecUsages(alg.name, type, keyUsages);
    return makeKey(bytes, { name: alg.name, namedCurve: curve }, extractable, usages, type);
  }

  function exportEcKey(format, key, bytes) {
    const curve = key.algorithm.namedCurve;
    const size = CURVES[curve];
    const isPrivate = key.type === "private";
    if (format === "raw" || format === "spki") {
      if (isPrivate) throw fail("InvalidAccessError", `a private key cannot be exported as ${format}`);
      return format === "raw" ? bytes.slice().buffer : ec(curve, "export-spki", bytes).buffer;
    }
    if (format === "pkcs8") {
      if (!isPrivate) throw fail("InvalidAccessError", "a public key cannot be exported as pkcs8");
      return ec(curve, "export-pkcs8", bytes).buffer;
    }
    if (format === "jwk") {
      const point = isPrivate ? ec(curve, "public", bytes) : bytes;
      const jwk = {
        kty: "EC",
        crv: curve,
        x: op_encoding_b64encode(point.subarray(1, 1 + size), "rawurl"),
        y: op_encoding_b64encode(point.subarray(1 + size), "rawurl"),
      };
      if (isPrivate) jwk.d = op_encoding_b64encode(bytes, "rawurl");
      return { ...jwk, ext: true, key_ops: [...key.usages] };
    }
    throw new TypeError(`unknown key format ${format}`);
  }

  const RSA_USAGES = { private: ["decrypt", "unwrapKey"], public: ["encrypt", "wrapKey"] };
  const NO_BYTES = new Uint8Array(0);

  function rsa(action, a, b = NO_BYTES, hash = "", label = NO_BYTES) {
    return new Uint8Array(op_subtle_rsa(action, a, b, hash, label));
  }

  // key.algorithm of an RSA-OAEP key, read from its public half.
  function rsaAlgorithm(spki, hash) {
    const info = rsa("info", spki);
    const bits = new DataView(info.buffer).getUint32(0);
    return { name: "RSA-OAEP", modulusLength: bits, publicExponent: info.slice(4), hash: { name: hash } };
  }

  function generateRsaKey(alg, extractable, keyUsages) {
    const hash = hashOf(alg);
    const all = Array.from(keyUsages ?? []);
    for (const u of all) {
      if (!RSA_USAGES.private.includes(u) && !RSA_USAGES.public.includes(u)) throw fail("SyntaxError", `invalid key usage: ${u}`);
    }
    const privateUsages = all.filter((u) => RSA_USAGES.private.includes(u));
    if (privateUsages.length === 0) throw fail("SyntaxError", "usages cannot be empty for a secret or private CryptoKey");
    const bits = new Uint8Array(4);
    new DataView(bits.buffer).setUint32(0, Number(alg.modulusLength) >>> 0);
    let pkcs8;
    try {
      pkcs8 = rsa("generate", bits, bytesOf(alg.publicExponent, "publicExponent"));
    } catch (e) {
      throw e instanceof TypeError ? e : fail("OperationError", e.message);
    }
    const spki = rsa("public", pkcs8);
    const algorithm = rsaAlgorithm(spki, hash);
    return {
      privateKey: makeKey(pkcs8, algorithm, extractable, privateUsages, "private"),
      publicKey: makeKey(spki, { ...algorithm }, true, all.filter((u) => RSA_USAGES.public.includes(u)), "public"),
    };
  }

  function importRsaKey(format, keyData, alg, extractable, keyUsages) {
    const hash = hashOf(alg);
    let type;
    if (format === "spki") type = "public";
    else if (format === "pkcs8") type = "private";
    else if (["raw", "jwk"].includes(format)) throw fail("NotSupportedError", `rk6 does not import RSA keys as ${format}`);
    else throw new TypeError(`unknown key format ${format}`);
    const data = bytesOf(keyData, "keyData");
    let der;
    try {
      der = rsa(`import-${format}`, data);
    } catch (e) {
      throw fail("DataError", `invalid ${format} key: ${e.message}`);
    }
    const allowed = RSA_USAGES[type];
    const usages = Array.from(keyUsages ?? []);
    for (const u of usages) {
      if (!allowed.includes(u)) throw fail("SyntaxError", `invalid key usage: ${u}`);
    }
    if (type === "private" && usages.length === 0) throw fail("SyntaxError", "usages cannot be empty for a secret or private CryptoKey");
    const spki = type === "public" ? der : rsa("public", der);
    return makeKey(der, rsaAlgorithm(spki, hash), extractable, usages, type);
  }

  function rsaOaep(encrypt, alg, key, data) {
    const secret = useKey(alg, key, encrypt ? "encrypt" : "decrypt");
    const label = alg.label === undefined ? NO_BYTES : bytesOf(alg.label, "label");
    try {
      return op_subtle_rsa(encrypt ? "encrypt" : "decrypt", secret, bytesOf(data), key.algorithm.hash.name, label);
    } catch (e) {
      throw fail("OperationError", e.message);
    }
  }

  async function generateKey(algorithm, extractable, keyUsages) {
    const alg = normalize(algorithm, "generateKey");
    if (EC.includes(alg.name)) return generateEcKey(alg, extractable, keyUsages);
    if (alg.name === "RSA-OAEP") return generateRsaKey(alg, extractable, keyUsages);
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
    if (EC.includes(alg.name)) return importEcKey(format, keyData, alg, extractable, keyUsages);
    if (alg.name === "RSA-OAEP") return importRsaKey(format, keyData, alg, extractable, keyUsages);
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
    if (EC.includes(key.algorithm.name)) return exportEcKey(format, key, bytes);
    if (key.algorithm.name === "RSA-OAEP") {
      if (format === "spki" || format === "pkcs8") {
        if ((format === "pkcs8") !== (key.type === "private")) throw fail("InvalidAccessError", `a ${key.type} key cannot be exported as ${format}`);
        return bytes.slice().buffer;
      }
      throw fail("NotSupportedError", `rk6 does not export RSA keys as ${format}`);
    }
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
    if (alg.name === "ECDSA") {
      const hash = hashOf(alg);
      try {
        return op_subtle_ec(key.algorithm.namedCurve, "sign", secret, bytesOf(data), hash);
      } catch (e) {
        throw fail("OperationError", e.message);
      }
    }
    return hmac(key, secret, bytesOf(data));
  }

  async function verify(algorithm, key, signature, data) {
    const alg = normalize(algorithm, "verify");
    const secret = useKey(alg, key, "verify");
    const given = bytesOf(signature, "signature");
    if (alg.name === "ECDSA") {
      const hash = hashOf(alg);
      try {
        return op_subtle_ecdsa_verify(key.algorithm.namedCurve, secret, given, bytesOf(data), hash);
      } catch (e) {
        throw fail("OperationError", e.message);
      }
    }
    const expected = new Uint8Array(hmac(key, secret, bytesOf(data)));
    // No early exit: how long this takes says nothing about the signature.
    let diff = given.length ^ expected.length;
    for (let i = 0; i < expected.length; i++) diff |= expected[i] ^ (given[i] ?? 0);
    return diff === 0;
  }

  function aes(encrypt, algorithm, key, data) {
    const alg = normalize(algorithm, encrypt ? "encrypt" : "decrypt");
    if (alg.name === "RSA-OAEP") return rsaOaep(encrypt, alg, key, data);
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

  async function deriveBits(algorithm, baseKey, length) {
    const alg = normalize(algorithm, "deriveBits");
    const secret = useKey(alg, baseKey, "deriveBits");
    if (baseKey.type !== "private") throw fail("InvalidAccessError", "the base key is not a private key");
    const peer = alg.public;
    const point = peer !== null && typeof peer === "object" ? secrets.get(peer) : undefined;
    if (point === undefined || peer.type !== "public") throw fail("InvalidAccessError", "algorithm.public must be a public CryptoKey");
    if (peer.algorithm.name !== "ECDH" || peer.algorithm.namedCurve !== baseKey.algorithm.namedCurve) {
      throw fail("InvalidAccessError", "algorithm.public is not an ECDH key on the same curve");
    }
    let shared;
    try {
      shared = ec(baseKey.algorithm.namedCurve, "ecdh", secret, point);
    } catch (e) {
      throw fail("OperationError", e.message);
    }
    if (length === null || length === undefined) return shared.buffer;
    const bits = Number(length);
    if (!(bits >= 0) || bits > shared.length * 8) throw fail("OperationError", `length ${length} is more than the shared secret's bits`);
    const out = shared.slice(0, Math.ceil(bits / 8));
    // WebCrypto zeroes the unused low bits of the last byte.
    if (bits % 8 !== 0) out[out.length - 1] &= 0xff << (8 - (bits % 8));
    return out.buffer;
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
    deriveBits,
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

  return { getRandomValues, randomUUID, subtle, CryptoKey };
})
