// Mirrors the k6 docs' "Tags and Groups" page on group_duration: a threshold on how long one
// group took, the metric k6 records for every group.
import http from "k6/http";
import { group } from "k6";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  iterations: 2,
  thresholds: {
    "group_duration{group:::checkout}": ["max<5000"],
  },
};

export default function () {
  group("checkout", () => {
    http.get(`${SHOP}/products/1`);
  });
}
