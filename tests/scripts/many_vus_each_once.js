export const options = {
  scenarios: { each: { executor: "per-vu-iterations", vus: 200, iterations: 1 } },
};
export default function () {
  console.log(`vu=${__VU}`);
}
