import { sleep } from "k6";
export default function () {
  sleep(0.2);
}
export function teardown() {
  console.log("teardown ran");
}
