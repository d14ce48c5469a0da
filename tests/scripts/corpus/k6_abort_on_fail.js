// Mirrors the abortOnFail threshold in grafana/k6 examples/thresholds_readme_example.js and
// the k6 docs' "Abort a test when a threshold is crossed": once the failure rate crosses the
// bound the whole test stops early and k6 exits with 99.
import http from "k6/http";
import { check, sleep } from "k6";
import { Rate } from "k6/metrics";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

const failures = new Rate("failures");

export const options = {
  scenarios: {
    long: { executor: "constant-vus", vus: 2, duration: "20s" },
  },
  thresholds: {
    failures: [{ threshold: "rate<0.1", abortOnFail: true }],
  },
};

export default function () {
  const res = http.get(`${BASE}/status/500`);
  failures.add(!check(res, { "status is 200": (r) => r.status === 200 }));
  sleep(0.1);
}
