// Mirrors grafana/quickpizza k6/foundations/05.thresholds.js: thresholds on
// http_req_failed, on http_req_duration percentiles, and on a custom Trend in the object
// form with abortOnFail: false. All hold, so the run exits 0.
import http from "k6/http";
import { check } from "k6";
import { Trend, Counter } from "k6/metrics";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  vus: 2,
  iterations: 6,
  thresholds: {
    http_req_failed: ["rate<0.01"],
    http_req_duration: ["p(95)<500", "p(99)<1000"],
    shop_prices: [{ threshold: "avg<100", abortOnFail: false }],
    shop_orders: ["count==6"],
  },
};

const orders = new Counter("shop_orders");
const prices = new Trend("shop_prices");

export default function () {
  const res = http.get(`${SHOP}/products/${(__ITER % 3) + 1}`);
  check(res, { "status is 200": (r) => r.status === 200 });
  orders.add(1);
  prices.add(res.json().price);
}
