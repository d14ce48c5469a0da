// One line per case, printed by the single iteration; sharedarray.expected holds what k6
// v1.1 prints. Cases marked "engine" print only the error's name: its message is the JS
// engine's own.
import { SharedArray } from "k6/data";
import data from "k6/data";

const a = new SharedArray("mixed", function () {
  return [{ a: 1, b: [1, 2], c: { d: "x" } }, "s", 3, null, true, [4, [5]]];
});
const again = new SharedArray("mixed", () => [9]);
const plain = SharedArray("no-new", () => [1, 2, 3]);
const fromDefault = new data.SharedArray("default-export", () => ["d"]);
const empty = new SharedArray("empty", () => []);
const dates = new SharedArray("dates", () => [new Date(0), { toJSON: () => "custom" }]);
const holes = new SharedArray("holes", () => [1, undefined, () => 1, , 5]);
const byNumber = new SharedArray(42, () => ["n"]);
const undefName = new SharedArray(undefined, () => ["u"]);
const text = new SharedArray("text", () => ["héllo ☃ 😀", { "k\n": "a\nb\u2028c" }, ""]);
const errors = [];
function init(label, f) {
  try {
    f();
    errors.push(`${label} ok`);
  } catch (e) {
    errors.push(`${label} ${e.name}: ${e.message}`);
  }
}
init("empty name", () => new SharedArray("", () => []));
init("no function", () => new SharedArray("x"));
init("not a function", () => new SharedArray("x", 5));
init("async", () => new SharedArray("x", async () => []));
init("object", () => new SharedArray("x1", () => ({ length: 1, 0: 1 })));
init("string", () => new SharedArray("x2", () => "abc"));
init("typed array", () => new SharedArray("x3", () => new Uint8Array(2)));
init("throws", () => new SharedArray("x4", () => { throw new Error("boom"); }));
// VU 0 evaluates the init code first (k6's and rk6's), so the VU that prints sees the
// array VU 0 built here after its failed attempt.
init("after throw", () => new SharedArray("x5", () => { throw new Error("boom"); }));
init("after throw", () => new SharedArray("x5", () => [1]));
init("by number name", () => errors.push(`42 ${new SharedArray("42", () => []).length}`));
init("by undefined name", () => errors.push(`undefined ${new SharedArray("undefined", () => []).length}`));

function t(label, f, engine) {
  try {
    console.log(label, JSON.stringify(f()));
  } catch (e) {
    console.log(label, "throws", engine ? e.name : `${e.name}: ${e.message}`);
  }
}

export default function () {
  for (const line of errors) console.log(line);
  t("length", () => a.length);
  t("same name reuses the first", () => [again.length, again[0]]);
  t("without new", () => [plain.length, plain[2]]);
  t("default export", () => fromDefault[0]);
  t("empty", () => [empty.length, empty[0]]);
  t("Array.isArray", () => Array.isArray(a));
  t("instanceof Array", () => a instanceof Array);
  t("typeof", () => typeof a);
  t("toString tag", () => Object.prototype.toString.call(a));
  t("constructor", () => a.constructor.name);
  t("JSON", () => a);
  t("String", () => String(a));
  t("a[0]", () => a[0]);
  t("a['1']", () => a["1"]);
  t("a[5][1]", () => a[5][1]);
  t("a[-1]", () => a[-1]);
  t("a[6]", () => a[6]);
  t("a[1.5]", () => a[1.5]);
  t("a['01']", () => a["01"]);
  t("a[2**32]", () => a[2 ** 32]);
  t("fresh value", () => a[0] === a[0]);
  t("frozen", () => [Object.isFrozen(a[0]), Object.isFrozen(a[0].b), Object.isFrozen(a[0].c)]);
  t("write element field", () => { a[0].a = 2; }, true);
  t("0 in", () => [0 in a, 6 in a, "length" in a]);
  // k6 also says true for a.hasOwnProperty(6), while `6 in a` is false: not kept.
  t("hasOwnProperty", () => [a.hasOwnProperty(0), a.hasOwnProperty("length")]);
  t("keys", () => Object.keys(a));
  t("own names", () => Object.getOwnPropertyNames(a));
  t("descriptor 0", () => Object.getOwnPropertyDescriptor(a, 0));
  t("descriptor length", () => Object.getOwnPropertyDescriptor(a, "length"));
  t("isFrozen", () => Object.isFrozen(a));
  t("isExtensible", () => Object.isExtensible(a));
  t("for of", () => { const r = []; for (const x of a) r.push(x); return r; });
  t("for in", () => { const r = []; for (const k in a) r.push(k); return r; });
  t("spread", () => [...a]);
  t("object spread", () => ({ ...a }));
  t("Array.from", () => Array.from(a));
  t("entries", () => [...a.entries()]);
  t("slice", () => a.slice(1, 3));
  t("slice is array", () => Array.isArray(a.slice(1, 3)));
  t("map", () => a.map((x, i) => `${typeof x}${i}`));
  t("filter", () => a.filter((x) => typeof x === "number"));
  t("forEach", () => { const r = []; a.forEach((x, i, arr) => r.push([i, arr === a])); return r; });
  t("find", () => a.find((x) => x === 3));
  t("findIndex", () => a.findIndex((x) => x === true));
  t("includes", () => [a.includes(3), a.includes(4)]);
  t("indexOf", () => [a.indexOf("s"), a.indexOf(a[0])]);
  t("lastIndexOf", () => a.lastIndexOf(null));
  t("join", () => a.join("|"));
  t("reduce", () => a.reduce((s, x) => s + (typeof x === "number" ? x : 0), 0));
  t("some every", () => [a.some((x) => x === null), a.every((x) => x !== undefined)]);
  t("at", () => a.at(-1));
  t("concat", () => [0].concat(a));
  t("reversed copy", () => a.slice().reverse());
  t("set element", () => { a[0] = 1; });
  t("set past end", () => { a[10] = 1; });
  t("set length", () => { a.length = 0; });
  t("set other", () => { a.foo = 1; });
  t("push", () => { a.push(1); });
  t("sort", () => { a.sort(); });
  t("delete", () => { delete a[0]; });
  t("defineProperty", () => { Object.defineProperty(a, 0, { value: 1 }); });
  t("unchanged", () => [a.length, a[0].a]);
  t("dates", () => [dates[0], dates[1]]);
  t("holes length", () => holes.length);
  t("holes[0]", () => holes[0]);
  t("holes[1]", () => holes[1]);
  t("holes[2]", () => holes[2]);
  t("holes[3]", () => holes[3]);
  t("holes[4]", () => holes[4]);
  t("text", () => [text.length, text[0], text[1]["k\n"].split("\n").length, text[2]]);
  t("by number", () => byNumber[0]);
  t("by undefined", () => undefName[0]);
  t("outside init", () => new SharedArray("late", () => [1]));
}
