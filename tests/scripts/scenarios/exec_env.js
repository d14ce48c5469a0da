import exec from "k6/execution";

export const options = {
  scenarios: {
    first: { executor: "per-vu-iterations", vus: 1, iterations: 2, exec: "one", env: { WHO: "a" } },
    second: { executor: "shared-iterations", vus: 2, iterations: 3, exec: "two", env: { WHO: "b" } },
  },
};

export function one() {
  console.log(`one ${exec.scenario.name} ${__ENV.WHO}`);
}

export function two() {
  console.log(`two ${exec.scenario.name} ${__ENV.WHO}`);
}
