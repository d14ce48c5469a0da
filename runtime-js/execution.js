// k6/execution: live information about the running test, read from the runner on
// every access so values are never stale.
const { op_rk6_abort, op_rk6_exec_state, op_rk6_options } = Deno.core.ops;

export class TestAbortedError extends Error {
  constructor(message) {
    super(message);
    this.name = "TestAbortedError";
  }
}

function getters(section, names) {
  const obj = {};
  for (const name of names) {
    Object.defineProperty(obj, name, {
      enumerable: true,
      get: () => op_rk6_exec_state()[section][name],
    });
  }
  return Object.freeze(obj);
}

const vu = getters("vu", ["idInInstance", "idInTest", "iterationInInstance", "iterationInScenario"]);
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
    op_rk6_abort(why);
    // Unwind the calling iteration; the runner stops everything else.
    throw new TestAbortedError(why);
  },
  get options() {
    if (optionsCache === undefined) optionsCache = Object.freeze(JSON.parse(op_rk6_options()));
    return optionsCache;
  },
});

const exec = Object.freeze({ vu, scenario, instance, test });
export { instance, scenario, test, vu };
export default exec;
