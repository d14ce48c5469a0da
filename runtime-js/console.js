// console.* writes one line per call to stderr, formatted the way k6 users expect:
// strings verbatim, errors with their stack, everything else as JSON.
const ops = Deno.core.ops;

function formatError(err) {
  const head = `${err.name ?? "Error"}: ${err.message ?? ""}`;
  if (typeof err.stack === "string" && err.stack.length > 0) {
    return err.stack.startsWith(head) ? err.stack : `${head}\n${err.stack}`;
  }
  return head;
}

function formatValue(value) {
  switch (typeof value) {
    case "string":
      return value;
    case "undefined":
    case "number":
    case "boolean":
    case "bigint":
    case "symbol":
      return String(value);
    case "function":
      return `[Function${value.name ? `: ${value.name}` : " (anonymous)"}]`;
  }
  if (value === null) return "null";
  if (value instanceof Error) return formatError(value);
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    // Cyclic or BigInt-holding objects cannot be JSON: fall back rather than throw from a log call.
    return String(value);
  }
}

export function formatArgs(args) {
  return args.map(formatValue).join(" ");
}

// Level numbers are shared with src/runtime/ops.rs (LogLevel).
function logger(level) {
  return (...args) => ops.op_rk6_log(level, formatArgs(args));
}

export const console = {
  debug: logger(0),
  log: logger(1),
  info: logger(1),
  warn: logger(2),
  error: logger(3),
};
