// k6/experimental/csv: `parse` (every record into a SharedArray) and `Parser` (one
// record per `next()`), over files from k6/experimental/fs.
import { sharedArrayFrom } from "rk6:data.js";
import { goError } from "rk6:encoding.js";
import { goValue, handleOf } from "rk6:fs-files.js";
const { op_csv_parse, op_csv_parser_new, op_csv_parser_next, op_rk6_in_init } = Deno.core.ops;

// k6's integer conversion: NaN is 0, fractions are cut.
function toInteger(value) {
  const n = Math.trunc(Number(value));
  if (Number.isNaN(n)) return 0;
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
}

// The options k6 reads from a script's object; throws with k6's reason when refused.
// An option counts as given when the object has the key, even set to undefined.
function readOptions(options) {
  if (options === null || options === undefined) {
    throw new TypeError("Cannot convert undefined or null to object");
  }
  const obj = Object(options);
  const out = { delimiter: ",", skipFirstLine: false, fromLine: null, toLine: null, asObjects: false };
  if ("delimiter" in obj) {
    const text = String(obj.delimiter);
    // k6 takes one byte of UTF-8 (so one ASCII character); it crashes on "".
    if (text.length !== 1 || text.charCodeAt(0) > 0x7f) {
      throw new Error("delimiter must be a single character");
    }
    out.delimiter = text;
  }
  if ("skipFirstLine" in obj) out.skipFirstLine = Boolean(obj.skipFirstLine);
  if ("fromLine" in obj) out.fromLine = toInteger(obj.fromLine);
  if ("toLine" in obj) out.toLine = toInteger(obj.toLine);
  if ("asObjects" in obj) out.asObjects = Boolean(obj.asObjects);
  if (out.fromLine !== null && out.toLine !== null && out.fromLine >= out.toLine) {
    throw new Error("fromLine must be less than or equal to toLine");
  }
  return out;
}

const DEFAULTS = readOptions({});

// A record as k6 gives it with `asObjects`: keyed by the header's names, in the order
// of `columns` (indexes into the header; a repeated name keeps its last value).
function keyed(header, columns, row) {
  if (!header) return row;
  const obj = {};
  for (const i of columns) obj[header[i]] = row[i];
  return obj;
}

// `csv.parse` rows went through Go's JSON in k6, which sorts the keys.
function sortedColumns(header) {
  return header.map((_, i) => i).sort((a, b) => (header[a] < header[b] ? -1 : header[a] > header[b] ? 1 : a - b));
}

// The only place csv.js touches k6/data: the array is built (and the file parsed) only
// when no VU built one under this name yet.
function sharedRows(name, build) {
  return sharedArrayFrom(name, build);
}

// Thrown out of the SharedArray callback to carry k6's rejection value through it.
class Rejection {
  constructor(value) {
    this.value = value;
  }
}

export function parse(file, options) {
  // As in k6, an explicit `undefined` (or null) is refused, a missing argument is not.
  const opts = arguments.length >= 2 ? readOptionsOrReject(options) : DEFAULTS;
  if (opts instanceof Rejection) return Promise.reject(opts.value);
  const handle = handleOf(file);
  if (!handle) {
    return Promise.reject(goValue("failed to create a new parser; reason: the reader cannot be nil"));
  }
  // Keyed by what decides the rows, so VUs parsing the same file alike share one array.
  const name = `csv.parse.${JSON.stringify({ path: handle.path, offset: handle.offset, options: opts })}`;
  const offset = handle.offset;
  let rows;
  try {
    rows = sharedRows(name, () => {
      const out = op_csv_parse(handle.id, offset, opts);
      if (out.failure) {
        const { stage, message } = out.failure;
        if (stage === "record") throw new Rejection(goError(`failed to read record; reason: ${message}`));
        throw new Rejection(goValue(`failed to create a new parser; reason: ${message}`));
      }
      if (!out.header) return out.rows;
      const columns = sortedColumns(out.header);
      return out.rows.map((row) => keyed(out.header, columns, row));
    });
  } catch (e) {
    if (e instanceof Rejection) return Promise.reject(e.value);
    throw e;
  } finally {
    // k6 reads the file through to its end, which moves the File's position.
    handle.offset = handle.size;
  }
  return Promise.resolve(rows);
}

function readOptionsOrReject(options) {
  try {
    return readOptions(options);
  } catch (e) {
    if (e instanceof TypeError) throw e;
    return new Rejection(goValue(`failed to interpret the provided Parser options; reason: ${e.message}`));
  }
}

// Works with and without `new`, as k6's does; the parser's only property is `next`.
export function Parser(file, options) {
  if (!op_rk6_in_init()) throw goError("csv Parser constructor must be called in the init context");
  if (arguments.length < 1 || file === undefined || file === null) {
    throw goError("csv Parser constructor takes at least one non-nil source argument");
  }
  let opts = DEFAULTS;
  // k6 reads the options only when exactly two arguments are given.
  if (arguments.length === 2 && options !== undefined) {
    try {
      opts = readOptions(options);
    } catch (e) {
      if (e instanceof TypeError) throw e;
      throw goError(`encountered an error while interpreting Parser options; reason: ${e.message}`);
    }
  }
  const handle = handleOf(file);
  if (!handle) throw goError("failed to create a new parser; reason: the reader cannot be nil");
  const created = op_csv_parser_new(handle.id, handle.offset, opts);
  if (!created.failure || created.failure.stage !== "validate") handle.offset = handle.size;
  if (created.failure) throw goError(`failed to create a new parser; reason: ${created.failure.message}`);
  const { id, header } = created;
  const columns = header ? header.map((_, i) => i) : [];
  return {
    next() {
      const out = op_csv_parser_next(id);
      if (out.error !== null) return Promise.reject(goValue(out.error));
      if (out.row === null) return Promise.resolve({ done: true, value: [] });
      return Promise.resolve({ done: false, value: keyed(header, columns, out.row) });
    },
  };
}

export default { parse, Parser };
