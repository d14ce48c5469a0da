// Entries that expire: a fixed-window rate limiter and short-lived sessions. An entry set
// with { expireIn: ms } disappears from every read (get, exists, list, count, size, ...)
// once its time is up, and its space is freed in the background. incrementBy keeps the
// expiry of the counter it updates, so a window's counter vanishes with its window.
//
//   rk6 run examples/expiring-sessions.js
import { openKv } from "k6/x/kv";
import { sleep } from "k6";

const kv = openKv({ backend: "memory" });

export const options = { vus: 5, iterations: 5 };
const LIMIT = 3; // requests per user per window

async function allowed(user) {
  const key = `ratelimit:${user}`;
  // The first request of a window creates its counter, which lives as long as the window;
  // later ones find it there, and this commit does nothing ({ ok: false }).
  await kv.atomic().check(key, null).set(key, 0, { expireIn: 1000 }).commit();
  return (await kv.incrementBy(key, 1)) <= LIMIT;
}

export async function setup() {
  await kv.clear();
}

export default async function () {
  const user = `user-${__VU}`;
  await kv.set(`session:${user}`, { user, started: Date.now() }, { expireIn: 500 });
  let granted = 0;
  for (let i = 0; i < 5; i++) if (await allowed(user)) granted++;
  await kv.incrementBy("granted-first-window", granted);
  sleep(1.2); // both the session and the window are over
  if (await kv.exists(`session:${user}`)) throw new Error("the session outlived its expireIn");
  if (await allowed(user)) await kv.incrementBy("granted-second-window", 1);
}

export async function teardown() {
  console.log(`first window: ${await kv.get("granted-first-window")} of 25 requests allowed (limit ${LIMIT} per user)`);
  console.log(`after the window: ${await kv.get("granted-second-window")} of 5 allowed`);
  console.log(`sessions left: ${await kv.count({ prefix: "session:" })}`);
}
