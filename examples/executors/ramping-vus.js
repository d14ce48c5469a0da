// ramping-vus: the number of looping VUs follows `stages` (linear ramps between targets).
// Run: rk6 run examples/executors/ramping-vus.js
import { sleep } from "k6";
import exec from "k6/execution";

export const options = {
  scenarios: {
    ramp: {
      executor: "ramping-vus",
      startVUs: 0,
      stages: [
        { duration: "1s", target: 4 }, // ramp up to 4 VUs
        { duration: "1s", target: 4 }, // hold
        { duration: "1s", target: 0 }, // ramp down
      ],
      gracefulRampDown: "1s",
    },
  },
};

export default function () {
  console.log(`active VUs: ${exec.instance.vusActive}`);
  sleep(0.25);
}
