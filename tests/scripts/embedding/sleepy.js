import { sleep } from "k6";

export const options = { vus: 1, iterations: 2 };

export default function () {
  sleep(0.3);
}
