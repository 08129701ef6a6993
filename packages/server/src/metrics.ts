import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics of one app instance (its own registry: no globals). */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly reportsIngested: Counter<'outcome'>;
  readonly assessmentSeconds: Histogram;
  readonly devicesByRisk: Gauge<'risk'>;
}

/** Creates the metrics; `countDevicesByRisk` is called at each scrape to fill the gauge. */
export function createMetrics(countDevicesByRisk: () => Promise<{ risk: string; count: number }[]>): Metrics {
  const registry = new Registry();
  const httpRequests = new Counter({
    name: 'riskgate_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
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
  return { registry, httpRequests, reportsIngested, assessmentSeconds, devicesByRisk };
}
