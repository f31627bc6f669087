// Per-request Prometheus series kept by label key: prom-client's registry exposes them, without its per-call label validation.
import type { Registry } from "prom-client";

/**
 * prom-client validates, sorts and hashes the label object on every observe (tens of microseconds per
 * request across a handful of metrics, measured in bench/). These classes key a series by its label
 * values in declared order and are read by the same registry at scrape time, so /metrics is unchanged.
 */
type Labels<L extends string> = Readonly<Record<L, string>>;

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** One counter or gauge series: taken once per label combination, then moved without its key built again. */
export interface CounterSeries {
  inc(value?: number): void;
}

/** One gauge series, as CounterSeries. */
export interface GaugeSeries extends CounterSeries {
  dec(value?: number): void;
}

/** One histogram series, as CounterSeries. */
export interface HistogramSeries {
  observe(value: number): void;
}

interface FastMetricOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly registers: readonly Registry[];
}

abstract class FastMetric<L extends string, S> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = "sum" as const;
  protected readonly labelNames: readonly L[];
  protected readonly series = new Map<string, { labels: Labels<L>; state: S }>();
  /** Bumped by reset(): series handles taken before it no longer reach the exposition. */
  generation = 0;

  constructor(options: FastMetricOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    // The registry only needs name, help, type and get(): a documented extension point.
    for (const registry of options.registers) registry.registerMetric(this as never);
  }

  protected stateFor(labels: Labels<L>, create: () => S): S {
    let key = "";
    for (const name of this.labelNames) key += `${labels[name]}\u0001`;
    let entry = this.series.get(key);
    if (entry === undefined) {
      const copy = {} as Record<L, string>;
      for (const name of this.labelNames) copy[name] = labels[name];
      entry = { labels: copy, state: create() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  reset(): void {
    this.series.clear();
    this.generation += 1;
  }
}

export class FastCounter<L extends string> extends FastMetric<L, { value: number }> {
  readonly type = "counter" as const;

  inc(labels: Labels<L>, value = 1): void {
    this.stateFor(labels, () => ({ value: 0 })).value += value;
  }

  seriesFor(labels: Labels<L>): CounterSeries {
    const state = this.stateFor(labels, () => ({ value: 0 }));
    return {
      inc: (value = 1) => {
        state.value += value;
      },
    };
  }

  async get() {
    const values: MetricValue[] = [...this.series.values()].map(({ labels, state }) => ({
      labels,
      value: state.value,
    }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

export class FastGauge<L extends string> extends FastMetric<L, { value: number }> {
  readonly type = "gauge" as const;

  inc(labels: Labels<L>, value = 1): void {
    this.stateFor(labels, () => ({ value: 0 })).value += value;
  }

  dec(labels: Labels<L>, value = 1): void {
    this.stateFor(labels, () => ({ value: 0 })).value -= value;
  }

  seriesFor(labels: Labels<L>): GaugeSeries {
    const state = this.stateFor(labels, () => ({ value: 0 }));
    return {
      inc: (value = 1) => {
        state.value += value;
      },
      dec: (value = 1) => {
        state.value -= value;
      },
    };
  }

  set(labels: Labels<L>, value: number): void {
    this.stateFor(labels, () => ({ value: 0 })).value = value;
  }

  async get() {
    const values: MetricValue[] = [...this.series.values()].map(({ labels, state }) => ({
      labels,
      value: state.value,
    }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

interface HistogramState {
  /** Observations per bucket, not cumulative: made cumulative at scrape time. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export class FastHistogram<L extends string> extends FastMetric<L, HistogramState> {
  readonly type = "histogram" as const;
  readonly #buckets: readonly number[];

  constructor(options: FastMetricOptions<L> & { readonly buckets: readonly number[] }) {
    super(options);
    this.#buckets = [...options.buckets].sort((a, b) => a - b);
  }

  observe(labels: Labels<L>, value: number): void {
    this.#add(this.#stateOf(labels), value);
  }

  seriesFor(labels: Labels<L>): HistogramSeries {
    const state = this.#stateOf(labels);
    return { observe: (value) => this.#add(state, value) };
  }

  #stateOf(labels: Labels<L>): HistogramState {
    return this.stateFor(labels, () => ({
      counts: new Float64Array(this.#buckets.length),
      sum: 0,
      count: 0,
    }));
  }

  #add(state: HistogramState, value: number): void {
    const buckets = this.#buckets;
    for (let index = 0; index < buckets.length; index++) {
      if (value <= buckets[index]!) {
        state.counts[index]! += 1;
        break;
      }
    }
    state.sum += value;
    state.count += 1;
  }

  async get() {
    const values: MetricValue[] = [];
    for (const { labels, state } of this.series.values()) {
      let cumulative = 0;
      for (const [index, bound] of this.#buckets.entries()) {
        cumulative += state.counts[index] ?? 0;
        values.push({
          labels: { le: bound, ...labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({
        labels: { le: "+Inf", ...labels },
        value: state.count,
        metricName: `${this.name}_bucket`,
      });
      values.push({ labels, value: state.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: state.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
