import exec from "k6/execution";
import { check } from "k6";
import { Counter } from "k6/metrics";

const c = new Counter("cc");

async function outcome(f) {
  try {
    await f();
    return "ok";
  } catch (e) {
    return `${e.name}: ${e.message}`;
  }
}

export default async function () {
  console.log(`vuTagObject ${await outcome(() => { exec.vu.tags.x = { a: 1 }; })}`);
  console.log(`addTagNull ${await outcome(() => c.add(1, { a: null }))}`);
  console.log(`addTagsArray ${await outcome(() => c.add(1, ["a"]))}`);
  console.log(`checkTagFn ${await outcome(() => check(1, { ok: true }, { f: () => 1 }))}`);
  console.log(`lateMetric ${await outcome(() => new Counter("late"))}`);
  exec.vu.tags.x = true;
  console.log(`bool ${exec.vu.tags.x} ${typeof exec.vu.tags.x}`);
  delete exec.vu.tags.x;
  console.log(`deleted ${exec.vu.tags.x}`);
}
