// Mirrors grafana/k6 examples/http_batch.js: http.batch() with plain URLs, then with request
// objects and named (object) requests, checking each response.
import http from "k6/http";
import { check } from "k6";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = { iterations: 2 };

export default function () {
  const list = http.batch([`${BASE}/first`, `${BASE}/second`]);
  check(list[0], { "first is 200": (r) => r.status === 200 });
  check(list[1], {
    "second is 200": (r) => r.status === 200,
    "second echoes its path": (r) => r.json().path === "/second",
  });

  const named = http.batch({
    home: { method: "GET", url: `${BASE}/home` },
    form: ["POST", `${BASE}/form`, { a: "1" }],
    missing: { method: "GET", url: `${BASE}/status/404` },
  });
  check(named, {
    "home is 200": (r) => r.home.status === 200,
    "form posted": (r) => r.form.json().method === "POST",
    "missing is 404": (r) => r.missing.status === 404,
  });
}
