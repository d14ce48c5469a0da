// Mirrors grafana/quickpizza k6/foundations/04.metrics.js: a custom Counter and Trend fed
// from each response, next to the built-in metrics.
import http from "k6/http";
import { check } from "k6";
import { Counter, Trend } from "k6/metrics";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  scenarios: {
    buy: { executor: "shared-iterations", vus: 2, iterations: 5 },
  },
};

const orders = new Counter("shop_number_of_orders");
const priceTrend = new Trend("shop_prices");

export default function () {
  const res = http.get(`${SHOP}/products/2`);
  check(res, { "status is 200": (r) => r.status === 200 });
  orders.add(1);
  priceTrend.add(res.json().price);
}
