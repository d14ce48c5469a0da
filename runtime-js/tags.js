// Tags as k6 scripts pass them: an object whose values are strings, numbers or booleans.
// They reach the ops as a flat list of strings, [name, value, ...] (null when there are
// none), so a script can never hand Rust anything else; Rust reads the list only when
// something wants the sample's tags (an output, a threshold filtering on a tag).

// The list for `tags` (an argument of add() or check()), or null when there are none.
// `owner` and `call` name the function for errors (`${owner}.${call}`, or `call` alone):
// made only then, as most calls pass valid tags or none.
export function tagList(tags, owner, call) {
  if (tags === undefined || tags === null) return null;
  if (typeof tags !== "object" || Array.isArray(tags)) {
    throw new TypeError(`${where(owner, call)}: tags must be an object like { type: "read" }`);
  }
  // Own enumerable keys, in Object.entries' order, without its array of pairs.
  const names = Object.keys(tags);
  if (names.length === 0) return null;
  const list = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const value = tags[name];
    list.push(name, typeof value === "string" ? value : tagValue(value, `${where(owner, call)}: tag ${JSON.stringify(name)}`));
  }
  return list;
}

function where(owner, call) {
  return owner === undefined ? call : `${owner}.${call}`;
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
