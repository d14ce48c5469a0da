// JSON.stringify as the spec defines it; every line is what k6 prints for the same script.
export default function () {
  const shared = { x: 1 };
  const lines = [
    JSON.stringify("plain"),
    JSON.stringify('q"b\\n\n\t\b\f\r\u0001\u001f\ud800x\udc00é😀'),
    JSON.stringify("a".repeat(3) + "b".repeat(2)),
    JSON.stringify(new String("boxed")),
    JSON.stringify([-0, 1e21, 0.1, NaN, -Infinity, 42, true, false, null]),
    JSON.stringify(new Number(5)),
    String(JSON.stringify(undefined)),
    String(JSON.stringify(() => 1)),
    String(JSON.stringify(Symbol("s"))),
    JSON.stringify({ a: [1, { b: "c" }], d: undefined, e: () => 1, [Symbol("k")]: 1 }),
    JSON.stringify([shared, shared, [shared]]),
    JSON.stringify({ toJSON(key) { return `key=[${key}]`; } }),
    JSON.stringify({ inner: { toJSON(key) { return `key=[${key}]`; } } }),
    JSON.stringify(7, function (key, value) {
      return `${typeof this}|${JSON.stringify(Object.keys(this))}|${this[key]}|${value}`;
    }),
    JSON.stringify("str", function (key, value) {
      return key === "" ? { wrapped: value } : value;
    }),
    JSON.stringify({ a: 1, b: 2, c: 3 }, ["c", "a"]),
    JSON.stringify({ a: [1, { b: 2 }] }, null, 2).replace(/\n/g, "~"),
    JSON.stringify("s", null, 2),
    JSON.stringify(7, null, "--"),
  ];
  for (const value of [(() => { const c = {}; c.self = c; return c; })(), 1n, { big: 2n }]) {
    try {
      lines.push(`no error: ${JSON.stringify(value)}`);
    } catch (err) {
      lines.push(err.constructor.name);
    }
  }
  for (const line of lines) console.log(line);
}
