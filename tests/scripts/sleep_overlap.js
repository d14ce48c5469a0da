import { sleep } from "k6";
export default function () {
  const start = Date.now();
  sleep(1);
  console.log(`span ${__VU} ${start} ${Date.now()}`);
}
