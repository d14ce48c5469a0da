// Mirrors grafana/k6 examples/base64.js: k6/encoding b64encode/b64decode in the std, rawstd,
// url and rawurl alphabets, to strings and to ArrayBuffers.
import { check } from "k6";
import encoding from "k6/encoding";

export const options = { iterations: 1 };

export default function () {
  const str = "hello world";
  const enc = "aGVsbG8gd29ybGQ=";
  const bin = "?>?";
  check(null, {
    "std encoding": () => encoding.b64encode(str) === enc,
    "std decoding": () => encoding.b64decode(enc, "std", "s") === str,
    "rawstd has no padding": () => encoding.b64encode(str, "rawstd") === "aGVsbG8gd29ybGQ",
    "url alphabet": () => encoding.b64encode(bin, "url") === "Pz4_",
    "rawurl round trip": () => encoding.b64decode(encoding.b64encode(bin, "rawurl"), "rawurl", "s") === bin,
    "decode to ArrayBuffer": () => new Uint8Array(encoding.b64decode(enc)).length === 11,
  });
}
