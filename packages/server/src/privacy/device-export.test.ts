import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessHarness, EnrolledDevice } from '../../test-support/access.ts';
import { liveALife } from '../../test-support/device-life.ts';
import { createCompliantAccessHarness } from '../../test-support/device-state.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/harness.ts';
import { findRowsContaining } from '../../test-support/table-scan.ts';
import { insertAccessLogRows } from '../queries/access-log.ts';
import { DEVICE_TABLES } from './device-tables.ts';

interface ExportDocument {
  readonly format: string;
  readonly deviceId: string;
  readonly tables: Record<string, Record<string, unknown>[]>;
}

/** Whether an exported row is the stored row (JSON text columns compared parsed; omitted columns skipped). */
function sameRow(table: string, stored: Record<string, unknown>, exported: Record<string, unknown>): boolean {
  const omit = DEVICE_TABLES.find((spec) => spec.table === table)?.omit ?? [];
  return Object.entries(stored).every(([column, value]) => {
    if (omit.includes(column)) return !(column in exported);
    const out = exported[column];
    if (isDeepStrictEqual(out, value)) return true;
    if (typeof value !== 'string') return false;
    try {
      return isDeepStrictEqual(out, JSON.parse(value));
    } catch {
      return false;
    }
  });
}

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`per-device export (${dialect})`, () => {
    let h: AccessHarness;
    let device: EnrolledDevice;
    let other: EnrolledDevice;
    beforeAll(async () => {
      h = await createCompliantAccessHarness(dialect);
      ({ device, other } = await liveALife(h));
    });
    afterAll(async () => {
      await h?.close();
    });

    async function identifiers(deviceId: string): Promise<string[]> {
      const db = h.testDb.db.db;
      const row = await db
        .selectFrom('devices')
        .selectAll()
        .where('id', '=', deviceId)
        .executeTakeFirstOrThrow();
      const revoked = await db
        .selectFrom('revoked_certificates')
        .selectAll()
        .where('device_id', '=', deviceId)
        .execute();
      return [
        deviceId,
        row.cert_serial,
        row.cert_fingerprint,
        ...revoked.flatMap((entry) => [entry.serial, entry.fingerprint]),
      ];
    }

    it('contains every row of every table that names the device, its certificates or fingerprints', async () => {
      const reply = await h.admin('GET', `/v1/admin/devices/${device.deviceId}/export`);
      expect(reply.statusCode, reply.body).toBe(200);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      const document = reply.json<ExportDocument>();
      expect(document.format).toBe('riskgate.device-export/1');
      const found = await findRowsContaining(h.testDb.db, await identifiers(device.deviceId));
      const tables = new Set(found.map((entry) => entry.table));
      // The life touched these at least (so the scan itself is not vacuous).
      for (const table of [
        'devices',
        'snapshots',
        'reports',
        'threats',
        'device_history',
        'access_log',
        'outbox',
        'audit_log',
        'revoked_certificates',
        'reenrollment_approvals',
      ])
        expect(tables, table).toContain(table);
      const missing = found.filter(
        ({ table, row }) => !(document.tables[table] ?? []).some((exported) => sameRow(table, row, exported)),
      );
      expect(
        missing.map(({ table, column, row }) => `${table}.${column}: ${JSON.stringify(row).slice(0, 200)}`),
      ).toEqual([]);
      // Nothing of the other device (its own rows) is in it.
      expect(reply.body).not.toContain(other.deviceId);
      // The enrollment tokens used, without their digests.
      expect(document.tables.enrollment_tokens?.length).toBe(2);
      expect(JSON.stringify(document.tables.enrollment_tokens)).not.toMatch(/"hash"/);
      // The export itself is audited.
      expect(
        document.tables.audit_log?.some(
          (entry) => entry.action === 'device.export' && entry.target === device.deviceId,
        ),
      ).toBe(true);
    });

    it('is served to the device itself through a signed request, and to admin and owner only', async () => {
      const own = await h.app.inject(device.key.request('GET', '/v1/device/export', undefined, h.clock.now));
      expect(own.statusCode, own.body).toBe(200);
      const document = own.json<ExportDocument>();
      expect(document.deviceId).toBe(device.deviceId);
      expect(document.tables.snapshots?.length).toBe(1);
      for (const [role, status] of [
        ['owner', 200],
        ['admin', 200],
        ['analyst', 403],
        ['helpdesk', 403],
      ] as const) {
        const reply = await h.admin('GET', `/v1/admin/devices/${device.deviceId}/export`, undefined, role);
        expect(reply.statusCode, role).toBe(status);
      }
      const foreign = await h.app.inject({
        method: 'GET',
        url: `/v1/admin/devices/${device.deviceId}/export`,
        headers: h.auth('owner', h.otherTenant),
      });
      expect(foreign.statusCode).toBe(404);
    });

    it('pages through a long access log without losing or repeating a row', async () => {
      const db = h.testDb.db.db;
      const rows = Array.from({ length: 1234 }, (_, index) => ({
        tenant_id: h.tenant.tenantId,
        id: `acl_bulk${String(index).padStart(6, '0')}`,
        at: new Date().toISOString(),
        device_id: device.deviceId,
        resource_id: 'mail',
        outcome: 'deny' as const,
        reason: 'noncompliant',
        policy_id: null,
        details: '{}',
      }));
      for (let start = 0; start < rows.length; start += 200)
        await insertAccessLogRows(db, rows.slice(start, start + 200));
      const reply = await h.admin('GET', `/v1/admin/devices/${device.deviceId}/export`);
      const ids = reply.json<ExportDocument>().tables.access_log?.map((entry) => entry.id) ?? [];
      expect(new Set(ids).size).toBe(ids.length);
      for (const row of rows) expect(ids).toContain(row.id);
    });
  });
}
