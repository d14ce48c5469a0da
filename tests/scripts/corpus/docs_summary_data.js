// Mirrors the k6 docs' "Custom summary" page: handleSummary() reads metric values, threshold
// results and the group/check tree from its data argument and writes them out as JSON.
import http from "k6/http";
import { check, group } from "k6";
import { Trend } from "k6/metrics";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";
const sizes = new Trend("sizes");

export const options = {
  iterations: 2,
  thresholds: {
    sizes: ["max<1000", "min>10000"],
  },
};

export default function () {
  group("shop", () => {
    const res = http.get(`${SHOP}/products`);
    check(res, { "listing is 200": (r) => r.status === 200, "listing is empty": (r) => r.json().products.length === 0 });
    sizes.add(res.body.length);
  });
}

export function handleSummary(data) {
  const shop = data.root_group.groups.find((g) => g.name === "shop");
  const out = {
    sizes_max: data.metrics.sizes.values.max,
    sizes_type: data.metrics.sizes.type,
    sizes_contains: data.metrics.sizes.contains,
    thresholds: data.metrics.sizes.thresholds,
    checks_rate: data.metrics.checks.values.rate,
    group_path: shop.path,
    group_checks: shop.checks.map((c) => [c.name, c.passes, c.fails]),
    iterations: data.metrics.iterations.values.count,
  };
  return { stdout: JSON.stringify(out) + "\n" };
}
