// Mirrors grafana/k6-learn Modules/III-k6-Intermediate/02-Dynamic-correlation-in-k6.md and
// quickpizza's 17.login-action.js: log in, pull a token out of the JSON answer, send it back,
// and rely on the session cookie the VU jar keeps.
import http from "k6/http";
import { check, group } from "k6";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = { vus: 2, iterations: 4 };

export default function () {
  let token;
  group("login", () => {
    const res = http.post(`${SHOP}/login`, { user: `user${__VU}` });
    check(res, { "logged in": (r) => r.status === 200 });
    token = res.json("token");
  });
  group("profile", () => {
    const res = http.get(`${SHOP}/me`, { headers: { Authorization: `Bearer ${token}` } });
    check(res, {
      "profile is 200": (r) => r.status === 200,
      "profile is mine": (r) => r.json().user === `user${__VU}`,
      "token matches": () => token === `token-user${__VU}`,
    });
  });
  group("logout", () => {
    http.cookieJar().clear(SHOP);
    const res = http.get(`${SHOP}/me`);
    check(res, { "anonymous is 401": (r) => r.status === 401 });
  });
}
