export const options = {
  scenarios: { main: { executor: "per-vu-iterations", vus: 2, iterations: 2 } },
};

export function setup() {
  console.log(`setup vu=${__VU}`);
  return { token: "abc", list: [1, 2] };
}

export default function (data) {
  data.list.push(99); // mutations must not leak into other VUs' copies or teardown
  console.log(`iter vu=${__VU} iter=${__ITER} data=${JSON.stringify(data.token)}`);
}

export async function teardown(data) {
  await null;
  console.log(`teardown vu=${__VU} data=${JSON.stringify(data)}`);
}
