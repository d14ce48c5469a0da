export const options = { iterations: 6 };

export default async function () {
  const mode = __ITER % 3;
  if (mode === 0) {
    throw new Error("sync boom");
  }
  if (mode === 1) {
    await null;
    throw new TypeError("async boom");
  }
  Promise.reject(new Error("unhandled boom"));
}
