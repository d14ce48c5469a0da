// constant-vus: a fixed number of VUs loop over iterations for a duration.
// Run: rk6 run examples/executors/constant-vus.js
import { sleep } from "k6";

export const options = {
  scenarios: {
    steady: { executor: "constant-vus", vus: 2, duration: "2s" },
  },
};

export default function () {
  sleep(0.25);
}
