import { sleep } from "k6";
import exec from "k6/execution";

// Two VUs whose iterations take 2.5 s. At 1 s the target drops to one VU, at 2.5 s it
// is back to two; the scenario ends at 4 s with no gracefulStop.
export const options = {
  scenarios: {
    ramp: {
      executor: "ramping-vus",
      startVUs: 2,
      stages: [
        { duration: "1s", target: 2 },
        { duration: "0s", target: 1 },
        { duration: "1500ms", target: 1 },
        { duration: "0s", target: 2 },
        { duration: "1500ms", target: 2 },
      ],
      gracefulRampDown: __ENV.GRACE,
      gracefulStop: "0s",
    },
  },
};

export default function () {
  const started = exec.instance.currentTestRunDuration;
  console.log(`start vu=${exec.vu.idInTest} at=${Math.round(started)} active=${exec.instance.vusActive}`);
  sleep(2.5);
}
