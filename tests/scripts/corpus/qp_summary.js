// Mirrors grafana/quickpizza k6/foundations/10.summary.js: handleSummary() writes the whole
// summary data as a JSON file and a text report to stdout. The text report is built here by
// hand instead of with jslib's textSummary, which is a remote import.
import http from "k6/http";
import { check } from "k6";
import { Counter } from "k6/metrics";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: { checks: ["rate > 0.95"] },
};

const orders = new Counter("orders");

export default function () {
  const res = http.get(`${SHOP}/products`);
  check(res, { "status is 200": (r) => r.status === 200 });
  orders.add(2);
}

export function handleSummary(data) {
  const m = data.metrics;
  const lines = [
    `checks passes=${m.checks.values.passes} fails=${m.checks.values.fails}`,
    `orders count=${m.orders.values.count}`,
    `iterations count=${m.iterations.values.count}`,
    `http_reqs count=${m.http_reqs.values.count}`,
    `checks threshold ok=${m.checks.thresholds["rate > 0.95"].ok}`,
  ];
  return {
    "summary.json": JSON.stringify(data, null, 2),
    stdout: lines.join("\n") + "\n",
  };
}
