// Reads what the embedder seeded, counts its iterations in the store and wipes a key in
// setup(): with a store per run, none of it reaches another run.
import { openKv } from "k6/x/kv";
import { check } from "k6";

const kv = openKv({ backend: "memory" });

export const options = { vus: 2, iterations: 10 };

export async function setup() {
  await kv.delete("scratch");
  return { seeded: await kv.get("seed") };
}

export default async function (data) {
  await kv.incrementBy("iterations", 1);
  check(data, { "saw its own seed": (d) => d.seeded.run === __ENV.RUN });
}

export async function teardown(data) {
  await kv.set("result", { run: __ENV.RUN, seeded: data.seeded, iterations: await kv.get("iterations") });
}
