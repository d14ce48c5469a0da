import { sleep } from "k6";
import exec from "k6/execution";

export const options = {
  scenarios: {
    ramp: {
      executor: "ramping-vus",
      startVUs: 0,
      stages: [
        { duration: "1s", target: 4 },
        { duration: "1s", target: 0 },
      ],
      gracefulRampDown: "1s",
    },
  },
};

export default function () {
  console.log(`active=${exec.instance.vusActive}`);
  sleep(0.1);
}
