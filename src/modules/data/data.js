// PLACEHOLDER k6/data: SharedArray as a frozen array built by its callback in each VU
// (no sharing between VUs). Stands in until the real k6/data module lands.
function freeze(value) {
  if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) freeze(value[key]);
    Object.freeze(value);
  }
  return value;
}

export function SharedArray(name, fn) {
  if (typeof fn !== "function") throw new TypeError("a function is expected as the second argument");
  const rows = fn();
  if (!Array.isArray(rows)) throw new TypeError("only arrays can be made into SharedArray");
  return freeze(rows);
}

export default { SharedArray };
