/**
 * scale: (a) memory per device in the decision cache with 100,000 devices loaded, beside a Map of
 * device id → small integer; (b) p99 of `GET /v1/admin/devices` with typical filters at 1,000,000
 * devices on PostgreSQL, beside the same SQL sent bare through `pg`.
 */
import { createRng } from '@riskgate/agent';
import { sql } from 'kysely';
import pg from 'pg';
import { postgresAdminUrl } from '../packages/server/test-support/db.ts';
import { createHarness } from '../packages/server/test-support/harness.ts';
import { median, percentile } from './lib/stats.ts';
import { type BenchContext, type Benchmark, type BenchResult, type BenchRow, row } from './lib/types.ts';
import { seedFleet } from './rerate/seed.ts';
import { measureCacheMemory } from './scale/cache-memory.ts';
import { bareQuery, listKinds, measureDeviceList } from './scale/device-list.ts';
import { loadPgFleet } from './scale/pg-fleet.ts';

const CACHE_DEVICES = Number(process.env.RISKGATE_BENCH_CACHE_DEVICES ?? 100_000);
const LIST_DEVICES = Number(process.env.RISKGATE_BENCH_LIST_DEVICES ?? 1_000_000);
const ROUNDS = 25;
const WARMUP = 3;
const BYTES_TARGET = 300;
const P99_TARGET = 200;

async function cacheRows(ctx: BenchContext): Promise<{ rows: BenchRow[]; note: string }> {
  const h = await createHarness('sqlite');
  try {
    const fleet = await seedFleet(h.testDb.db.db, createRng(`scale:${ctx.seed}`), {
      tenantId: h.tenant.tenantId,
      devices: CACHE_DEVICES,
      snapshots: false,
      plant: [],
      plantFraction: 0,
      typeFraction: 0.05,
      highFraction: 0.01,
      at: new Date('2026-11-25T12:00:00.000Z'),
      progress: ctx.progress,
    });
    const memory = await measureCacheMemory(h.testDb.db.db, h.tenant.tenantId, fleet.ids, ctx.progress);
    return {
      rows: [
        row(
          `decision cache memory per device (${CACHE_DEVICES.toLocaleString('en-US')} devices)`,
          'bytes',
          memory.cacheBytesPerDevice,
          memory.mapBytesPerDevice,
          { text: `< ${BYTES_TARGET} bytes`, met: memory.cacheBytesPerDevice < BYTES_TARGET },
        ),
      ],
      note: `Decision cache: ${memory.devices.toLocaleString('en-US')} devices seeded on SQLite (${fleet.withType.size} with an active low threat, ${fleet.withHigh.size} with a high one: their threat titles and remediation steps are cached too; the rest secured), loaded one by one through \`byId\` (${(memory.loadMs / 1000).toFixed(1)} s); heap used after a full GC before and after, divided by the device count. Baseline: a \`Map\` of device id (the strings read from the same rows) → small integer, measured the same way.`,
    };
  } finally {
    await h.close();
  }
}

async function listRows(ctx: BenchContext): Promise<{ rows: BenchRow[]; notes: string[] }> {
  const h = await createHarness('postgres');
  let pool: pg.Pool | undefined;
  try {
    const db = h.testDb.db.db;
    const loadStart = performance.now();
    await loadPgFleet(db, {
      tenantId: h.tenant.tenantId,
      count: LIST_DEVICES,
      seed: ctx.seed,
      progress: ctx.progress,
    });
    const loadMs = performance.now() - loadStart;
    const name = (await sql<{ name: string }>`select current_database() as name`.execute(db)).rows[0]?.name;
    const url = new URL(postgresAdminUrl());
    url.pathname = `/${name ?? ''}`;
    pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    const kinds = listKinds(LIST_DEVICES);
    const timings = await measureDeviceList({
      app: h.app,
      headers: h.auth('analyst'),
      pool,
      tenantId: h.tenant.tenantId,
      kinds,
      rng: createRng(`scale-list:${ctx.seed}`),
      rounds: ROUNDS,
      warmup: WARMUP,
      progress: ctx.progress,
    });
    const all = (m: Map<string, number[]>) => [...m.values()].flat();
    const routeAll = all(timings.route);
    const bareAll = all(timings.bare);
    const p99 = percentile(routeAll, 99);
    const rows: BenchRow[] = [
      row('device list p50, all filters', 'ms', median(routeAll), median(bareAll)),
      row('device list p99, all filters', 'ms', p99, percentile(bareAll, 99), {
        text: `< ${P99_TARGET} ms`,
        met: p99 < P99_TARGET,
      }),
    ];
    const slow: string[] = [];
    for (const kind of kinds) {
      const route = timings.route.get(kind.name) ?? [];
      const bare = timings.bare.get(kind.name) ?? [];
      rows.push(row(`p99: ${kind.name}`, 'ms', percentile(route, 99), percentile(bare, 99)));
      if (percentile(route, 99) >= P99_TARGET) {
        const q = bareQuery(h.tenant.tenantId, kind.query(createRng('plan')), 50);
        const plan = await pool.query(`explain ${q.text}`, q.values);
        const lines = plan.rows.map((r: Record<string, string>) => Object.values(r)[0] ?? '').slice(0, 3);
        slow.push(`"${kind.name}" (plan: ${lines.map((l) => l.trim()).join(' / ')})`);
      }
    }
    const rowsSeen = kinds.map((k) => `${k.name}: ${((timings.rows.get(k.name) ?? 0) / ROUNDS).toFixed(0)}`);
    return {
      rows,
      notes: [
        `Device list: ${LIST_DEVICES.toLocaleString('en-US')} devices in a fresh PostgreSQL database (created for the run, dropped after), loaded with \`INSERT … SELECT generate_series\` in ${(loadMs / 1000).toFixed(1)} s then ANALYZE: 2% high / 5% medium / 8% low risk, matching compliance states and MTD labels, ${DEVICES_PER_USER_TEXT} devices per user, last seen spread over 30 days, 1% retired. ${ROUNDS} timed requests per filter kind per side after ${WARMUP} warm-up rounds, route and bare query alternating; page size 50. Average devices per page: ${rowsSeen.join(', ')}.`,
        'Riskgate: `GET /v1/admin/devices` through the real Fastify route (app.inject: auth by analyst token, schema validation, service, Kysely query, response serialisation). Baseline: the same SQL text sent bare through a `pg` pool.',
        'The API has no user-prefix search (the `user` filter is an exact match), so the benchmark filters by exact user.',
        slow.length === 0
          ? `Every filter kind met p99 < ${P99_TARGET} ms on its own.`
          : `Filter kinds at or above ${P99_TARGET} ms p99: ${slow.join('; ')}.`,
      ],
    };
  } finally {
    await pool?.end();
    await h.close();
  }
}

const DEVICES_PER_USER_TEXT = '~5';

async function run(ctx: BenchContext): Promise<BenchResult> {
  const cache = await cacheRows(ctx);
  const list = await listRows(ctx);
  return { rows: [...cache.rows, ...list.rows], notes: [cache.note, ...list.notes] };
}

export const benchmark: Benchmark = {
  name: 'scale',
  description:
    'Decision-cache memory per device with 100,000 devices (vs a Map of id → small int); p99 of GET /v1/admin/devices with typical filters at 1,000,000 devices on PostgreSQL (vs the same SQL through bare pg).',
  run,
};
