// 64 VUs that only compute: more than a small machine admits at a time (5 per core).
// Each VU logs its first iteration, so the test sees that every one of them got turns.
import exec from "k6/execution";

export const options = { vus: 64, duration: "1s" };

export default function () {
  const end = Date.now() + 2;
  while (Date.now() < end) {}
  if (exec.vu.iterationInInstance === 0) console.log(`first=${exec.vu.idInTest}`);
}
