export const libUrl = import.meta.url;
export const libResolved = import.meta.resolve("./x.js");
