// Mirrors grafana/k6 examples/redirects.js: the global maxRedirects option cuts a long
// redirect chain (the last 302 comes back), and a per-request `redirects` overrides it.
import http from "k6/http";
import { check } from "k6";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = { iterations: 1, maxRedirects: 2 };

export default function () {
  let res = http.get(`${BASE}/redirect/4`);
  check(res, { "is status 302": (r) => r.status === 302 });
  res = http.get(`${BASE}/redirect/1`, { redirects: 5 });
  check(res, {
    "is status 200": (r) => r.status === 200,
    "url is the final one": (r) => r.url === `${BASE}/echo`,
  });
  res = http.get(`${BASE}/redirect/0`, { redirects: 0 });
  check(res, { "not followed": (r) => r.status === 302 && r.headers.Location === "/echo" });
}
