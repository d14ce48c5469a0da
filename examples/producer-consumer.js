// Two scenarios talking through the shared key-value store: a producer writes ten tokens,
// and a consumer that starts five seconds later collects them and cleans up.
//
//   rk6 run examples/producer-consumer.js
import { openKv } from "k6/x/kv";
import exec from "k6/execution";

// The memory backend is shared by every VU of this run and starts empty each time.
// Use openKv() (the disk backend) to hand tokens to a later run or another process.
const kv = openKv({ backend: "memory" });

export const options = {
    scenarios: {
        producer: {
            executor: "shared-iterations",
            vus: 1,
            iterations: 10,
            exec: "producer",
        },
        consumer: {
            executor: "per-vu-iterations",
            startTime: "5s",
            vus: 1,
            iterations: 1,
            exec: "consumer",
        },
    },
};

export async function producer() {
    const n = exec.scenario.iterationInTest;
    await kv.set(`token-${n}`, { n, producedBy: exec.vu.idInTest });
    console.log(`produced token-${n}`);
}

export async function consumer() {
    const tokens = await kv.list({ prefix: "token-" });
    console.log(`consumer found ${tokens.length} tokens`);
    for (const { key } of tokens) {
        await kv.delete(key);
    }
    console.log(`consumer deleted them; ${kv.size()} keys left`);
}
