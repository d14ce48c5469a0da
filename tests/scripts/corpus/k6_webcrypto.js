// Mirrors grafana/k6 examples/webcrypto (digest.js, encrypt-decrypt-aes-gcm.js,
// sign-verify-hmac.js, getRandomValues.js, randomUUID.js): the global `crypto` in an async
// default function.
import { check } from "k6";

export const options = { iterations: 2 };

// k6 has no TextEncoder/TextDecoder; its examples convert strings by hand like this.
function bytes(str) {
  const out = new Uint8Array(str.length);
  for (let i = 0; i < str.length; i++) out[i] = str.charCodeAt(i);
  return out;
}

function text(buf) {
  return String.fromCharCode(...new Uint8Array(buf));
}

function hex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

export default async function () {
  const digest = await crypto.subtle.digest("SHA-256", bytes("Hello, world!"));

  const aes = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, aes, bytes("secret text"));
  const opened = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, aes, sealed);

  const hmacKey = await crypto.subtle.generateKey({ name: "HMAC", hash: { name: "SHA-512" } }, true, ["sign", "verify"]);
  const data = bytes("payload");
  const sig = await crypto.subtle.sign("HMAC", hmacKey, data);
  const good = await crypto.subtle.verify("HMAC", hmacKey, sig, data);
  const bad = await crypto.subtle.verify("HMAC", hmacKey, sig, bytes("other"));

  check(null, {
    "digest": () => hex(digest) === "315f5bdb76d078c43b8ac0064e4a0164612b1fce77c869345bfc94c75894edd3",
    "aes-gcm adds a tag": () => sealed.byteLength === 11 + 16,
    "aes-gcm round trip": () => text(opened) === "secret text",
    "hmac verifies": () => good === true,
    "hmac rejects other data": () => bad === false,
    "uuid v4": () => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),
  });
}
