import exec from "k6/execution";

export const options = { vus: 1, iterations: 9 };

export default function () {
  const i = exec.scenario.iterationInTest;
  if (i % 3 === 0) throw new Error("a");
  if (i % 3 === 1) throw new TypeError("b");
}
