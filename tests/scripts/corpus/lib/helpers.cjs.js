// A CommonJS helper for learn_commonjs.js.
function greet(name) {
  return `hello, ${name}`;
}
module.exports = { greet, version: 3 };
