import encoding from "k6/encoding";
import { b64encode, b64decode } from "k6/encoding";
// k6/encoding: each line is checked against what k6 v1.1 prints for the same script.
function t(name, f) {
  try {
    const v = f();
    console.log(name, typeof v, v instanceof ArrayBuffer ? "AB:" + Array.from(new Uint8Array(v)).join(",") : JSON.stringify(v));
  } catch (e) {
    console.log(name, "ERR", e.name, e.message);
  }
}
export default function () {
  console.log(Object.keys(encoding).join(","));
  t("e1", () => b64encode("hello world?>"));
  t("e2", () => b64encode("hello world?>", "rawstd"));
  t("e3", () => b64encode("hello world?>", "url"));
  t("e4", () => b64encode("hello world?>", "rawurl"));
  t("e5", () => b64encode("héllo", "bogus"));
  t("e6", () => b64encode(new Uint8Array([1,2,250]).buffer));
  t("e7", () => b64encode(new Uint8Array([1,2,250])));
  t("e8", () => b64encode(123));
  t("e9", () => b64encode(null));
  t("e10", () => b64encode(undefined));
  t("e11", () => b64encode({}));
  t("e12", () => b64encode([1,2]));
  t("e13", () => b64encode("abc", "std", "s"));
  t("e14", () => b64encode("abc", "std", "b"));
  t("e15", () => b64encode(new DataView(new Uint8Array([1,2,250]).buffer)));
  t("d1", () => b64decode("aGVsbG8gd29ybGQ/Pg=="));
  t("d2", () => b64decode("aGVsbG8gd29ybGQ/Pg==", "std", "s"));
  t("d3", () => b64decode("aGVsbG8gd29ybGQ/Pg", "rawstd", "s"));
  t("d4", () => b64decode("aGVsbG8gd29ybGQ_Pg==", "url", "s"));
  t("d5", () => b64decode("aGVsbG8gd29ybGQ_Pg", "rawurl", "s"));
  t("d6", () => b64decode("aGVsbG8gd29ybGQ/Pg", "std", "s"));
  t("d7", () => b64decode("aGVsbG8gd29ybGQ/Pg==", "rawstd", "s"));
  t("d8", () => b64decode("aGVs!G8=", "std", "s"));
  t("d9", () => b64decode("aGVs\nbG8=", "std", "s"));
  t("d10", () => b64decode("/w==", "std", "s"));
  t("d11", () => b64decode("aGVsbG8=", "bogus", "s"));
  t("d12", () => b64decode("aGVsbG8=", "std", "x"));
  t("d13", () => b64decode(new Uint8Array([97,71,86,115]).buffer, "std", "s"));
  t("d14", () => b64decode(123));
  t("d15", () => b64decode("aGVsbG9=", "std", "s"));
  t("d16", () => b64decode("", "std", "s"));
  t("d17", () => b64decode(""));
  t("d18", () => b64decode("aGVsbG8", "std", "s"));
  t("d19", () => b64decode("aGVsbG8=", "url"));
  t("d20", () => b64decode("4pyTIMOgIGxhIG1vZGU=", "std", "s"));
}
