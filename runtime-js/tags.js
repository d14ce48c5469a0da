// Tags as k6 scripts pass them: an object whose values are strings, numbers or booleans.
// They reach the ops as JSON text of string values ("" when there are none), so a script
// can never hand Rust anything else.

// The JSON for `tags` (an argument of add() or check()), or "" when it is absent.
export function tagsJson(tags, where) {
  if (tags === undefined || tags === null) return "";
  if (typeof tags !== "object" || Array.isArray(tags)) {
    throw new TypeError(`${where}: tags must be an object like { type: "read" }`);
  }
  const out = {};
  let any = false;
  for (const [name, value] of Object.entries(tags)) {
    out[name] = tagValue(value, `${where}: tag ${JSON.stringify(name)}`);
    any = true;
  }
  return any ? JSON.stringify(out) : "";
}

// A tag value as the string it becomes; anything but a string, number or boolean throws.
export function tagValue(value, what) {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
      return String(value);
  }
  throw new TypeError(`${what} must be a string, number or boolean, got ${value === null ? "null" : typeof value}`);
}
