// Mirrors grafana/quickpizza k6/foundations/08.arrival-rate.js: a constant-arrival-rate
// scenario (rate + timeUnit + preAllocatedVUs) with no sleep in the iteration.
import http from "k6/http";
import { check } from "k6";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  scenarios: {
    constant_request_rate: {
      exec: "getProduct",
      executor: "constant-arrival-rate",
      duration: "1s",
      rate: 20,
      timeUnit: "1s",
      preAllocatedVUs: 4,
    },
  },
  thresholds: {
    http_req_failed: ["rate<0.01"],
    checks: ["rate > 0.95"],
  },
};

export function getProduct() {
  const res = http.get(`${SHOP}/products/1`);
  check(res, { "status is 200": (r) => r.status === 200 });
}
