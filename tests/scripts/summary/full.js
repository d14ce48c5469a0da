// Two scenarios (`default`, whose groups get blocks of their own, and `web`), nested
// groups, checks and every kind of custom metric, for `--summary-mode full`. Both
// scenarios run at once: one check name keeps the totals' check list in one order.
import { check, group } from "k6";
import { Counter, Gauge, Rate, Trend } from "k6/metrics";

const hits = new Counter("hits");
const level = new Gauge("level");
const ok = new Rate("ok_rate");
const wait = new Trend("wait", true);

export const options = {
  scenarios: {
    default: { executor: "shared-iterations", iterations: 2 },
    web: { executor: "per-vu-iterations", vus: 1, iterations: 3, exec: "web" },
  },
};

export default function () {
  hits.add(1);
  group("outer", () => {
    wait.add(250);
    group("inner", () => {
      check(__ITER, { ok: () => true });
      hits.add(10);
    });
  });
}

export function web() {
  level.add(__ITER + 1);
  ok.add(__ITER !== 1);
  check(__ITER, { ok: (i) => i % 2 === 0 });
  group("page", () => {
    wait.add(1500 + __ITER);
    group("img", () => hits.add(2));
  });
}
