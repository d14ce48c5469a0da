// Exercises the runtime features a VU relies on, so a run with enough VUs to start them
// from the startup snapshot can be compared line for line with a run that does not.
import { check, group } from "k6";
import exec from "k6/execution";
import { Counter } from "k6/metrics";
import { openKv } from "k6/x/kv";

const kv = openKv({ backend: "memory" });
const seen = new Counter("seen");

export default async function () {
  const id = exec.vu.idInTest;
  const waited = await new Promise((resolve) => setTimeout(() => resolve("timer"), 5));
  await kv.set(`vu:${id}`, { id, list: [1, "two"] });
  const back = await kv.get(`vu:${id}`);
  let missing;
  try {
    await kv.get(`absent:${id}`);
  } catch (e) {
    missing = `${e.name} ${e instanceof Error}`;
  }
  const checked = group("g", () => check(back, { "round trip": (v) => v.id === id }));
  seen.add(1);
  let thrown;
  try {
    JSON.parse("{");
  } catch (e) {
    thrown = e.name;
  }
  const facts = [
    waited,
    JSON.stringify(back.list),
    missing,
    checked,
    thrown,
    typeof Temporal,
    typeof __ENV.PATH,
    exec.vu.tags.scenario,
    [3, 1, 2].sort().join(""),
    `${"x".padStart(3, "-")}`,
  ];
  console.log(facts.join(" | "));
}
