// Hand out test accounts so that no two iterations ever log in as the same user:
// popRandom takes a random account out of the pool atomically, so concurrent VUs never
// get the same one (a random pick followed by a delete could).
//
//   rk6 run examples/unique-users.js
import { openKv } from "k6/x/kv";

const kv = openKv({ backend: "memory" });

export const options = { vus: 20, iterations: 100 };

export async function setup() {
  await kv.clear();
  for (let i = 0; i < 100; i++) {
    await kv.set(`user:${i}`, { login: `user${i}@example.com`, password: `secret-${i}` });
  }
}

export default async function () {
  const account = await kv.popRandom({ prefix: "user:" });
  if (account === null) throw new Error("the pool ran dry");
  // ... log in with account.value.login and account.value.password ...
  if (!(await kv.setIfAbsent(`used:${account.key}`, __VU))) {
    throw new Error(`${account.key} was handed out twice`);
  }
}

export async function teardown() {
  const used = await kv.count({ prefix: "used:" });
  console.log(`${used} accounts handed out, each once; ${await kv.count({ prefix: "user:" })} left`);
}
