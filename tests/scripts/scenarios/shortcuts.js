import { sleep } from "k6";
import exec from "k6/execution";

export default function () {
  console.log(`executor=${exec.scenario.executor}`);
  sleep(0.1);
}
