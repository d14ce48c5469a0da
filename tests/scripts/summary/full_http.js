// HTTP requests inside a group of a named scenario, for `--summary-mode full`: the
// scenario's block and its group's list the HTTP metrics; only the scenario's has NETWORK.
import http from "k6/http";
import { group } from "k6";

export const options = {
  scenarios: { api: { executor: "shared-iterations", iterations: 2 } },
};

export default function () {
  group("calls", () => {
    http.get(`${__ENV.BASE}/echo`);
    http.get(`${__ENV.BASE}/status/404`);
  });
}
