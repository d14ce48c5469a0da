// What k6 does with __ENV across init and iterations: a VU that starts a scenario gets a
// fresh __ENV (k6 v1.1 prints `same=false added=undefined` here), built when first read.
const first = __ENV;
__ENV.ADDED_IN_INIT = "yes";
export default function () {
  console.log(`same=${__ENV === first} added=${__ENV.ADDED_IN_INIT} FOO=${__ENV.FOO}`);
}
