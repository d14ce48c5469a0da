// Mirrors grafana/k6 examples/http_digest_auth.js: credentials in the URL and
// `auth: "digest"`. The test server refuses a request that carries basic credentials (400)
// instead of challenging it, which shows what the first request of each tool carries.
import http from "k6/http";
import { check } from "k6";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = { iterations: 1 };

export default function () {
  const host = BASE.replace("http://", "");
  const res = http.get(`http://user:passwd@${host}/digest/user/passwd`, { auth: "digest" });
  console.log(`digest status ${res.status}`);
  check(res, { "digest accepted": (r) => r.status === 200 });
}
