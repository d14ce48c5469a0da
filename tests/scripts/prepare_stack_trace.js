// A script's own Error.prepareStackTrace gets V8's CallSite objects (k6 v1.1 has no such
// hook). The CallSite prototype is made on first use (patched/deno_core change 12).
function named() {
  return new Error("x");
}

export default function () {
  Error.prepareStackTrace = (error, callsites) =>
    `${error.message} ${callsites[0].getFunctionName()} ` +
    `${String(callsites[0].getFileName()).endsWith("/prepare_stack_trace.js")} ${callsites[0].getLineNumber()}`;
  console.log(named().stack);
}
