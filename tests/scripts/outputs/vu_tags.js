import exec from "k6/execution";
export const options = { iterations: 3, vus: 1 };
export default function () {
  exec.vu.tags["step"] = `s${exec.vu.iterationInInstance}`;
}
