export default function () {
  console.log("plain", 1, true, null, undefined, { a: [1, "x"] }, "quote\"d");
  console.warn("careful");
  console.error(new Error("shown"));
  console.debug("dbg");
  const cyclic = {};
  cyclic.self = cyclic;
  console.info(cyclic);
}
