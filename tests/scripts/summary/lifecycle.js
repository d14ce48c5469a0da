// Groups inside setup() and teardown(): k6 runs those in groups named `setup` and
// `teardown`, so `--summary-mode full` shows their groups under blocks of those names.
import { check, group } from "k6";
import { Counter } from "k6/metrics";

const cnt = new Counter("cnt");

export const options = { iterations: 1 };

export function setup() {
  group("sg", () => {
    cnt.add(5);
    check(1, { "in setup": true });
  });
  cnt.add(1);
}

export default function () {
  group("main", () => cnt.add(2));
}

export function teardown() {
  group("tg", () => check(1, { "in teardown": true }));
}
