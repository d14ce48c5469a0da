export const options = {
  scenarios: {
    late: { executor: "per-vu-iterations", vus: 1, iterations: 1, startTime: "1s" },
  },
};

export function setup() {
  return { t0: Date.now() };
}

export default function (data) {
  console.log(`delay=${Date.now() - data.t0}`);
}
