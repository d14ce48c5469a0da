// Mirrors grafana/k6-learn's modular-scripting exercises with the helper kept in a CommonJS
// file, imported from the ES entry script (its module.exports is the default export).
import helpers from "./lib/helpers.cjs.js";
import { check } from "k6";

export const options = { iterations: 2 };

export default function () {
  check(helpers, {
    "exported function": (h) => h.greet("k6") === "hello, k6",
    "exported value": (h) => h.version === 3,
  });
}
