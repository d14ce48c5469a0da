// k6/experimental/csv's parse: every case logs one line, checked against what k6 v1.1 prints
// (csv.expected, which notes where rk6 differs on purpose).
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
// The cases run in the default function (k6 v1.1 deadlocks on this many awaits in the
// init context), so they parse files opened here, each from its start.
const files = {};
for (const name of ["users.csv", "semi.csv", "crlf.csv", "empty.txt", "edge.csv"]) files[name] = await open(name);
const rows = (name, ...options) => async () => {
  await files[name].seek(0, 0);
  return Array.from(await csv.parse(files[name], ...options));
};
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
export default async function () {
  log(Object.keys(csvns).filter((k) => k !== "default"), typeof csv.parse, typeof csv.Parser);
  const users = await csv.parse(files["users.csv"]);
  log("parse", users.length, JSON.stringify(users), Array.isArray(users), Object.isFrozen(users[0]), typeof SharedArray);
  await t("asObjects", rows("users.csv", { asObjects: true }));
  await t("skipFirstLine", rows("users.csv", { skipFirstLine: true }));
  await t("fromLine 1 toLine 2", rows("users.csv", { fromLine: 1, toLine: 2 }));
  await t("fromLine 2", rows("users.csv", { fromLine: 2 }));
  await t("toLine 0", rows("users.csv", { toLine: 0 }));
  await t("toLine 1", rows("users.csv", { toLine: 1 }));
  await t("toLine 1.9, fromLine '0'", rows("users.csv", { toLine: 1.9, fromLine: "0" }));
  await t("skipFirstLine and fromLine 2", rows("users.csv", { skipFirstLine: true, fromLine: 2 }));
  await t("delimiter ;", rows("semi.csv", { delimiter: ";" }));
  await t("delimiter tab", rows("crlf.csv", { delimiter: "\t" }));
  await t("CRLF", rows("crlf.csv"));
  await t("empty file", rows("empty.txt"));
  await t("quotes, blank lines", rows("edge.csv", { toLine: 2 }));
  await t("options as a number", rows("crlf.csv", 5));
  await t("fromLine equal to toLine", rows("users.csv", { fromLine: 2, toLine: 2 }));
  await t("negative fromLine", rows("users.csv", { fromLine: -1 }));
  await t("negative toLine", rows("users.csv", { toLine: -1 }));
  await t("fromLine past the end", rows("users.csv", { fromLine: 99 }));
  await t("asObjects and skipFirstLine", rows("users.csv", { asObjects: true, skipFirstLine: true }));
  await t("asObjects and fromLine", rows("users.csv", { asObjects: true, fromLine: 1 }));
  await t("long delimiter", rows("semi.csv", { delimiter: ";;" }));
  await t("undefined delimiter", rows("semi.csv", { delimiter: undefined }));
  await t("asObjects on an empty file", rows("empty.txt", { asObjects: true }));
  await t("not a File", async () => Array.from(await csv.parse({ path: "x" })));
  await t("null file", async () => Array.from(await csv.parse(null)));
  await t("null options", rows("crlf.csv", null));
  await t("undefined options", rows("crlf.csv", undefined));
  await t("parse twice", async () => {
    const f = files["crlf.csv"];
    await f.seek(0, 0);
    return [(await csv.parse(f)).length, (await csv.parse(f)).length];
  });
  await t("parse after a read", async () => {
    const f = files["crlf.csv"];
    await f.seek(0, 0);
    await f.read(new Uint8Array(4));
    return Array.from(await csv.parse(f));
  });
  await t("position after a failed parse", async () => {
    const f = files["crlf.csv"];
    await f.seek(0, 0);
    try {
      await csv.parse(f, { fromLine: 5 });
    } catch (e) {
      return f.seek(0, 1);
    }
  });
  await t("parse in a VU", async () => Array.from(await csv.parse(file, { toLine: 1 })));
  for (const line of out) console.log(line);
}
