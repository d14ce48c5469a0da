import { Counter } from "k6/metrics";

const errors = new Counter("errors");

export const options = {
  iterations: 4,
  thresholds: {
    errors: ["count<2"],
    iterations: ["count==4"],
  },
};

export default function () {
  errors.add(1);
}

export function teardown() {
  console.log("teardown ran");
}
