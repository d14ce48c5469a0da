// Every kind of metric the summary formats, with fixed values: a passing and a failing
// threshold, checks (one failing), a Rate, a Gauge, and time Trends of µs- and s-scale.
import { check, group } from "k6";
import { Counter, Gauge, Rate, Trend } from "k6/metrics";

const hits = new Counter("hits");
const level = new Gauge("level");
const ok = new Rate("ok_rate");
const fast = new Trend("fast", true);
const slow = new Trend("slow", true);
const plain = new Trend("plain");

export const options = {
  iterations: 10,
  thresholds: {
    hits: ["count>5"],
    ok_rate: ["rate>0.9"],
    slow: ["p(95)<2000", "med<60000"],
  },
};

export default function () {
  hits.add(2);
  level.add(__ITER * 3 + 1);
  ok.add(__ITER % 4 !== 0);
  fast.add(0.0004 + __ITER * 0.1);
  slow.add(__ITER === 9 ? 3725000 : 1000 + __ITER * 250.5);
  plain.add(__ITER * 1.5);
  check(__ITER, { "is even": (i) => i % 2 === 0, "always": true });
  group("outer", () => {
    group("inner", () => check(1, { "one": (x) => x === 1 }));
  });
}
