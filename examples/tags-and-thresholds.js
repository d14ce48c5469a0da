// Tags and thresholds: samples carry the test's `tags`, their scenario's name and `tags`,
// and whatever the VU sets on exec.vu.tags; thresholds judge a metric or a tagged slice of
// it. A failed threshold makes rk6 exit with code 99 (this script passes).
// Run: rk6 run examples/tags-and-thresholds.js
import { check, sleep } from "k6";
import exec from "k6/execution";
import { Trend } from "k6/metrics";

const think = new Trend("think_ms");

export const options = {
  tags: { suite: "example" },
  scenarios: {
    browse: { executor: "constant-vus", vus: 2, duration: "2s", tags: { flow: "browse" } },
    buy: { executor: "per-vu-iterations", vus: 1, iterations: 3, exec: "buy", tags: { flow: "buy" } },
  },
  thresholds: {
    "iterations{scenario:buy}": ["count==3"],
    "think_ms{flow:browse}": ["p(95)<200", "avg<150"],
    "checks{flow:buy}": [{ threshold: "rate==1", abortOnFail: true }],
  },
};

export default function () {
  exec.vu.tags.page = exec.vu.iterationInScenario % 2 === 0 ? "home" : "search";
  const ms = 50 + Math.random() * 50;
  think.add(ms, { kind: "browse" });
  sleep(ms / 1000);
}

export function buy() {
  check({ paid: true }, { "order paid": (o) => o.paid });
  sleep(0.1);
}
