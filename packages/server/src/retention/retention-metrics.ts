import { Gauge, type Registry } from 'prom-client';
import type { RetentionKind } from './retention-settings.ts';

/** Sets the age of the oldest row of a kind (seconds; 0 when it has no rows). */
export type OldestRowSink = (kind: RetentionKind, ageSeconds: number) => void;

/**
 * `riskgate_retention_oldest_row_age_seconds{kind}`: the oldest row each kind holds, over every
 * tenant. Per kind only, not per tenant: a tenant label multiplies the series by the number of
 * tenants (unbounded for a hosted deployment) for a question one query answers (`riskgate
 * retention run --dry-run` per tenant). The job sets it after each run rather than at each
 * scrape: several of these columns have no index of their own, so a `min()` per scrape would scan
 * the table every 15 s; after a run the value moves only by the interval.
 */
export function registerRetentionMetrics(registry: Registry): OldestRowSink {
  const gauge = new Gauge({
    name: 'riskgate_retention_oldest_row_age_seconds',
    help: 'Age of the oldest row of each retention kind over every tenant, as of the last retention run',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  return (kind, ageSeconds) => gauge.set({ kind }, ageSeconds);
}
