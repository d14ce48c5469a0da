// Custom metric samples carry k6's `group` system tag ("" at the top level,
// "::outer::inner" in groups), and a tag passed to add() wins over it (as k6 v1.1 does).
import { group } from "k6";
import { Counter } from "k6/metrics";

const hits = new Counter("hits");

export const options = {
  iterations: 1,
  thresholds: {
    "hits{group:::g1}": ["count==1"],
    "hits{group:::g1::g2}": ["count==2"],
    "hits{group:custom}": ["count==1"],
    hits: ["count==5"],
  },
};

export default function () {
  hits.add(1);
  group("g1", () => {
    hits.add(1, { group: "custom" });
    hits.add(1);
    group("g2", () => {
      hits.add(1);
      hits.add(1);
    });
  });
}
