// ramping-arrival-rate: like constant-arrival-rate, but the start rate follows `stages`.
// Run: rk6 run examples/executors/ramping-arrival-rate.js
import { sleep } from "k6";

export const options = {
  scenarios: {
    ramp: {
      executor: "ramping-arrival-rate",
      startRate: 0,
      timeUnit: "1s",
      preAllocatedVUs: 2,
      maxVUs: 5,
      stages: [
        { duration: "2s", target: 20 }, // 0 → 20 iterations/s
        { duration: "1s", target: 20 }, // hold 20/s
      ],
    },
  },
};

export default function () {
  sleep(0.1);
}
