// tests/outputs.rs: every kind of sample the file outputs write, twice.
import { check, group } from "k6";
import { Counter, Gauge, Rate, Trend } from "k6/metrics";

const waits = new Trend("waits", true);
const sizes = new Trend("sizes");
const items = new Counter("items");
const ok = new Rate("ok");
const level = new Gauge("level");

export const options = {
  vus: 1,
  iterations: 2,
  tags: { run: "t1" },
  thresholds: {
    waits: ["p(95)<200", "avg<100"],
    "items{kind:a}": ["count>0"],
    checks: ["rate>0.4"],
  },
};

export default function () {
  group("g1", function () {
    check(1, { "is one": (v) => v === 1 });
    waits.add(12.5, { kind: "a" });
  });
  check(2, { "is three": (v) => v === 3 });
  sizes.add(1234567);
  items.add(2, { kind: "a", note: 'x<y & "z", w' });
  ok.add(true);
  level.add(0.000001);
}
