// Mirrors grafana/quickpizza k6/foundations/09.data.js: test data loaded once into a
// SharedArray from a JSON file with open(), then one record picked per iteration.
import http from "k6/http";
import { check } from "k6";
import { SharedArray } from "k6/data";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

const users = new SharedArray("all users", function () {
  return JSON.parse(open("./data/users.json")).users;
});

export const options = { vus: 2, iterations: 6 };

export default function () {
  const user = users[__ITER % users.length];
  const res = http.post(`${SHOP}/login`, { user: user.name });
  check(res, {
    "logged in": (r) => r.status === 200,
    "token for the user": (r) => r.json().token === `token-${user.name}`,
    "shared array length": () => users.length === 3,
  });
}
