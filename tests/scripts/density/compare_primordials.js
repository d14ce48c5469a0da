// Checks patched/deno_core's lazy primordials (patched/README.md, deno_core change 5)
// against its eager ones: runs the primordials script both ways in one realm, then asks
// the lazy object for every key the eager one has. A function made by binding is compared
// by what it binds (recorded through a wrapped Function.prototype.bind), anything else by
// identity. The lazy object is made twice with one memo of recipes (deno_core change 8):
// the first run searches every name and records how it resolved, the second makes every
// value from those recipes. Returns the differences, then "checked N" (the number of
// eager keys).
function compare(eagerSrc, lazySrc) {
  const origBind = Function.prototype.bind;
  const rec = new WeakMap();
  Function.prototype.bind = function (...a) {
    const r = Reflect.apply(origBind, this, a);
    rec.set(r, [this, ...a]);
    return r;
  };
  const run = (0, eval);
  delete globalThis.__bootstrap;
  run(eagerSrc);
  const eager = globalThis.__bootstrap.primordials;
  const memo = new Map();
  let recorded = 0;
  const primordialRecipes = (name, recipe) => {
    if (recipe === undefined) return memo.get(name);
    recorded++;
    memo.set(name, recipe);
  };
  const out = [];
  let checked = 0;
  for (const pass of ["searched", "replayed"]) {
    delete globalThis.__bootstrap;
    globalThis.__bootstrap = { lazyPrimordials: true, primordialRecipes };
    run(lazySrc);
    const lazy = globalThis.__bootstrap.primordials;
    const found = check(eager, lazy, rec);
    checked = found.checked;
    for (const line of found.out) out.push(`${pass}: ${line}`);
    // A replayed recipe that did not fit would be searched and recorded again.
    if (pass === "searched" && memo.size < 700) out.push(`only ${memo.size} recipes recorded`);
    if (pass === "replayed" && recorded !== memo.size) {
      out.push(`${recorded - memo.size} recipes did not replay`);
    }
  }
  Function.prototype.bind = origBind;
  out.push(`checked ${checked}`);
  return out;
}

function check(eager, lazy, rec) {
  const out = [];
  const same = (a, b, depth) => {
    if (Object.is(a, b)) return true;
    if (typeof a !== "function" || typeof b !== "function" || depth > 3) return false;
    const ra = rec.get(a), rb = rec.get(b);
    if (!ra || !rb || ra.length !== rb.length) return false;
    return ra.every((x, i) => same(x, rb[i], depth + 1));
  };
  let checked = 0;
  for (const k of Reflect.ownKeys(eager)) {
    if (typeof k !== "string") continue;
    checked++;
    if (Object.hasOwn(lazy, k)) {
      if (typeof lazy[k] !== typeof eager[k]) out.push(`own ${k}: ${typeof lazy[k]} vs ${typeof eager[k]}`);
      continue;
    }
    if (!(k in lazy)) { out.push(`missing ${k}`); continue; }
    if (k.startsWith("Safe") && typeof eager[k] === "function") {
      // Made anew by each run of the script: compare their shape.
      const shape = (c) =>
        [c.name, ...Reflect.ownKeys(c), ...Reflect.ownKeys(c.prototype ?? {})].map(String).join();
      if (shape(eager[k]) !== shape(lazy[k])) out.push(`differs ${k}`);
    } else if (!same(eager[k], lazy[k], 0)) out.push(`differs ${k}`);
    if (!Object.is(lazy[k], lazy[k])) out.push(`unstable ${k}`);
  }
  // The classes made on first use work.
  if (new lazy.SafeMap([[1, 2]]).get(1) !== 2) out.push("SafeMap");
  if (!new lazy.SafeSet([3]).has(3)) out.push("SafeSet");
  if (!(lazy.SafePromiseAll([1, Promise.resolve(2)]) instanceof Promise)) out.push("SafePromiseAll");
  if (!lazy.SafeRegExp.prototype.exec.call(new lazy.SafeRegExp("a+"), "caab")) out.push("SafeRegExp");
  if (!Object.isFrozen(lazy)) out.push("not frozen");
  if (lazy.NoSuchThing !== undefined || "NoSuchThing" in lazy) out.push("NoSuchThing");
  return { out, checked };
}
globalThis.comparePrimordials = compare;
