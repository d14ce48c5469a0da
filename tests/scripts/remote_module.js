// Nothing listens on loopback port 1: the fetch is refused without leaving the machine.
import lib from "http://127.0.0.1:1/lib.js";
export default function () {}
