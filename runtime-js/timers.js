// Timers for scripts. deno_core ships the timer queue but not the web globals, so
// these are thin wrappers; a refed timer keeps the VU's event loop (and so the
// iteration) alive until it fires or is cleared, as in k6. Scripts get numeric ids,
// as in browsers and k6; deno_core's timer objects stay internal.
const core = globalThis.Deno.core;

const active = new Map();

function checkCallback(callback) {
  if (typeof callback !== "function") {
    throw new TypeError("timer callback must be a function");
  }
}

function schedule(callback, delay, args, repeat) {
  checkCallback(callback);
  let id;
  const timer = core.createTimer(() => {
    if (!repeat) active.delete(id);
    callback(...args);
  }, Number(delay) || 0, undefined, repeat, true);
  id = timer._timerId;
  active.set(id, timer);
  return id;
}

export function setTimeout(callback, delay = 0, ...args) {
  return schedule(callback, delay, args, false);
}

export function setInterval(callback, delay = 0, ...args) {
  return schedule(callback, delay, args, true);
}

export function clearTimeout(id) {
  const timer = active.get(id);
  if (timer === undefined) return;
  active.delete(id);
  core.cancelTimer(timer);
}

export const clearInterval = clearTimeout;
