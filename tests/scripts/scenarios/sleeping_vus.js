// 64 VUs that mostly sleep: a sleeping VU must not keep another from running, so each
// VU starts iterations at 0, 0.4 and 0.8 s: 192 in all.
import { sleep } from "k6";

export const options = { vus: 64, duration: "1s" };

export default function () {
  sleep(0.4);
}
