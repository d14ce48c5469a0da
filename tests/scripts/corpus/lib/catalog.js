// A request flow kept out of the entry script (for qp_modules.js).
import http from "k6/http";
import { check, group } from "k6";

export function browseCatalog(base) {
  let count = 0;
  group("catalog", () => {
    const res = http.get(`${base}/products`);
    check(res, { "list is 200": (r) => r.status === 200 });
    count = res.json().products.length;
  });
  return count;
}
