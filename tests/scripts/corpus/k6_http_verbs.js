// Mirrors grafana/k6 examples/http_verbs.js and examples/json.js: every http.* verb helper
// against an echo endpoint, a JSON body, and a form-encoded body (examples/html_form_post.js).
import http from "k6/http";
import { check, group } from "k6";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = { iterations: 1 };

export default function () {
  group("verbs", () => {
    check(http.get(`${BASE}/get`), { "GET echoed": (r) => r.json().method === "GET" });
    check(http.post(`${BASE}/post`, "x"), { "POST echoed": (r) => r.json("method") === "POST" });
    check(http.put(`${BASE}/put`, "x"), { "PUT echoed": (r) => r.json().method === "PUT" });
    check(http.patch(`${BASE}/patch`, "x"), { "PATCH echoed": (r) => r.json().method === "PATCH" });
    check(http.del(`${BASE}/delete`), { "DELETE echoed": (r) => r.json().method === "DELETE" });
    check(http.options(`${BASE}/options`), { "OPTIONS echoed": (r) => r.json().method === "OPTIONS" });
    check(http.head(`${BASE}/head`), { "HEAD has no body": (r) => r.status === 200 && !r.body });
    check(http.request("GET", `${BASE}/request`), { "request() echoed": (r) => r.json().path === "/request" });
  });

  group("json body", () => {
    const body = JSON.stringify({ key: "value" });
    const res = http.post(`${BASE}/post`, body, { headers: { "Content-Type": "application/json" } });
    const j = JSON.parse(res.body);
    check(res, {
      "status is 200": (r) => r.status === 200,
      "key is correct": () => JSON.parse(j.body).key === "value",
    });
  });

  group("form body", () => {
    const res = http.post(`${BASE}/post`, { name: "Test Name", comment: "Hello world!" });
    check(res, {
      "form encoded": (r) => r.json().body === "comment=Hello+world%21&name=Test+Name",
      "form content type": (r) =>
        r.json().headers.some(([k, v]) => k.toLowerCase() === "content-type" && v === "application/x-www-form-urlencoded"),
    });
  });
}
