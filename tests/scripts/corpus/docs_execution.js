// Mirrors the k6 docs' k6/execution examples (docs/sources/k6/*/javascript-api/k6-execution):
// unique data per iteration from exec.scenario.iterationInTest, VU ids, scenario names,
// and iteration tags set from the script.
import exec from "k6/execution";
import { check } from "k6";
import { Counter } from "k6/metrics";

const seen = new Counter("seen_iterations");

export const options = {
  scenarios: {
    login: { executor: "shared-iterations", vus: 3, iterations: 9, exec: "login", tags: { flow: "login" } },
    browse: { executor: "per-vu-iterations", vus: 2, iterations: 2, exec: "browse", startTime: "100ms" },
  },
  thresholds: {
    "seen_iterations{scenario:login}": ["count==9"],
    "seen_iterations{scenario:browse}": ["count==4"],
    "seen_iterations{flow:login}": ["count==9"],
    "iterations{scenario:browse}": ["count==4"],
  },
};

export function login() {
  check(exec, {
    "scenario name": (e) => e.scenario.name === "login",
    "executor": (e) => e.scenario.executor === "shared-iterations",
    "iteration in range": (e) => e.scenario.iterationInTest >= 0 && e.scenario.iterationInTest < 9,
    "vu id in range": (e) => e.vu.idInTest >= 1 && e.vu.idInTest <= 5,
  });
  seen.add(1);
}

export function browse() {
  exec.vu.tags["page"] = "home";
  check(exec, {
    "browse scenario": (e) => e.scenario.name === "browse",
    "vu tag set": (e) => e.vu.tags.page === "home",
    "per-vu iteration": (e) => e.vu.iterationInScenario < 2,
  });
  seen.add(1);
}
