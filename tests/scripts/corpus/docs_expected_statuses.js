// Mirrors the k6 docs' http.setResponseCallback / http.expectedStatuses examples: which
// statuses count as failed requests in http_req_failed, globally and per request.
import http from "k6/http";
import { check } from "k6";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

http.setResponseCallback(http.expectedStatuses(200, { min: 400, max: 404 }));

export const options = {
  iterations: 1,
  thresholds: {
    http_req_failed: ["rate==0.25"],
    "http_req_failed{expected_response:true}": ["rate==0"],
    "http_reqs{expected_response:true}": ["count==3"],
  },
};

export default function () {
  http.get(`${BASE}/status/200`);
  http.get(`${BASE}/status/404`);
  http.get(`${BASE}/status/500`);
  const only201 = http.expectedStatuses(201);
  const res = http.get(`${BASE}/status/201`, { responseCallback: only201 });
  check(res, { "201 answered": (r) => r.status === 201 });
}
