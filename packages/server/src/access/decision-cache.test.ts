import { createHash } from 'node:crypto';
import type { KyselyPlugin, Selectable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, shouldSkipDialect, type TestDb } from '../../test-support/db.ts';
import type { DevicesTable } from '../db/types.ts';
import { createDecisionCache } from './decision-cache.ts';

const TENANT = 'ten_cache';

/** Resolves each query after a random delay, so concurrent reads finish in any order (as on a pool). */
const shuffleResults: KyselyPlugin = {
  transformQuery: (args) => args.node,
  transformResult: async (args) => {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 6));
    return args.result;
  },
};

function deviceRow(id: string, risk: DevicesTable['risk_level'] = 'secured'): Selectable<DevicesTable> {
  return {
    tenant_id: TENANT,
    id,
    platform: 'android',
    ownership: 'corporate',
    user: `${id}@acme.test`,
    groups: '["staff","sales"]',
    name: null,
    model: null,
    manufacturer: null,
    os_version: '16',
    public_key_jwk: '{}',
    cert_serial: '01',
    cert_fingerprint: createHash('sha256').update(id).digest('hex'),
    enrollment_token_id: null,
    enrolled_at: '2026-01-01T00:00:00.000Z',
    last_seen_at: null,
    agent_version: '1.0.0',
    risk_level: risk,
    compliance_state: 'compliant',
    labels: '[]',
    retired_at: null,
    noncompliant_since: null,
    state_sequence: 0,
    reevaluate_at: null,
  };
}

function threatRow(deviceId: string, key: string) {
  return {
    tenant_id: TENANT,
    id: `thr_${deviceId}_${key}`,
    device_id: deviceId,
    key,
    type_id: 'app.stalkerware',
    class: 'app',
    risk: 'high',
    default_risk: 'high',
    state: 'active',
    title: 'Spy',
    summary: 'Spy',
    evidence: '[]',
    attack: '[]',
    family: null,
    remediation: '["Uninstall it"]',
    first_seen: '2026-11-01T00:00:00.000Z',
    last_seen: '2026-11-01T00:00:00.000Z',
    resolved_at: null,
  };
}

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`decision cache (${dialect})`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await createTestDb(dialect);
      await t.db.db
        .insertInto('tenants')
        .values({ id: TENANT, name: 'Cache', created_at: '2026-01-01T00:00:00.000Z' })
        .execute();
    });
    afterAll(async () => {
      await t?.destroy();
    });
    const setRisk = (id: string, risk: DevicesTable['risk_level']) =>
      t.db.db.updateTable('devices').set({ risk_level: risk }).where('id', '=', id).execute();

    it('loads by fingerprint once, shares group lists, and answers from memory afterwards', async () => {
      const cache = createDecisionCache(t.db.db);
      await t.db.db
        .insertInto('devices')
        .values([deviceRow('dev_a'), deviceRow('dev_b')])
        .execute();
      // Without loading, nothing is known yet.
      expect(cache.peekFingerprint(deviceRow('dev_a').cert_fingerprint)).toBeUndefined();
      const a = await cache.byFingerprint(deviceRow('dev_a').cert_fingerprint);
      const b = await cache.byId(TENANT, 'dev_b');
      expect(a).toMatchObject({
        deviceId: 'dev_a',
        tenantId: TENANT,
        riskLevel: 'secured',
        threats: [],
        groups: ['staff', 'sales'],
      });
      expect(a?.groups).toBe(b?.groups);
      expect(cache.peekFingerprint(deviceRow('dev_a').cert_fingerprint)).toBe(a);
      await setRisk('dev_a', 'high'); // not announced: the cache keeps what it has
      expect((await cache.byFingerprint(deviceRow('dev_a').cert_fingerprint))?.riskLevel).toBe('secured');
      expect(await cache.byId('ten_other', 'dev_a')).toBeUndefined();
      expect(await cache.byFingerprint('00'.repeat(32))).toBeUndefined();
    });

    it('refresh applies the committed state and increases the version; a deleted device is forgotten', async () => {
      const cache = createDecisionCache(t.db.db);
      await t.db.db.insertInto('devices').values(deviceRow('dev_c')).execute();
      const before = await cache.byId(TENANT, 'dev_c');
      await setRisk('dev_c', 'medium');
      const event = await cache.refresh(TENANT, 'dev_c');
      expect(event).toMatchObject({ type: 'device-state-changed', deviceId: 'dev_c', riskLevel: 'medium' });
      expect(event?.version).toBeGreaterThan(before?.version ?? Number.POSITIVE_INFINITY);
      expect(cache.peek('dev_c')?.riskLevel).toBe('medium');
      await t.db.db.deleteFrom('devices').where('id', '=', 'dev_c').execute();
      expect(await cache.refresh(TENANT, 'dev_c')).toBeUndefined();
      expect(cache.peek('dev_c')).toBeUndefined();
      expect(cache.peekFingerprint(deviceRow('dev_c').cert_fingerprint)).toBeUndefined();
      expect(await cache.byFingerprint(deviceRow('dev_c').cert_fingerprint)).toBeUndefined();
    });

    it('refreshMany reloads many devices in bulk with their active threats, and forgets deleted ones', async () => {
      const cache = createDecisionCache(t.db.db);
      const ids = Array.from({ length: 1203 }, (_, i) => `dev_bulk_${String(i).padStart(4, '0')}`);
      for (let i = 0; i < ids.length; i += 200)
        await t.db.db
          .insertInto('devices')
          .values(ids.slice(i, i + 200).map((id) => deviceRow(id)))
          .execute();
      const before = await cache.byId(TENANT, 'dev_bulk_0007');
      const risky = ['dev_bulk_0007', 'dev_bulk_1202'];
      for (const id of risky) {
        await setRisk(id, 'high');
        await t.db.db
          .insertInto('threats')
          .values(
            (['resolved', 'active'] as const).map((state) => ({
              ...threatRow(id, `app.stalkerware:${state}`),
              state,
              title: `Spy ${state}`,
            })),
          )
          .execute();
      }
      await t.db.db.deleteFrom('devices').where('id', '=', 'dev_bulk_0500').execute();
      const events = await cache.refreshMany(TENANT, [...ids, 'dev_bulk_0007']);
      expect(events).toHaveLength(ids.length - 1);
      const high = events.filter((e) => e.riskLevel === 'high');
      expect(high.map((e) => e.deviceId).sort()).toEqual(risky);
      expect(high[0]?.activeThreats).toEqual([
        { typeId: 'app.stalkerware', title: 'Spy active', risk: 'high' },
      ]);
      expect(cache.peek('dev_bulk_0007')?.version).toBeGreaterThan(
        before?.version ?? Number.POSITIVE_INFINITY,
      );
      expect(cache.peek('dev_bulk_1202')?.riskLevel).toBe('high');
      // Equal threats are one shared, frozen object (memory per device: docs of the scale benchmark).
      const [first] = cache.peek('dev_bulk_0007')?.threats ?? [];
      expect(first).toEqual({
        typeId: 'app.stalkerware',
        title: 'Spy active',
        risk: 'high',
        remediation: ['Uninstall it'],
      });
      expect(first).toBe(cache.peek('dev_bulk_1202')?.threats[0]);
      expect(Object.isFrozen(first)).toBe(true);
      expect(cache.peek('dev_bulk_0001')?.threats).toEqual([]);
      expect(cache.peek('dev_bulk_0500')).toBeUndefined();
      expect(await cache.refreshMany('ten_other', ['dev_bulk_0001'])).toEqual([]);
      expect(cache.peek('dev_bulk_0001')).toBeUndefined();
    });

    it('reserve: the committed state is applied without reading it back, in the order the slots were taken', async () => {
      const reads: string[] = [];
      const counting: KyselyPlugin = {
        transformQuery: (args) => {
          reads.push(args.node.kind);
          return args.node;
        },
        transformResult: async (args) => args.result,
      };
      const cache = createDecisionCache(t.db.db.withPlugin(counting));
      await t.db.db.insertInto('devices').values(deviceRow('dev_slot')).execute();
      const before = await cache.byId(TENANT, 'dev_slot');
      reads.length = 0;
      const first = cache.reserve(TENANT, 'dev_slot');
      // A refresh asked for after the slot was taken waits for it (it reads what committed later).
      await setRisk('dev_slot', 'medium');
      const refreshed = cache.refresh(TENANT, 'dev_slot');
      const row = { ...deviceRow('dev_slot', 'high'), labels: '["MTD - High Risk"]', agent_version: '2.0.0' };
      const event = await first.apply({
        row,
        activeThreats: [
          { type_id: 'app.stalkerware', title: 'Spy', risk: 'high', remediation: '["Uninstall it"]' },
        ],
      });
      expect(event).toMatchObject({
        deviceId: 'dev_slot',
        riskLevel: 'high',
        labels: ['MTD - High Risk'],
        activeThreats: [{ typeId: 'app.stalkerware', title: 'Spy', risk: 'high' }],
      });
      expect(event?.version).toBeGreaterThan(before?.version ?? Number.POSITIVE_INFINITY);
      expect(cache.peek('dev_slot')).toMatchObject({ riskLevel: 'high', agentVersion: '2.0.0' });
      expect((await refreshed)?.riskLevel).toBe('medium'); // applied after the slot, from the database
      expect(cache.peek('dev_slot')?.riskLevel).toBe('medium');
      // The refresh's device and threat reads only: applying the slot read nothing.
      expect(reads).toEqual(['SelectQueryNode', 'SelectQueryNode']);

      // A slot whose transaction did not commit re-reads the device instead.
      const failed = cache.reserve(TENANT, 'dev_slot');
      await setRisk('dev_slot', 'low');
      expect((await failed.abandon())?.riskLevel).toBe('low');
      await expect(failed.apply({ row, activeThreats: [] })).rejects.toThrow(/settled once/);
      expect(cache.peek('dev_slot')?.riskLevel).toBe('low');
    });

    it('loads racing refreshes never leave an older state behind (query results resolve in random order)', async () => {
      const risks = ['secured', 'high'] as const;
      for (let round = 0; round < 30; round++) {
        const cache = createDecisionCache(t.db.db.withPlugin(shuffleResults));
        const id = `dev_race_${round}`;
        const from = risks[round % 2] ?? 'secured';
        const to = risks[(round + 1) % 2] ?? 'high';
        await t.db.db.insertInto('devices').values(deviceRow(id, from)).execute();
        const lazy = cache.byFingerprint(deviceRow(id).cert_fingerprint); // may read the old state
        await setRisk(id, to);
        // What committed reports trigger; a load that read the old state must not land after them.
        await Promise.all([lazy, cache.refresh(TENANT, id), cache.byId(TENANT, id)]);
        expect(cache.peek(id)?.riskLevel, `round ${round}`).toBe(to);
      }
    });
  });
}
