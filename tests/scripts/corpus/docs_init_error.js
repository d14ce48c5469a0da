// Mirrors the k6 docs' note that an exception in the init context stops the test before any
// VU runs: k6 exits with code 107 (script exception).
import { check } from "k6";

const config = JSON.parse(__ENV.CONFIG || "{not json");

export default function () {
  check(config, { "never reached": () => true });
}
