// Mirrors grafana/quickpizza k6/foundations/07.scenarios.js: two scenarios running the same
// exported function via `exec` — a constant-vus smoke and a ramping-vus stress that starts
// later (startTime) — under shared thresholds.
import http from "k6/http";
import { check, sleep } from "k6";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  scenarios: {
    smoke: { exec: "getProducts", executor: "constant-vus", vus: 1, duration: "1s" },
    stress: {
      exec: "getProducts",
      executor: "ramping-vus",
      stages: [
        { duration: "300ms", target: 3 },
        { duration: "300ms", target: 0 },
      ],
      startTime: "300ms",
    },
  },
  thresholds: {
    http_req_failed: ["rate<0.01"],
    checks: ["rate > 0.95"],
    "http_reqs{scenario:smoke}": ["count>0"],
    "http_reqs{scenario:stress}": ["count>0"],
  },
};

export function getProducts() {
  const res = http.get(`${SHOP}/products`);
  check(res, { "status is 200": (r) => r.status === 200 });
  sleep(0.1);
}
