export { clearInterval, clearTimeout, setInterval, setTimeout } from "rk6:timers.js";
