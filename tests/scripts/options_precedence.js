export const options = { vus: 3, iterations: 9 };
export default function () {
  console.log(`vu=${__VU}`);
}
