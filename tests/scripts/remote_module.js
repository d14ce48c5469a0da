import lib from "https://example.invalid/lib.js";
export default function () {}
