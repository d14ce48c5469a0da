// The `k6` module: sleep, check, group, fail.
const ops = Deno.core.ops;
import { tagList } from "rk6:tags.js";

// Thrown by sleep() when the test or scenario stops mid-iteration. The name must match
// INTERRUPTED_ERROR in src/runtime/ops.rs; registering the class is what lets the op's
// error reach JS at all (an unregistered class arrives as `undefined`).
class IterationInterruptedError extends Error {
  constructor(message) {
    super(message);
    this.name = "IterationInterruptedError";
  }
}
Deno.core.registerErrorClass("IterationInterruptedError", IterationInterruptedError);

// Current group path ("" at the top level, "outer::inner" when nested).
let groupPath = "";

// The group path http.js tags requests with.
export function currentGroup() {
  return groupPath;
}

export function sleep(seconds) {
  const s = Number(seconds);
  if (!(s > 0)) return;
  // Blocks only this VU's thread; throws an interruption error when the test stops.
  ops.op_rk6_sleep(s);
}

export function check(value, sets, tags) {
  if (sets === null || typeof sets !== "object") {
    throw new TypeError("check() takes an object of named conditions, e.g. { 'is 200': (r) => r === 200 }");
  }
  const list = tagList(tags, undefined, "check()");
  let all = true;
  // Indexed, not for-of over Object.entries: QuickJS's iterator and the pairs cost more
  // than the checks themselves. Each condition is read as its turn comes, as in k6.
  const names = Object.keys(sets);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const condition = sets[name];
    const passed = typeof condition === "function" ? !!condition(value) : !!condition;
    ops.op_rk6_check(groupPath, name, passed, list);
    if (!passed) all = false;
  }
  return all;
}

export function group(name, fn) {
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError("group() needs a non-empty name");
  }
  if (typeof fn !== "function") {
    throw new TypeError("group() needs a function to run");
  }
  const outer = groupPath;
  const path = outer === "" ? name : `${outer}::${name}`;
  groupPath = path;
  const started = ops.op_rk6_now_ms();
  try {
    return fn();
  } finally {
    groupPath = outer;
    // k6's `group_duration` (a time Trend, code 3), tagged with the group's own path,
    // also when the function threw.
    ops.op_rk6_metric_add("group_duration", 3, ops.op_rk6_now_ms() - started, null, path);
  }
}

// Runs setup() or teardown() in a group of that name, as k6 does: their samples carry
// `group: "::setup"`, their checks and groups sit under `setup` in root_group.
export async function inLifecycleGroup(name, fn) {
  groupPath = name;
  try {
    return await fn();
  } finally {
    groupPath = "";
  }
}

export function fail(message) {
  throw new Error(message === undefined ? "fail() called" : String(message));
}

export default { sleep, check, group, fail };
