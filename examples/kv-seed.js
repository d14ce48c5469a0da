// Used by examples/kv_seed.rs: the embedder seeds the users, each iteration takes one
// and records what it did, and the embedder reads the record after the run.
import { openKv } from "k6/x/kv";
import { check } from "k6";

const kv = openKv({ backend: "memory" });

export const options = { vus: 3, iterations: 9 };

export default async function () {
  const user = await kv.popRandom({ prefix: "user:" });
  check(user, { "got a seeded user": (u) => u !== null && typeof u.value.name === "string" });
  if (user) await kv.set(`done:${user.key.slice("user:".length)}`, { by: user.value.name, at: Date.now() });
}
