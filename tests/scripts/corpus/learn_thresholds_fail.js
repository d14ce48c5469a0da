// Mirrors grafana/k6-learn Modules/II-k6-Foundations/07-Setting-test-criteria-with-thresholds.md:
// several thresholds, one of them unmet (a latency bound the /delay endpoint cannot meet),
// so k6 prints the failed threshold and exits 99.
import http from "k6/http";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  iterations: 2,
  thresholds: {
    http_req_failed: ["rate<=0.05"],
    http_req_duration: ["p(95)<=50"],
    http_reqs: ["count==2"],
  },
};

export default function () {
  http.get(`${SHOP}/delay/120`);
}
