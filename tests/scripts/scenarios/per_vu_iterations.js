export const options = {
  scenarios: { each: { executor: "per-vu-iterations", vus: 3, iterations: 4 } },
};

export default function () {
  console.log(`vu=${__VU} iter=${__ITER}`);
}
