// constant-arrival-rate: starts `rate` iterations per `timeUnit`, however long they take,
// using up to maxVUs VUs; iterations with no free VU are counted as dropped.
// Run: rk6 run examples/executors/constant-arrival-rate.js
import { sleep } from "k6";

export const options = {
  scenarios: {
    paced: {
      executor: "constant-arrival-rate",
      rate: 20,
      timeUnit: "1s",
      duration: "3s",
      preAllocatedVUs: 2,
      maxVUs: 5,
    },
  },
};

export default function () {
  sleep(0.1);
}
