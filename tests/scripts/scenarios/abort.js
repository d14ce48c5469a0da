import { sleep } from "k6";
import exec from "k6/execution";

export const options = {
  scenarios: { long: { executor: "constant-vus", vus: 2, duration: "30s" } },
};

export default function () {
  if (exec.vu.idInTest === 1 && exec.vu.iterationInScenario === 2) {
    exec.test.abort("why");
  }
  sleep(0.1);
}

export function teardown() {
  console.log("teardown ran");
}
