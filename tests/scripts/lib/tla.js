// A module with top-level await, imported by tla_imports.js.
export const ready = await new Promise((resolve) => resolve("ready"));
