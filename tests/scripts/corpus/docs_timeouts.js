// Mirrors the k6 docs' Params `timeout` example: a request slower than its timeout fails with
// an error (status 0, error_code 1050) instead of throwing, and counts in http_req_failed.
import http from "k6/http";
import { check } from "k6";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = {
  iterations: 1,
  thresholds: { http_req_failed: ["rate<0.01"] },
};

export default function () {
  const res = http.get(`${BASE}/slow`, { timeout: "200ms" });
  check(res, {
    "status is 0": (r) => r.status === 0,
    "timeout error code": (r) => r.error_code === 1050,
  });
  check(http.get(`${BASE}/status/200`), { "next request works": (r) => r.status === 200 });
}
