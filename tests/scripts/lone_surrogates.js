// Strings that reach Rust (here through console.log) with lone surrogates after an
// ASCII start, inside non-ASCII text, and long: each lone surrogate becomes U+FFFD, as
// k6 prints them.
export default function () {
  console.log("ab\ud800cd");
  console.log("héllo\udc00!" + "x".repeat(40));
  console.log("x".repeat(100) + "\ud83d");
  console.log("\udfff" + "tail");
  console.log("pair 😀 ok");
  console.log("plain ascii text");
}
