// The bridge between the runner (Rust) and a script's module namespace. The runner
// calls `iterate` and `lifecycle` without arguments and passes everything else
// through op state, so no JS values need to be built on the Rust side.
const ops = Deno.core.ops;
import { refreshEnv } from "rk6:bootstrap.js";
import { inLifecycleGroup } from "rk6:k6.js";

let ns;
let execFns = [];
let data;
let dataLoaded = false;

function loadData() {
  if (dataLoaded) return;
  const text = ops.op_rk6_setup_data();
  data = text === null ? undefined : JSON.parse(text);
  dataLoaded = true;
}

function iterate() {
  const begin = ops.op_rk6_iter_begin();
  if (begin & 1) refreshEnv();
  const fn = execFns[begin >> 1];
  loadData();
  return fn(data);
}

async function lifecycle() {
  const stage = ops.op_rk6_lifecycle_stage();
  if (stage === 0) {
    if (typeof ns.setup !== "function") return;
    const result = await inLifecycleGroup("setup", () => ns.setup());
    const text = result === undefined ? undefined : JSON.stringify(result);
    ops.op_rk6_set_setup_result(text === undefined ? "" : text, text !== undefined);
  } else if (stage === 1) {
    loadData();
    if (typeof ns.teardown === "function") {
      await inLifecycleGroup("teardown", () => ns.teardown(data));
    }
  } else {
    await summarize();
  }
}

// A handleSummary result k6 cannot write: reported as k6 does, without any summary.
class SummaryError extends Error {
  constructor(message) {
    super(message);
    this.name = "SummaryError";
  }
}

async function summarize() {
  if (typeof ns.handleSummary !== "function") return;
  const data = JSON.parse(ops.op_rk6_summary_data());
  // k6's data always has the key, `undefined` when setup() returned nothing (JSON has no
  // `undefined` to carry it).
  if (!("setup_data" in data)) data.setup_data = undefined;
  const out = await ns.handleSummary(data);
  if (out === undefined || out === null) return;
  const outputs = [];
  for (const [key, value] of Object.entries(Object(out))) {
    let bytes;
    if (typeof value === "string") bytes = Deno.core.encode(value);
    else if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
    else {
      const type = value === null ? "null" : typeof value;
      throw new SummaryError(
        `error handling summary object ${key}: invalid type ${type}, it needs to be a string or ArrayBuffer`,
      );
    }
    outputs.push([key, bytes]);
  }
  // Validated first, so a bad value writes nothing at all. An empty key tells the runner
  // that an empty object came back: no summary at all, as in k6.
  if (outputs.length === 0) ops.op_rk6_summary_output("", new Uint8Array());
  for (const [key, bytes] of outputs) ops.op_rk6_summary_output(key, bytes);
}

export function register(namespace) {
  ns = namespace;
  const functions = Object.keys(ns).filter((name) => typeof ns[name] === "function");
  let options = "{}";
  if (ns.options !== undefined) {
    options = JSON.stringify(ns.options) ?? "{}";
  }
  const names = ops.op_rk6_register(iterate, lifecycle, functions, options);
  execFns = names.map((name) => ns[name]);
}
