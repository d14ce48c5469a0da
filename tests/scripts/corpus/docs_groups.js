// Mirrors the k6 docs' "Tags and Groups" page: requests grouped into transactions, thresholds
// on group-tagged sub-metrics (`{group:::name}`), nested groups.
import http from "k6/http";
import { check, group } from "k6";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  iterations: 3,
  thresholds: {
    "http_reqs{group:::visit product listing page}": ["count==3"],
    // Requests in the nested group are tagged with the nested group only.
    "http_reqs{group:::add several products to the shopping cart}": ["count==3"],
    "http_reqs{group:::add several products to the shopping cart::details}": ["count==3"],
  },
};

export default function () {
  group("visit product listing page", () => {
    check(http.get(`${SHOP}/products`), { "listing is 200": (r) => r.status === 200 });
  });
  group("add several products to the shopping cart", () => {
    http.get(`${SHOP}/products/1`);
    group("details", () => {
      http.get(`${SHOP}/products/2`);
    });
  });
  const g = group("returns the callback's value", () => 42);
  check(g, { "group returns": (v) => v === 42 });
}
