// Mirrors the k6 docs' exec.test.abort() example: a script stops the whole test from an
// iteration when a precondition breaks; k6 exits with code 108.
import exec from "k6/execution";
import http from "k6/http";
import { sleep } from "k6";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = { vus: 1, duration: "10s" };

export default function () {
  const res = http.get(`${BASE}/status/503`);
  if (res.status !== 200) {
    exec.test.abort(`service answered ${res.status}`);
  }
  sleep(1);
}
