// Mirrors the k6 docs' check() page ("checks with custom tags", "thresholds on checks"):
// tagged checks, a threshold on a check-tagged sub-metric, and a threshold on one named
// check (`checks{check:...}`) that fails, so the run exits 99.
import http from "k6/http";
import { check } from "k6";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = {
  iterations: 4,
  thresholds: {
    "checks{myTag:hola}": ["rate==1"],
    "checks{check:body is large}": ["rate>0.9"],
  },
};

export default function () {
  const res = http.get(`${BASE}/status/200`);
  check(res, { "is status 200": (r) => r.status === 200 }, { myTag: "hola" });
  check(res, { "body is large": (r) => r.body.length > 1000 });
}
