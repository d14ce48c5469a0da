// k6/execution: live information about the running test, read from the runner on
// every access so values are never stale.
const ops = Deno.core.ops;
import { tagValue } from "rk6:tags.js";

export class TestAbortedError extends Error {
  constructor(message) {
    super(message);
    this.name = "TestAbortedError";
  }
}

// Codes of the values op_rk6_exec_number reads (src/runtime/ops.rs); TEXT and above are
// op_rk6_exec_text's, less TEXT.
const TEXT = 100;

// Each property asks the runner for its one value when read.
function getters(fields, values = {}) {
  const obj = { ...values };
  for (const [name, code] of fields) {
    Object.defineProperty(obj, name, {
      enumerable: true,
      get: code >= TEXT ? () => ops.op_rk6_exec_text(code - TEXT) : () => ops.op_rk6_exec_number(code),
    });
  }
  return Object.freeze(obj);
}

// exec.vu.tags: the VU's tags (its scenario's, plus any set here), added to every sample
// it emits from then on. Reads go to the runner each time, so a new scenario shows its own.
const currentTags = () => JSON.parse(ops.op_rk6_vu_tags());
// One tag is read by name, not through all of them as JSON.
const tagOf = (name) => (typeof name === "string" ? ops.op_rk6_vu_tag_get(name) : null);
const tags = new Proxy({}, {
  get: (_, name) => tagOf(name) ?? undefined,
  has: (_, name) => tagOf(name) !== null,
  set: (_, name, value) => {
    if (typeof name !== "string") throw new TypeError("tag names must be strings");
    const text = typeof value === "string" ? value : tagValue(value, `exec.vu.tags[${JSON.stringify(name)}]`);
    ops.op_rk6_vu_tag_set(name, text);
    return true;
  },
  deleteProperty: (_, name) => {
    if (typeof name === "string") ops.op_rk6_vu_tag_set(name, null);
    return true;
  },
  ownKeys: () => Object.keys(currentTags()),
  getOwnPropertyDescriptor: (_, name) => {
    const value = tagOf(name);
    if (value === null) return undefined;
    return { value, writable: true, enumerable: true, configurable: true };
  },
});

const vu = getters(
  [["idInInstance", 0], ["idInTest", 1], ["iterationInInstance", 2], ["iterationInScenario", 3]],
  { tags, metrics: Object.freeze({ tags }) },
);
const scenario = getters([
  ["name", TEXT + 0],
  ["executor", TEXT + 1],
  ["startTime", 4],
  ["progress", 5],
  ["iterationInInstance", 6],
  ["iterationInTest", 7],
]);
const instance = getters([
  ["vusActive", 8],
  ["vusInitialized", 9],
  ["iterationsCompleted", 10],
  ["iterationsInterrupted", 11],
  ["currentTestRunDuration", 12],
]);

let optionsCache;
const test = Object.freeze({
  abort(reason) {
    const why = reason === undefined ? "test aborted" : String(reason);
    // Built before the stop is triggered, so the stop cannot cut its construction short.
    const error = new TestAbortedError(why);
    ops.op_rk6_abort(why);
    // Unwind the calling iteration; the runner stops everything else.
    throw error;
  },
  get options() {
    if (optionsCache === undefined) optionsCache = Object.freeze(JSON.parse(ops.op_rk6_options()));
    return optionsCache;
  },
});

const exec = Object.freeze({ vu, scenario, instance, test });
export { instance, scenario, test, vu };
export default exec;
