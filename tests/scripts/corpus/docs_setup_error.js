// Mirrors the QuickPizza/k6-learn setup() pattern where setup throws because the system under
// test is unhealthy: no iteration runs and k6 exits with code 107.
import http from "k6/http";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = { iterations: 3 };

export function setup() {
  const res = http.get(`${BASE}/status/503`);
  if (res.status !== 200) {
    throw new Error(`Got unexpected status code ${res.status} when trying to setup. Exiting.`);
  }
}

export default function () {}
