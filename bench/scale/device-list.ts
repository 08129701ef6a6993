/**
 * The admin device list under typical filters: `GET /v1/admin/devices` over the real route
 * (app.inject) beside the same SQL sent bare through `pg`, alternating request by request.
 */
import type { Rng } from '@riskgate/agent';
import type pg from 'pg';
import type { Harness } from '../../packages/server/test-support/harness.ts';
import { DEVICES_PER_USER, LAST_SEEN_END, userName } from './pg-fleet.ts';

/** One kind of list request; `query` builds a fresh one (random user, time window, cursor). */
export interface ListKind {
  readonly name: string;
  query(rng: Rng): Record<string, string>;
}

const DAY = 86_400_000;
const end = Date.parse(LAST_SEEN_END);
const isoDaysBefore = (days: number) => new Date(end - days * DAY).toISOString();

/** The filters an admin typically combines (page size 50, the route's default). */
export function listKinds(devices: number): ListKind[] {
  const users = Math.max(1, Math.floor(devices / DEVICES_PER_USER));
  return [
    { name: 'first page, no filter', query: () => ({}) },
    { name: 'risk level high', query: () => ({ riskLevel: 'high' }) },
    { name: 'compliance noncompliant', query: () => ({ complianceState: 'noncompliant' }) },
    { name: 'label MTD - Moderate Risk', query: () => ({ label: 'MTD - Moderate Risk' }) },
    { name: 'user (exact)', query: (rng) => ({ user: userName(rng.int(0, users - 1)) }) },
    {
      name: 'last seen in a 1-day window',
      query: (rng) => {
        const from = rng.int(1, 29);
        return { seenAfter: isoDaysBefore(from), seenBefore: isoDaysBefore(from - 1) };
      },
    },
    {
      name: 'risk low + compliant + seen in last 7 days',
      query: () => ({ riskLevel: 'low', complianceState: 'compliant', seenAfter: isoDaysBefore(7) }),
    },
    {
      name: 'cursor page: risk medium after a random id',
      query: (rng) => ({ riskLevel: 'medium', after: `dev_${rng.hex(10)}` }),
    },
  ];
}

/** The SQL the route's query builds, as text and parameters for a bare `pg` query. */
export function bareQuery(tenantId: string, query: Record<string, string>, limit: number) {
  const values: unknown[] = [tenantId];
  const where = ['tenant_id = $1'];
  const add = (clause: string, value: unknown) => {
    values.push(value);
    where.push(clause.replace('?', `$${values.length}`));
  };
  if (query.user !== undefined) add('"user" = ?', query.user);
  if (query.riskLevel !== undefined) add('risk_level = ?', query.riskLevel);
  if (query.complianceState !== undefined) add('compliance_state = ?', query.complianceState);
  if (query.label !== undefined) add('labels like ?', `%${JSON.stringify(query.label)}%`);
  if (query.seenBefore !== undefined) add('last_seen_at < ?', query.seenBefore);
  if (query.seenAfter !== undefined) add('last_seen_at >= ?', query.seenAfter);
  where.push('retired_at is null');
  if (query.after !== undefined) add('id > ?', query.after);
  values.push(limit);
  return {
    text: `select * from devices where ${where.join(' and ')} order by id limit $${values.length}`,
    values,
  };
}

/** Latencies (ms) per kind, for the route and for the bare query. */
export interface ListTimings {
  readonly route: Map<string, number[]>;
  readonly bare: Map<string, number[]>;
  /** Rows returned by the route, per kind (to show the filters match something). */
  readonly rows: Map<string, number>;
}

/** Runs `rounds` requests of every kind on each side (alternating), after `warmup` untimed rounds. */
export async function measureDeviceList(options: {
  readonly app: Pick<Harness['app'], 'inject'>;
  readonly headers: Record<string, string>;
  readonly pool: pg.Pool;
  readonly tenantId: string;
  readonly kinds: readonly ListKind[];
  readonly rng: Rng;
  readonly rounds: number;
  readonly warmup: number;
  readonly progress: (message: string) => void;
}): Promise<ListTimings> {
  const route = new Map<string, number[]>();
  const bare = new Map<string, number[]>();
  const rows = new Map<string, number>();
  for (let round = 0; round < options.warmup + options.rounds; round++) {
    if (round % 5 === 0)
      options.progress(`device list: round ${round + 1}/${options.warmup + options.rounds}`);
    const timed = round >= options.warmup;
    for (const kind of options.kinds) {
      const query = kind.query(options.rng);
      const bareSql = bareQuery(options.tenantId, query, 50);
      let start = performance.now();
      const reply = await options.app.inject({
        url: '/v1/admin/devices',
        query: { ...query, limit: '50' },
        headers: options.headers,
      });
      const routeMs = performance.now() - start;
      if (reply.statusCode !== 200) throw new Error(`${kind.name}: ${reply.statusCode} ${reply.body}`);
      start = performance.now();
      const result = await options.pool.query(bareSql.text, bareSql.values);
      const bareMs = performance.now() - start;
      const items = (reply.json() as { items: unknown[] }).items.length;
      if (items !== result.rows.length)
        throw new Error(`${kind.name}: route returned ${items} devices, bare SQL ${result.rows.length}`);
      if (!timed) continue;
      route.set(kind.name, [...(route.get(kind.name) ?? []), routeMs]);
      bare.set(kind.name, [...(bare.get(kind.name) ?? []), bareMs]);
      rows.set(kind.name, (rows.get(kind.name) ?? 0) + items);
    }
  }
  return { route, bare, rows };
}
