// Timers for scripts. deno_core ships the timer queue but not the web globals, so
// these are thin wrappers; a refed timer keeps the VU's event loop (and so the
// iteration) alive until it fires or is cleared, as in k6. Scripts get numeric ids,
// as in browsers and k6; deno_core's timer objects stay internal.
//
// deno_core's timers follow Node: every delay is at least 1 ms, and a 1 ms timer
// waits for the next tick of tokio's millisecond clock, so `setTimeout(fn, 0)` took
// about 2 ms. In k6 a delay under 1 ms runs the callback on the next turn of the
// event loop; deno_core's immediate queue (its check phase) is exactly that turn.
const core = Deno.core;

// id → deno_core timer, or the immediate record for delays under 1 ms.
const active = new Map();
let nextImmediateId = -1;

function checkCallback(callback) {
  if (typeof callback !== "function") {
    throw new TypeError("timer callback must be a function");
  }
}

function queueNextTurn(callback, args) {
  // Negative ids keep these apart from deno_core's timer ids, which count up from 1.
  const id = nextImmediateId--;
  const immediate = {
    _idleNext: null,
    _idlePrev: null,
    _destroyed: false,
    _onImmediate: () => {
      active.delete(id);
      callback(...args);
    },
    _argv: undefined,
    [core.kRefed]: true,
  };
  core.immediateRefCount(true);
  core.queueImmediate(immediate);
  active.set(id, immediate);
  return id;
}

function schedule(callback, delay, args, repeat) {
  checkCallback(callback);
  const ms = Number(delay);
  if (!repeat && !(ms >= 1)) return queueNextTurn(callback, args);
  let id;
  const timer = core.createTimer(() => {
    if (!repeat) active.delete(id);
    callback(...args);
  }, ms || 0, undefined, repeat, true);
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
  const entry = active.get(id);
  if (entry === undefined) return;
  active.delete(id);
  if (id < 0) core.clearImmediate(entry);
  else core.cancelTimer(entry);
}

export const clearInterval = clearTimeout;
