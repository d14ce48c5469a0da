// k6/data: SharedArray. The elements live once per run in Rust (ops.rs) as JSON text; a
// VU gets a Proxy over an empty array that decodes an element each time it is read, so
// VUs hold no copy. What a script sees matches k6 v1.1: Array.isArray is true, reads give
// fresh deep-frozen values, writes throw "SharedArray is immutable".
import { goError } from "rk6:encoding.js";

const {
  op_data_claim,
  op_data_push,
  op_data_finish,
  op_data_abandon,
  op_data_len,
  op_data_get,
  op_rk6_in_init,
} = Deno.core.ops;

const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
const { freeze } = Object;
const { parse, stringify } = JSON;
const NOT_IN_INIT = "new SharedArray must be called in the init context";
const immutable = () => new TypeError("SharedArray is immutable");

// Elements sent to Rust per op call while building: big enough that the op boundary costs
// nothing, small enough that the joined text is a small transient copy.
const CHUNK = 2048;

// Freezes an object decoded from JSON and everything in it. for-in serves arrays too;
// checking children before the call is ~2x faster on QuickJS than recursing into each.
function deepFreeze(object) {
  freeze(object);
  for (const key in object) {
    const value = object[key];
    if (typeof value === "object" && value !== null) deepFreeze(value);
  }
  return object;
}

function decode(handle, index) {
  const json = op_data_get(handle, index);
  // What k6 stores for elements JSON.stringify drops (undefined, functions, holes); k6
  // then fails to decode it on every read with Go's message.
  if (json === "undefined") {
    throw new SyntaxError("invalid character 'u' looking for beginning of value");
  }
  const value = parse(json);
  return typeof value === "object" && value !== null ? deepFreeze(value) : value;
}

// The element index a property key names, or -1: canonical array indices only ("01",
// "1.5" and "-1" are ordinary keys, as on an array).
function indexOf(key, length) {
  if (typeof key !== "string") return -1;
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return -1;
  const i = +key;
  return i < length && i % 1 === 0 && String(i) === key ? i : -1;
}

// The script's array for the handle of a built shared array.
export function view(handle) {
  const length = op_data_len(handle);
  // A real array as target makes Array.isArray, the prototype and `length` those of an
  // array; it stays empty (only its length is set) and is never written.
  const target = [];
  target.length = length;
  return new Proxy(target, {
    get(t, key, receiver) {
      const i = indexOf(key, length);
      return i >= 0 ? decode(handle, i) : Reflect.get(t, key, receiver);
    },
    has(t, key) {
      return indexOf(key, length) >= 0 || Reflect.has(t, key);
    },
    getOwnPropertyDescriptor(t, key) {
      const i = indexOf(key, length);
      if (i < 0) return Reflect.getOwnPropertyDescriptor(t, key);
      return { value: decode(handle, i), writable: true, enumerable: true, configurable: true };
    },
    ownKeys(t) {
      const keys = [];
      for (let i = 0; i < length; i++) keys.push(String(i));
      keys.push("length");
      return keys;
    },
    set(t, key) {
      if (key === "length" || (typeof key === "string" && /^(0|[1-9][0-9]*)$/.test(key))) {
        throw immutable();
      }
      throw new TypeError(`Cannot set property "${String(key)}" on a dynamic array`);
    },
    defineProperty() {
      throw immutable();
    },
    deleteProperty() {
      throw immutable();
    },
    setPrototypeOf() {
      throw immutable();
    },
    preventExtensions() {
      throw immutable();
    },
  });
}

// Builds the array called `name` from what `rows()` returns, unless a VU already has:
// then `rows` is not called. Any array-like of JSON-serializable values. For built-in
// modules (k6/experimental/csv): the shared array's handle, for `view`.
export function sharedArrayHandle(name, rows, anywhere = false) {
  const handle = op_data_claim(name, anywhere);
  if (handle >= 0) return handle;
  try {
    send(name, rows());
  } catch (e) {
    op_data_abandon(name);
    throw e;
  }
  return op_data_finish(name);
}

// Stores each element's JSON as k6 does (JSON.stringify's result, "undefined" when it
// gives none), a chunk at a time so the whole array is never one more string.
function send(name, rows) {
  const n = rows.length;
  let chunk = [];
  for (let i = 0; i < n; i++) {
    const json = stringify(rows[i]);
    chunk.push(json === undefined ? "undefined" : json);
    if (chunk.length === CHUNK) {
      op_data_push(name, chunk.join("\n"));
      chunk = [];
    }
  }
  if (chunk.length > 0) op_data_push(name, chunk.join("\n"));
}

// For built-in modules: the script's SharedArray called `name`, built from `rows()`
// (called only if no VU built it yet), in the init context or later (k6's csv.parse
// works in iterations too).
export function sharedArrayFrom(name, rows) {
  if (name === "") throw goError("empty name provided to SharedArray's constructor");
  return view(sharedArrayHandle(name, rows, true));
}

function nameOf(value) {
  return typeof value === "symbol" ? (value.description ?? "") : String(value);
}

// Works with or without `new`, as k6's constructor does.
export function SharedArray(name, fn) {
  if (!op_rk6_in_init()) throw goError(NOT_IN_INIT);
  const text = nameOf(name);
  if (text === "") throw goError("empty name provided to SharedArray's constructor");
  if (fn instanceof AsyncFunction) {
    throw goError("SharedArray constructor does not support async functions as second argument");
  }
  if (typeof fn !== "function") {
    throw goError("a function is expected as the second argument of SharedArray's constructor");
  }
  const handle = sharedArrayHandle(text, () => {
    const rows = fn();
    if (!Array.isArray(rows)) throw goError("only arrays can be made into SharedArray");
    return rows;
  });
  return view(handle);
}

export default { SharedArray };
