// Mirrors grafana/k6 examples/http_basic_auth.js: basic credentials in the URL, sent as an
// Authorization header, and the same header built by hand with k6/encoding.
import http from "k6/http";
import { check } from "k6";
import encoding from "k6/encoding";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = { iterations: 1 };

function authorization(res) {
  const pair = res.json().headers.find(([k]) => k.toLowerCase() === "authorization");
  return pair && pair[1];
}

export default function () {
  const host = BASE.replace("http://", "");
  const expected = `Basic ${encoding.b64encode("user:passwd")}`;
  let res = http.get(`http://user:passwd@${host}/basic`);
  check(res, {
    "status is 200": (r) => r.status === 200,
    "basic header sent": (r) => authorization(r) === expected,
  });
  res = http.get(`${BASE}/basic`, { headers: { Authorization: expected } });
  check(res, { "hand-made header sent": (r) => authorization(r) === expected });
}
