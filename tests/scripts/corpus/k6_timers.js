// Mirrors grafana/k6 examples/timers.js: setTimeout/setInterval in an iteration, resolved
// through a Promise the async default function awaits.
import { check } from "k6";

export const options = { iterations: 2 };

export default async function () {
  const order = [];
  await new Promise((resolve) => {
    setTimeout(() => order.push("late"), 40);
    setTimeout(() => order.push("early"), 5);
    let ticks = 0;
    const id = setInterval(() => {
      ticks += 1;
      order.push(`tick${ticks}`);
      if (ticks === 3) {
        clearInterval(id);
        setTimeout(resolve, 30);
      }
    }, 20);
  });
  check(order, { "timer order": (o) => o.join(",") === "early,tick1,late,tick2,tick3" });
}
