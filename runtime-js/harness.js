// The bridge between the runner (Rust) and a script's module namespace. The runner
// calls `iterate` and `lifecycle` without arguments and passes everything else
// through op state, so no JS values need to be built on the Rust side.
const {
  op_rk6_iter_begin,
  op_rk6_lifecycle_stage,
  op_rk6_register,
  op_rk6_set_setup_result,
  op_rk6_setup_data,
} = Deno.core.ops;
import { refreshEnv } from "rk6:bootstrap.js";

let ns;
let execFns = [];
let data;
let dataLoaded = false;

function loadData() {
  if (dataLoaded) return;
  const text = op_rk6_setup_data();
  data = text === null ? undefined : JSON.parse(text);
  dataLoaded = true;
}

function iterate() {
  const begin = op_rk6_iter_begin();
  if (begin & 1) refreshEnv();
  const fn = execFns[begin >> 1];
  loadData();
  return fn(data);
}

async function lifecycle() {
  const stage = op_rk6_lifecycle_stage();
  if (stage === 0) {
    if (typeof ns.setup !== "function") return;
    const result = await ns.setup();
    const text = result === undefined ? undefined : JSON.stringify(result);
    op_rk6_set_setup_result(text === undefined ? "" : text, text !== undefined);
  } else {
    loadData();
    if (typeof ns.teardown === "function") await ns.teardown(data);
  }
}

export function register(namespace) {
  ns = namespace;
  const functions = Object.keys(ns).filter((name) => typeof ns[name] === "function");
  let options = "{}";
  if (ns.options !== undefined) {
    options = JSON.stringify(ns.options) ?? "{}";
  }
  const names = op_rk6_register(iterate, lifecycle, functions, options);
  execFns = names.map((name) => ns[name]);
}
