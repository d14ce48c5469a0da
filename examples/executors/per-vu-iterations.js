// per-vu-iterations: every VU runs exactly `iterations` iterations.
// Run: rk6 run examples/executors/per-vu-iterations.js
import { sleep } from "k6";
import exec from "k6/execution";

export const options = {
  scenarios: {
    each: { executor: "per-vu-iterations", vus: 3, iterations: 4, maxDuration: "5s" },
  },
};

export default function () {
  console.log(`VU ${exec.vu.idInTest}: iteration ${exec.vu.iterationInScenario + 1} of 4`);
  sleep(0.1);
}
