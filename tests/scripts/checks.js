import { check, group, fail } from "k6";

export const options = { iterations: 4 };

export default function () {
  check(__ITER, { "is even": (i) => i % 2 === 0, "always": true });
  const r = group("outer", () => {
    group("inner", () => check(1, { "one": (x) => x === 1 }));
    return "group result";
  });
  console.log(`group returned ${r}`);
  if (__ITER === 3) fail("failing on purpose");
}
