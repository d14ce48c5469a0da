// shared-iterations: a fixed number of iterations shared by a pool of VUs; faster VUs
// run more of them. Run: rk6 run examples/executors/shared-iterations.js
import { sleep } from "k6";
import exec from "k6/execution";

export const options = {
  scenarios: {
    shared: { executor: "shared-iterations", vus: 3, iterations: 12, maxDuration: "5s" },
  },
};

export default function () {
  console.log(`VU ${exec.vu.idInTest} runs iteration ${exec.scenario.iterationInTest} of 12`);
  sleep(0.1);
}
