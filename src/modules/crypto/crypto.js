// k6/crypto: k6's hash, HMAC and random-bytes API. Errors are k6's Go errors, worded
// as k6 words them.
const { op_crypto_digest, op_crypto_hmac, op_crypto_random } = Deno.core.ops;
import { base64, goError, toBytes } from "rk6:encoding.js";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hex(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]];
  return out;
}

// The output encodings k6 accepts; "binary" is an ArrayBuffer.
function encode(buffer, encoding) {
  const bytes = new Uint8Array(buffer);
  switch (encoding) {
    case "hex":
      return hex(bytes);
    case "base64":
      return base64(bytes, "std");
    case "base64url":
      return base64(bytes, "url");
    case "base64rawurl":
      return base64(bytes, "rawurl");
    case "binary":
      return buffer;
    default:
      throw goError(`invalid output encoding: ${encoding === undefined ? "" : encoding}`);
  }
}

function concat(chunks) {
  let len = 0;
  for (const c of chunks) len += c.length;
  const out = new Uint8Array(len);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const ALGORITHMS = ["md4", "md5", "sha1", "sha256", "sha384", "sha512", "sha512_224", "sha512_256", "ripemd160"];

function checkAlgorithm(algorithm) {
  if (!ALGORITHMS.includes(algorithm)) throw goError(`invalid algorithm: ${algorithm}`);
}

// k6's hasher object: `update` may follow `digest`, which does not reset it.
class Hasher {
  #compute;
  #chunks = [];
  constructor(compute) {
    this.#compute = compute;
  }
  update(input) {
    // Copied: the script may reuse its buffer before digest().
    this.#chunks.push(toBytes(input).slice());
  }
  digest(outputEncoding) {
    return encode(this.#compute(concat(this.#chunks)), outputEncoding);
  }
}

export function createHash(algorithm) {
  const alg = String(algorithm);
  checkAlgorithm(alg);
  return new Hasher((data) => op_crypto_digest(alg, data));
}

export function createHMAC(algorithm, secret) {
  const alg = String(algorithm);
  const key = toBytes(secret).slice();
  checkAlgorithm(alg);
  return new Hasher((data) => op_crypto_hmac(alg, key, data));
}

export function hmac(algorithm, secret, data, outputEncoding) {
  const alg = String(algorithm);
  const key = toBytes(secret);
  const bytes = toBytes(data);
  checkAlgorithm(alg);
  return encode(op_crypto_hmac(alg, key, bytes), outputEncoding);
}

function hashFunction(alg) {
  return (input, outputEncoding) => encode(op_crypto_digest(alg, toBytes(input, `${alg} failed: `)), outputEncoding);
}

export const md4 = hashFunction("md4");
export const md5 = hashFunction("md5");
export const sha1 = hashFunction("sha1");
export const sha256 = hashFunction("sha256");
export const sha384 = hashFunction("sha384");
export const sha512 = hashFunction("sha512");
export const sha512_224 = hashFunction("sha512_224");
export const sha512_256 = hashFunction("sha512_256");
export const ripemd160 = hashFunction("ripemd160");

export function hexEncode(input) {
  return hex(toBytes(input));
}

export function randomBytes(size) {
  const n = Math.trunc(Number(size));
  if (!(n > 0)) throw goError("invalid size");
  try {
    return op_crypto_random(n);
  } catch (e) {
    throw goError(e.message);
  }
}

export default {
  createHMAC,
  createHash,
  hexEncode,
  hmac,
  md4,
  md5,
  randomBytes,
  ripemd160,
  sha1,
  sha256,
  sha384,
  sha512,
  sha512_224,
  sha512_256,
};
