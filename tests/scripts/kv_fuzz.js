// Property test of the k6/x/kv JavaScript API (driven by tests/kv_fuzz.rs).
//
// Calls every method with arguments drawn by a seeded PRNG from a pool of odd JavaScript
// values, and checks after each call that:
// - it settled (resolved, or rejected with an error named in the documented set for that
//   method; never a TypeError or anything else),
// - a rejected call left the store exactly as it was (size() and the full list()),
// - a resolved set() stored exactly the documented encoding of the value.
// The run ends by logging `fuzz=<JSON>`; any violation is listed in `failures`.
import {
  openKv,
  InvalidKeyError,
  InvalidOptionsError,
  KeyNotFoundError,
  KeyRequiredError,
  KeyTooLargeError,
  SerializationError,
  StoreOpenError,
} from "k6/x/kv";

const BACKEND = __ENV.BACKEND;
const SEED = Number(__ENV.SEED);
const CALLS = Number(__ENV.CALLS);

// mulberry32: tiny, good enough to pick test cases, and the same sequence on every engine.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);
const int = (n) => Math.floor(random() * n);
const pick = (items) => items[int(items.length)];

class Boom extends Error {
  constructor() {
    super("boom");
    this.name = "Boom";
  }
}
const boom = () => {
  throw new Boom();
};

function revoked(target) {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

function nested(depth, leaf) {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
}

const DEEP = nested(100_000, 1);
const DEEP_TEXT = "[".repeat(100_000) + "]".repeat(100_000);
const HUGE = "h".repeat(300_000);

// Each case is [label, () => value]; values are made fresh for every call so that a
// mutation by the API (there should be none) could not leak into later calls.
const ODD = [
  ["undefined", () => undefined],
  ["null", () => null],
  ["true", () => true],
  ["0", () => 0],
  ["-0", () => -0],
  ["NaN", () => NaN],
  ["Infinity", () => Infinity],
  ["-Infinity", () => -Infinity],
  ["1.5", () => 1.5],
  ["-7", () => -7],
  ["2**53", () => 2 ** 53],
  ["''", () => ""],
  ["'k'", () => "k"],
  ["'\\0'", () => "\0"],
  ["emoji", () => "😀é\u{10ffff}"],
  ["U+FFFD", () => "\ufffd"],
  ["lone high surrogate", () => "a\ud800"],
  ["lone low surrogate", () => "\udfffb"],
  ["511 bytes", () => "x".repeat(511)],
  ["512 bytes", () => "x".repeat(512)],
  ["256 × é", () => "é".repeat(256)],
  ["huge string", () => HUGE],
  ["Symbol", () => Symbol("s")],
  ["Symbol.iterator", () => Symbol.iterator],
  ["BigInt", () => 10n],
  ["function", () => function f() {}],
  ["arrow", () => () => 1],
  ["class", () => class C {}],
  ["{}", () => ({})],
  ["[]", () => []],
  ["sparse array", () => [1, , 3]],
  ["plain object", () => ({ n: 1, s: "x", a: [true, null], o: { d: 2.5 } })],
  ["Object.create(null)", () => Object.assign(Object.create(null), { x: 1 })],
  ["Date", () => new Date(0)],
  ["Map", () => new Map([[1, 2]])],
  ["Set", () => new Set([1])],
  ["RegExp", () => /x/g],
  ["Uint8Array", () => new Uint8Array([1, 2])],
  ["new Number", () => new Number(5)],
  ["new String", () => new String("boxed")],
  ["Error", () => new Error("e")],
  ["Proxy", () => new Proxy({ p: 1 }, {})],
  ["Proxy of function", () => new Proxy(() => 1, {})],
  ["revoked Proxy", () => revoked({})],
  ["revoked Proxy of array", () => revoked([])],
  ["revoked Proxy of function", () => revoked(() => 1)],
  ["Proxy throwing on get", () => new Proxy({ a: 1 }, { get: boom })],
  ["Proxy throwing on ownKeys", () => new Proxy({ a: 1 }, { ownKeys: boom })],
  ["Proxy throwing on has", () => new Proxy({ a: 1 }, { has: boom, getOwnPropertyDescriptor: boom })],
  ["throwing getter", () => ({ get a() { throw new Boom(); } })],
  ["throwing toJSON", () => ({ toJSON: boom })],
  ["toJSON giving undefined", () => ({ toJSON: () => undefined })],
  ["toJSON giving a lone surrogate", () => ({ toJSON: () => "\ud800" })],
  ["throwing toString", () => ({ toString: boom, valueOf: boom })],
  ["throwing toPrimitive", () => ({ [Symbol.toPrimitive]: boom })],
  ["toString giving a lone surrogate", () => ({ toString: () => "\udc00" })],
  ["toString giving an object", () => ({ toString: () => ({}), valueOf: () => ({}) })],
  ["cycle", () => {
    const o = { a: 1 };
    o.self = o;
    return o;
  }],
  ["nested 50", () => nested(50, "leaf")],
  ["nested 100000", () => DEEP],
  ["deep JSON text", () => DEEP_TEXT],
];

// Most keys come from a few valid ones, so that reads find what writes stored.
const GOOD_KEYS = ["a", "b", "user:1", "user:2", "é", "😀", "x".repeat(511), 7, true];
function anyKey() {
  return random() < 0.6 ? ["good key", () => pick(GOOD_KEYS)] : pick(ODD);
}

const LIMITS = [
  ["limit 0", () => 0],
  ["limit 3", () => 3],
  ["limit -2", () => -2],
  ["limit 0.5", () => 0.5],
  ["limit -0.5", () => -0.5],
  ["limit 2**40", () => 2 ** 40],
  ["limit NaN", () => NaN],
  ["limit Infinity", () => Infinity],
  ["limit -Infinity", () => -Infinity],
  ["limit '3'", () => "3"],
  ["limit 3n", () => 3n],
  ["limit null", () => null],
];
function anyListOptions() {
  const r = random();
  if (r < 0.2) return pick(ODD);
  if (r < 0.5) {
    const [label, limit] = pick(LIMITS);
    return [`{ ${label} }`, () => ({ limit: limit() })];
  }
  if (r < 0.7) {
    const [label, prefix] = random() < 0.5 ? ["good prefix", () => pick(["", "user:", "u", "zz"])] : pick(ODD);
    return [`{ prefix: ${label} }`, () => ({ prefix: prefix() })];
  }
  if (r < 0.8) return ["{ unknown option }", () => ({ whatever: 1 })];
  return ["{ prefix: 'user:', limit: 1 }", () => ({ prefix: "user:", limit: 1 })];
}

// openKv() only works in the init context: exercise its options here, once per VU.
const OPEN_OUTCOMES = {};
const failures = [];
{
  const OPEN_OPTIONS = [
    ...ODD,
    ["{ backend }", () => ({ backend: BACKEND })],
    ["{ backend: odd }", () => ({ backend: pick(ODD)[1]() })],
    ["{ serialization: odd }", () => ({ backend: BACKEND, serialization: pick(ODD)[1]() })],
    ["{ path: odd }", () => ({ backend: "disk", path: pick(ODD)[1]() })],
    ["{ path in a missing directory }", () => ({ backend: "disk", path: "missing/dir/x.kv" })],
    ["{ memory with a path }", () => ({ backend: "memory", path: "x.kv" })],
    ["{ unknown option }", () => ({ backend: BACKEND, colour: "red" })],
  ];
  const allowed = [InvalidOptionsError, StoreOpenError];
  for (let i = 0; i < 150; i++) {
    const [label, make] = pick(OPEN_OPTIONS);
    let outcome;
    try {
      const opened = openKv(make());
      outcome = typeof opened.size() === "number" ? "ok" : "not a store";
    } catch (e) {
      outcome = e?.name ?? String(e);
      if (!allowed.some((cls) => e instanceof cls)) {
        failures.push(`openKv(${label}) threw ${describeError(e)}`);
      }
    }
    OPEN_OUTCOMES[outcome] = (OPEN_OUTCOMES[outcome] ?? 0) + 1;
  }
}

const kvJson = openKv({ backend: BACKEND });
const kvText = openKv({ backend: BACKEND, serialization: "string" });

function describeError(e) {
  try {
    return `${e?.name}: ${String(e?.message).slice(0, 200)}`;
  } catch {
    return "an undescribable error";
  }
}

// What the store holds, read through the text handle so that every value decodes.
async function snapshot() {
  const entries = await kvText.list();
  return { size: kvText.size(), entries: entries.map((e) => [e.key, e.value]) };
}

function sameSnapshot(a, b) {
  if (a.size !== b.size || a.entries.length !== b.entries.length) return false;
  return a.entries.every(([k, v], i) => k === b.entries[i][0] && v === b.entries[i][1]);
}

const KEY_ERRORS = [InvalidKeyError, KeyRequiredError, KeyTooLargeError];
const METHODS = [
  ["set", 5, KEY_ERRORS.concat([SerializationError])],
  ["get", 3, KEY_ERRORS.concat([KeyNotFoundError, SerializationError])],
  ["exists", 2, KEY_ERRORS],
  ["delete", 2, KEY_ERRORS],
  ["list", 3, [InvalidOptionsError, InvalidKeyError, SerializationError]],
  ["size", 1, []],
  ["clear", 0.1, []],
];
const WEIGHT = METHODS.reduce((sum, m) => sum + m[1], 0);
function anyMethod() {
  let r = random() * WEIGHT;
  for (const m of METHODS) {
    r -= m[1];
    if (r < 0) return m;
  }
  return METHODS[0];
}

// The text set() must have stored for `value`, computed the documented way.
function expectedText(json, value) {
  return json ? JSON.stringify(value) : String(value);
}

export default async function () {
  const outcomes = {};
  const count = (method, outcome) => {
    outcomes[method] ??= {};
    outcomes[method][outcome] = (outcomes[method][outcome] ?? 0) + 1;
  };
  // A few reads of values that the JSON handle cannot decode.
  await kvText.set("deep", DEEP_TEXT);
  await kvText.set("not json", "{oops");

  for (let call = 0; call < CALLS; call++) {
    const [method, , allowed] = anyMethod();
    const json = random() < 0.7;
    const kv = json ? kvJson : kvText;
    let args;
    switch (method) {
      case "set":
        args = [anyKey(), pick(ODD)];
        break;
      case "get":
      case "exists":
      case "delete":
        args = [anyKey()];
        break;
      case "list":
        args = random() < 0.1 ? [] : [anyListOptions()];
        break;
      default:
        args = [];
    }
    const labels = args.map(([label]) => label);
    const values = args.map(([, make]) => make());
    const what = `seed ${SEED} call ${call}: ${json ? "json" : "string"} ${method}(${labels.join(", ")})`;

    const before = await snapshot();
    let error;
    let threw = false;
    try {
      await kv[method](...values);
    } catch (e) {
      threw = true;
      error = e;
    }
    if (!threw) {
      count(method, "ok");
      if (method === "set") {
        const key = String(values[0]);
        const stored = await kvText.get(key);
        const expected = expectedText(json, values[1]);
        if (stored !== expected) {
          failures.push(`${what} stored ${JSON.stringify(stored.slice(0, 80))}, expected ${JSON.stringify(expected.slice(0, 80))}`);
        }
      }
      continue;
    }
    const name = describeError(error);
    count(method, error?.name ?? "not an error");
    if (!(error instanceof Error) || !allowed.some((cls) => error instanceof cls)) {
      failures.push(`${what} rejected with ${name}`);
    }
    const after = await snapshot();
    if (!sameSnapshot(before, after)) {
      failures.push(`${what} rejected with ${name} but changed the store`);
    }
  }
  console.log(
    `fuzz=${JSON.stringify({ calls: CALLS, open: OPEN_OUTCOMES, outcomes, failures: failures.slice(0, 30) })}`,
  );
}
