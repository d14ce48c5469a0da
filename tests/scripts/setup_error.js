export function setup() {
  throw new Error("setup exploded");
}
export default function () {
  console.log("iteration ran");
}
export function teardown() {
  console.log("teardown ran");
}
