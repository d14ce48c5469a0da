import { add, twice } from "./lib/math.js";
import k6 from "k6";
import { sleep } from "k6";

export default function () {
  console.log(`add=${add(2, 3)} twice=${twice(21)} sleepSame=${k6.sleep === sleep}`);
}
