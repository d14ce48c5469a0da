export default function () {
  console.log(`vu=${__VU}`);
}
