import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../../db/database.ts';
import { listAllIntelUpstreamsWithNames } from '../../queries/intel-upstreams.ts';
import type { FetchOutcome } from './upstream-service.ts';

/**
 * Feed health on /metrics: per feed (labels `scope`, `feed`) the indicators in use, the last fetch
 * and the last success (Unix time), whether the last fetch failed (the last good version is then
 * in use) and failures so far, read from the database at scrape time (so every node shows the
 * cluster's state); and fetches made by this node by result. Returns the fetch hook to give the service.
 */
export function registerUpstreamMetrics(
  registry: Registry,
  db: Db['db'],
): (scope: string, name: string, outcome: FetchOutcome) => void {
  const fetches = new Counter({
    name: 'riskgate_intel_feed_fetches_total',
    help: 'Upstream fetches made by this node, by feed and result (updated, not-modified, error, busy)',
    labelNames: ['scope', 'feed', 'result'] as const,
    registers: [registry],
  });
  type Rows = Awaited<ReturnType<typeof listAllIntelUpstreamsWithNames>>;
  // One read per scrape: the gauges are collected together (registry.metrics() asks them all at
  // once), so they share the read in flight.
  let pending: Promise<Rows> | undefined;
  const rowsNow = (): Promise<Rows> => {
    pending ??= listAllIntelUpstreamsWithNames(db).finally(() => {
      pending = undefined;
    });
    return pending;
  };
  const seconds = (iso: string | null) => (iso === null ? 0 : Date.parse(iso) / 1000);
  const gauge = (name: string, help: string, value: (row: Rows[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['scope', 'feed'] as const,
      registers: [registry],
      async collect() {
        const rows = await rowsNow();
        this.reset();
        for (const row of rows) this.set({ scope: row.tenant_id, feed: row.name }, value(row));
      },
    });
  gauge('riskgate_intel_feed_indicators', 'Indicators of the feed version in use', (row) => {
    const counts = JSON.parse(row.counts) as { indicators?: number };
    return counts.indicators ?? 0;
  });
  gauge(
    'riskgate_intel_feed_last_fetch_timestamp_seconds',
    'When the feed was last fetched from its upstream (Unix time; any outcome)',
    (row) => seconds(row.last_fetch_at),
  );
  gauge(
    'riskgate_intel_feed_last_success_timestamp_seconds',
    'When a fetch of the feed last succeeded (a new version or not modified; Unix time)',
    (row) => seconds(row.last_success_at),
  );
  gauge(
    'riskgate_intel_feed_fetch_failing',
    '1 when the last fetch of the feed failed (the last good version is in use)',
    (row) => (row.last_status === 'error' ? 1 : 0),
  );
  gauge(
    'riskgate_intel_feed_fetch_failures',
    'Failed fetches of the feed since its upstream was configured (all nodes)',
    (row) => row.failures,
  );
  return (scope, name, outcome) => fetches.inc({ scope, feed: name, result: outcome.status });
}
