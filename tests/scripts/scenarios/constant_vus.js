import { sleep } from "k6";

export const options = {
  scenarios: { steady: { executor: "constant-vus", vus: 2, duration: "2s" } },
};

export default function () {
  sleep(0.1);
}
