// Mirrors the k6 docs' "Environment variables" page: __ENV values from -e flags (and from the
// system environment) drive the script, with a default for a missing one.
import { check } from "k6";

const target = __ENV.TARGET_NAME || "default";
const count = parseInt(__ENV.COUNT || "1", 10);

export const options = { iterations: count };

export default function () {
  check(target, { "target from -e": (t) => t === "staging" });
  check(__ENV, { "env is a plain object": (e) => typeof e === "object" && e.MISSING === undefined });
}
