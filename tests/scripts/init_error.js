const x = 1;
throw new Error("init exploded");
export default function () {}
