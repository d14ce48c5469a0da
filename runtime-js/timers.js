// Timers for scripts. deno_core ships the timer queue but not the web globals, so
// these are thin wrappers; a refed timer keeps the VU's event loop (and so the
// iteration) alive until it fires or is cleared, as in k6.
const core = globalThis.Deno.core;

function checkCallback(callback) {
  if (typeof callback !== "function") {
    throw new TypeError("timer callback must be a function");
  }
}

export function setTimeout(callback, delay = 0, ...args) {
  checkCallback(callback);
  return core.createTimer(() => callback(...args), Number(delay) || 0, undefined, false, true);
}

export function setInterval(callback, delay = 0, ...args) {
  checkCallback(callback);
  return core.createTimer(() => callback(...args), Number(delay) || 0, undefined, true, true);
}

export function clearTimeout(id) {
  if (typeof id === "number") core.cancelTimer(id);
}

export const clearInterval = clearTimeout;
