// k6/experimental/csv's Parser: every case logs one line, checked against what k6 v1.1 prints
// (csv_parser.expected, which notes where rk6 differs on purpose).
import { open } from "k6/experimental/fs";
import csv from "k6/experimental/csv";
import * as csvns from "k6/experimental/csv";
import { SharedArray } from "k6/data";

const out = [];
const log = (...parts) => out.push(parts.join(" "));
function show(e) {
  return [typeof e, e instanceof Error, e.name, "|", e.message, "|", String(e)].join(" ");
}
async function t(label, f) {
  try {
    log(label, "ok", JSON.stringify(await f()));
  } catch (e) {
    log(label, "ERR", show(e));
  }
}
// k6 passes an explicit `undefined` on as an object to read, so only given options are passed.
const rows = (name, ...options) => async () => Array.from(await csv.parse(await open(name), ...options));
// k6's Parser objects come from a Go map: their key order varies from run to run.
const sortedKeys = (v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v);
// Every record of a Parser, errors included, until it is done (at most 12 calls).
const records = (name, options) => async () => {
  const p = options ? new csv.Parser(await open(name), options) : new csv.Parser(await open(name));
  const got = [];
  for (let i = 0; i < 12; i++) {
    try {
      const r = await p.next();
      got.push(r.done ? ["DONE", r.value] : sortedKeys(r.value));
      if (r.done) break;
    } catch (e) {
      got.push("ERR " + show(e));
    }
  }
  return got;
};

const file = await open("users.csv");
const parser = new csv.Parser(await open("users.csv"));

await t("Parser asObjects", records("users.csv", { asObjects: true }));
await t("Parser", records("edge.csv"));
await t("Parser fromLine 2 toLine 4", records("edge.csv", { fromLine: 2, toLine: 4 }));
await t("Parser asObjects, short record", records("dup.csv", { asObjects: true }));
await t("Parser delimiter quote", records("crlf.csv", { delimiter: '"' }));
await t("Parser without arguments", () => new csv.Parser());
await t("Parser(null)", () => new csv.Parser(null));
await t("Parser({})", () => new csv.Parser({}));
await t("Parser without new", async () => Object.keys(csv.Parser(await open("crlf.csv"))));
await t("Parser bad options", async () => new csv.Parser(await open("users.csv"), { fromLine: 3, toLine: 1 }));
await t("Parser conflicting options", async () => new csv.Parser(await open("users.csv"), { asObjects: true, skipFirstLine: true }));

export default async function () {
  await t("Parser in a VU", () => new csv.Parser(file));
  await t("next in a VU", async () => [await parser.next(), await parser.next()]);
  for (const line of out) console.log(line);
}
