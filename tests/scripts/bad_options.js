export const options = { vus: -2, iterations: 3 };
export default function () {}
