// Checks in two named scenarios, in groups, for `--summary-mode full`'s scenario blocks.
import { check, group } from "k6";

export const options = {
  scenarios: {
    a: { executor: "shared-iterations", iterations: 2, exec: "fa" },
    b: { executor: "shared-iterations", iterations: 1, exec: "fb" },
  },
};

export function fa() {
  group("login", () => {
    check(1, { "logged in": (x) => x === 1 });
  });
  group("browse", () => {
    group("page", () => check(0, { "page ok": (x) => x === 1 }));
  });
}

export function fb() {
  check(1, { "b ok": true });
}
