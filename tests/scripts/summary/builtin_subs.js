// Thresholds on tagged selections of rk6's own metrics: the summary lists them under their metric.
export const options = {
  scenarios: {
    a: { executor: "shared-iterations", iterations: 3 },
    b: { executor: "shared-iterations", iterations: 2 },
  },
  thresholds: { "iterations{scenario:a}": ["count==3"], "iteration_duration{scenario:b}": ["max<5000"] },
};
export default function () {}
