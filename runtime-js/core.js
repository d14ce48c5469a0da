// deno_core's `Deno.core`, captured before runtime-js/bootstrap.js removes the `Deno`
// global that k6 scripts must not see (jslib's k6-testing reads `Deno.env` when it
// exists). The loader gives every internal module a module-scoped `Deno` bound to this.
export const core = globalThis.Deno.core;
