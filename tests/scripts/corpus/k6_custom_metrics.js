// Mirrors grafana/k6 examples/custom_metrics.js: one metric of each kind (Counter, Gauge,
// Rate, Trend) fed from a checked request and its timings.
import http from "k6/http";
import { check } from "k6";
import { Counter, Gauge, Rate, Trend } from "k6/metrics";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = {
  iterations: 4,
  thresholds: {
    my_counter: ["count==4"],
    my_gauge: ["value>0"],
    my_rate: ["rate==1"],
    my_trend: ["min>=0"],
  },
};

const myCounter = new Counter("my_counter");
const myGauge = new Gauge("my_gauge");
const myRate = new Rate("my_rate");
const myTrend = new Trend("my_trend");
let slowest = 0;

export default function () {
  const res = http.get(`${BASE}/anything`);
  const passed = check(res, { "status is 200": (r) => r.status === 200 });
  myCounter.add(1);
  slowest = Math.max(slowest, res.timings.duration);
  myGauge.add(slowest + 1);
  myRate.add(passed);
  myTrend.add(res.timings.connecting + res.timings.tls_handshaking);
}
