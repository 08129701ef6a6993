import type { AccessDecision } from '@riskgate/engine';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test-support/db.ts';
import { listAccessLog } from '../queries/access-log.ts';
import { createAccessLog } from './access-log.ts';

const now = new Date('2026-11-25T12:00:00.000Z');

function denial(reportOnly = false): AccessDecision {
  const reason = { code: 'risk-too-high' as const, policyId: 'risk-low', message: 'too risky' };
  return {
    outcome: reportOnly ? 'allow' : 'deny',
    resourceId: 'exchange',
    deviceId: 'dev_1',
    reasons: reportOnly ? [] : [reason],
    matchedPolicies: [],
    reportOnly: reportOnly ? [{ policyId: 'risk-low', reason }] : [],
    remediation: [],
    decidedAt: now,
  };
}

const ctx = {
  tenantId: 'ten_1',
  resourceId: 'exchange',
  deviceId: 'dev_1',
  enforcement: 'forward-auth',
  host: 'mail.acme.test',
  path: '/owa',
};

/** An access log over `db` with its own registry, a silent logger and the fixed clock. */
function accessLogOn(
  db: TestDb,
  options: { maxQueue?: number; batchSize?: number; flushIntervalMs: number },
) {
  const registry = new Registry();
  const log = createAccessLog({
    db: db.db.db,
    registry,
    logger: { warn: () => {} },
    now: () => now,
    ...options,
  });
  return { log, registry };
}

describe('access log', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb('sqlite');
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('queues denials and would-denies (not allows), writes them in batches, drops beyond its bound and counts the drops', async () => {
    const { log, registry } = accessLogOn(t, { maxQueue: 3, batchSize: 2, flushIntervalMs: 60_000 });
    log.record(ctx, 'allow', 'none', { ...denial(), outcome: 'allow', reasons: [] });
    expect(log.pending).toBe(0);
    log.record(ctx, 'deny', 'risk-too-high', denial());
    log.record(ctx, 'allow', 'none', denial(true));
    log.record(ctx, 'deny', 'risk-too-high', denial());
    log.record(ctx, 'deny', 'risk-too-high', denial()); // queue full: dropped
    log.record(ctx, 'deny', 'risk-too-high', denial()); // dropped
    expect(log.pending).toBe(3);
    await log.close();
    expect(log.pending).toBe(0);
    const rows = await listAccessLog(t.db.db, 'ten_1', {}, { limit: 10 });
    expect(rows.map((r) => r.outcome).sort()).toEqual(['deny', 'deny', 'would-deny']);
    expect(JSON.parse(rows[0]?.details ?? '{}')).toMatchObject({
      enforcement: 'forward-auth',
      host: 'mail.acme.test',
    });
    const metrics = await registry.metrics();
    expect(metrics).toContain('riskgate_access_log_dropped_total 2');
    expect(metrics).toContain(
      'riskgate_access_decisions_total{resource="exchange",outcome="deny",reason="risk-too-high"} 4',
    );
    expect(metrics).toContain(
      'riskgate_access_decisions_total{resource="exchange",outcome="would-deny",reason="risk-too-high"} 1',
    );
  });

  it('keeps up when more denials arrive per event-loop turn than one batch holds', async () => {
    const { log, registry } = accessLogOn(t, { maxQueue: 2_000, flushIntervalMs: 1 });
    const tenantId = 'ten_burst';
    // A loaded server: each turn of the event loop handles a few dozen denied checks (one per
    // keep-alive connection of the proxy); over the run the timer flushes every millisecond.
    for (let turn = 0; turn < 200; turn++) {
      for (let i = 0; i < 64; i++) log.record({ ...ctx, tenantId }, 'deny', 'risk-too-high', denial());
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await log.close();
    expect(await registry.metrics()).toContain('riskgate_access_log_dropped_total 0');
    const written = await sql<{
      n: number;
    }>`select count(*) as n from access_log where tenant_id = ${tenantId}`.execute(t.db.db);
    expect(Number(written.rows[0]?.n)).toBe(200 * 64);
  });

  it('a failing write drops the batch and keeps going', async () => {
    const db = await createTestDb('sqlite');
    await db.destroy(); // closed database: every insert fails
    const { log, registry } = accessLogOn(db, { flushIntervalMs: 60_000 });
    log.record(ctx, 'deny', 'risk-too-high', denial());
    await log.close();
    expect(await registry.metrics()).toContain('riskgate_access_log_dropped_total 1');
  });
});
