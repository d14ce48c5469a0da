// Mirrors the k6 docs' note on uncaught exceptions in VU code: the iteration is interrupted
// and logged, the test goes on, and the run still exits 0 unless a threshold fails.
import { check } from "k6";

export const options = { vus: 1, iterations: 3 };

export default function () {
  check(null, { "before the throw": () => true });
  if (__ITER === 1) {
    throw new Error("boom in iteration 1");
  }
  check(null, { "after the throw": () => true });
}
