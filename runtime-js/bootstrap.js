// Entry point of the rk6 extension: installs the globals k6 scripts rely on.
const ops = Deno.core.ops;
import { console } from "rk6:console.js";
import { clearInterval, clearTimeout, setInterval, setTimeout } from "rk6:timers.js";

function open(path, mode) {
  if (!ops.op_rk6_in_init()) {
    throw new Error("open() can only be called in the init context (the top level of the script)");
  }
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError("open() needs a file path");
  }
  if (mode !== undefined && mode !== "b" && mode !== "r" && mode !== "") {
    throw new TypeError(`open() mode must be "b" for binary or omitted for text, got ${JSON.stringify(mode)}`);
  }
  return mode === "b" ? ops.op_rk6_open_bytes(path) : ops.op_rk6_open_text(path);
}

const define = (name, value) =>
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

define("console", console);
define("setTimeout", setTimeout);
define("clearTimeout", clearTimeout);
define("setInterval", setInterval);
define("clearInterval", clearInterval);
define("open", open);
// WebCrypto is made the first time a script reads `crypto` (then it is an ordinary
// global): few scripts use it, and loading it cost every VU ~75 KB of JS heap. The
// engine keeps the compiled script for the process.
Object.defineProperty(globalThis, "crypto", {
  get() {
    const [make, error] = Deno.core.evalContext(ops.op_webcrypto_source(), "rk6:webcrypto.js");
    if (error !== null) throw error.thrown;
    const crypto = make(Deno);
    define("crypto", crypto);
    return crypto;
  },
  set(value) {
    define("crypto", value);
  },
  configurable: true,
  enumerable: false,
});
// k6 has no `Deno` global, and libraries test for it to detect Deno (jslib's k6-testing
// then reads `Deno.env`). Internal modules keep `Deno.core` through the loader's prelude.
// RK6_EXPOSE_DENO=1 keeps it for rk6's own tests, which count resources through ops.
if (!ops.op_rk6_expose_deno()) delete globalThis.Deno;
// __ENV is made when first read (building it is most of what an empty script's VU
// spends in rk6's ops), and again after a VU moves to a scenario with its own `env`.
let env;
export function refreshEnv() {
  env = undefined;
}
Object.defineProperty(globalThis, "__ENV", { get: () => (env ??= ops.op_rk6_env()), configurable: true });
Object.defineProperty(globalThis, "__VU", { get: () => ops.op_rk6_vu_id(), configurable: true });
Object.defineProperty(globalThis, "__ITER", { get: () => ops.op_rk6_iteration(), configurable: true });
