// Mirrors grafana/k6 examples/crypto.js: k6/crypto hashes in hex and base64, HMAC, the
// createHash streaming form, and randomBytes.
import crypto from "k6/crypto";
import { check } from "k6";

export const options = { iterations: 1 };

export default function () {
  check(null, {
    "md5": () => crypto.md5("hello world!", "hex") === "fc3ff98e8c6a0d3087d515c0473f8677",
    "sha1": () => crypto.sha1("hello world!", "hex") === "430ce34d020724ed75a196dfc2ad67c77772d169",
    "sha256": () =>
      crypto.sha256("hello world!", "hex") === "7509e5bda0c762d2bac7f90d758b5b2263fa01ccbc542ab5e3df163be08e6ca9",
    "sha256 base64": () => crypto.sha256("hello world!", "base64") === "dQnlvaDHYtK6x/kNdYtbImP6Acy8VCq1498WO+CObKk=",
    "hmac": () =>
      crypto.hmac("sha256", "a secret", "my data", "hex") ===
      "82f669c8fde13aef6d6977257588dc4953dfac505428f8fd6b52e19cd96d7ea5",
    "createHash streaming": () => {
      const h = crypto.createHash("sha1");
      h.update("hello ");
      h.update("world!");
      return h.digest("hex") === "430ce34d020724ed75a196dfc2ad67c77772d169";
    },
    "randomBytes": () => new Uint8Array(crypto.randomBytes(42)).length === 42,
  });
  console.log(crypto.hmac("sha256", "a secret", "my data", "hex"));
  console.log(crypto.sha512("hello world!", "base64rawurl"));
}
