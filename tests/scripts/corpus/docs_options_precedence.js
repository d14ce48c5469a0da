// Mirrors the k6 docs' "How to use options" page: options set in the script are overridden by
// environment variables (K6_ITERATIONS) and those by CLI flags (--vus/--iterations).
import { Counter } from "k6/metrics";
import exec from "k6/execution";

const runs = new Counter("runs");

export const options = { vus: 1, iterations: 2 };

export default function () {
  runs.add(1);
  if (exec.vu.iterationInInstance === 0) {
    console.log(`vu ${exec.vu.idInTest}`);
  }
}
