// Twenty VUs count to 2,000 twice: once with get-then-set, which loses the increments that
// race each other, and once with incrementBy, which loses none.
//
//   rk6 run examples/atomic-counter.js
import { openKv } from "k6/x/kv";

const kv = openKv({ backend: "memory" });

export const options = { vus: 20, iterations: 20 };

export async function setup() {
  await kv.clear();
}

export default async function () {
  for (let i = 0; i < 100; i++) {
    // Read, then write: another VU may write in between, and its increment is lost.
    let seen = 0;
    try {
      seen = await kv.get("racy");
    } catch (_) {
      // not set yet
    }
    await kv.set("racy", seen + 1);

    // One atomic step: nothing comes between the read and the write.
    await kv.incrementBy("atomic", 1);
  }
}

export async function teardown() {
  const racy = await kv.get("racy");
  const atomic = await kv.get("atomic");
  console.log(`get+set:     ${racy} of 2000 (${2000 - racy} lost)`);
  console.log(`incrementBy: ${atomic} of 2000 (${2000 - atomic} lost)`);
}
