export const greeting = "hello from a file next to the text";
