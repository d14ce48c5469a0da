// Mirrors grafana/k6 examples/thresholds_readme_example.js: a custom Rate of failed checks
// with two thresholds (one with abortOnFail), a threshold on a tagged sub-metric
// (`{staticAsset:yes}`), and a batch of "static assets" inside a group.
import http from "k6/http";
import { check, group } from "k6";
import { Rate } from "k6/metrics";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

const failureRate = new Rate("check_failure_rate");

export const options = {
  vus: 2,
  iterations: 4,
  thresholds: {
    http_req_duration: ["p(95)<750"],
    "http_req_duration{staticAsset:yes}": ["p(99)<500"],
    "http_reqs{staticAsset:yes}": ["count==8"],
    check_failure_rate: ["rate<0.01", { threshold: "rate<=0.05", abortOnFail: true }],
  },
};

export default function () {
  const res = http.get(`${BASE}/index.html`);
  const ok = check(res, {
    "status is 200": (r) => r.status === 200,
    "echo has a path": (r) => r.json().path === "/index.html",
  });
  failureRate.add(!ok);
  group("Static Assets", () => {
    const resps = http.batch([
      ["GET", `${BASE}/style.css`, null, { tags: { staticAsset: "yes" } }],
      ["GET", `${BASE}/app.js`, null, { tags: { staticAsset: "yes" } }],
    ]);
    failureRate.add(!check(resps[0], { "css is 200": (r) => r.status === 200 }));
    failureRate.add(!check(resps[1], { "js is 200": (r) => r.status === 200 }));
  });
}
