/**
 * `npx tsx bench/rerate/profile.ts [devices] [seed]`: seeds the re-rate fleet, then records a V8 CPU
 * profile (inspector) of one threat-type reclassification and one intel import alone, writes them
 * to /tmp/rerate-*.cpuprofile and prints the functions and files with the most self time.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRng } from '@riskgate/agent';
import { sql } from 'kysely';
import { createHarness } from '../../packages/server/test-support/harness.ts';
import { topSelfTime } from '../ingest/summarize-profile.ts';
import { RERATED_TYPE, seedFleet } from './seed.ts';

const devices = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? 20261125);
const rng = createRng(`rerate:${seed}`);
const pkg = `com.bench.spy${rng.hex(3)}`;
const h = await createHarness('sqlite');
const log = (message: string) => process.stderr.write(`${message}\n`);
try {
  const tenantId = h.tenant.tenantId;
  await h.app.inject({
    method: 'POST',
    url: '/v1/admin/compliance-policies',
    headers: h.auth('admin'),
    payload: {
      name: 'max medium',
      assignment: {},
      rules: { maxThreatLevel: 'medium' },
      gracePeriodHours: 0,
      actions: [],
      unresponsive: { afterDays: 30, treatAs: 'compliant' },
      enabled: true,
    },
  });
  const fleet = await seedFleet(h.testDb.db.db, rng, {
    tenantId,
    devices,
    snapshots: true,
    plant: [pkg],
    plantFraction: 0.01,
    typeFraction: 0.05,
    highFraction: 0.01,
    at: new Date('2026-11-25T12:00:00.000Z'),
    progress: log,
  });
  // As the benchmark: planner statistics first (without them every page scans the tenant).
  await sql`analyze`.execute(h.testDb.db.db);
  for (const id of fleet.ids) await h.runtime.access.devices.byId(tenantId, id);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  const profiled = async (name: string, work: () => Promise<unknown>) => {
    await session.post('Profiler.start');
    const start = performance.now();
    const result = await work();
    const ms = performance.now() - start;
    const { profile } = await session.post('Profiler.stop');
    const path = `/tmp/rerate-${name}.cpuprofile`;
    writeFileSync(path, JSON.stringify(profile));
    process.stdout.write(`\n${name}: ${ms.toFixed(0)} ms ${JSON.stringify(result)}\n`);
    for (const line of topSelfTime(path, 15)) process.stdout.write(`${line}\n`);
  };
  await profiled('reclassify', async () => {
    const reply = await h.app.inject({
      method: 'PUT',
      url: `/v1/admin/threat-types/${RERATED_TYPE}/risk`,
      headers: h.auth('admin'),
      payload: { risk: 'high' },
    });
    return reply.json();
  });
  await profiled('intel-import', async () => {
    const content = `- name: Bench\n  names:\n  - Bench\n  type: stalkerware\n  packages:\n  - ${pkg}\n`;
    const reply = await h.app.inject({
      method: 'POST',
      url: '/v1/admin/intel/feeds',
      headers: h.auth('admin'),
      payload: { name: 'bench.yaml', content },
    });
    return (reply.json() as { reassessment: unknown }).reassessment;
  });
  session.disconnect();
} finally {
  await h.close();
}
