import {
  Counter,
  type CounterConfiguration,
  Gauge,
  Histogram,
  type LabelValues,
  Registry,
} from 'prom-client';

/** What one label set of a tallied counter has counted since the counter was last collected. */
export interface Tally {
  n: number;
}

/**
 * A counter for per-request counting: `tally(labels)` gives the label set's {@link Tally} (keep
 * it), and counting is `tally.n++`, one addition instead of prom-client hashing the labels object
 * on every `inc`. Tallies are added to the counter whenever it is collected (every scrape and
 * `get()`), so what a scrape shows is what `inc` would have shown.
 */
export interface TalliedCounter<T extends string> {
  readonly counter: Counter<T>;
  tally(labels: LabelValues<T>): Tally;
}

/** Creates a {@link TalliedCounter} (`config.collect` is its own). */
export function createTalliedCounter<T extends string>(
  config: Omit<CounterConfiguration<T>, 'collect'>,
): TalliedCounter<T> {
  const tallies: { readonly labels: LabelValues<T>; readonly tally: Tally }[] = [];
  const counter: Counter<T> = new Counter<T>({
    ...config,
    collect() {
      for (const { labels, tally } of tallies) {
        if (tally.n === 0) continue;
        counter.inc(labels, tally.n);
        tally.n = 0;
      }
    },
  });
  return {
    counter,
    tally(labels) {
      const tally: Tally = { n: 0 };
      tallies.push({ labels, tally });
      return tally;
    },
  };
}

/**
 * The tallies of a three-label counter by label values, through nested maps keyed by the values
 * themselves (the same strings each time on a hot path): no key string built and no labels object
 * hashed per count. `make` creates a label set's tally the first time it is asked for.
 */
export function tallyLookup<A, B, C>(make: (a: A, b: B, c: C) => Tally): (a: A, b: B, c: C) => Tally {
  const byA = new Map<A, Map<B, Map<C, Tally>>>();
  return (a, b, c) => {
    let byB = byA.get(a);
    if (byB === undefined) {
      byB = new Map();
      byA.set(a, byB);
    }
    let byC = byB.get(b);
    if (byC === undefined) {
      byC = new Map();
      byB.set(b, byC);
    }
    let tally = byC.get(c);
    if (tally === undefined) {
      tally = make(a, b, c);
      byC.set(c, tally);
    }
    return tally;
  };
}

/** The Prometheus metrics of one app instance (its own registry: no globals). */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  /** Per-request counting into {@link httpRequests} (see {@link TalliedCounter}). */
  readonly httpRequestTally: TalliedCounter<'method' | 'route' | 'status'>['tally'];
  readonly reportsIngested: Counter<'outcome'>;
  readonly assessmentSeconds: Histogram;
  readonly devicesByRisk: Gauge<'risk'>;
}

/** Creates the metrics; `countDevicesByRisk` is called at each scrape to fill the gauge. */
export function createMetrics(countDevicesByRisk: () => Promise<{ risk: string; count: number }[]>): Metrics {
  const registry = new Registry();
  const httpRequestCounter = createTalliedCounter({
    name: 'riskgate_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpRequests = httpRequestCounter.counter;
  const reportsIngested = new Counter({
    name: 'riskgate_reports_ingested_total',
    help: 'Device reports ingested, by outcome (stored, duplicate, rejected)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const assessmentSeconds = new Histogram({
    name: 'riskgate_assessment_seconds',
    help: 'Time to assess one report (engine assessment and compliance evaluation)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const devicesByRisk = new Gauge({
    name: 'riskgate_devices_by_risk',
    help: 'Enrolled (not retired) devices by risk level',
    labelNames: ['risk'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const level of ['secured', 'low', 'medium', 'high']) this.set({ risk: level }, 0);
      for (const { risk, count } of await countDevicesByRisk()) this.set({ risk }, count);
    },
  });
  return {
    registry,
    httpRequests,
    httpRequestTally: httpRequestCounter.tally,
    reportsIngested,
    assessmentSeconds,
    devicesByRisk,
  };
}
