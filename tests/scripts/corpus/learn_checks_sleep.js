// Mirrors grafana/k6-learn Modules/II-k6-Foundations/04-Adding-checks-to-your-script.md and
// 05-Adding-think-time-using-sleep.md: several checks on one response (status, body text,
// headers, timing), a failing one among them, and random think time.
import http from "k6/http";
import { check, sleep } from "k6";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = { vus: 2, iterations: 4 };

export default function () {
  const res = http.get(`${SHOP}/products`);
  check(res, {
    "application worked": (r) => r.status === 200,
    "body mentions grinder": (r) => r.body.includes("grinder"),
    "is json": (r) => r.headers["Content-Type"] === "application/json",
    "fast enough": (r) => r.timings.duration < 5000,
    "has a discount": (r) => r.body.includes("discount"),
  });
  sleep(Math.random() * 0.1);
}
