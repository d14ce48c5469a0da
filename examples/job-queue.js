// A work queue shared by every VU, built on claims (leases). setup() enqueues 200 jobs;
// each VU claims one at a time — no other VU can claim it while the lease lasts (30 s
// unless `ttl` says otherwise) — processes it, then completes the claim (which deletes
// the job) or, when processing fails, releases it so that any VU can retry it. A worker
// that dies mid-job holds its lease until it runs out, then the job is claimable again.
//
//   rk6 run examples/job-queue.js
import { openKv } from "k6/x/kv";

const kv = openKv({ backend: "memory" });

export const options = { vus: 10, iterations: 10 };

export async function setup() {
  await kv.clear();
  for (let id = 0; id < 200; id++) {
    await kv.set(`job:${id}`, { id, payload: `order #${id}` });
  }
}

// Every tenth job fails the first time it is tried.
async function process(job) {
  return job.id % 10 !== 0 || !(await kv.setIfAbsent(`failed-once:${job.id}`, true));
}

export default async function () {
  let claim;
  while ((claim = await kv.claimRandom({ prefix: "job:", owner: `vu-${__VU}` })) !== null) {
    if (await process(claim.entry.value)) {
      await kv.completeClaim(claim); // deletes job:<id>
      await kv.incrementBy("processed", 1);
    } else {
      await kv.releaseClaim(claim); // back in the queue, for any VU
      await kv.incrementBy("retries", 1);
    }
  }
}

export async function teardown() {
  const stats = await kv.stats();
  console.log(`processed ${await kv.get("processed")} of 200 jobs, ${await kv.get("retries")} retried once`);
  console.log(`jobs left: ${await kv.count({ prefix: "job:" })}, live claims: ${stats.claims.live}`);
}
