// Mirrors grafana/quickpizza k6/foundations/01.basic.js: a fixed number of VUs POST a JSON
// body with custom headers, check the status, and read fields out of `res.json()`.
// Written for rk6's corpus; the shop server stands in for QuickPizza.
import http from "k6/http";
import { check, sleep } from "k6";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  vus: 2,
  iterations: 6,
};

export default function () {
  const payload = JSON.stringify({ user: "pizza fan", extras: ["olives", "basil"] });
  const res = http.post(`${SHOP}/login`, payload, {
    headers: { "Content-Type": "application/json", Authorization: "token abcdef0123456789" },
  });
  check(res, {
    "status is 200": (r) => r.status === 200,
    "token names the user": (r) => r.json().token === "token-pizza fan",
  });
  sleep(0.05);
}
