// Function.prototype.toString of a user function and of two of rk6's own functions.
import { check } from "k6";

function mine(a) { return a + 1; }

export default function () {
  console.log(`${mine} | ${check} | ${setTimeout}`);
}
