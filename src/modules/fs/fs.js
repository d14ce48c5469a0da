// k6/experimental/fs: files opened in the init context, their bytes read once per run
// and shared by every VU; each `File` keeps its own position.
import { fsError, goValue, register } from "rk6:fs-files.js";
const { op_fs_open, op_fs_read, op_rk6_in_init } = Deno.core.ops;

export const SeekMode = { Start: 0, Current: 1, End: 2 };

export function open(path) {
  if (!op_rk6_in_init()) {
    return Promise.reject(
      fsError("ForbiddenError", "open() failed; reason: opening a file is allowed only in the Init context"),
    );
  }
  if (path === null || path === undefined) {
    return Promise.reject(fsError("TypeError", "open() failed; reason: path cannot be null or undefined"));
  }
  let text = String(path);
  if (text === "") {
    return Promise.reject(fsError("TypeError", "open() failed; reason: path cannot be empty"));
  }
  if (text.startsWith("file://")) text = text.slice("file://".length);
  const out = op_fs_open(text);
  if (out.err) {
    const { kind, message } = out.err;
    return Promise.reject(kind ? fsError(kind, message) : goValue(message));
  }
  return Promise.resolve(newFile(out.ok));
}

// Why a seek argument is refused (k6 wants an integer number), or "" when it is fine.
function badInteger(value) {
  if (value === null || value === undefined) return "cannot be null or undefined";
  if (typeof value !== "number" || !Number.isInteger(value)) return "must be a number";
  return "";
}

function newFile({ id, path, name, size }) {
  const handle = { id, path, size, offset: 0 };
  // The methods are own properties, as on k6's File (`Object.keys(file)` lists them).
  const file = {
    path,
    read(into) {
      if (into === null || into === undefined) {
        return Promise.reject(fsError("TypeError", "read() failed; reason: into argument cannot be null or undefined"));
      }
      if (Object(into).constructor !== Uint8Array) {
        return Promise.reject(fsError("TypeError", "read() failed; reason: into argument must be a Uint8Array"));
      }
      if (handle.offset >= handle.size) return Promise.resolve(null);
      // k6 fills the array's whole underlying buffer from its start, whatever the
      // view's own offset and length: a script reading into a subarray sees that.
      const n = op_fs_read(handle.id, handle.offset, new Uint8Array(into.buffer));
      handle.offset += n;
      return Promise.resolve(n);
    },
    seek(offset, whence) {
      let why = badInteger(offset);
      if (why) return Promise.reject(fsError("TypeError", `seek() failed; reason: the offset argument ${why}`));
      why = badInteger(whence);
      if (why) return Promise.reject(fsError("TypeError", `seek() failed; reason: the whence argument ${why}`));
      let next;
      switch (whence) {
        case SeekMode.Start:
          if (offset < 0) {
            return Promise.reject(fsError("TypeError", "offset cannot be negative when using SeekModeStart"));
          }
          next = offset;
          break;
        case SeekMode.Current:
          next = handle.offset + offset;
          break;
        case SeekMode.End:
          if (offset > 0) {
            return Promise.reject(fsError("TypeError", "offset cannot be positive when using SeekModeEnd"));
          }
          // k6 counts from the last byte, not from the end: seek(0, End) is size - 1.
          next = handle.size - 1 + offset;
          break;
        default:
          return Promise.reject(fsError("TypeError", "seek() failed; reason: the whence argument must be a SeekMode"));
      }
      if (next < 0) return Promise.reject(fsError("TypeError", "seeking before start of file"));
      if (next > handle.size) return Promise.reject(fsError("TypeError", "seeking beyond end of file"));
      handle.offset = next;
      return Promise.resolve(next);
    },
    stat() {
      return Promise.resolve({ name, size });
    },
  };
  register(file, handle);
  return file;
}

export default { open, SeekMode };
