/**
 * rerate: with 100,000 enrolled devices on SQLite, the time from an admin's threat-type
 * reclassification (`PUT`/`DELETE /v1/admin/threat-types/:id/risk`) and from an intel import
 * (`POST /v1/admin/intel/feeds`) listing an app 1% of devices hold, until every affected device's
 * stored risk and its decision-cache entry reflect it; beside the floor of plain set-based SQL.
 */
import { createRng } from '@riskgate/agent';
import { sql } from 'kysely';
import { createHarness, type Harness } from '../packages/server/test-support/harness.ts';
import { median } from './lib/stats.ts';
import { type BenchContext, type Benchmark, type BenchResult, type BenchRow, row } from './lib/types.ts';
import { RERATED_TYPE, RERATED_TYPE_DEFAULT, type SeededFleet, seedFleet } from './rerate/seed.ts';
import { checkLevels, intelFloor, reclassifyFloor, timeRolledBack } from './rerate/verify.ts';

const DEVICES = Number(process.env.RISKGATE_BENCH_RERATE_DEVICES ?? 100_000);
const TYPE_FRACTION = 0.05;
const HIGH_FRACTION = 0.01;
const PLANT_FRACTION = 0.01;
const ROUNDS = 3;
const TARGET_MS = 2000;
/** `RISKGATE_BENCH_RERATE_ANALYZE=0` measures without planner statistics (as a fresh server runs today). */
const ANALYZE = process.env.RISKGATE_BENCH_RERATE_ANALYZE !== '0';

const POLICY = {
  name: 'max medium',
  assignment: {},
  rules: { maxThreatLevel: 'medium' },
  gracePeriodHours: 0,
  actions: [],
  unresponsive: { afterDays: 30, treatAs: 'compliant' },
  enabled: true,
};

async function inject(h: Harness, method: 'PUT' | 'DELETE' | 'POST', url: string, payload?: object) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const reply = await h.app.inject({
    method,
    url,
    headers: h.auth('admin'),
    ...(payload === undefined ? {} : { payload }),
  });
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  if (reply.statusCode >= 300) throw new Error(`${method} ${url}: ${reply.statusCode} ${reply.body}`);
  return { ms, cpuMs: (used.user + used.system) / 1000, body: reply.json() as Record<string, unknown> };
}

function expectedAfterType(fleet: SeededFleet, risk: string): Map<string, string> {
  const rank = ['secured', 'low', 'medium', 'high'];
  const out = new Map<string, string>();
  for (const id of fleet.withType) {
    const level = fleet.withHigh.has(id) ? 'high' : risk === 'none' ? 'secured' : risk;
    out.set(id, rank.indexOf(level) >= 0 ? level : 'high');
  }
  return out;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const rng = createRng(`rerate:${ctx.seed}`);
  const pkgs = [`com.bench.spy${rng.hex(3)}`, `com.bench.track${rng.hex(3)}`];
  const h = await createHarness('sqlite');
  try {
    const db = h.testDb.db.db;
    const tenantId = h.tenant.tenantId;
    const cache = h.runtime.access.devices;
    await inject(h, 'POST', '/v1/admin/compliance-policies', POLICY);
    const seedStart = performance.now();
    const fleet = await seedFleet(db, rng, {
      tenantId,
      devices: DEVICES,
      snapshots: true,
      plant: pkgs,
      plantFraction: PLANT_FRACTION,
      typeFraction: TYPE_FRACTION,
      highFraction: HIGH_FRACTION,
      at: new Date('2026-11-25T12:00:00.000Z'),
      progress: ctx.progress,
    });
    const seedMs = performance.now() - seedStart;
    // Without statistics SQLite's planner takes the (tenant_id, risk_level) index for `id IN (…)`
    // and `id > ? ORDER BY id` device reads and scans the whole tenant per page (see notes).
    if (ANALYZE) await sql`analyze`.execute(db);
    ctx.progress('loading every device into the decision cache');
    const warmStart = performance.now();
    for (let i = 0; i < fleet.ids.length; i++) {
      await cache.byId(tenantId, fleet.ids[i] ?? '');
      if (i % 20_000 === 19_999) ctx.progress(`cached ${i + 1} devices`);
    }
    const warmMs = performance.now() - warmStart;

    const url = `/v1/admin/threat-types/${RERATED_TYPE}/risk`;
    const up: number[] = [];
    const upFloor: number[] = [];
    const down: number[] = [];
    const downFloor: number[] = [];
    const upCpu: number[] = [];
    const upFloorCpu: number[] = [];
    const problems: string[] = [];
    let changedUp = 0;
    for (let round = 0; round < ROUNDS; round++) {
      ctx.progress(`reclassification round ${round + 1}/${ROUNDS}`);
      const floorUp = await timeRolledBack(db, reclassifyFloor(tenantId, RERATED_TYPE, 'high'));
      upFloor.push(floorUp.ms);
      upFloorCpu.push(floorUp.cpuMs);
      const raised = await inject(h, 'PUT', url, { risk: 'high' });
      up.push(raised.ms);
      upCpu.push(raised.cpuMs);
      changedUp = Number(raised.body.devicesChanged ?? 0);
      const afterUp = await checkLevels(db, cache, expectedAfterType(fleet, 'high'));
      if (afterUp.db + afterUp.cache > 0)
        problems.push(`round ${round + 1} raise: ${afterUp.db} stale in DB, ${afterUp.cache} stale in cache`);
      downFloor.push(
        (await timeRolledBack(db, reclassifyFloor(tenantId, RERATED_TYPE, RERATED_TYPE_DEFAULT))).ms,
      );
      down.push((await inject(h, 'DELETE', url)).ms);
      const afterDown = await checkLevels(db, cache, expectedAfterType(fleet, RERATED_TYPE_DEFAULT));
      if (afterDown.db + afterDown.cache > 0)
        problems.push(
          `round ${round + 1} reset: ${afterDown.db} stale in DB, ${afterDown.cache} stale in cache`,
        );
    }

    const intelMs: number[] = [];
    const intelFloorMs: number[] = [];
    const intelCpu: number[] = [];
    const intelFloorCpu: number[] = [];
    const reassessed: string[] = [];
    for (const pkg of pkgs) {
      ctx.progress(`intel import listing ${pkg}`);
      const holders = fleet.planted.get(pkg) ?? [];
      const floor = await timeRolledBack(db, intelFloor(tenantId, pkg));
      intelFloorMs.push(floor.ms);
      intelFloorCpu.push(floor.cpuMs);
      const content = `- name: Bench ${pkg}\n  names:\n  - Bench ${pkg}\n  type: stalkerware\n  packages:\n  - ${pkg}\n`;
      const imported = await inject(h, 'POST', '/v1/admin/intel/feeds', { name: `${pkg}.yaml`, content });
      intelMs.push(imported.ms);
      intelCpu.push(imported.cpuMs);
      reassessed.push(`${pkg}: ${holders.length} holders, ${JSON.stringify(imported.body.reassessment)}`);
      const check = await checkLevels(db, cache, new Map(holders.map((id) => [id, 'high'] as const)));
      if (check.db + check.cache > 0)
        problems.push(`intel ${pkg}: ${check.db} stale in DB, ${check.cache} stale in cache`);
    }

    const verified = problems.length === 0;
    const target = (ms: number) => ({ text: `< ${TARGET_MS} ms`, met: verified && ms < TARGET_MS });
    const worst = (samples: readonly number[]) => Math.max(...samples);
    const rows: BenchRow[] = [
      row(
        `reclassify ${RERATED_TYPE} low → high, median (${fleet.withType.size} devices)`,
        'ms',
        median(up),
        median(upFloor),
      ),
      row('reclassify low → high, worst round', 'ms', worst(up), worst(upFloor), target(worst(up))),
      row('reset to catalog default (high → low), median', 'ms', median(down), median(downFloor)),
      row('reset to catalog default, worst round', 'ms', worst(down), worst(downFloor), target(worst(down))),
      row(
        `intel import listing an app held by ${PLANT_FRACTION * 100}%, median`,
        'ms',
        median(intelMs),
        median(intelFloorMs),
      ),
      row('intel import, worst', 'ms', worst(intelMs), worst(intelFloorMs), target(worst(intelMs))),
      // CPU time of this process: less sensitive than wall time to other load on a shared machine.
      row('reclassify low → high, CPU time, median', 'ms', median(upCpu), median(upFloorCpu)),
      row('intel import, CPU time, median', 'ms', median(intelCpu), median(intelFloorCpu)),
    ];
    return {
      rows,
      notes: [
        `Fleet: ${DEVICES.toLocaleString('en-US')} enrolled Android devices on SQLite (WAL), one enabled compliance policy (max threat level medium), a stored snapshot per device (4–8 apps, ~1.5 KB JSON), an active ${RERATED_TYPE} threat on ${(TYPE_FRACTION * 100).toFixed(0)}% and a high stalkerware threat on ${(HIGH_FRACTION * 100).toFixed(0)}% of devices; each of two app ids planted in ${PLANT_FRACTION * 100}% of snapshots. Seeded in ${(seedMs / 1000).toFixed(1)} s by multi-row INSERTs through Kysely${ANALYZE ? ', then `ANALYZE` (planner statistics, which the `PRAGMA optimize` run by the server when it opens a database gathers; the fleet is seeded after the runtime opened this one)' : ', WITHOUT `ANALYZE`'}; every device loaded into the decision cache before measuring (${(warmMs / 1000).toFixed(1)} s).`,
        `Riskgate time: from sending the admin request (app.inject) to its reply; the services re-rate set-based in one transaction and refresh every changed device in the decision cache before answering. After each reply the benchmark checked every affected device in the database and in the decision cache: ${verified ? 'all reflected the change' : `NOT ALL: ${problems.join('; ')}`}. The raise changed ${changedUp} devices per round (devices that also hold a high threat stay high).`,
        'CPU time rows: user + system CPU time of the benchmark process over the same request (or floor statement), which SQLite (in-process) and the server share; other load on the machine inflates it much less than wall time.',
        'Baseline (floor): the same change as bare set-based SQL in one transaction, timed then rolled back: for a reclassification one UPDATE of the open threats of the type and one UPDATE of their devices’ level; for an intel import one UPDATE of the devices whose snapshot text contains the app id (LIKE scan). No labels, compliance, history, outbox, audit or cache refresh.',
        `Intel re-assessments: ${reassessed.join('; ')}.`,
      ],
    };
  } finally {
    await h.close();
  }
}

export const benchmark: Benchmark = {
  name: 'rerate',
  description:
    'With 100,000 devices on SQLite: time from a threat-type reclassification and from an intel import listing an app 1% of devices hold until every affected device’s stored risk and decision-cache entry reflect it, beside bare set-based SQL.',
  run,
};
