// Mirrors grafana/k6 examples/experimental/fs/fs.js: a file opened once in the init context
// with k6/experimental/fs (top-level await), then stat, chunked read and seek per iteration.
import { open, SeekMode } from "k6/experimental/fs";
import { check } from "k6";

export const options = { vus: 2, iterations: 4 };

const file = await open("data/greeting.txt");

export default async function () {
  const info = await file.stat();
  const buffer = new Uint8Array(4);
  let total = 0;
  for (;;) {
    const n = await file.read(buffer);
    if (n == null) break;
    total += n;
    if (n < buffer.byteLength) break;
  }
  await file.seek(0, SeekMode.Start);
  check(info, {
    "file name": (i) => i.name === "greeting.txt",
    "read it all": (i) => total === i.size && i.size === 23,
  });
}
