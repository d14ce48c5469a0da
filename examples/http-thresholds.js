// Thresholds on k6/http's metrics: the test passes (exit 0) only if requests fail
// rarely and answer fast; otherwise rk6 exits with 99. Against the example server
// (examples/http-server.rs):
//   cargo run --no-default-features --features quickjs --example http-server
//   rk6 run examples/http-thresholds.js       # BASE_URL=http://127.0.0.1:9000 for another port
import http from "k6/http";
import { check, sleep } from "k6";

const BASE = __ENV.BASE_URL || "http://127.0.0.1:8080";

export const options = {
  scenarios: {
    shop: { executor: "constant-vus", vus: 3, duration: "2s" },
  },
  thresholds: {
    // Less than 1% of requests fail (a status outside 200-399, or no answer).
    http_req_failed: ["rate<0.01"],
    // 95% of all requests, and 99% of product pages, answer within these times (ms).
    http_req_duration: ["p(95)<500"],
    "http_req_duration{name:product}": ["p(99)<800", "avg<300"],
    // Successful responses only: the sub-metric k6 also shows in its summary.
    "http_req_duration{expected_response:true}": ["max<1000"],
    checks: ["rate>0.99"],
  },
};

export default function () {
  const list = http.get(`${BASE}/products`);
  check(list, { "list is 200": (r) => r.status === 200 });
  for (const id of list.json("products.#.id") ?? []) {
    http.get(`${BASE}/products/${id}`, { tags: { name: "product" } });
  }
  // A slow page, still well within the thresholds.
  http.get(`${BASE}/delay/50`);
  sleep(0.1);
}
