// k6/encoding: base64 as k6 does it (Go's encoding/base64 variants). Also the byte
// conversions and error style k6/crypto shares: k6 throws Go errors, named "GoError".
const { op_encoding_b64encode, op_encoding_b64decode, op_encoding_b64decode_text } = Deno.core.ops;
// Taken now: scripts may not see `Deno` later.
const utf8 = Deno.core.encode;

export function goError(message) {
  const err = new Error(message);
  err.name = "GoError";
  return err;
}

// The Go type k6 names when a value is neither a string nor bytes.
function goType(value) {
  if (value === null || value === undefined) return "<nil>";
  switch (typeof value) {
    case "number":
      return Number.isInteger(value) ? "int64" : "float64";
    case "boolean":
      return "bool";
    case "bigint":
      return "*big.Int";
    case "function":
      return "func(sobek.FunctionCall) sobek.Value";
    case "object":
      return Array.isArray(value) ? "[]interface {}" : "map[string]interface {}";
    default:
      return typeof value;
  }
}

// A string (as UTF-8), an ArrayBuffer or a typed array, as the bytes k6 works on;
// DataView and anything else are refused as k6 refuses them.
export function toBytes(value, prefix = "") {
  if (typeof value === "string") return utf8(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  throw goError(`${prefix}invalid type ${goType(value)}, expected string, []byte or ArrayBuffer`);
}

export function base64(bytes, variant) {
  return op_encoding_b64encode(bytes, variant);
}

export function b64encode(input, encoding) {
  return op_encoding_b64encode(toBytes(input), typeof encoding === "string" ? encoding : "std");
}

export function b64decode(input, encoding, format) {
  const text = String(input);
  const variant = typeof encoding === "string" ? encoding : "std";
  try {
    return format === "s" ? op_encoding_b64decode_text(text, variant) : op_encoding_b64decode(text, variant);
  } catch (e) {
    throw goError(e.message);
  }
}

export default { b64decode, b64encode };
