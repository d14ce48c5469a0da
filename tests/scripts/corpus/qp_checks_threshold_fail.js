// Mirrors grafana/quickpizza k6/foundations/06.checks-with-thresholds.js with a service that
// misbehaves: a `checks` rate threshold fails (half the checks fail) and so does
// http_req_failed, so the run ends with exit code 99 after all iterations.
import http from "k6/http";
import { check } from "k6";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  vus: 1,
  iterations: 4,
  thresholds: {
    http_req_failed: ["rate<0.01"],
    checks: ["rate > 0.95"],
    http_req_duration: ["p(95)<5000"],
  },
};

export default function () {
  // Every other product id does not exist.
  const res = http.get(`${SHOP}/products/${__ITER % 2 === 0 ? 1 : 99}`);
  check(res, { "status is 200": (r) => r.status === 200 });
}
