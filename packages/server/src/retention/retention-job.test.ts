import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../test-support/harness.ts';
import { appendAudit } from '../audit/audit-service.ts';
import { verifyAuditLog } from '../audit/audit-verify-report.ts';
import { findCheckpointVerifier } from '../audit/checkpoint-key.ts';
import type { Database } from '../db/types.ts';
import { RETENTION_TARGETS } from './retention-targets.ts';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
/** Rows of each kind past their default retention ("old") and inside it ("new"). */
const AGES = {
  retiredDeviceSnapshots: { old: 31, new: 29 },
  reports: { old: 91, new: 89 },
  deviceHistory: { old: 366, new: 364 },
  resolvedThreats: { old: 181, new: 179 },
  accessLog: { old: 91, new: 89 },
  deliveredOutbox: { old: 31, new: 29 },
} as const;
type Kind = keyof typeof AGES;
const KINDS = Object.keys(AGES) as Kind[];
const OLD_ROWS = 12;

function device(tenantId: string, id: string, retiredDaysAgo: number | null) {
  return {
    tenant_id: tenantId,
    id,
    platform: 'android' as const,
    ownership: 'corporate' as const,
    user: null,
    groups: '[]',
    name: null,
    model: null,
    manufacturer: null,
    os_version: null,
    public_key_jwk: '{}',
    cert_serial: `s_${id}`,
    cert_fingerprint: `f_${id}`,
    enrollment_token_id: null,
    enrolled_at: daysAgo(1000),
    last_seen_at: null,
    agent_version: null,
    risk_level: 'secured' as const,
    compliance_state: 'unknown' as const,
    labels: '[]',
    retired_at: retiredDaysAgo === null ? null : daysAgo(retiredDaysAgo),
    noncompliant_since: null,
    reevaluate_at: null,
  };
}

/** Inserts one row of `kind` for the tenant, `age` days old, named `id`. */
async function insertRow(db: Kysely<Database>, tenantId: string, kind: Kind, id: string, age: number) {
  const at = daysAgo(age);
  switch (kind) {
    case 'retiredDeviceSnapshots':
      await db
        .insertInto('devices')
        .values(device(tenantId, id, age))
        .execute();
      await db
        .insertInto('snapshots')
        .values({
          tenant_id: tenantId,
          device_id: id,
          snapshot: '{}',
          digest: null,
          updated_at: daysAgo(age + 5),
        })
        .execute();
      return;
    case 'reports':
      await db
        .insertInto('reports')
        .values({ tenant_id: tenantId, device_id: 'dev_x', report_id: id, received_at: at, outcome: '{}' })
        .execute();
      return;
    case 'deviceHistory':
      await db
        .insertInto('device_history')
        .values({ tenant_id: tenantId, id, device_id: 'dev_x', at, kind: 'state', details: '{}' })
        .execute();
      return;
    case 'resolvedThreats':
      await db
        .insertInto('threats')
        .values(threat(tenantId, id, 'resolved', at))
        .execute();
      return;
    case 'accessLog':
      await db
        .withTables<{
          access_log: {
            tenant_id: string;
            id: string;
            at: string;
            device_id: string | null;
            resource_id: string;
            outcome: string;
            reason: string;
            policy_id: string | null;
            details: string;
          };
        }>()
        .insertInto('access_log')
        .values({
          tenant_id: tenantId,
          id,
          at,
          device_id: 'dev_x',
          resource_id: 'res_1',
          outcome: 'deny',
          reason: 'x',
          policy_id: null,
          details: '{}',
        })
        .execute();
      return;
    case 'deliveredOutbox':
      await db
        .insertInto('outbox')
        .values({
          tenant_id: tenantId,
          id,
          topic: 't',
          payload: '{}',
          next_attempt_at: at,
          created_at: at,
          delivered_at: at,
        })
        .execute();
      return;
  }
}

function threat(tenantId: string, id: string, state: 'active' | 'resolved' | 'ignored', at: string) {
  return {
    tenant_id: tenantId,
    id,
    device_id: 'dev_x',
    key: id,
    type_id: 'T',
    class: 'app',
    risk: 'high',
    default_risk: 'high',
    state,
    title: 't',
    summary: 's',
    evidence: '[]',
    attack: '[]',
    family: null,
    remediation: '[]',
    first_seen: at,
    last_seen: at,
    resolved_at: state === 'resolved' ? at : null,
  };
}

async function idsOf(db: Kysely<Database>, kind: Kind, tenantId: string): Promise<string[]> {
  const { table } = RETENTION_TARGETS[kind];
  const column = table === 'snapshots' ? 'device_id' : table === 'reports' ? 'report_id' : 'id';
  const rows = await (db as unknown as Kysely<Record<string, Record<string, string>>>)
    .selectFrom(table)
    .select(column)
    .where('tenant_id', '=', tenantId)
    .execute();
  return rows.map((row) => String(row[column])).sort();
}

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`retention job (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect, { retention: { batchSize: 5 } });
      h.clock.now = NOW;
      const db = h.testDb.db.db;
      for (const t of [h.tenant, h.otherTenant]) {
        for (const kind of KINDS) {
          for (let i = 0; i < OLD_ROWS; i += 1)
            await insertRow(db, t.tenantId, kind, `${t.tenantId}_${kind}_old${i}`, AGES[kind].old);
          await insertRow(db, t.tenantId, kind, `${t.tenantId}_${kind}_new`, AGES[kind].new);
        }
        // Never deleted however old: an active and an ignored threat, a device not retired, an undelivered outbox row.
        await db
          .insertInto('threats')
          .values(threat(t.tenantId, `${t.tenantId}_active`, 'active', daysAgo(900)))
          .execute();
        await db
          .insertInto('threats')
          .values(threat(t.tenantId, `${t.tenantId}_ignored`, 'ignored', daysAgo(900)))
          .execute();
        await db
          .insertInto('devices')
          .values(device(t.tenantId, `${t.tenantId}_enrolled`, null))
          .execute();
        await db
          .insertInto('snapshots')
          .values({
            tenant_id: t.tenantId,
            device_id: `${t.tenantId}_enrolled`,
            snapshot: '{}',
            digest: null,
            updated_at: daysAgo(900),
          })
          .execute();
        await db
          .insertInto('outbox')
          .values({
            tenant_id: t.tenantId,
            id: `${t.tenantId}_pending`,
            topic: 't',
            payload: '{}',
            next_attempt_at: daysAgo(900),
            created_at: daysAgo(900),
            delivered_at: null,
          })
          .execute();
      }
    });
    afterAll(async () => {
      await h?.close();
    });

    it('validates retention settings: 400 out of bounds, unknown kinds, non-integers; analysts cannot change them', async () => {
      for (const body of [
        { reports: 0 },
        { reports: 3651 },
        { reports: 1.5 },
        { auditLog: 89 },
        { deliveredOutbox: 31 },
        { bogus: 5 },
        {},
        { reports: '30' },
      ]) {
        const res = await h.app.inject({
          method: 'PUT',
          url: '/v1/admin/settings/retention',
          headers: h.auth('owner'),
          payload: body,
        });
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
      }
      const analyst = await h.app.inject({
        method: 'PUT',
        url: '/v1/admin/settings/retention',
        headers: h.auth('analyst'),
        payload: { reports: 10 },
      });
      expect(analyst.statusCode).toBe(403);
      const read = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/settings/retention',
        headers: h.auth('analyst'),
      });
      expect(read.statusCode).toBe(200);
      expect(read.json().days).toEqual({ ...read.json().defaults });
      expect(read.json().days.auditLog).toBe(400);
      expect(read.json().bounds.auditLog).toEqual({ min: 90, max: 3650 });
    });

    it('a dry run counts what is due and deletes nothing', async () => {
      const run = await h.runtime.retention.run({ dryRun: true });
      for (const kind of KINDS) expect(run.totals[kind], kind).toBe(2 * OLD_ROWS);
      for (const kind of KINDS)
        expect(await idsOf(h.testDb.db.db, kind, h.tenant.tenantId)).toHaveLength(
          OLD_ROWS +
            1 +
            (kind === 'resolvedThreats'
              ? 2
              : kind === 'retiredDeviceSnapshots' || kind === 'deliveredOutbox'
                ? 1
                : 0),
        );
    });

    it('deletes every row past its retention in batches, for every kind and tenant, keeps the rest, and audits counts', async () => {
      const db = h.testDb.db.db;
      // The other tenant keeps reports for 100 days: its old reports (91 days) stay.
      const put = await h.app.inject({
        method: 'PUT',
        url: '/v1/admin/settings/retention',
        headers: h.auth('owner', h.otherTenant),
        payload: { reports: 100 },
      });
      expect(put.statusCode).toBe(200);
      expect(put.json().days.reports).toBe(100);
      expect(put.json().days.deviceHistory).toBe(365);

      const run = await h.runtime.retention.run();
      expect(run.ran).toBe(true);
      const mine = run.tenants.find((t) => t.tenantId === h.tenant.tenantId);
      const theirs = run.tenants.find((t) => t.tenantId === h.otherTenant.tenantId);
      for (const kind of KINDS) {
        // 12 rows in batches of 5: three statements.
        expect(mine?.deleted[kind], kind).toBe(OLD_ROWS);
        expect(theirs?.deleted[kind], kind).toBe(kind === 'reports' ? undefined : OLD_ROWS);
        const left = await idsOf(db, kind, h.tenant.tenantId);
        expect(
          left.filter((id) => id.includes('_old')),
          kind,
        ).toEqual([]);
        expect(left, kind).toContain(`${h.tenant.tenantId}_${kind}_new`);
      }
      expect(
        (await idsOf(db, 'reports', h.otherTenant.tenantId)).filter((id) => id.includes('_old')),
      ).toHaveLength(OLD_ROWS);
      // Active and ignored threats, snapshots of enrolled devices and undelivered rows stay, however old.
      expect(await idsOf(db, 'resolvedThreats', h.tenant.tenantId)).toEqual(
        [
          `${h.tenant.tenantId}_active`,
          `${h.tenant.tenantId}_ignored`,
          `${h.tenant.tenantId}_resolvedThreats_new`,
        ].sort(),
      );
      expect(await idsOf(db, 'retiredDeviceSnapshots', h.tenant.tenantId)).toContain(
        `${h.tenant.tenantId}_enrolled`,
      );
      expect(await idsOf(db, 'deliveredOutbox', h.tenant.tenantId)).toContain(`${h.tenant.tenantId}_pending`);

      const audit = await db
        .selectFrom('audit_log')
        .select(['details', 'actor'])
        .where('tenant_id', '=', h.tenant.tenantId)
        .where('action', '=', 'retention.run')
        .execute();
      expect(audit).toHaveLength(1);
      expect(JSON.parse(audit[0]?.details ?? '{}').deleted.reports).toBe(OLD_ROWS);

      const again = await h.runtime.retention.run();
      expect(again.tenants).toEqual([]);

      // The gauge: the oldest report left is the other tenant's (91 days); history is within 365.
      const metrics = await h.runtime.metrics.registry.getSingleMetricAsString(
        'riskgate_retention_oldest_row_age_seconds',
      );
      expect(metrics).toContain(`riskgate_retention_oldest_row_age_seconds{kind="reports"} ${91 * 86_400}`);
      expect(metrics).toContain(
        `riskgate_retention_oldest_row_age_seconds{kind="deviceHistory"} ${364 * 86_400}`,
      );
    });
  });
}

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`retention job prunes audit entries (${dialect})`, () => {
    let h: Harness;
    let file: string;
    beforeAll(async () => {
      file = join(mkdtempSync(join(tmpdir(), 'rg-retention-audit-')), 'audit-checkpoints.jsonl');
      h = await createHarness(dialect, {
        retention: { batchSize: 3 },
        auditCheckpoints: { file, intervalMs: 0 },
      });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('deletes old audit entries up to a checkpoint through the job, audits the run, and verify still passes', async () => {
      const db = h.testDb.db;
      const now = new Date();
      h.clock.now = now;
      const old = new Date(now.getTime() - 500 * 86_400_000).toISOString();
      await db.db.insertInto('tenants').values({ id: 'ten_old', name: 'Old', created_at: old }).execute();
      for (let i = 0; i < 8; i++) {
        await db.db
          .transaction()
          .execute((trx) =>
            appendAudit(trx, db.dialect, { tenantId: 'ten_old', actor: 'test', action: 'old', at: old }),
          );
        await h.runtime.auditCheckpoints?.checkpointNow();
      }
      const run = await h.runtime.retention.run();
      // Up to seq 7: the entry of the last checkpoint (8) stays.
      expect(run.tenants.find((t) => t.tenantId === 'ten_old')?.deleted).toEqual({ auditLog: 7 });
      expect(run.totals.auditLog).toBe(7);
      // The seeded tenants' entries are recent: untouched.
      expect(run.tenants.map((t) => t.tenantId)).toEqual(['ten_old']);
      const left = await db.db
        .selectFrom('audit_log')
        .select(['seq', 'action'])
        .where('tenant_id', '=', 'ten_old')
        .orderBy('seq')
        .execute();
      expect(left).toEqual([
        { seq: 8, action: 'old' },
        { seq: 9, action: 'retention.run' },
      ]);
      await h.runtime.auditCheckpoints?.checkpointNow();
      const report = await verifyAuditLog(db.db, {
        file,
        verifier: await findCheckpointVerifier(h.runtime.ctx),
        policy: { now, maxUnanchoredAgeMs: 0 },
      });
      expect(report?.tenants.filter((t) => !t.ok)).toEqual([]);
      expect(report?.ok).toBe(true);
    });
  });
}
