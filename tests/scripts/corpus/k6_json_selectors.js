// Mirrors grafana/k6 examples/json.js and the docs' Response.json([selector]) example:
// gjson-style selectors into a (gzip-compressed) JSON body.
import http from "k6/http";
import { check } from "k6";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = { iterations: 1 };

export default function () {
  const res = http.get(`${BASE}/gzip`);
  check(res, {
    "status is 200": (r) => r.status === 200,
    "decompressed body": (r) => r.body === '{"a":{"b":[1,2,3]}}',
    "selector a.b.1": (r) => r.json("a.b.1") === 2,
    "selector a.b.#": (r) => r.json("a.b.#") === 3,
    "missing selector": (r) => r.json("a.zzz") === undefined,
  });
}
