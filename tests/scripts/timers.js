import { setTimeout as st, clearTimeout as ct } from "k6/timers";

export default function () {
  const order = [];
  setTimeout(() => order.push("b"), 20);
  setTimeout(() => order.push("a"), 5);
  const cancelled = st(() => order.push("never"), 10);
  ct(cancelled);
  let ticks = 0;
  const id = setInterval(() => {
    ticks += 1;
    if (ticks === 3) {
      clearInterval(id);
      console.log(`order=${order.join(",")} ticks=${ticks}`);
    }
  }, 30);
  setTimeout((x, y) => console.log(`args=${x}+${y}`), 1, "p", "q");
}
