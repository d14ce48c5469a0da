// `Atomics` is made the first time a script reads it (patched/v8x change 38): then it is
// the engine's object, a non-enumerable, writable global, with the facade's
// `waitAsync` shim and the `notify` that wakes its waiters.
const descriptor = Object.getOwnPropertyDescriptor(globalThis, "Atomics");
const listed = Object.keys(globalThis).includes("Atomics");

export default async function () {
  const view = new Int32Array(new SharedArrayBuffer(16));
  const notEqual = Atomics.waitAsync(view, 0, 1);
  const waiting = Atomics.waitAsync(view, 0, 0);
  Atomics.store(view, 0, 5);
  const woken = Atomics.notify(view, 0, 1);
  const outcome = await waiting.value;
  console.log(
    `listed=${listed} writable=${descriptor.writable} tag=${Object.prototype.toString.call(Atomics)} ` +
      `notEqual=${notEqual.async}/${notEqual.value} waiting=${waiting.async} woken=${woken} ` +
      `outcome=${outcome} add=${Atomics.add(view, 0, 2)} load=${Atomics.load(view, 0)}`,
  );
}
