import { check, group } from "k6";
import exec from "k6/execution";
import { Counter, Gauge, Rate, Trend } from "k6/metrics";

const hits = new Counter("hits");
const latency = new Trend("latency");
const ok = new Rate("ok");
const level = new Gauge("level");

// Test-wide tags, scenario tags, the automatic `scenario` tag, tags set on exec.vu.tags
// and tags given to add()/check() all select samples for thresholds.
export const options = {
  tags: { env: "ci" },
  scenarios: {
    blue: { executor: "shared-iterations", vus: 2, iterations: 6, tags: { team: "blue" } },
    red: { executor: "per-vu-iterations", vus: 1, iterations: 3, exec: "red", tags: { team: "red", env: "red-env" } },
  },
  thresholds: {
    iterations: ["count==9"],
    "iterations{scenario:blue}": ["count==6"],
    "iterations{team:red}": ["count==3"],
    "iterations{env:ci}": ["count==6"],
    "hits{kind:read}": ["count==6"],
    "hits{phase:late}": ["count==6"],
    hits: ["count==9"],
    "latency{scenario:red}": ["avg==30", "min==30"],
    latency: ["max==30", "min==10", "med<11", "p(90)>=29"],
    "ok{team:blue}": ["rate==1"],
    ok: ["rate<0.7"],
    level: ["value>0"],
    "checks{check:positive}": ["rate==1"],
    "checks{group:::g}": ["rate==0"],
    "iteration_duration{team:blue}": ["max<60000"],
  },
};

export default function () {
  const tags = exec.vu.tags;
  console.log(`tags=${JSON.stringify(tags)} keys=${Object.keys(tags).sort().join(",")} has=${"team" in tags} missing=${tags.nope === undefined && !("nope" in tags)}`);
  // Samples from here on (this iteration and the VU's next ones) carry phase=late.
  exec.vu.tags.phase = "late";
  hits.add(1, { kind: "read" });
  latency.add(10);
  ok.add(true);
  level.add(exec.vu.idInTest);
  check(1, { positive: (v) => v > 0 });
}

export function red() {
  hits.add(1);
  latency.add(30);
  ok.add(0);
  group("g", () => check(1, { negative: (v) => v < 0 }));
}
