// Mirrors grafana/quickpizza k6/foundations/12.modularization.js: options and the request
// flow live in local modules the entry script imports and re-exports.
import { check } from "k6";
import { loadOptions } from "./lib/load-options.js";
import { browseCatalog } from "./lib/catalog.js";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = loadOptions({ vus: 2, iterations: 4 });

export default function () {
  const count = browseCatalog(SHOP);
  check(count, { "catalog has three products": (n) => n === 3 });
}
