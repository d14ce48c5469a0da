// k6/x/kv: the JavaScript face of the shared key-value store.
//
// Everything a script hands us is validated and serialized here, before any op is
// called: a Symbol reaching a serde op aborts the process, and non-strings reaching
// a #[string] op silently become "". The ops below only ever see strings and numbers.
const core = Deno.core;
const {
  op_kv_claim_random,
  op_kv_backup,
  op_kv_clear,
  op_kv_commit,
  op_kv_clock,
  op_kv_close,
  op_kv_compare_and_delete,
  op_kv_compare_and_delete_now,
  op_kv_compare_and_swap,
  op_kv_compare_and_swap_now,
  op_kv_count,
  op_kv_delete,
  op_kv_delete_now,
  op_kv_delete_if_exists,
  op_kv_end_claim,
  op_kv_get_entry,
  op_kv_pop_random,
  op_kv_pop_random_now,
  op_kv_claim_random_now,
  op_kv_end_claim_now,
  op_kv_random_key,
  op_kv_set_expiring,
  op_kv_stats,
  op_kv_delete_if_exists_now,
  op_kv_get_or_set,
  op_kv_get_or_set_now,
  op_kv_increment_by,
  op_kv_increment_by_now,
  op_kv_metrics_define,
  op_kv_record,
  op_kv_set_now,
  op_kv_swap,
  op_kv_swap_now,
  op_kv_exists,
  op_kv_exists_checked,
  op_kv_get,
  op_kv_get_checked,
  op_kv_list,
  op_kv_open,
  op_kv_restore,
  op_kv_scan,
  op_kv_set,
  op_kv_size,
  op_rk6_in_init,
} = Deno.core.ops;

class KvError extends Error {
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

// The stable error names scripts can match on. Those raised in Rust (src/kv/ops.rs)
// must be registered so they arrive as these classes rather than as plain errors.
export class KeyNotFoundError extends KvError {}
export class KeyRequiredError extends KvError {}
export class KeyTooLargeError extends KvError {}
export class InvalidKeyError extends KvError {}
export class SerializationError extends KvError {}
export class InvalidOptionsError extends KvError {}
export class StoreOpenError extends KvError {}
export class BackendError extends KvError {}
export class StoreClosedError extends KvError {}
export class WriteTimeoutError extends KvError {}
export class NotANumberError extends KvError {}
// backup()/restore(): a file that is not a (whole) snapshot, or that a backup would not
// overwrite; a missing file; a file the OS refuses; other I/O failures; a restore over
// its maxEntries/maxBytes.
export class SnapshotError extends KvError {}
export class SnapshotNotFoundError extends KvError {}
export class SnapshotPermissionError extends KvError {}
export class SnapshotIOError extends KvError {}
export class SnapshotBudgetExceededError extends KvError {}

// Raised by the get/exists ops for a key containing U+FFFD (see src/kv/ops.rs); never
// reaches scripts.
class KeyCheckNeeded extends Error {}
core.registerErrorClass("KeyCheckNeeded", KeyCheckNeeded);

for (
  const cls of [
    KeyNotFoundError,
    KeyRequiredError,
    KeyTooLargeError,
    InvalidOptionsError,
    StoreOpenError,
    BackendError,
    StoreClosedError,
    WriteTimeoutError,
    NotANumberError,
    SnapshotError,
    SnapshotNotFoundError,
    SnapshotPermissionError,
    SnapshotIOError,
    SnapshotBudgetExceededError,
  ]
) {
  core.registerErrorClass(cls.name, cls);
}

const BACKENDS = ["disk", "memory"];
const SERIALIZATIONS = ["json", "string"];
const DURABILITIES = ["full", "process"];
const OPTION_NAMES = ["backend", "path", "serialization", "durability", "metrics"];
const METRICS_OPTION_NAMES = ["operations"];
const DEFAULT_PATH = ".k6.kv";

// Array.isArray throws a TypeError for a revoked Proxy; to us that is just "not an array".
function isArray(value) {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

// For error messages: must not throw, whatever it is given (a revoked Proxy, an object
// whose toString throws), and must stay short (a huge string).
function describe(value) {
  if (typeof value === "string") {
    return value.length > 60 ? `${JSON.stringify(value.slice(0, 60))}... (${value.length} chars)` : JSON.stringify(value);
  }
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "function") return "a function";
  if (value === null) return "null";
  if (isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

// Reads an option through a user object, whose getters or Proxy traps may throw: that is
// a bad options object, reported as such rather than as whatever the getter threw.
function readOption(options, name, what) {
  try {
    return options[name];
  } catch (err) {
    throw new InvalidOptionsError(`reading ${what} option ${name} threw: ${errorText(err)}`);
  }
}

function errorText(err) {
  try {
    return String(err?.message ?? err);
  } catch {
    return "an exception that cannot be shown";
  }
}

function toKey(key) {
  switch (typeof key) {
    case "string":
      return key;
    case "number":
    case "boolean":
    case "bigint":
    case "undefined":
      return String(key);
  }
  if (key === null) return "null";
  throw new InvalidKeyError(
    `keys must be strings (numbers and other primitives are converted), got ${describe(key)}; ` +
      "pass a string key, e.g. JSON.stringify(obj) or a field of it",
  );
}

// Lone surrogates would reach the store as U+FFFD and alias each other, so such keys are
// refused. Writes check every key; reads only those the ops flag (see src/kv/ops.rs).
function wellFormed(key) {
  if (!key.isWellFormed()) {
    throw new InvalidKeyError(
      `key ${JSON.stringify(key)} contains a lone surrogate (half of a UTF-16 pair); ` +
        "keys must be well-formed Unicode text",
    );
  }
  return key;
}

function encodeJson(value) {
  let text;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    // JSON.stringify recurses, so a RangeError means the value nests too deeply. The engine's
    // JSON.parse goes deeper than its JSON.stringify (QuickJS: parse ~10k levels, stringify
    // ~2-5k), so whatever this accepts, get() and list() can read back.
    if (err instanceof RangeError && /stack/i.test(errorText(err))) {
      throw new SerializationError(
        `value is nested too deeply to be stored as JSON (${errorText(err)}); flatten it`,
      );
    }
    throw new SerializationError(
      `value cannot be stored as JSON (${errorText(err)}); store plain data: objects, arrays, ` +
        "strings, numbers, booleans or null (convert BigInt to string, break cycles)",
    );
  }
  if (text === undefined) {
    throw new SerializationError(
      `a value of type ${typeof value} cannot be stored as JSON; store plain data: objects, ` +
        "arrays, strings, numbers, booleans or null",
    );
  }
  return text;
}

function encodeString(value) {
  let text;
  try {
    text = String(value);
  } catch (err) {
    throw new SerializationError(`value cannot be converted to a string (${errorText(err)})`);
  }
  // Stored as UTF-8, a lone surrogate would silently come back as U+FFFD.
  if (!text.isWellFormed()) {
    throw new SerializationError(
      "value contains a lone surrogate (half of a UTF-16 pair), which cannot be stored as " +
        'text with serialization: "string"; store well-formed text, or use serialization: "json"',
    );
  }
  return text;
}

function notFound(key) {
  return new KeyNotFoundError(
    `key ${JSON.stringify(key)} not found; check it with exists() first or set it before reading`,
  );
}

function notJson(key) {
  return new SerializationError(
    `the value stored under ${JSON.stringify(key)} is not JSON (it was probably written ` +
      'with serialization: "string"); open the store with serialization: "string" to read it',
  );
}

function tooDeep(key) {
  return new SerializationError(
    `the value stored under ${JSON.stringify(key)} is nested too deeply to be parsed as ` +
      'JSON (set() refuses such values, so it was written with serialization: "string" or ' +
      'by another program); read it with serialization: "string"',
  );
}

// A stored value JSON.parse refuses: not JSON at all (a SyntaxError), or too deep for the
// parser's stack (a RangeError); either way it cannot be returned, and get() and list()
// must say so alike.
function undecodable(err, key) {
  return err instanceof SyntaxError ? notJson(key) : tooDeep(key);
}

function decodeJson(text, key) {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw undecodable(err, key);
  }
}

function checkOptions(options) {
  // No options means all the defaults (disk store at .k6.kv, JSON values).
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object" || isArray(options)) {
    throw new InvalidOptionsError(
      `openKv() takes an options object like { backend: "memory" }, got ${describe(options)}`,
    );
  }
  let names;
  try {
    names = Object.keys(options);
  } catch (err) {
    throw new InvalidOptionsError(`openKv() options cannot be read: ${errorText(err)}`);
  }
  for (const name of names) {
    if (!OPTION_NAMES.includes(name)) {
      throw new InvalidOptionsError(
        `unknown openKv() option ${JSON.stringify(name)}; valid options are ${OPTION_NAMES.join(", ")}`,
      );
    }
  }
  const pick = (name, valid, fallback) => {
    const value = readOption(options, name, "openKv()");
    if (value === undefined) return fallback;
    if (typeof value !== "string" || !valid.includes(value)) {
      throw new InvalidOptionsError(
        `openKv() option ${name} must be one of ${valid.map((v) => JSON.stringify(v)).join(", ")}, ` +
          `got ${describe(value)}`,
      );
    }
    return value;
  };
  const backend = pick("backend", BACKENDS, "disk");
  const serialization = pick("serialization", SERIALIZATIONS, "json");
  let path = readOption(options, "path", "openKv()");
  if (path !== undefined) {
    if (typeof path !== "string" || path.length === 0) {
      throw new InvalidOptionsError(
        `openKv() option path must be a non-empty string naming the store file, got ${describe(path)}`,
      );
    }
    // The op would read a lone surrogate as U+FFFD and open another file than named.
    if (!path.isWellFormed()) {
      throw new InvalidOptionsError(
        `openKv() option path ${describe(path)} contains a lone surrogate (half of a UTF-16 pair)`,
      );
    }
    if (backend !== "disk") {
      throw new InvalidOptionsError(
        'openKv() option path only applies to backend: "disk"; remove it or use the disk backend',
      );
    }
  }
  const durability = pick("durability", DURABILITIES, "full");
  // A memory store is gone with the process whatever the option says; accepting it would
  // suggest otherwise.
  if (backend !== "disk" && readOption(options, "durability", "openKv()") !== undefined) {
    throw new InvalidOptionsError(
      'openKv() option durability only applies to backend: "disk"; remove it or use the disk backend',
    );
  }
  const metrics = checkMetricsOption(readOption(options, "metrics", "openKv()"));
  return { backend, serialization, path: path ?? DEFAULT_PATH, durability, metrics };
}

// `metrics: { operations: true }` turns on the per-operation metrics; anything else that
// is not an object of booleans is refused rather than guessed at.
function checkMetricsOption(metrics) {
  if (metrics === undefined) return false;
  if (metrics === null || typeof metrics !== "object" || isArray(metrics)) {
    throw new InvalidOptionsError(
      `openKv() option metrics must be an object like { operations: true }, got ${describe(metrics)}`,
    );
  }
  let names;
  try {
    names = Object.keys(metrics);
  } catch (err) {
    throw new InvalidOptionsError(`openKv() option metrics cannot be read: ${errorText(err)}`);
  }
  for (const name of names) {
    if (!METRICS_OPTION_NAMES.includes(name)) {
      throw new InvalidOptionsError(
        `unknown openKv() metrics option ${JSON.stringify(name)}; valid options are ${METRICS_OPTION_NAMES.join(", ")}`,
      );
    }
  }
  const operations = readOption(metrics, "operations", "openKv() metrics");
  if (operations !== undefined && typeof operations !== "boolean") {
    throw new InvalidOptionsError(
      `openKv() option metrics.operations must be true or false, got ${describe(operations)}`,
    );
  }
  return operations === true;
}

function checkListOptions(options, method = "list") {
  if (options === undefined || options === null) return { prefix: "", limit: 0 };
  if (typeof options !== "object" || isArray(options)) {
    throw new InvalidOptionsError(
      `${method}() takes an options object like { prefix: "user:", limit: 10 }, got ${describe(options)}`,
    );
  }
  let prefix = readOption(options, "prefix", `${method}()`);
  let limit = readOption(options, "limit", `${method}()`);
  if (prefix === undefined) prefix = "";
  if (limit === undefined) limit = 0;
  if (typeof prefix !== "string") {
    throw new InvalidOptionsError(`${method}() option prefix must be a string, got ${describe(prefix)}`);
  }
  // Rounding 0.5 either way would be a guess (to 0, "everything", or to 1), so a limit must
  // be a whole number.
  if (typeof limit !== "number" || !Number.isInteger(limit)) {
    throw new InvalidOptionsError(
      `${method}() option limit must be a whole number (0 or less for all entries), got ${describe(limit)}`,
    );
  }
  // A limit that is missing, zero or negative means "everything", as in xk6-kv. The op
  // takes a small integer; no store holds anywhere near 2^31 keys.
  return { prefix, limit: limit > 0 ? Math.min(limit, 0x7fffffff) : 0 };
}

// `start` (inclusive) and `end` (exclusive) narrow list/scan to a key range, within any
// prefix; `reverse` reads from the highest key down. Packed for op_kv_scan.
const RANGE_START = 1;
const RANGE_END = 2;
const RANGE_REVERSE = 4;

function checkRangeOptions(options, method) {
  if (options === undefined || options === null) return { start: "", end: "", flags: 0 };
  let flags = 0;
  const bound = (name, flag) => {
    const value = readOption(options, name, `${method}()`);
    if (value === undefined) return "";
    if (typeof value !== "string") {
      throw new InvalidOptionsError(`${method}() option ${name} must be a string key, got ${describe(value)}`);
    }
    flags |= flag;
    return wellFormed(value);
  };
  const start = bound("start", RANGE_START);
  const end = bound("end", RANGE_END);
  const reverse = readOption(options, "reverse", `${method}()`);
  if (reverse !== undefined && typeof reverse !== "boolean") {
    throw new InvalidOptionsError(`${method}() option reverse must be true or false, got ${describe(reverse)}`);
  }
  if (reverse) flags |= RANGE_REVERSE;
  return { start, end, flags };
}

const DEFAULT_CLAIM_TTL = 30000;

// The options of set() and of atomic().set(): { expireIn } in milliseconds, or nothing.
function checkSetOptions(options, method) {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== "object" || isArray(options)) {
    throw new InvalidOptionsError(`${method}() takes an options object like { expireIn: 60000 }, got ${describe(options)}`);
  }
  const expireIn = readOption(options, "expireIn", `${method}()`);
  if (expireIn === undefined) return undefined;
  if (typeof expireIn !== "number" || !Number.isFinite(expireIn) || expireIn <= 0) {
    throw new InvalidOptionsError(
      `${method}() option expireIn must be a positive number of milliseconds, got ${describe(expireIn)}`,
    );
  }
  return expireIn;
}

function checkPrefixOption(options, method) {
  if (options === undefined || options === null) return "";
  if (typeof options !== "object" || isArray(options)) {
    throw new InvalidOptionsError(`${method}() takes an options object like { prefix: "job:" }, got ${describe(options)}`);
  }
  const prefix = readOption(options, "prefix", `${method}()`);
  if (prefix === undefined) return "";
  if (typeof prefix !== "string") {
    throw new InvalidOptionsError(`${method}() option prefix must be a string, got ${describe(prefix)}`);
  }
  return wellFormed(prefix);
}

// A claim as claimRandom() returned it: only key, id and token matter.
function checkClaim(claim, method) {
  if (claim === null || typeof claim !== "object") {
    throw new InvalidOptionsError(`${method}() takes the claim claimRandom() returned, got ${describe(claim)}`);
  }
  const field = (name) => {
    const value = readOption(claim, name, `${method}() claim`);
    if (typeof value !== "string" || value === "" || !value.isWellFormed()) {
      throw new InvalidOptionsError(
        `${method}() claim.${name} must be the string claimRandom() returned, got ${describe(value)}`,
      );
    }
    return value;
  };
  return { key: field("key"), id: field("id"), token: field("token") };
}

const VERSIONSTAMP = /^[0-9a-f]{20}$/;

// kv.atomic(): checks and mutations collected here, committed all or nothing. A commit
// whose checks fail resolves { ok: false } and writes nothing; retry it with fresh entries.
class AtomicOperation {
  #rid;
  #encode;
  // The backend's name when operation metrics are on (commits count as op "atomic").
  #metered;
  #checks = [];
  #mutations = [];

  constructor(rid, encode, metered) {
    this.#rid = rid;
    this.#encode = encode;
    this.#metered = metered;
  }

  // check(key, versionstamp) or check(entry, ...): the key must still carry that
  // versionstamp (null: must be absent) when the commit runs.
  check(...args) {
    const entries = typeof args[0] === "object" && args[0] !== null;
    if (!entries && args.length !== 2) {
      throw new InvalidOptionsError(
        "atomic().check() takes (key, versionstamp) — versionstamp null for \"must be absent\" — " +
          `or entries from getEntry(), got ${args.length} argument(s) starting with ${describe(args[0])}`,
      );
    }
    const checks = entries ? args : [{ key: args[0], versionstamp: args[1] }];
    for (const c of checks) {
      if (c === null || typeof c !== "object") {
        throw new InvalidOptionsError(`atomic().check() takes (key, versionstamp) or entries from getEntry(), got ${describe(c)}`);
      }
      const key = wellFormed(toKey(readOption(c, "key", "atomic().check()")));
      const versionstamp = readOption(c, "versionstamp", "atomic().check()");
      if (versionstamp !== null && (typeof versionstamp !== "string" || !VERSIONSTAMP.test(versionstamp))) {
        throw new InvalidOptionsError(
          `atomic().check() versionstamp for key ${JSON.stringify(key)} must be one getEntry() returned ` +
            `(20 hex digits) or null for "absent", got ${describe(versionstamp)}`,
        );
      }
      this.#checks.push([key, versionstamp]);
    }
    return this;
  }

  set(key, value, options) {
    const k = wellFormed(toKey(key));
    const text = this.#encode(value);
    const expireIn = checkSetOptions(options, "atomic().set");
    this.#mutations.push(
      expireIn === undefined ? { type: "set", key: k, value: text } : { type: "set", key: k, value: text, expireIn },
    );
    return this;
  }

  delete(key) {
    this.#mutations.push({ type: "delete", key: wellFormed(toKey(key)) });
    return this;
  }

  // Adds n to the number under key (a missing key counts as 0), as incrementBy does.
  sum(key, n) {
    const k = wellFormed(toKey(key));
    if (typeof n !== "number" || !Number.isFinite(n)) {
      throw new InvalidOptionsError(`atomic().sum() takes a finite number, got ${describe(n)}`);
    }
    this.#mutations.push({ type: "sum", key: k, n });
    return this;
  }

  async commit() {
    const metered = this.#metered;
    const started = metered === null ? 0 : op_kv_clock();
    let versionstamp;
    try {
      versionstamp = await op_kv_commit(this.#rid, { checks: this.#checks, mutations: this.#mutations });
    } catch (err) {
      if (metered !== null) op_kv_record("atomic", metered, started, errorName(err));
      throw err;
    }
    if (metered !== null) op_kv_record("atomic", metered, started, "");
    return versionstamp === null ? { ok: false } : { ok: true, versionstamp };
  }
}

const BACKUP_OPTIONS = ["fileName", "allowConcurrentWrites"];
const RESTORE_OPTIONS = ["fileName", "maxEntries", "maxBytes"];

// A snapshot file name is required: the fork's default (the live store file) would
// overwrite a disk store with a snapshot.
function checkSnapshotOptions(options, method, names) {
  if (typeof options !== "object" || options === null || isArray(options)) {
    throw new InvalidOptionsError(
      `${method}() takes an options object like { fileName: "snapshot.jsonl" }, got ${describe(options)}`,
    );
  }
  let keys;
  try {
    keys = Object.keys(options);
  } catch (err) {
    throw new InvalidOptionsError(`${method}() options cannot be read: ${errorText(err)}`);
  }
  for (const name of keys) {
    if (!names.includes(name)) {
      throw new InvalidOptionsError(
        `unknown ${method}() option ${JSON.stringify(name)}; valid options are ${names.join(", ")}`,
      );
    }
  }
  const fileName = readOption(options, "fileName", `${method}()`);
  if (typeof fileName !== "string" || fileName.length === 0) {
    throw new InvalidOptionsError(
      `${method}() option fileName must be a non-empty string naming the snapshot file, got ${describe(fileName)}`,
    );
  }
  if (!fileName.isWellFormed()) {
    throw new InvalidOptionsError(
      `${method}() option fileName ${describe(fileName)} contains a lone surrogate (half of a UTF-16 pair)`,
    );
  }
  return { fileName };
}

// A key for a write: converted, and refused with a lone surrogate (see wellFormed).
function writeKey(key) {
  return wellFormed(typeof key === "string" ? key : toKey(key));
}

function checkDelta(delta) {
  if (typeof delta !== "number" || !Number.isFinite(delta)) {
    throw new InvalidOptionsError(`incrementBy() delta must be a finite number, got ${describe(delta)}`);
  }
  return delta;
}

function closedError() {
  return new StoreClosedError(
    "this KV store was closed with close(); open another one with openKv() in the init " +
      "context, and call close() only when the VU is done with the store (e.g. in teardown())",
  );
}

// Writes and atomic operations come in two forms. The memory store finishes them before
// its op returns, so with backend "memory" they call a synchronous `_now` op and return a
// settled promise, as get does: an async function awaiting an async op costs about twice
// as much on QuickJS. The disk store resolves them only once committed, through async ops.
class KV {
  #rid;
  #encode;
  #json;
  #now;
  #closed = false;
  // The backend's name when operation metrics are on, else null.
  #metered = null;

  constructor(rid, serialization, backend, metered) {
    this.#rid = rid;
    this.#now = backend === "memory";
    this.#metered = metered ? backend : null;
    if (serialization === "string") {
      this.#encode = encodeString;
      this.#json = false;
    } else {
      this.#encode = encodeJson;
      this.#json = true;
    }
  }

  set(key, value, options) {
    if (options !== undefined || !this.#now) return this.#setLater(key, value, options);
    try {
      op_kv_set_now(this.#rid, writeKey(key), this.#encode(value));
      return Promise.resolve(value);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #setLater(key, value, options) {
    const k = writeKey(key);
    const text = this.#encode(value);
    const expireIn = checkSetOptions(options, "set");
    if (expireIn === undefined) {
      await op_kv_set(this.#rid, k, text);
    } else {
      await op_kv_set_expiring(this.#rid, k, text, expireIn);
    }
    return value;
  }

  // get and exists are plain functions returning settled promises: the store answers
  // synchronously, and on QuickJS an async function, a call to toKey for a key that is
  // already a string, or a decode callback each cost a measurable share of a whole get.
  get(key) {
    let k;
    let text;
    try {
      k = typeof key === "string" ? key : toKey(key);
      text = op_kv_get(this.#rid, k);
    } catch (err) {
      if (err instanceof KeyCheckNeeded) return this.#getChecked(k);
      return Promise.reject(err);
    }
    if (text === null) return Promise.reject(notFound(k));
    if (!this.#json) return Promise.resolve(text);
    try {
      return Promise.resolve(JSON.parse(text));
    } catch (err) {
      return Promise.reject(undecodable(err, k));
    }
  }

  #getChecked(k) {
    try {
      const text = op_kv_get_checked(this.#rid, wellFormed(k));
      if (text === null) throw notFound(k);
      return Promise.resolve(this.#decode(text, k));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  delete(key) {
    if (!this.#now) return this.#deleteLater(key);
    try {
      op_kv_delete_now(this.#rid, writeKey(key));
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #deleteLater(key) {
    await op_kv_delete(this.#rid, writeKey(key));
  }

  exists(key) {
    let k;
    try {
      k = typeof key === "string" ? key : toKey(key);
      return Promise.resolve(op_kv_exists(this.#rid, k));
    } catch (err) {
      if (err instanceof KeyCheckNeeded) {
        try {
          return Promise.resolve(op_kv_exists_checked(this.#rid, wellFormed(k)));
        } catch (checkErr) {
          return Promise.reject(checkErr);
        }
      }
      return Promise.reject(err);
    }
  }

  async list(options) {
    const { prefix, limit } = checkListOptions(options);
    wellFormed(prefix);
    const range = checkRangeOptions(options, "list");
    if (range.flags !== 0) {
      // A scan page ends with the cursor, which list has no use for.
      const flat = op_kv_scan(this.#rid, prefix, limit, "", range.start, range.end, range.flags);
      return this.#entries(flat, flat.length - 1);
    }
    const flat = op_kv_list(this.#rid, prefix, limit);
    return this.#entries(flat, flat.length);
  }

  // Keys and values come back from the ops as one flat array [k0, v0, k1, v1, ...] so an
  // op builds a single JS value instead of one object per entry; the first `end` items
  // are those pairs.
  #entries(flat, end) {
    const entries = new Array(end / 2);
    for (let i = 0; i < end; i += 2) {
      entries[i / 2] = { key: flat[i], value: this.#decode(flat[i + 1], flat[i]) };
    }
    return entries;
  }

  async clear() {
    await op_kv_clear(this.#rid);
  }

  // Atomic operations: each reads and writes with no other write in between, on both
  // backends. Values are compared by their serialized form (JSON text, or the string with
  // serialization "string"), so {a: 1, b: 2} and {b: 2, a: 1} are different values.

  incrementBy(key, delta) {
    if (!this.#now) return this.#incrementByLater(key, delta);
    try {
      return Promise.resolve(op_kv_increment_by_now(this.#rid, writeKey(key), checkDelta(delta)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #incrementByLater(key, delta) {
    const k = writeKey(key);
    return await op_kv_increment_by(this.#rid, k, checkDelta(delta));
  }

  getOrSet(key, value) {
    if (!this.#now) return this.#getOrSetLater(key, value);
    try {
      const k = writeKey(key);
      const text = this.#encode(value);
      const stored = op_kv_get_or_set_now(this.#rid, k, text);
      return Promise.resolve(
        stored === null ? { value: this.#decode(text, k), loaded: false } : { value: this.#decode(stored, k), loaded: true },
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #getOrSetLater(key, value) {
    const k = writeKey(key);
    const [text, loaded] = await op_kv_get_or_set(this.#rid, k, this.#encode(value));
    return { value: this.#decode(text, k), loaded };
  }

  swap(key, value) {
    if (!this.#now) return this.#swapLater(key, value);
    try {
      const k = writeKey(key);
      const previous = op_kv_swap_now(this.#rid, k, this.#encode(value));
      return Promise.resolve(
        previous === null ? { previous: null, loaded: false } : { previous: this.#decode(previous, k), loaded: true },
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #swapLater(key, value) {
    const k = writeKey(key);
    const [loaded, previous] = await op_kv_swap(this.#rid, k, this.#encode(value));
    return loaded ? { previous: this.#decode(previous, k), loaded } : { previous: null, loaded };
  }

  // oldValue null or undefined means "only if the key is absent".
  compareAndSwap(key, oldValue, newValue) {
    if (!this.#now) return this.#compareAndSwapLater(key, oldValue, newValue);
    try {
      const k = writeKey(key);
      const absent = oldValue === null || oldValue === undefined;
      const expected = absent ? "" : this.#encode(oldValue);
      return Promise.resolve(op_kv_compare_and_swap_now(this.#rid, k, absent, expected, this.#encode(newValue)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #compareAndSwapLater(key, oldValue, newValue) {
    const k = writeKey(key);
    const absent = oldValue === null || oldValue === undefined;
    const expected = absent ? "" : this.#encode(oldValue);
    return await op_kv_compare_and_swap(this.#rid, k, absent, expected, this.#encode(newValue));
  }

  setIfAbsent(key, value) {
    if (!this.#now) return this.#setIfAbsentLater(key, value);
    try {
      return Promise.resolve(op_kv_compare_and_swap_now(this.#rid, writeKey(key), true, "", this.#encode(value)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #setIfAbsentLater(key, value) {
    const k = writeKey(key);
    return await op_kv_compare_and_swap(this.#rid, k, true, "", this.#encode(value));
  }

  deleteIfExists(key) {
    if (!this.#now) return this.#deleteIfExistsLater(key);
    try {
      return Promise.resolve(op_kv_delete_if_exists_now(this.#rid, writeKey(key)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #deleteIfExistsLater(key) {
    return await op_kv_delete_if_exists(this.#rid, writeKey(key));
  }

  compareAndDelete(key, oldValue) {
    if (!this.#now) return this.#compareAndDeleteLater(key, oldValue);
    try {
      const k = writeKey(key);
      return Promise.resolve(op_kv_compare_and_delete_now(this.#rid, k, this.#encode(oldValue)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #compareAndDeleteLater(key, oldValue) {
    const k = writeKey(key);
    return await op_kv_compare_and_delete(this.#rid, k, this.#encode(oldValue));
  }

  // Restart-safe pagination: each page resumes after the last key of the one before, so a
  // full scan returns every key that existed throughout exactly once, whatever VUs write
  // meanwhile.
  async scan(options) {
    const { prefix, limit } = checkListOptions(options, "scan");
    wellFormed(prefix);
    let cursor = options == null ? undefined : readOption(options, "cursor", "scan()");
    if (cursor === undefined || cursor === null) cursor = "";
    if (typeof cursor !== "string") {
      throw new InvalidOptionsError(`scan() option cursor must be a string, got ${describe(cursor)}`);
    }
    const range = checkRangeOptions(options, "scan");
    const flat = op_kv_scan(this.#rid, prefix, limit, cursor, range.start, range.end, range.flags);
    const next = flat[flat.length - 1];
    return { entries: this.#entries(flat, flat.length - 1), cursor: next, done: next === "" };
  }

  async count(options) {
    let prefix = options == null ? undefined : readOption(options, "prefix", "count()");
    if (prefix === undefined) prefix = "";
    if (typeof prefix !== "string") {
      throw new InvalidOptionsError(`count() option prefix must be a string, got ${describe(prefix)}`);
    }
    return op_kv_count(this.#rid, wellFormed(prefix));
  }

  // { key, value, versionstamp }: the versionstamp identifies the write that stored the
  // value, for atomic().check(); both are null when the key is absent.
  async getEntry(key) {
    const k = wellFormed(toKey(key));
    const found = op_kv_get_entry(this.#rid, k);
    if (found === null) return { key: k, value: null, versionstamp: null };
    return { key: k, value: this.#decode(found[0], k), versionstamp: found[1] };
  }

  atomic() {
    return new AtomicOperation(this.#rid, this.#encode, this.#metered);
  }

  // Work queues: picks are uniform among the live keys with the prefix that no live claim
  // holds.

  async randomKey(options) {
    return op_kv_random_key(this.#rid, checkPrefixOption(options, "randomKey"));
  }

  async popRandom(options) {
    const prefix = checkPrefixOption(options, "popRandom");
    const popped = this.#now ? op_kv_pop_random_now(this.#rid, prefix) : await op_kv_pop_random(this.#rid, prefix);
    if (popped === null) return null;
    return { key: popped[0], value: this.#decode(popped[1], popped[0]) };
  }

  async claimRandom(options) {
    const prefix = checkPrefixOption(options, "claimRandom");
    let owner = options == null ? undefined : readOption(options, "owner", "claimRandom()");
    let ttl = options == null ? undefined : readOption(options, "ttl", "claimRandom()");
    if (owner === undefined) owner = "";
    if (typeof owner !== "string" || !owner.isWellFormed()) {
      throw new InvalidOptionsError(`claimRandom() option owner must be a string, got ${describe(owner)}`);
    }
    if (ttl === undefined) ttl = DEFAULT_CLAIM_TTL;
    if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0) {
      throw new InvalidOptionsError(
        `claimRandom() option ttl must be a positive number of milliseconds, got ${describe(ttl)}`,
      );
    }
    const c = this.#now
      ? op_kv_claim_random_now(this.#rid, prefix, owner, ttl)
      : await op_kv_claim_random(this.#rid, prefix, owner, ttl);
    if (c === null) return null;
    const [id, key, token, claimOwner, expiresAt, text] = c;
    return { id, key, token, owner: claimOwner, expiresAt, entry: { key, value: this.#decode(text, key) } };
  }

  async releaseClaim(claim) {
    const { key, id, token } = checkClaim(claim, "releaseClaim");
    return this.#endClaim(key, id, token, false);
  }

  async completeClaim(claim, options) {
    const { key, id, token } = checkClaim(claim, "completeClaim");
    let deleteKey = options == null ? undefined : readOption(options, "deleteKey", "completeClaim()");
    if (deleteKey === undefined) deleteKey = true;
    if (typeof deleteKey !== "boolean") {
      throw new InvalidOptionsError(`completeClaim() option deleteKey must be true or false, got ${describe(deleteKey)}`);
    }
    return this.#endClaim(key, id, token, deleteKey);
  }

  #endClaim(key, id, token, deleteKey) {
    return this.#now
      ? op_kv_end_claim_now(this.#rid, key, id, token, deleteKey)
      : op_kv_end_claim(this.#rid, key, id, token, deleteKey);
  }

  async stats() {
    const s = op_kv_stats(this.#rid);
    const stats = {
      backend: s.backend,
      serialization: this.#json ? "json" : "string",
      count: s.count,
      claims: { live: s.liveClaims, expired: s.expiredClaims },
    };
    if (s.path !== null) stats.disk = { path: s.path, sizeBytes: s.sizeBytes };
    return stats;
  }

  #decode(text, key) {
    return this.#json ? decodeJson(text, key) : text;
  }

  // Snapshots: the whole store, read as one consistent view, to a JSON-lines file, and
  // back (replacing the contents). Both take the file name as the fork does.
  async backup(options) {
    const { fileName } = checkSnapshotOptions(options, "backup", BACKUP_OPTIONS);
    const allow = readOption(options, "allowConcurrentWrites", "backup()");
    if (allow !== undefined && typeof allow !== "boolean") {
      throw new InvalidOptionsError(
        `backup() option allowConcurrentWrites must be true or false, got ${describe(allow)}`,
      );
    }
    const [totalEntries, bytesWritten] = await op_kv_backup(this.#rid, fileName);
    // Always a consistent snapshot, whatever allowConcurrentWrites asks for.
    return { totalEntries, bytesWritten, bestEffort: false, fileName };
  }

  async restore(options) {
    const { fileName } = checkSnapshotOptions(options, "restore", RESTORE_OPTIONS);
    const limit = (name) => {
      const value = readOption(options, name, "restore()");
      if (value === undefined) return 0;
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw new InvalidOptionsError(
          `restore() option ${name} must be a whole number (0 or less for no limit), got ${describe(value)}`,
        );
      }
      return value > 0 ? value : 0;
    };
    const maxEntries = limit("maxEntries");
    const maxBytes = limit("maxBytes");
    const [totalEntries, bytesRead, sourceBackend] = await op_kv_restore(
      this.#rid,
      fileName,
      maxEntries,
      maxBytes,
    );
    return { totalEntries, bytesRead, fileName, sourceBackend };
  }

  // Synchronous on purpose: both `${kv.size()}` and `await kv.size()` must work.
  size() {
    return op_kv_size(this.#rid);
  }

  // Releases this VU's handle. Every method is then shadowed on the instance by one that
  // fails, so open stores pay nothing for the check; the ops refuse a closed handle too.
  close() {
    if (this.#closed) return;
    this.#closed = true;
    op_kv_close(this.#rid);
    const stubs = {};
    for (const name of METHODS) {
      stubs[name] = SYNC_METHODS.includes(name)
        ? function () {
          throw closedError();
        }
        : function () {
          return Promise.reject(closedError());
        };
    }
    define(this, stubs);
    if (this.#metered !== null) meter(this, pick(stubs, METERED), this.#metered);
  }
}

// Every operation of a KV object: what close() disables and what metrics count. close()
// itself is neither (as in the xk6-kv fork).
const METHODS = Object.getOwnPropertyNames(KV.prototype).filter((name) => name !== "constructor" && name !== "close");
// Those that answer without a promise, so fail by throwing once closed.
const SYNC_METHODS = ["size", "atomic"];
// atomic() only starts a builder; its commit() is what metrics time, as op "atomic".
const METERED = METHODS.filter((name) => name !== "atomic");

function pick(object, names) {
  const picked = {};
  for (const name of names) picked[name] = object[name];
  return picked;
}

function define(kv, methods) {
  for (const name of Object.keys(methods)) {
    Object.defineProperty(kv, name, { value: methods[name], writable: true, configurable: true });
  }
}

// The `op` tag of a method, as the xk6-kv fork spells it: compareAndSwap -> compare_and_swap.
function opTag(name) {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function errorName(err) {
  try {
    const name = err?.name;
    return typeof name === "string" && name !== "" ? name : "Error";
  } catch {
    return "Error";
  }
}

// With metrics on, each of `methods` is shadowed on the instance by a wrapper that times
// it, until its promise settles (size: until it returns), and records the outcome. Without
// metrics nothing is wrapped: the methods stay the plain prototype ones.
function meter(kv, methods, backend) {
  const wrapped = {};
  for (const name of Object.keys(methods)) {
    const method = methods[name];
    const op = opTag(name);
    wrapped[name] = function (...args) {
      const started = op_kv_clock();
      let result;
      try {
        result = method.apply(this, args);
      } catch (err) {
        op_kv_record(op, backend, started, errorName(err));
        throw err;
      }
      if (!(result instanceof Promise)) {
        op_kv_record(op, backend, started, "");
        return result;
      }
      return result.then(
        (value) => {
          op_kv_record(op, backend, started, "");
          return value;
        },
        (err) => {
          op_kv_record(op, backend, started, errorName(err));
          throw err;
        },
      );
    };
  }
  define(kv, wrapped);
}

export function openKv(options) {
  if (!op_rk6_in_init()) {
    throw new Error(
      "openKv() can only be called in the init context (the top level of the script); " +
        "open the store there and use it from setup(), the default function or teardown()",
    );
  }
  const { backend, serialization, path, durability, metrics } = checkOptions(options);
  if (metrics) op_kv_metrics_define();
  const kv = new KV(op_kv_open(backend, path, durability), serialization, backend, metrics);
  if (metrics) {
    meter(kv, pick(KV.prototype, METERED), backend);
  }
  return kv;
}

export default { openKv };
