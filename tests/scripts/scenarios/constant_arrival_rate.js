import { sleep } from "k6";

export const options = {
  scenarios: {
    paced: {
      executor: "constant-arrival-rate",
      rate: 50,
      timeUnit: "1s",
      duration: "4s",
      preAllocatedVUs: 10,
      maxVUs: 20,
    },
  },
};

export default function () {
  sleep(0.05);
}
