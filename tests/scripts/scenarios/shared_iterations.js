import exec from "k6/execution";

export const options = {
  scenarios: { shared: { executor: "shared-iterations", vus: 3, iterations: 30 } },
};

export default function () {
  console.log(`vu=${__VU} test_iter=${exec.scenario.iterationInTest}`);
}
