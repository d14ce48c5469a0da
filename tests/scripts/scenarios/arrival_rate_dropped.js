import { sleep } from "k6";

export const options = {
  scenarios: {
    starved: {
      executor: "constant-arrival-rate",
      rate: 10,
      timeUnit: "1s",
      duration: "2s",
      preAllocatedVUs: 1,
      maxVUs: 2,
      gracefulStop: "2s",
    },
  },
};

export default function () {
  sleep(1);
}
