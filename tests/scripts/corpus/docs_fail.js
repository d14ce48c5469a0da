// Mirrors the k6 docs' fail() example: fail() ends the iteration with an error when a check
// does not hold, the run goes on, and iterations keep counting.
import http from "k6/http";
import { check, fail } from "k6";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = { iterations: 4 };

export default function () {
  const res = http.get(`${BASE}/status/${__ITER % 2 === 0 ? 200 : 418}`);
  if (!check(res, { "status code was 200": (r) => r.status === 200 })) {
    fail(`status code was *not* 200`);
  }
  check(res, { "reached after the check": () => true });
}
