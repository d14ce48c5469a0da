// Mirrors grafana/quickpizza k6/foundations/02.stages.js: the top-level `stages` shortcut
// (ramp up, hold, ramp down) around a single checked request, with think time.
import http from "k6/http";
import { check, sleep } from "k6";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  stages: [
    { duration: "300ms", target: 3 },
    { duration: "400ms", target: 3 },
    { duration: "300ms", target: 0 },
  ],
};

export default function () {
  const res = http.get(`${SHOP}/products`);
  check(res, { "status is 200": (r) => r.status === 200 });
  sleep(0.1);
}
