// Ten VUs move money between twenty accounts at random. Each transfer reads both balances
// with getEntry(), then commits both updates with kv.atomic(), checked against the
// versionstamps it read: if another VU changed either account in between, the commit
// writes nothing and returns { ok: false }, and the transfer is retried with fresh
// balances. Money is never created or lost, and no balance goes negative.
//
//   rk6 run examples/bank-transfers.js
import { openKv } from "k6/x/kv";

const kv = openKv({ backend: "memory" });

export const options = { vus: 10, iterations: 10 };
const ACCOUNTS = 20;

export async function setup() {
  await kv.clear();
  for (let i = 0; i < ACCOUNTS; i++) await kv.set(`account:${i}`, 1000);
}

async function transfer(from, to, amount) {
  for (;;) {
    const [a, b] = [await kv.getEntry(from), await kv.getEntry(to)];
    if (a.value < amount) return false;
    const result = await kv.atomic()
      .check(a, b)
      .set(from, a.value - amount)
      .set(to, b.value + amount)
      .commit();
    if (result.ok) return true;
    await kv.incrementBy("conflicts", 1);
  }
}

export default async function () {
  for (let n = 0; n < 100; n++) {
    const from = Math.floor(Math.random() * ACCOUNTS);
    const to = (from + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS;
    if (await transfer(`account:${from}`, `account:${to}`, 1 + Math.floor(Math.random() * 100))) {
      await kv.incrementBy("transfers", 1);
    }
  }
}

export async function teardown() {
  const balances = (await kv.list({ prefix: "account:" })).map((e) => e.value);
  const total = balances.reduce((sum, v) => sum + v, 0);
  console.log(`total: ${total} (started at ${ACCOUNTS * 1000}); lowest balance >= 0: ${Math.min(...balances) >= 0}`);
  const conflicts = (await kv.getEntry("conflicts")).value ?? 0;
  console.log(`${await kv.get("transfers")} transfers, ${conflicts} commits retried after a conflict`);
}
