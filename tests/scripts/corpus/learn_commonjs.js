// Mirrors grafana/k6-learn's modular-scripting exercises (Modules/III-k6-Intermediate): a
// helper kept in a CommonJS file (module.exports) and loaded with require().
const helpers = require("./lib/helpers.cjs.js");
import { check } from "k6";

export const options = { iterations: 2 };

export default function () {
  check(helpers, {
    "exported function": (h) => h.greet("k6") === "hello, k6",
    "exported value": (h) => h.version === 3,
  });
}
