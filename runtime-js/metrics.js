// k6/metrics: custom Counter, Gauge, Rate and Trend metrics, aggregated across all
// VUs and shown in the end-of-test summary. As in k6 they are created in the init context.
const ops = Deno.core.ops;
import { tagList } from "rk6:tags.js";
import { currentGroup } from "rk6:k6.js";

// Kind numbers are shared with src/stats.rs (MetricKind).
const KINDS = { Counter: 0, Gauge: 1, Rate: 2, Trend: 3 };
// k6 v1.1's rule, to the letter (a first character and 1 to 128 more).
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]{1,128}$/;

class Metric {
  #kind;
  constructor(name, kind, isTime = false) {
    if (typeof name !== "string" || !NAME.test(name)) {
      throw new TypeError(
        `Invalid metric name: '${String(name)}'. Metric names must only include up to 128 ASCII letters, numbers, or underscores and start with a letter or an underscore.`,
      );
    }
    // Code 4: a Trend of durations, so handleSummary's data says it `contains: "time"`.
    ops.op_rk6_metric_define(name, isTime && kind === KINDS.Trend ? 4 : kind);
    this.name = name;
    this.#kind = kind;
  }

  // `tags` are added to the VU's tags for this sample; thresholds can select on them.
  add(value, tags) {
    const v = Number(value);
    if (Number.isNaN(v)) {
      throw new TypeError(`${this.name}.add() needs a number, got ${String(value)}`);
    }
    ops.op_rk6_metric_add(
      this.name,
      this.#kind,
      v,
      tagList(tags, this.name, "add()"),
      currentGroup(),
    );
    return true;
  }
}

export class Counter extends Metric {
  constructor(name) {
    super(name, KINDS.Counter);
  }
}
export class Gauge extends Metric {
  constructor(name) {
    super(name, KINDS.Gauge);
  }
}
export class Rate extends Metric {
  constructor(name) {
    super(name, KINDS.Rate);
  }
}
export class Trend extends Metric {
  constructor(name, isTime) {
    super(name, KINDS.Trend, Boolean(isTime));
  }
}

export default { Counter, Gauge, Rate, Trend };
