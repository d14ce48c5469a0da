// Mirrors grafana/k6 examples/es6sample.js: nested groups, checks whose callbacks feed a
// Rate, a tagged Counter, request headers read back from a JSON echo, and checks that
// always pass or always fail. Randomness is replaced by the iteration number.
import { group, check } from "k6";
import { Counter, Rate } from "k6/metrics";
import http from "k6/http";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = {
  iterations: 4,
  thresholds: {
    my_rate: ["rate>=0.4"],
    http_req_duration: ["avg<1000"],
    "my_counter{tag:test}": ["count==4"],
  },
};

const mCounter = new Counter("my_counter");
const mRate = new Rate("my_rate");

class Sample {
  constructor(n) {
    this.n = n;
  }
  get half() {
    return this.n % 2 === 0;
  }
}

export default function () {
  const s = new Sample(__ITER);
  check(s, { "top-level test": ({ n }) => n < 1 });
  group("my group", () => {
    mCounter.add(1, { tag: "test" });
    check(s, { "value is even": (v) => mRate.add(v.half) });
    group("json", () => {
      const res = http.get(`${BASE}/get`, { headers: { "X-Test": "abc123" } });
      check(res, {
        "status is 200": (r) => r.status === 200,
        "X-Test header is correct": (r) => r.json().headers.some(([k, v]) => k === "X-Test" && v === "abc123"),
      });
    });
    group("nested", () => {
      check(null, { "always passes": true, "always fails": false });
    });
  });
}
