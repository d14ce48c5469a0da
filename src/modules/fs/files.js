// The internal side of k6/experimental/fs: which objects are files (and their
// position), and the error values k6's fs and csv modules reject with. Kept out of
// fs.js so that scripts importing the module see only what k6 exports.
const handles = new WeakMap();

export function register(file, handle) {
  handles.set(file, handle);
}

// The file behind a `File` object (`{ id, path, size, offset }`), or undefined.
export function handleOf(value) {
  return value !== null && typeof value === "object" ? handles.get(value) : undefined;
}

// k6's fs errors are plain objects, not Error instances: scripts see `name`, `message`
// and an `error()` method, and `String(err)` is "Name: message".
const fsErrorProto = {
  toString() {
    return `${this.name}: ${this.message}`;
  },
};

export function fsError(name, message) {
  const err = Object.create(fsErrorProto);
  err.name = name;
  err.message = message;
  err.error = function () {
    return `${name}: ${message}`;
  };
  return err;
}

// A Go error k6 hands to a promise as is: it has no `name` or `message`, only the
// methods `error()` and `unwrap()`, and converts to its text.
const goValueProto = {
  toString() {
    return this.error();
  },
};

export function goValue(message) {
  const err = Object.create(goValueProto);
  err.error = function () {
    return message;
  };
  err.unwrap = function () {
    return null;
  };
  return err;
}
