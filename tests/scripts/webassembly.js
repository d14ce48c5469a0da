// `WebAssembly` is made the first time a script reads it (patched/v8x change 34); it is
// then what it was when every context made it: a non-enumerable, writable global.
const descriptor = Object.getOwnPropertyDescriptor(globalThis, "WebAssembly");
const listed = Object.keys(globalThis).includes("WebAssembly");

export default function () {
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
  const module = new WebAssembly.Module(bytes);
  console.log(
    `listed=${listed} writable=${descriptor.writable} valid=${WebAssembly.validate(bytes)} ` +
      `tag=${Object.prototype.toString.call(module)} streaming=${typeof WebAssembly.instantiateStreaming} ` +
      `error=${new WebAssembly.CompileError("x").name}`,
  );
}
