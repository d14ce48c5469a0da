// Mirrors the k6 docs' "URL grouping" section: dynamic URLs collapsed into one `name` tag,
// either with http.url`...` or with an explicit name tag, and thresholds on those names.
import http from "k6/http";
import { check } from "k6";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  iterations: 3,
  thresholds: {
    "http_reqs{name:${}/products/${}}": ["count==3"],
    "http_reqs{name:ProductURL}": ["count==3"],
    "http_req_duration{name:ProductURL}": ["p(95)<5000"],
  },
};

export default function () {
  const id = (__ITER % 3) + 1;
  const a = http.get(http.url`${SHOP}/products/${id}`);
  const b = http.get(`${SHOP}/products/${id}`, { tags: { name: "ProductURL" } });
  check([a, b], { "both found": ([x, y]) => x.status === 200 && y.status === 200 });
}
