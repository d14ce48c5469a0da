// k6/experimental/fs: every case logs one line, checked against what k6 v1.1 prints
// (fs.expected). Paths print relative to this directory, as "<dir>/".
import { open, SeekMode } from "k6/experimental/fs";
import * as fs from "k6/experimental/fs";

const out = [];
let dir = "";
const rel = (s) => (dir ? String(s).split(dir).join("<dir>/") : String(s));
const log = (...parts) => out.push(parts.map(rel).join(" "));
async function t(label, f) {
  try {
    log(label, "ok", JSON.stringify(await f()));
  } catch (e) {
    log(label, "ERR", typeof e, e instanceof Error, e.name, "|", e.message, "|", String(e), "|", JSON.stringify(e), JSON.stringify(Object.keys(e)));
  }
}

const f = await open("data.txt");
dir = f.path.slice(0, -"data.txt".length);
log(typeof fs.SeekMode, Object.keys(SeekMode).sort(), SeekMode.Start, SeekMode.Current, SeekMode.End, typeof open);
log("path", f.path, JSON.stringify(Object.keys(f)), String(f), JSON.stringify(f));
const info = await f.stat();
log("stat", JSON.stringify(info), JSON.stringify(Object.keys(info)));
const five = new Uint8Array(5);
log("read", await f.read(five), JSON.stringify(Array.from(five)));
log("seek", await f.seek(0, SeekMode.Current), await f.seek(-2, SeekMode.End), await f.seek(3, SeekMode.Start));
const big = new Uint8Array(20);
log("read to the end", await f.read(big), await f.read(big), await f.read(big));
await t("read nothing at the end", () => f.read(new Uint8Array(0)));
await f.seek(0, SeekMode.Start);
await t("read nothing before the end", () => f.read(new Uint8Array(0)));
// k6 fills a subarray's whole buffer, from its start.
const whole = new Uint8Array(8);
await t("read into a subarray", async () => [await f.read(whole.subarray(4)), Array.from(whole)]);
await t("seek(0, End)", () => f.seek(0, SeekMode.End));
await t("seek to the size", () => f.seek(12, SeekMode.Start));
await t("negative from start", () => f.seek(-1, SeekMode.Start));
await t("positive from end", () => f.seek(1, SeekMode.End));
await t("before the start", () => f.seek(-100, SeekMode.Current));
await t("beyond the end", () => f.seek(13, SeekMode.Start));
await t("string offset", () => f.seek("1", SeekMode.Start));
await t("fractional offset", () => f.seek(1.5, SeekMode.Start));
await t("null offset", () => f.seek(null, SeekMode.Start));
await t("unknown whence", () => f.seek(1, 7));
await t("missing whence", () => f.seek(1));
await t("read into null", () => f.read(null));
await t("read into an array", () => f.read([1, 2]));
await t("read into a Uint16Array", () => f.read(new Uint16Array(2)));
await t("missing file", () => open("nope.txt"));
await t("directory", () => open("sub"));
await t("null path", () => open(null));
await t("no path", () => open());
await t("empty path", () => open(""));
await t("number path", () => open(12));
await t("file URL", async () => rel((await open("file://" + dir + "data.txt")).path));
await t("cleaned path", async () => rel((await open("./sub/../sub/nested.txt")).path));
await t("empty file", async () => {
  const e = await open("empty.txt");
  return [await e.stat(), await e.read(new Uint8Array(4))];
});
await t("empty file seek(0, End)", async () => (await open("empty.txt")).seek(0, SeekMode.End));
await t("each File has its own position", async () => {
  const a = await open("data.txt");
  const b = await open("data.txt");
  await a.seek(6, SeekMode.Start);
  const buf = new Uint8Array(5);
  await b.read(buf);
  return [await a.seek(0, SeekMode.Current), await b.seek(0, SeekMode.Current), Array.from(buf)];
});

export default async function () {
  await t("open in a VU", () => open("data.txt"));
  for (const line of out) console.log(line);
}
