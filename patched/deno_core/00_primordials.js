// Copyright 2018-2026 the Deno authors. MIT license.

// Based on https://github.com/nodejs/node/blob/889ad35d3d41e376870f785b0c1b669cb732013d/lib/internal/per_context/primordials.js
// Copyright Joyent, Inc. and other Node contributors.
//
// Permission is hereby granted, free of charge, to any person obtaining a
// copy of this software and associated documentation files (the
// "Software"), to deal in the Software without restriction, including
// without limitation the rights to use, copy, modify, merge, publish,
// distribute, sublicense, and/or sell copies of the Software, and to permit
// persons to whom the Software is furnished to do so, subject to the
// following conditions:
//
// The above copyright notice and this permission notice shall be included
// in all copies or substantial portions of the Software.
//
// THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
// OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
// MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN
// NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
// DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
// OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
// USE OR OTHER DEALINGS IN THE SOFTWARE.
// This file subclasses and stores the JS builtins that come from the VM
// so that Node.js's builtin modules do not need to later look these up from
// the global proxy, which can be mutated by users.

// Use of primordials have sometimes a dramatic impact on performance, please
// benchmark all changes made in performance-sensitive areas of the codebase.
// See: https://github.com/nodejs/node/pull/38248

// deno-lint-ignore-file deno-internal/prefer-primordials

"use strict";

(() => {
  const primordials = {};

  const {
    defineProperty: ReflectDefineProperty,
    getOwnPropertyDescriptor: ReflectGetOwnPropertyDescriptor,
    ownKeys: ReflectOwnKeys,
  } = Reflect;

  // `uncurryThis` is equivalent to `func => Function.prototype.call.bind(func)`.
  // It is using `bind.bind(call)` to avoid using `Function.prototype.bind`
  // and `Function.prototype.call` after it may have been mutated by users.
  const { apply, bind, call } = Function.prototype;
  const uncurryThis = bind.bind(call);
  primordials.uncurryThis = uncurryThis;

  // `applyBind` is equivalent to `func => Function.prototype.apply.bind(func)`.
  // It is using `bind.bind(apply)` to avoid using `Function.prototype.bind`
  // and `Function.prototype.apply` after it may have been mutated by users.
  const applyBind = bind.bind(apply);
  primordials.applyBind = applyBind;

  // Methods that accept a variable number of arguments, and thus it's useful to
  // also create `${prefix}${key}Apply`, which uses `Function.prototype.apply`,
  // instead of `Function.prototype.call`, and thus doesn't require iterator
  // destructuring.
  const varargsMethods = [
    // 'ArrayPrototypeConcat' is omitted, because it performs the spread
    // on its own for arrays and array-likes with a truthy
    // @@isConcatSpreadable symbol property.
    "ArrayOf",
    "ArrayPrototypePush",
    "ArrayPrototypeUnshift",
    // 'FunctionPrototypeCall' is omitted, since there's 'ReflectApply'
    // and 'FunctionPrototypeApply'.
    "MathHypot",
    "MathMax",
    "MathMin",
    "StringPrototypeConcat",
    "TypedArrayOf",
  ];

  // rk6 patch (change 11): a symbol is named with builtins captured now, since the
  // lazy primordials name the well-known symbols only when first needed.
  const SymbolPrototypeGetDescription = uncurryThis(
    Reflect.getOwnPropertyDescriptor(Symbol.prototype, "description").get,
  );
  const StringPrototypeToUpperCase = uncurryThis(String.prototype.toUpperCase);
  const StringPrototypeSlice = uncurryThis(String.prototype.slice);
  function getNewKey(key) {
    if (typeof key === "symbol") {
      const description = SymbolPrototypeGetDescription(key);
      return `Symbol${StringPrototypeToUpperCase(description[7])}${
        StringPrototypeSlice(description, 8)
      }`;
    }
    return `${key[0].toUpperCase()}${key.slice(1)}`;
  }

  function copyAccessor(dest, prefix, key, { enumerable, get, set }) {
    ReflectDefineProperty(dest, `${prefix}Get${key}`, {
      __proto__: null,
      value: uncurryThis(get),
      enumerable,
    });
    if (set !== undefined) {
      ReflectDefineProperty(dest, `${prefix}Set${key}`, {
        __proto__: null,
        value: uncurryThis(set),
        enumerable,
      });
    }
  }

  function copyPropsRenamed(src, dest, prefix) {
    for (const key of ReflectOwnKeys(src)) {
      const newKey = getNewKey(key);
      const desc = ReflectGetOwnPropertyDescriptor(src, key);
      if ("get" in desc) {
        copyAccessor(dest, prefix, newKey, desc);
      } else {
        const name = `${prefix}${newKey}`;
        ReflectDefineProperty(dest, name, { __proto__: null, ...desc });
        if (varargsMethods.includes(name)) {
          ReflectDefineProperty(dest, `${name}Apply`, {
            __proto__: null,
            // `src` is bound as the `this` so that the static `this` points
            // to the object it was defined on,
            // e.g.: `ArrayOfApply` gets a `this` of `Array`:
            value: applyBind(desc.value, src),
          });
        }
      }
    }
  }

  function copyPropsRenamedBound(src, dest, prefix) {
    for (const key of ReflectOwnKeys(src)) {
      const newKey = getNewKey(key);
      const desc = ReflectGetOwnPropertyDescriptor(src, key);
      if ("get" in desc) {
        copyAccessor(dest, prefix, newKey, desc);
      } else {
        const { value } = desc;
        if (typeof value === "function") {
          desc.value = value.bind(src);
        }

        const name = `${prefix}${newKey}`;
        ReflectDefineProperty(dest, name, { __proto__: null, ...desc });
        if (varargsMethods.includes(name)) {
          ReflectDefineProperty(dest, `${name}Apply`, {
            __proto__: null,
            value: applyBind(value, src),
          });
        }
      }
    }
  }

  function copyPrototype(src, dest, prefix) {
    for (const key of ReflectOwnKeys(src)) {
      const newKey = getNewKey(key);
      const desc = ReflectGetOwnPropertyDescriptor(src, key);
      if ("get" in desc) {
        copyAccessor(dest, prefix, newKey, desc);
      } else {
        const { value } = desc;
        if (typeof value === "function") {
          desc.value = uncurryThis(value);
        }

        const name = `${prefix}${newKey}`;
        ReflectDefineProperty(dest, name, { __proto__: null, ...desc });
        if (varargsMethods.includes(name)) {
          ReflectDefineProperty(dest, `${name}Apply`, {
            __proto__: null,
            value: applyBind(value),
          });
        }
      }
    }
  }


  // rk6 patch (change 5): lazy primordials. Copying every builtin above costs a fresh
  // context ~20 M instructions on QuickJS (about half of what a runtime costs to create)
  // and ~800 properties and ~400 bound functions, while deno_core's and rk6's modules
  // use a few hundred of them. When deno_core asks for it (`__bootstrap.lazyPrimordials`,
  // set when no snapshot is being taken), the copies are only recorded as sources; a
  // proxy behind `primordials` (its prototype) makes a primordial the first time it is
  // asked for, the way the eager copy would have, and keeps it, so each is made once and
  // the same value is returned every time. deno_core's and rk6's modules destructure
  // theirs when they load, before any script code runs, so they are read from pristine
  // builtins just as eager copies are.
  const RENAMED = 0;
  const BOUND = 1;
  const PROTOTYPE = 2;
  const lazy = globalThis.__bootstrap?.lazyPrimordials === true;
  // rk6 patch (change 8): deno_core's process-wide memo of how each name resolved.
  const recipes = lazy ? globalThis.__bootstrap.primordialRecipes : undefined;
  // rk6 patch (change 9): defines the names the memo knows as lazy properties.
  const installRecipes = lazy
    ? globalThis.__bootstrap.installPrimordialRecipes
    : undefined;
  if (lazy) {
    delete globalThis.__bootstrap.lazyPrimordials;
    delete globalThis.__bootstrap.primordialRecipes;
    delete globalThis.__bootstrap.installPrimordialRecipes;
  }
  const { setPrototypeOf: ReflectSetPrototypeOf } = Reflect;
  // Name -> a function making the entry (the Safe* classes), for entries made whole.
  const lazyThunks = new Map();
  function defineSafe(name, make) {
    if (lazy) lazyThunks.set(name, make);
    else primordials[name] = make();
  }
  // [source, mode, order, prefix] in the order the eager copy ran (change 8's
  // recipes name a source by its order). rk6 patch (change 11): grouped by prefix
  // only when a name is first searched (`sourcesFor`), which a context that
  // replays recipes never does.
  const lazyByOrder = [];
  let lazyOrder = 0;
  function copyFrom(mode, src, prefix) {
    if (!lazy) {
      if (mode === RENAMED) copyPropsRenamed(src, primordials, prefix);
      else if (mode === BOUND) copyPropsRenamedBound(src, primordials, prefix);
      else copyPrototype(src, primordials, prefix);
      return;
    }
    lazyByOrder[lazyOrder] = [src, mode, lazyOrder, prefix];
    lazyOrder++;
  }

  function lazyPrimordials() {
    // Captured now: a primordial made later must not depend on builtins a script changed.
    const MapPrototypeGet = uncurryThis(Map.prototype.get);
    const MapPrototypeSet = uncurryThis(Map.prototype.set);
    const MapPrototypeHas = uncurryThis(Map.prototype.has);
    const StringPrototypeEndsWith = uncurryThis(String.prototype.endsWith);
    const StringPrototypeIndexOf = uncurryThis(String.prototype.indexOf);
    // rk6 patch (change 11): these two tables are made when first needed (most
    // contexts replay recipes and never search), from builtins captured now.
    const StringFromCharCode = String.fromCharCode;
    let lowerCase;
    function lowerOf(letter) {
      if (lowerCase === undefined) {
        lowerCase = { __proto__: null };
        for (let c = 65; c <= 90; c++) {
          lowerCase[StringFromCharCode(c)] = StringFromCharCode(c + 32);
        }
      }
      return lowerCase[letter];
    }
    const ArrayPrototypeIncludes = uncurryThis(Array.prototype.includes);
    const ArrayPrototypeIndexOf = uncurryThis(Array.prototype.indexOf);
    const ArrayPrototypePush = uncurryThis(Array.prototype.push);
    const FunctionPrototypeBind = uncurryThis(bind);
    const ObjectHasOwn = Object.hasOwn;
    const ProxyConstructor = Proxy;
    const MapConstructor = Map;
    const MISSING = Symbol("missing");

    // Prefix -> [[source, mode, order, prefix], ...], in the order the eager copy ran.
    let lazySources;
    function sourcesFor(prefix) {
      if (lazySources === undefined) {
        lazySources = new MapConstructor();
        for (let i = 0; i < lazyByOrder.length; i++) {
          const entry = lazyByOrder[i];
          let list = MapPrototypeGet(lazySources, entry[3]);
          if (list === undefined) {
            list = [];
            MapPrototypeSet(lazySources, entry[3], list);
          }
          ArrayPrototypePush(list, entry);
        }
      }
      return MapPrototypeGet(lazySources, prefix);
    }

    // The well-known symbols by the name the eager copy gives them (`SymbolIterator`).
    const SymbolConstructor = Symbol;
    let symbolNames;
    function symbolNamed(name) {
      if (symbolNames === undefined) {
        symbolNames = new MapConstructor();
        const keys = ReflectOwnKeys(SymbolConstructor);
        for (let i = 0; i < keys.length; i++) {
          const value = SymbolConstructor[keys[i]];
          if (typeof value !== "symbol") continue;
          const description = SymbolPrototypeGetDescription(value);
          if (StringPrototypeSlice(description ?? "", 0, 7) !== "Symbol.") continue;
          MapPrototypeSet(symbolNames, getNewKey(value), value);
        }
      }
      return MapPrototypeGet(symbolNames, name);
    }

    // The own keys of `src` that the eager copy renames to `rest`.
    function keysFor(src, rest) {
      const found = [];
      const symbol = symbolNamed(rest);
      if (symbol !== undefined) {
        const desc = ReflectGetOwnPropertyDescriptor(src, symbol);
        if (desc !== undefined) ArrayPrototypePush(found, [symbol, desc]);
      }
      const first = rest[0];
      const lower = first >= "A" && first <= "Z"
        ? lowerOf(first) + StringPrototypeSlice(rest, 1)
        : rest;
      let desc = ReflectGetOwnPropertyDescriptor(src, lower);
      if (desc !== undefined) ArrayPrototypePush(found, [lower, desc]);
      if (lower !== rest) {
        desc = ReflectGetOwnPropertyDescriptor(src, rest);
        if (desc !== undefined) ArrayPrototypePush(found, [rest, desc]);
      }
      return found;
    }

    const isAccessor = (desc) =>
      ObjectHasOwn(desc, "get") || ObjectHasOwn(desc, "set");

    // The primordial the eager copy of `src` (copied in `mode`) makes from the property
    // `desc` as a plain value ("v"), its getter ("g") or setter ("s"), or the `apply` form
    // of a varargs method ("a").
    function makeValue(kind, desc, src, mode) {
      if (kind === "g") return uncurryThis(desc.get);
      if (kind === "s") return uncurryThis(desc.set);
      const value = desc.value;
      if (kind === "a") {
        return mode === PROTOTYPE ? applyBind(value) : applyBind(value, src);
      }
      if (typeof value !== "function") return value;
      if (mode === BOUND) return FunctionPrototypeBind(value, src);
      return mode === PROTOTYPE ? uncurryThis(value) : value;
    }

    // The [key, descriptor, kind] of `src` that the eager copy under `prefix` defines as
    // `prefix + rest`, by the position of its key among `src`'s own keys (a later key
    // overwrote an earlier one).
    function resolveIn(src, prefix, rest) {
      const candidates = [];
      let found = keysFor(src, rest);
      for (let i = 0; i < found.length; i++) {
        const { 0: key, 1: desc } = found[i];
        if (isAccessor(desc)) continue;
        ArrayPrototypePush(candidates, [key, desc, "v"]);
      }
      if (rest.length > 3 && rest[1] === "e" && rest[2] === "t") {
        const getter = rest[0] === "G";
        if (getter || rest[0] === "S") {
          found = keysFor(src, StringPrototypeSlice(rest, 3));
          for (let i = 0; i < found.length; i++) {
            const { 0: key, 1: desc } = found[i];
            if (!isAccessor(desc)) continue;
            if (getter) ArrayPrototypePush(candidates, [key, desc, "g"]);
            else if (desc.set !== undefined) ArrayPrototypePush(candidates, [key, desc, "s"]);
          }
        }
      }
      if (rest[rest.length - 1] === "y" && StringPrototypeEndsWith(rest, "Apply")) {
        const base = StringPrototypeSlice(rest, 0, -5);
        if (ArrayPrototypeIncludes(varargsMethods, prefix + base)) {
          found = keysFor(src, base);
          for (let i = 0; i < found.length; i++) {
            const { 0: key, 1: desc } = found[i];
            if (isAccessor(desc)) continue;
            ArrayPrototypePush(candidates, [key, desc, "a"]);
          }
        }
      }
      if (candidates.length === 0) return MISSING;
      if (candidates.length === 1) return candidates[0];
      // Rare (two keys renamed alike): the eager copy kept the later one.
      const keys = ReflectOwnKeys(src);
      let best = candidates[0];
      for (let i = 1; i < candidates.length; i++) {
        if (
          ArrayPrototypeIndexOf(keys, candidates[i][0]) >
            ArrayPrototypeIndexOf(keys, best[0])
        ) best = candidates[i];
      }
      return best;
    }

    // The winning [key, descriptor, kind] and its source's order, or MISSING.
    function resolve(name) {
      let value = MISSING;
      let order = -1;
      // A prefix ends where the renamed key starts: at an upper-case letter, `_` or `$`.
      // (Indexing a string primitive calls no builtin, unlike charCodeAt.)
      for (let i = 1; i < name.length; i++) {
        const c = name[i];
        if (!((c >= "A" && c <= "Z") || c === "_" || c === "$")) continue;
        const prefix = StringPrototypeSlice(name, 0, i);
        const sources = sourcesFor(prefix);
        if (sources === undefined) continue;
        const rest = StringPrototypeSlice(name, i);
        for (let j = 0; j < sources.length; j++) {
          const source = sources[j];
          if (source[2] < order) continue;
          const found = resolveIn(source[0], prefix, rest);
          if (found !== MISSING) {
            value = found;
            order = source[2];
          }
        }
      }
      if (value !== MISSING) value[3] = order;
      return value;
    }

    // rk6 patch (change 8): every context resolves the same few dozen names the same
    // way, and searching costs ~50 k instructions a name on QuickJS. The first context
    // records how each name resolved (the source's order, the kind of value and the
    // key) in a memo deno_core keeps for the process; the others make the value from
    // that recipe directly. A recipe that does not fit (it cannot, with pristine
    // builtins) falls back to the search.
    function recall(name) {
      if (recipes !== undefined) {
        const recipe = recipes(name);
        if (recipe !== undefined) {
          const value = replay(recipe);
          if (value !== MISSING) return value;
        }
      }
      const found = resolve(name);
      if (found === MISSING) return MISSING;
      const { 0: key, 1: desc, 2: kind, 3: order } = found;
      if (recipes !== undefined) {
        const keyText = typeof key === "symbol" ? "@" + getNewKey(key) : "=" + key;
        recipes(name, order + ":" + kind + keyText);
      }
      const entry = lazyByOrder[order];
      return makeValue(kind, desc, entry[0], entry[1]);
    }

    function replay(recipe) {
      const colon = StringPrototypeIndexOf(recipe, ":");
      return replayParts(
        +StringPrototypeSlice(recipe, 0, colon),
        recipe[colon + 1],
        StringPrototypeSlice(recipe, colon + 3),
        recipe[colon + 2] === "@",
      );
    }

    function replayParts(order, kind, keyText, isSymbol) {
      const entry = lazyByOrder[order];
      const key = isSymbol ? symbolNamed(keyText) : keyText;
      if (entry === undefined || key === undefined) return MISSING;
      const desc = ReflectGetOwnPropertyDescriptor(entry[0], key);
      if (desc === undefined) return MISSING;
      const fits = kind === "g"
        ? desc.get !== undefined
        : kind === "s"
        ? desc.set !== undefined
        : !isAccessor(desc);
      return fits ? makeValue(kind, desc, entry[0], entry[1]) : MISSING;
    }

    const made = new Map();
    function lookup(key) {
      if (typeof key !== "string") return MISSING;
      if (MapPrototypeHas(made, key)) return MapPrototypeGet(made, key);
      const thunk = MapPrototypeGet(lazyThunks, key);
      const value = thunk !== undefined ? thunk() : recall(key);
      MapPrototypeSet(made, key, value);
      return value;
    }

    // rk6 patch (change 9): what reading one of the lazy properties deno_core
    // defines for the recorded names calls, with the name's recipe taken apart.
    function makeRecorded(name, order, kind, keyText, isSymbol) {
      let value = replayParts(order, kind, keyText, isSymbol);
      if (value === MISSING) value = lookup(name);
      return value === MISSING ? undefined : value;
    }

    const proxy = new ProxyConstructor({ __proto__: null }, {
      __proto__: null,
      get(_target, key) {
        const value = lookup(key);
        return value === MISSING ? undefined : value;
      },
      has(_target, key) {
        return lookup(key) !== MISSING;
      },
      // An assignment to `primordials` lands here when it has no such own property:
      // define it there, as an ordinary object without this prototype would (which
      // fails once `primordials` is frozen).
      set(_target, key, value, receiver) {
        return ReflectDefineProperty(receiver, key, {
          __proto__: null,
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      },
      defineProperty() {
        return false;
      },
      deleteProperty() {
        return false;
      },
      getPrototypeOf() {
        return null;
      },
      setPrototypeOf() {
        return false;
      },
    });
    // rk6 patch (change 9): the names an earlier context resolved are properties
    // of an ordinary object in front of the proxy, each made the first time it
    // is read. Going through the proxy trap, the caches and the recipe memo cost
    // ~20 k instructions a name on QuickJS; this is about a third of that.
    if (installRecipes === undefined) return proxy;
    const recorded = { __proto__: proxy };
    // rk6 patch (change 14): deno_core makes most of them from these itself.
    installRecipes(recorded, makeRecorded, [
      lazyByOrder,
      bind,
      call,
      apply,
      SymbolConstructor,
    ]);
    return recorded;
  }

  // Create copies of configurable value properties of the global object
  [
    "Proxy",
    "globalThis",
  ].forEach((name) => {
    primordials[name] = globalThis[name];
  });

  // Create copy of isNaN
  primordials[isNaN.name] = isNaN;

  // Create copies of URI handling functions
  [
    decodeURI,
    decodeURIComponent,
    encodeURI,
    encodeURIComponent,
  ].forEach((fn) => {
    primordials[fn.name] = fn;
  });

  // Create copies of the namespace objects
  [
    "JSON",
    "Math",
    "Proxy",
    "Reflect",
  ].forEach((name) => {
    copyFrom(RENAMED, globalThis[name], name);
  });

  // Create copies of intrinsic objects
  [
    "AggregateError",
    "Array",
    "ArrayBuffer",
    "BigInt",
    "BigInt64Array",
    "BigUint64Array",
    "Boolean",
    "DataView",
    "Date",
    "Error",
    "EvalError",
    "FinalizationRegistry",
    "Float32Array",
    "Float64Array",
    "Function",
    "Int16Array",
    "Int32Array",
    "Int8Array",
    "Map",
    "Number",
    "Object",
    "RangeError",
    "ReferenceError",
    "RegExp",
    "Set",
    "String",
    "Symbol",
    "SyntaxError",
    "TypeError",
    "URIError",
    "Uint16Array",
    "Uint32Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "WeakMap",
    "WeakRef",
    "WeakSet",
  ].forEach((name) => {
    const original = globalThis[name];
    primordials[name] = original;
    copyFrom(RENAMED, original, name);
    copyFrom(PROTOTYPE, original.prototype, `${name}Prototype`);
  });

  // Create copies of intrinsic objects that require a valid `this` to call
  // static methods.
  // Refs: https://www.ecma-international.org/ecma-262/#sec-promise.all
  [
    "Promise",
  ].forEach((name) => {
    const original = globalThis[name];
    primordials[name] = original;
    copyFrom(BOUND, original, name);
    copyFrom(PROTOTYPE, original.prototype, `${name}Prototype`);
  });

  // Create copies of abstract intrinsic objects that are not directly exposed
  // on the global object.
  // Refs: https://tc39.es/ecma262/#sec-%typedarray%-intrinsic-object
  [
    { name: "TypedArray", original: Reflect.getPrototypeOf(Uint8Array) },
    {
      name: "ArrayIterator",
      original: {
        prototype: Reflect.getPrototypeOf(Array.prototype[Symbol.iterator]()),
      },
    },
    {
      name: "SetIterator",
      original: {
        prototype: Reflect.getPrototypeOf(new Set()[Symbol.iterator]()),
      },
    },
    {
      name: "MapIterator",
      original: {
        prototype: Reflect.getPrototypeOf(new Map()[Symbol.iterator]()),
      },
    },
    {
      name: "StringIterator",
      original: {
        prototype: Reflect.getPrototypeOf(String.prototype[Symbol.iterator]()),
      },
    },
    { name: "Generator", original: Reflect.getPrototypeOf(function* () {}) },
    {
      name: "AsyncGenerator",
      original: Reflect.getPrototypeOf(async function* () {}),
    },
  ].forEach(({ name, original }) => {
    primordials[name] = original;
    // The static %TypedArray% methods require a valid `this`, but can't be bound,
    // as they need a subclass constructor as the receiver:
    copyFrom(PROTOTYPE, original, name);
    copyFrom(PROTOTYPE, original.prototype, `${name}Prototype`);
  });
  if (lazy) {
    ReflectSetPrototypeOf(primordials, lazyPrimordials());
  }

  const {
    ArrayPrototypeForEach,
    ArrayPrototypeJoin,
    ArrayPrototypeMap,
    FunctionPrototypeCall,
    ObjectDefineProperty,
    ObjectFreeze,
    ObjectPrototypeIsPrototypeOf,
    ObjectSetPrototypeOf,
    Promise,
    PromisePrototype,
    PromisePrototypeThen,
    SymbolIterator,
    TypedArrayPrototypeJoin,
  } = primordials;

  // Because these functions are used by `makeSafe`, which is exposed
  // on the `primordials` object, it's important to use const references
  // to the primordials that they use:
  const createSafeIterator = (factory, next) => {
    class SafeIterator {
      constructor(iterable) {
        this._iterator = factory(iterable);
      }
      next() {
        return next(this._iterator);
      }
      [SymbolIterator]() {
        return this;
      }
    }
    ObjectSetPrototypeOf(SafeIterator.prototype, null);
    ObjectFreeze(SafeIterator.prototype);
    ObjectFreeze(SafeIterator);
    return SafeIterator;
  };

  class SafeArrayIterator {
    #array;
    #done = false;
    #index = 0;
    constructor(array) {
      this.#array = array;
    }
    next() {
      if (this.#done) {
        return { value: undefined, done: true };
      }
      const array = this.#array;
      const index = this.#index;
      if (index >= array.length) {
        this.#done = true;
        return { value: undefined, done: true };
      }
      this.#index = index + 1;
      return { value: array[index], done: false };
    }
    [SymbolIterator]() {
      return this;
    }
  }
  ObjectSetPrototypeOf(SafeArrayIterator.prototype, null);
  ObjectFreeze(SafeArrayIterator.prototype);
  ObjectFreeze(SafeArrayIterator);
  primordials.SafeArrayIterator = SafeArrayIterator;

  // rk6 patch (change 11): made on first use, as the Safe* collections are.
  defineSafe("SafeSetIterator", () =>
    createSafeIterator(
      primordials.SetPrototypeSymbolIterator,
      primordials.SetIteratorPrototypeNext,
    ));
  defineSafe("SafeMapIterator", () =>
    createSafeIterator(
      primordials.MapPrototypeSymbolIterator,
      primordials.MapIteratorPrototypeNext,
    ));
  defineSafe("SafeStringIterator", () =>
    createSafeIterator(
      primordials.StringPrototypeSymbolIterator,
      primordials.StringIteratorPrototypeNext,
    ));

  const copyProps = (src, dest) => {
    ArrayPrototypeForEach(ReflectOwnKeys(src), (key) => {
      if (!ReflectGetOwnPropertyDescriptor(dest, key)) {
        ReflectDefineProperty(
          dest,
          key,
          {
            __proto__: null,
            ...ReflectGetOwnPropertyDescriptor(src, key),
          },
        );
      }
    });
  };

  /**
   * @type {typeof primordials.makeSafe}
   */
  const makeSafe = (unsafe, safe) => {
    if (SymbolIterator in unsafe.prototype) {
      const dummy = new unsafe();
      let next; // We can reuse the same `next` method.

      ArrayPrototypeForEach(ReflectOwnKeys(unsafe.prototype), (key) => {
        if (!ReflectGetOwnPropertyDescriptor(safe.prototype, key)) {
          const desc = ReflectGetOwnPropertyDescriptor(unsafe.prototype, key);
          if (
            typeof desc.value === "function" &&
            desc.value.length === 0 &&
            SymbolIterator in (FunctionPrototypeCall(desc.value, dummy) ?? {})
          ) {
            const createIterator = uncurryThis(desc.value);
            next ??= uncurryThis(createIterator(dummy).next);
            const SafeIterator = createSafeIterator(createIterator, next);
            desc.value = function () {
              return new SafeIterator(this);
            };
          }
          ReflectDefineProperty(safe.prototype, key, {
            __proto__: null,
            ...desc,
          });
        }
      });
    } else {
      copyProps(unsafe.prototype, safe.prototype);
    }
    copyProps(unsafe, safe);

    ObjectSetPrototypeOf(safe.prototype, null);
    ObjectFreeze(safe.prototype);
    ObjectFreeze(safe);
    return safe;
  };
  primordials.makeSafe = makeSafe;

  // Subclass the constructors because we need to use their prototype
  // methods later.
  // Defining the `constructor` is necessary here to avoid the default
  // constructor which uses the user-mutable `%ArrayIteratorPrototype%.next`.
  defineSafe("SafeMap", () =>
    makeSafe(
      Map,
      class SafeMap extends Map {
        constructor(i) {
          if (i == null) {
            super();
            return;
          }
          super(new SafeArrayIterator(i));
        }
      },
  ));
  defineSafe("SafeWeakMap", () =>
    makeSafe(
      WeakMap,
      class SafeWeakMap extends WeakMap {
        constructor(i) {
          if (i == null) {
            super();
            return;
          }
          super(new SafeArrayIterator(i));
        }
      },
  ));

  defineSafe("SafeSet", () =>
    makeSafe(
      Set,
      class SafeSet extends Set {
        constructor(i) {
          if (i == null) {
            super();
            return;
          }
          super(new SafeArrayIterator(i));
        }
      },
  ));
  defineSafe("SafeWeakSet", () =>
    makeSafe(
      WeakSet,
      class SafeWeakSet extends WeakSet {
        constructor(i) {
          if (i == null) {
            super();
            return;
          }
          super(new SafeArrayIterator(i));
        }
      },
  ));

  defineSafe("SafeRegExp", () =>
    makeSafe(
      RegExp,
      class SafeRegExp extends RegExp {
        constructor(pattern, flags) {
          super(pattern, flags);
        }
      },
  ));

  defineSafe("SafeFinalizationRegistry", () =>
    makeSafe(
      FinalizationRegistry,
      class SafeFinalizationRegistry extends FinalizationRegistry {
        constructor(cleanupCallback) {
          super(cleanupCallback);
        }
      },
  ));

  defineSafe("SafeWeakRef", () =>
    makeSafe(
      WeakRef,
      class SafeWeakRef extends WeakRef {
        constructor(target) {
          super(target);
        }
      },
  ));

  // rk6 patch (change 5): made on first use too (only the SafePromise* functions below
  // use it, when called).
  let safePromise;
  const getSafePromise = () =>
    safePromise ??= makeSafe(
      Promise,
      class SafePromise extends Promise {
        constructor(executor) {
          super(executor);
        }
      },
    );
  if (!lazy) getSafePromise();

  primordials.ArrayPrototypeToString = (thisArray) =>
    ArrayPrototypeJoin(thisArray);

  primordials.TypedArrayPrototypeToString = (thisArray) =>
    TypedArrayPrototypeJoin(thisArray);

  primordials.PromisePrototypeCatch = (thisPromise, onRejected) =>
    PromisePrototypeThen(thisPromise, undefined, onRejected);

  const arrayToSafePromiseIterable = (array) =>
    new SafeArrayIterator(
      ArrayPrototypeMap(
        array,
        (p) => {
          if (ObjectPrototypeIsPrototypeOf(PromisePrototype, p)) {
            return new (getSafePromise())((c, d) => PromisePrototypeThen(p, c, d));
          }
          return p;
        },
      ),
    );

  /**
   * Creates a Promise that is resolved with an array of results when all of the
   * provided Promises resolve, or rejected when any Promise is rejected.
   * @template T
   * @param {Array<T | PromiseLike<T>>} values
   * @returns {Promise<Awaited<T>[]>}
   */
  primordials.SafePromiseAll = (values) =>
    // Wrapping on a new Promise is necessary to not expose the SafePromise
    // prototype to user-land.
    new Promise((a, b) =>
      getSafePromise().all(arrayToSafePromiseIterable(values)).then(a, b)
    );

  // /**
  //  * Creates a Promise that is resolved with an array of results when all
  //  * of the provided Promises resolve or reject.
  //  * @template T
  //  * @param {Array<T | PromiseLike<T>>} values
  //  * @returns {Promise<PromiseSettledResult<T>[]>}
  //  */
  primordials.SafePromiseAllSettled = (values) =>
    // Wrapping on a new Promise is necessary to not expose the SafePromise
    // prototype to user-land.
    new Promise((a, b) =>
      getSafePromise().allSettled(arrayToSafePromiseIterable(values)).then(a, b)
    );

  // /**
  //  * The any function returns a promise that is fulfilled by the first given
  //  * promise to be fulfilled, or rejected with an AggregateError containing
  //  * an array of rejection reasons if all of the given promises are rejected.
  //  * It resolves all elements of the passed iterable to promises as it runs
  //  * this algorithm.
  //  * @template T
  //  * @param {T} values
  //  * @returns {Promise<Awaited<T[number]>>}
  //  */
  primordials.SafePromiseAny = (values) =>
    // Wrapping on a new Promise is necessary to not expose the SafePromise
    // prototype to user-land.
    new Promise((a, b) =>
      getSafePromise().any(arrayToSafePromiseIterable(values)).then(a, b)
    );

  // /**
  //  * Creates a Promise that is resolved or rejected when any of the provided
  //  * Promises are resolved or rejected.
  //  * @template T
  //  * @param {T} values
  //  * @returns {Promise<Awaited<T[number]>>}
  //  */
  primordials.SafePromiseRace = (values) =>
    // Wrapping on a new Promise is necessary to not expose the SafePromise
    // prototype to user-land.
    new Promise((a, b) =>
      getSafePromise().race(arrayToSafePromiseIterable(values)).then(a, b)
    );

  /**
   * Attaches a callback that is invoked when the Promise is settled (fulfilled or
   * rejected). The resolved value cannot be modified from the callback.
   * Prefer using async functions when possible.
   * @param {Promise<any>} thisPromise
   * @param {() => void) | undefined | null} onFinally The callback to execute
   *        when the Promise is settled (fulfilled or rejected).
   * @returns A Promise for the completion of the callback.
   */
  primordials.SafePromisePrototypeFinally = (thisPromise, onFinally) =>
    // Wrapping on a new Promise is necessary to not expose the SafePromise
    // prototype to user-land.
    new Promise((a, b) =>
      new (getSafePromise())((a, b) => PromisePrototypeThen(thisPromise, a, b))
        .finally(onFinally)
        .then(a, b)
    );

  // Create getter and setter for `queueMicrotask`, it hasn't been bound yet.
  let queueMicrotask = undefined;
  ObjectDefineProperty(primordials, "queueMicrotask", {
    __proto__: null,
    get() {
      return queueMicrotask;
    },
  });
  primordials.setQueueMicrotask = (value) => {
    if (queueMicrotask !== undefined) {
      throw new Error("queueMicrotask is already defined");
    }
    queueMicrotask = value;
  };

  // Renaming from `eval` is necessary because otherwise it would perform direct
  // evaluation, allowing user-land access to local variables.
  // This is because the identifier `eval` is somewhat treated as a keyword
  primordials.indirectEval = eval;

  if (!lazy) {
    ObjectSetPrototypeOf(primordials, null);
  }
  ObjectFreeze(primordials);

  // Provide bootstrap namespace
  globalThis.__bootstrap ??= {};
  globalThis.__bootstrap.primordials = primordials;
})();
