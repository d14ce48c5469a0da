// Mirrors grafana/k6-learn Modules/III-k6-Intermediate/08-Setting-load-profiles-with-executors
// (shared-iterations, per-vu-iterations, constant-vus, ramping-vus, ramping-arrival-rate):
// one short scenario of each, checked per scenario through tagged thresholds.
import http from "k6/http";
import { check, sleep } from "k6";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  scenarios: {
    shared: { executor: "shared-iterations", vus: 3, iterations: 7, maxDuration: "5s" },
    per_vu: { executor: "per-vu-iterations", vus: 2, iterations: 3 },
    constant: { executor: "constant-vus", vus: 2, duration: "1s" },
    ramping: {
      executor: "ramping-vus",
      startVUs: 1,
      stages: [
        { duration: "300ms", target: 2 },
        { duration: "200ms", target: 0 },
      ],
      gracefulRampDown: "0s",
    },
    arrivals: {
      executor: "ramping-arrival-rate",
      startRate: 5,
      timeUnit: "1s",
      preAllocatedVUs: 2,
      stages: [{ duration: "600ms", target: 10 }],
    },
  },
  thresholds: {
    "iterations{scenario:shared}": ["count==7"],
    "iterations{scenario:per_vu}": ["count==6"],
    "iterations{scenario:constant}": ["count>0"],
    "http_req_failed": ["rate==0"],
  },
};

export default function () {
  const res = http.get(`${SHOP}/products/3`);
  check(res, { "status is 200": (r) => r.status === 200 });
  sleep(0.05);
}
