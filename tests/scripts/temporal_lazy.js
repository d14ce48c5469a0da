// Temporal is evaluated on first use (issue 12): each VU reads it first through a
// different door, and every door must lead to the same, complete Temporal.
import exec from "k6/execution";

export default function () {
  const door = exec.vu.idInTest % 4;
  let first;
  if (door === 0) first = typeof Temporal;
  else if (door === 1) first = new Date(0).toTemporalInstant().toString();
  else if (door === 2) first = typeof Intl.DateTimeFormat;
  else first = typeof globalThis.Temporal.Now;
  const d = Object.getOwnPropertyDescriptor(globalThis, "Temporal");
  const facts = [
    door,
    first,
    typeof Temporal,
    Object.prototype.toString.call(Temporal),
    Temporal.Now.instant() instanceof Temporal.Instant,
    typeof Temporal.Now.instant().epochMilliseconds,
    Temporal.PlainDate.from("2020-06-26").dayOfWeek,
    new Date(0).toTemporalInstant().toString(),
    `${d.writable} ${d.enumerable} ${d.configurable} ${"value" in d}`,
    Object.keys(globalThis).includes("Temporal"),
    // Temporal's DateTimeFormat (the stand-in's cannot format a PlainDate), whichever
    // of Intl and Temporal was made first (patched/v8x change 29).
    new Intl.DateTimeFormat("en-US", { timeZone: "UTC" }).format(Temporal.PlainDate.from("2020-06-26")),
  ];
  console.log(facts.join(" | "));
}
