import { sleep } from "k6";
import { Counter } from "k6/metrics";

const errors = new Counter("errors");

// Would run for 20 s; the threshold aborts it once three errors were counted.
export const options = {
  scenarios: { load: { executor: "constant-vus", vus: 1, duration: "20s" } },
  thresholds: {
    errors: [{ threshold: "count<3", abortOnFail: true, delayAbortEval: "100ms" }],
  },
};

export default function () {
  errors.add(1);
  sleep(0.1);
}

export function teardown() {
  console.log("teardown ran");
}
