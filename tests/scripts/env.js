export default function () {
  console.log(`FOO=${__ENV.FOO} FROM_PROCESS=${__ENV.FROM_PROCESS} MISSING=${__ENV.MISSING}`);
}
