// A script that replaces Temporal before ever reading it keeps its own value, and
// Date.prototype.toTemporalInstant still comes from the polyfill.
export default function () {
  globalThis.Temporal = "mine";
  const instant = new Date(0).toTemporalInstant();
  console.log(`${Temporal} | ${instant.toString()} | ${instant.constructor.name}`);
}
