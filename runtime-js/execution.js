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

function getters(section, names, values = {}) {
  const obj = { ...values };
  for (const name of names) {
    Object.defineProperty(obj, name, {
      enumerable: true,
      get: () => ops.op_rk6_exec_state()[section][name],
    });
  }
  return Object.freeze(obj);
}

// exec.vu.tags: the VU's tags (its scenario's, plus any set here), added to every sample
// it emits from then on. Reads go to the runner each time, so a new scenario shows its own.
const currentTags = () => JSON.parse(ops.op_rk6_vu_tags());
const tags = new Proxy({}, {
  get: (_, name) => (typeof name === "string" ? currentTags()[name] : undefined),
  has: (_, name) => typeof name === "string" && name in currentTags(),
  set: (_, name, value) => {
    if (typeof name !== "string") throw new TypeError("tag names must be strings");
    ops.op_rk6_vu_tag_set(name, tagValue(value, `exec.vu.tags[${JSON.stringify(name)}]`));
    return true;
  },
  deleteProperty: (_, name) => {
    if (typeof name === "string") ops.op_rk6_vu_tag_set(name, null);
    return true;
  },
  ownKeys: () => Object.keys(currentTags()),
  getOwnPropertyDescriptor: (_, name) => {
    const all = currentTags();
    if (typeof name !== "string" || !(name in all)) return undefined;
    return { value: all[name], writable: true, enumerable: true, configurable: true };
  },
});

const vu = getters("vu", ["idInInstance", "idInTest", "iterationInInstance", "iterationInScenario"], {
  tags,
  metrics: Object.freeze({ tags }),
});
const scenario = getters("scenario", [
  "name",
  "executor",
  "startTime",
  "progress",
  "iterationInInstance",
  "iterationInTest",
]);
const instance = getters("instance", [
  "vusActive",
  "vusInitialized",
  "iterationsCompleted",
  "iterationsInterrupted",
  "currentTestRunDuration",
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
