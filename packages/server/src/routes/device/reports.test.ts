import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDevice } from '../../../test-support/device.ts';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { cleanAndroidSnapshot, storeApp } from '../../../test-support/snapshots.ts';
import { createDecisionCache } from '../../access/decision-cache.ts';
import { defaultDatasetsDir, loadIntelSource } from '../../intel/intel-source.ts';

const STALKERWARE = 'com.apspy.app'; // TheTruthSpy in stalkerware-indicators/ioc.yaml
const intel = await loadIntelSource(
  [join(defaultDatasetsDir(), 'stalkerware-indicators', 'ioc.yaml')],
  pino({ level: 'silent' }),
);

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`device reports (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect, { intel });
    });
    afterAll(async () => {
      await h?.close();
    });

    async function enrolled(
      ownership: 'corporate' | 'personal' = 'corporate',
      user?: string,
    ): Promise<TestDevice> {
      const token = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/enrollment-tokens',
        headers: h.auth('owner'),
        payload: { ownership, expiresInHours: 1, maxUses: 1 },
      });
      const device = new TestDevice();
      const body = {
        token: token.json().token,
        publicKey: device.jwk,
        device: { platform: 'android', ...(user ? { user } : {}) },
      };
      const reply = await h.app.inject(
        device.request('POST', '/v1/device/enroll', body, h.clock.now, { withJwk: true }),
      );
      expect(reply.statusCode).toBe(201);
      device.deviceId = reply.json().deviceId;
      return device;
    }

    const send = (device: TestDevice, body: unknown) =>
      h.app.inject(device.request('POST', '/v1/device/reports', body, h.clock.now));

    it('rates a device with a listed stalkerware app high, labels it, keeps evidence; a clean report secures it', async () => {
      const device = await enrolled();
      const risky = {
        reportId: randomUUID(),
        kind: 'full',
        snapshot: cleanAndroidSnapshot(h.clock.now, [storeApp(STALKERWARE)]),
      };
      const first = await send(device, risky);
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({
        duplicate: false,
        riskLevel: 'high',
        labels: ['MTD - High Risk'],
      });
      expect(first.json().threats.map((t: { key: string }) => t.key)).toContain(
        `app.stalkerware:${STALKERWARE}`,
      );

      const detail = await h.app.inject({
        method: 'GET',
        url: `/v1/admin/devices/${device.deviceId}`,
        headers: h.auth('analyst'),
      });
      const threat = detail
        .json()
        .threats.find((t: { key: string }) => t.key === `app.stalkerware:${STALKERWARE}`);
      expect(threat).toMatchObject({ state: 'active', risk: 'high' });
      expect(threat.evidence[0]).toMatchObject({
        observed: STALKERWARE,
        provenance: { feed: 'stalkerware-indicators' },
      });
      expect(detail.json().device).toMatchObject({ riskLevel: 'high', labels: ['MTD - High Risk'] });

      const retry = await send(device, risky);
      expect(retry.json()).toMatchObject({ duplicate: true, riskLevel: 'high', reportId: risky.reportId });
      const count = await h.testDb.db.db
        .selectFrom('reports')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('device_id', '=', device.deviceId ?? '')
        .executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(1);

      const clean = await send(device, {
        reportId: randomUUID(),
        kind: 'full',
        snapshot: cleanAndroidSnapshot(h.clock.now),
      });
      expect(clean.json()).toMatchObject({ riskLevel: 'secured', labels: [], threats: [] });
      const after = await h.app.inject({
        method: 'GET',
        url: `/v1/admin/devices/${device.deviceId}`,
        headers: h.auth('analyst'),
      });
      expect(after.json().threats[0]).toMatchObject({ state: 'resolved', resolvedAt: expect.any(String) });
      expect(after.json().device.labels).toEqual([]);
      expect(after.json().history.map((entry: { kind: string }) => entry.kind)).toContain('state-changed');

      const status = await h.app.inject(device.request('GET', '/v1/device/status', undefined, h.clock.now));
      expect(status.json()).toMatchObject({ riskLevel: 'secured', labels: [] });
    });

    it('gives the decision cache the committed state (equal to a fresh read); an unchanged snapshot is not rewritten', async () => {
      const device = await enrolled();
      const id = device.deviceId ?? '';
      const snapshot = cleanAndroidSnapshot(h.clock.now, [storeApp(STALKERWARE)]);
      const cached = () => h.runtime.access.devices.peek(id);
      const fresh = () => createDecisionCache(h.testDb.db.db).byId(h.tenant.tenantId, id);
      const view = (d: Awaited<ReturnType<typeof fresh>>) =>
        d && {
          riskLevel: d.riskLevel,
          complianceState: d.complianceState,
          threats: d.threats,
          agentVersion: d.agentVersion,
          groups: d.groups,
          user: d.user,
          retired: d.retired,
          fingerprint: d.fingerprint,
        };
      const storedSnapshot = () =>
        h.testDb.db.db
          .selectFrom('snapshots')
          .select(['snapshot', 'digest', 'updated_at'])
          .where('device_id', '=', id)
          .executeTakeFirstOrThrow();

      const events: unknown[] = [];
      const stop = h.runtime.access.bus.subscribe((event) => {
        if (event.type === 'device-state-changed' && event.deviceId === id) events.push(event);
      });
      try {
        expect((await send(device, { reportId: randomUUID(), kind: 'full', snapshot })).statusCode).toBe(200);
        expect(cached()?.riskLevel).toBe('high');
        expect(view(cached())).toEqual(view(await fresh()));
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          riskLevel: 'high',
          labels: ['MTD - High Risk'],
          activeThreats: [expect.objectContaining({ typeId: 'app.stalkerware' })],
          version: cached()?.version,
        });
        const first = await storedSnapshot();

        h.clock.now = new Date(h.clock.now.getTime() + 60_000);
        try {
          const again = await send(device, { reportId: randomUUID(), kind: 'full', snapshot });
          expect(again.json()).toMatchObject({ duplicate: false, riskLevel: 'high' });
          expect(await storedSnapshot()).toEqual(first); // same document: not rewritten
          expect(first.digest).toBe(createHash('sha256').update(first.snapshot).digest('base64url'));

          // A row stored before digests existed: the equal document gets its digest, same updated_at.
          await h.testDb.db.db
            .updateTable('snapshots')
            .set({ digest: null })
            .where('device_id', '=', id)
            .execute();
          await send(device, { reportId: randomUUID(), kind: 'full', snapshot });
          expect(await storedSnapshot()).toEqual(first);
          expect(view(cached())).toEqual(view(await fresh()));
          expect(events).toHaveLength(3);

          const changed = cleanAndroidSnapshot(h.clock.now);
          await send(device, { reportId: randomUUID(), kind: 'full', snapshot: changed });
          const stored = await storedSnapshot();
          expect(stored.snapshot).not.toBe(first.snapshot);
          expect(JSON.parse(stored.snapshot).apps).toEqual(changed.apps);
          expect(stored.updated_at).toBe(h.clock.now.toISOString());
          expect(cached()).toMatchObject({ riskLevel: 'secured', threats: [] });
          expect(view(cached())).toEqual(view(await fresh()));
        } finally {
          h.clock.now = new Date();
        }
      } finally {
        stop();
      }
    });

    it('ignoring a threat re-rates the device at once; roles and tenants are enforced', async () => {
      const device = await enrolled();
      await send(device, {
        reportId: randomUUID(),
        kind: 'full',
        snapshot: cleanAndroidSnapshot(h.clock.now, [storeApp(STALKERWARE)]),
      });
      const list = await h.app.inject({
        method: 'GET',
        url: `/v1/admin/threats?deviceId=${device.deviceId}&state=active`,
        headers: h.auth('analyst'),
      });
      const threat = list
        .json()
        .items.find((t: { key: string }) => t.key === `app.stalkerware:${STALKERWARE}`);
      expect(threat).toBeDefined();
      const url = `/v1/admin/threats/${threat.id}/ignore`;
      expect((await h.app.inject({ method: 'POST', url, headers: h.auth('analyst') })).statusCode).toBe(403);
      expect(
        (await h.app.inject({ method: 'POST', url, headers: h.auth('owner', h.otherTenant) })).statusCode,
      ).toBe(404);
      const others = await h.app.inject({
        method: 'GET',
        url: '/v1/admin/threats',
        headers: h.auth('owner', h.otherTenant),
      });
      expect(others.json().items).toEqual([]);
      const ignored = await h.app.inject({ method: 'POST', url, headers: h.auth('helpdesk') });
      expect(ignored.json()).toMatchObject({ state: 'ignored' });
      const detail = await h.app.inject({
        method: 'GET',
        url: `/v1/admin/devices/${device.deviceId}`,
        headers: h.auth('analyst'),
      });
      expect(detail.json().threats.filter((t: { state: string }) => t.state === 'active')).toEqual([]);
      expect(detail.json().device).toMatchObject({ riskLevel: 'secured', labels: [] });
      const again = await send(device, {
        reportId: randomUUID(),
        kind: 'full',
        snapshot: cleanAndroidSnapshot(h.clock.now, [storeApp(STALKERWARE)]),
      });
      expect(again.json().threats.map((t: { key: string }) => t.key)).not.toContain(
        `app.stalkerware:${STALKERWARE}`,
      );
      const reactivated = await h.app.inject({
        method: 'POST',
        url: `/v1/admin/threats/${threat.id}/reactivate`,
        headers: h.auth('admin'),
      });
      expect(reactivated.json()).toMatchObject({ state: 'active' });
      const status = await h.app.inject(device.request('GET', '/v1/device/status', undefined, h.clock.now));
      expect(status.json()).toMatchObject({ riskLevel: 'high', labels: ['MTD - High Risk'] });
    });

    it('keeps only matches of a personal device unless the tenant allows full storage', async () => {
      const storedApps = async (device: TestDevice) => {
        const row = await h.testDb.db.db
          .selectFrom('snapshots')
          .select('snapshot')
          .where('device_id', '=', device.deviceId ?? '')
          .executeTakeFirstOrThrow();
        const snapshot = JSON.parse(row.snapshot);
        return { apps: snapshot.apps.map((app: { id: string }) => app.id), ssid: snapshot.network.wifi.ssid };
      };
      const report = () => ({
        reportId: randomUUID(),
        kind: 'full',
        snapshot: cleanAndroidSnapshot(h.clock.now, [storeApp(STALKERWARE), storeApp('com.private.diary')]),
      });
      const personal = await enrolled('personal');
      expect((await send(personal, report())).json().riskLevel).toBe('high');
      expect(await storedApps(personal)).toEqual({ apps: [STALKERWARE], ssid: '' });
      const corporate = await enrolled('corporate');
      await send(corporate, report());
      expect(await storedApps(corporate)).toEqual({
        apps: ['com.whatsapp', STALKERWARE, 'com.private.diary'],
        ssid: 'HomeNet',
      });

      const denied = await h.app.inject({
        method: 'PUT',
        url: '/v1/admin/settings/privacy',
        headers: h.auth('helpdesk'),
        payload: { personalDevices: 'full' },
      });
      expect(denied.statusCode).toBe(403);
      const set = await h.app.inject({
        method: 'PUT',
        url: '/v1/admin/settings/privacy',
        headers: h.auth('owner'),
        payload: { personalDevices: 'full' },
      });
      expect(set.json()).toEqual({ personalDevices: 'full' });
      await send(personal, report());
      expect((await storedApps(personal)).apps).toHaveLength(3);
      await h.app.inject({
        method: 'PUT',
        url: '/v1/admin/settings/privacy',
        headers: h.auth('owner'),
        payload: { personalDevices: 'matches-only' },
      });
    });

    it('refuses a replayed report request (same signature and nonce) without effect, also when sent at once', async () => {
      const device = await enrolled();
      const nonces = () =>
        h.testDb.db.db
          .selectFrom('device_nonces')
          .select('nonce')
          .where('device_id', '=', device.deviceId ?? '')
          .execute();
      const before = (await nonces()).length;
      const body = { reportId: randomUUID(), kind: 'full', snapshot: cleanAndroidSnapshot(h.clock.now) };
      const signed = device.request('POST', '/v1/device/reports', body, h.clock.now);
      expect((await h.app.inject(signed)).statusCode).toBe(200);
      expect((await nonces()).length).toBe(before + 1);
      const replay = await h.app.inject(signed);
      expect(replay.statusCode).toBe(401);
      expect(replay.json().code).toBe('replayed_nonce');

      // A new report id with its own signature, sent twice at once: one is stored, one refused.
      const next = device.request(
        'POST',
        '/v1/device/reports',
        {
          ...body,
          reportId: randomUUID(),
          snapshot: cleanAndroidSnapshot(h.clock.now, [storeApp(STALKERWARE)]),
        },
        h.clock.now,
      );
      const replies = await Promise.all([h.app.inject(next), h.app.inject(next)]);
      expect(replies.map((reply) => reply.statusCode).sort()).toEqual([200, 401]);
      expect(replies.find((reply) => reply.statusCode === 401)?.json().code).toBe('replayed_nonce');
      const stored = await h.testDb.db.db
        .selectFrom('reports')
        .select('report_id')
        .where('device_id', '=', device.deviceId ?? '')
        .execute();
      expect(stored).toHaveLength(2);
      expect((await nonces()).length).toBe(before + 2);
      expect(
        (await h.app.inject(device.request('GET', '/v1/device/status', undefined, h.clock.now))).json(),
      ).toMatchObject({ riskLevel: 'high' });
    });

    it('spends the nonce of a refused report: replayed once a snapshot is stored, it is refused and changes nothing', async () => {
      const device = await enrolled();
      const rejected = async () => {
        const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
        return Number(/^riskgate_reports_ingested_total\{outcome="rejected"\} (\S+)$/m.exec(text)?.[1] ?? 0);
      };
      const before = await rejected();
      const events = {
        reportId: randomUUID(),
        kind: 'events',
        events: [{ type: 'app-removed', at: h.clock.now.toISOString(), appId: STALKERWARE }],
      };
      const early = device.request('POST', '/v1/device/reports', events, h.clock.now);
      expect((await h.app.inject(early)).statusCode).toBe(409);
      const full = {
        reportId: randomUUID(),
        kind: 'full',
        snapshot: cleanAndroidSnapshot(h.clock.now, [storeApp(STALKERWARE)]),
      };
      expect((await send(device, full)).json()).toMatchObject({ riskLevel: 'high' });

      // Replayed, the refused events would remove the stalkerware reported since.
      const replay = await h.app.inject(early);
      expect(replay.statusCode).toBe(401);
      expect(replay.json().code).toBe('replayed_nonce');
      const stored = await h.testDb.db.db
        .selectFrom('reports')
        .select('report_id')
        .where('device_id', '=', device.deviceId ?? '')
        .execute();
      expect(stored.map((row) => row.report_id)).toEqual([full.reportId]);
      expect(
        (await h.app.inject(device.request('GET', '/v1/device/status', undefined, h.clock.now))).json(),
      ).toMatchObject({ riskLevel: 'high' });
      expect(await rejected()).toBe(before + 1); // the 409; a replay is refused as authentication, not counted
    });

    it('stores a report sent concurrently several times once', async () => {
      const device = await enrolled();
      const body = {
        reportId: randomUUID(),
        kind: 'full',
        snapshot: cleanAndroidSnapshot(h.clock.now, [storeApp(STALKERWARE)]),
      };
      const replies = await Promise.all(Array.from({ length: 4 }, () => send(device, body)));
      expect(replies.map((reply) => reply.statusCode)).toEqual([200, 200, 200, 200]);
      expect(replies.filter((reply) => reply.json().duplicate === false)).toHaveLength(1);
      expect(new Set(replies.map((reply) => reply.json().riskLevel))).toEqual(new Set(['high']));
      const threats = await h.testDb.db.db
        .selectFrom('threats')
        .selectAll()
        .where('device_id', '=', device.deviceId ?? '')
        .execute();
      expect(threats.filter((t) => t.key === `app.stalkerware:${STALKERWARE}`)).toHaveLength(1);
    });

    it('lists devices filtered by risk, label, user and paginates', async () => {
      const risky = await enrolled();
      await send(risky, {
        reportId: randomUUID(),
        kind: 'full',
        snapshot: cleanAndroidSnapshot(h.clock.now, [storeApp(STALKERWARE)]),
      });
      const get = (query: string) =>
        h.app.inject({ method: 'GET', url: `/v1/admin/devices?${query}`, headers: h.auth('analyst') });
      const ids = (reply: Awaited<ReturnType<typeof get>>) =>
        reply.json().items.map((d: { id: string }) => d.id);
      expect(ids(await get('riskLevel=high'))).toContain(risky.deviceId);
      expect(ids(await get('riskLevel=secured'))).not.toContain(risky.deviceId);
      expect(ids(await get(`label=${encodeURIComponent('MTD - High Risk')}`))).toContain(risky.deviceId);
      expect(ids(await get(`label=${encodeURIComponent('MTD - Low Risk')}`))).not.toContain(risky.deviceId);
      expect((await get('riskLevel=extreme')).statusCode).toBe(400);
      expect((await get('bogus=1')).statusCode).toBe(400);
      const first = await get('limit=1');
      expect(first.json().items).toHaveLength(1);
      const cursor = first.json().nextCursor;
      expect(cursor).toEqual(expect.any(String));
      const second = await get(`limit=1&after=${cursor}`);
      expect(ids(second)[0] > cursor).toBe(true);
    });

    it('evaluates compliance against the tenant policies and tells the agent the failing rules', async () => {
      const policy = {
        id: 'pol_strict',
        name: 'Strict OS',
        assignment: { users: ['strict@example.com'] },
        rules: { minOsVersion: { android: '99' }, maxThreatLevel: 'low' },
        gracePeriodHours: 0,
        actions: [],
        unresponsive: { afterDays: 30, treatAs: 'unknown' },
        enabled: true,
      };
      const at = h.clock.now.toISOString();
      await h.testDb.db.db
        .insertInto('compliance_policies')
        .values({
          tenant_id: h.tenant.tenantId,
          id: policy.id,
          name: policy.name,
          doc: JSON.stringify(policy),
          created_at: at,
          updated_at: at,
        })
        .execute();
      const strict = await enrolled('corporate', 'strict@example.com');
      const reply = await send(strict, {
        reportId: randomUUID(),
        kind: 'full',
        snapshot: cleanAndroidSnapshot(h.clock.now),
      });
      expect(reply.json().compliance.state).toBe('noncompliant');
      expect(reply.json().compliance.failingRules.map((rule: { rule: string }) => rule.rule)).toEqual([
        'minOsVersion',
      ]);
      const status = await h.app.inject(strict.request('GET', '/v1/device/status', undefined, h.clock.now));
      expect(status.json().compliance).toEqual(reply.json().compliance);
      const other = await enrolled();
      const fine = await send(other, {
        reportId: randomUUID(),
        kind: 'full',
        snapshot: cleanAndroidSnapshot(h.clock.now),
      });
      expect(fine.json().compliance).toEqual({ state: 'compliant', failingRules: [] });
    });

    it('checks the signature before the body: an unsigned bad report gets 401', async () => {
      const reply = await h.app.inject({
        method: 'POST',
        url: '/v1/device/reports',
        headers: { 'content-type': 'application/json' },
        payload: { reportId: 'x', kind: 'nothing' },
      });
      expect(reply.statusCode).toBe(401);
      expect(reply.json().code).toBe('bad_signature');
    });

    it('applies incremental events on the last snapshot, and refuses events before any snapshot', async () => {
      const device = await enrolled();
      const early = await send(device, {
        reportId: randomUUID(),
        kind: 'events',
        events: [{ type: 'app-removed', at: h.clock.now.toISOString(), appId: 'x' }],
      });
      expect(early.statusCode).toBe(409);
      await send(device, {
        reportId: randomUUID(),
        kind: 'full',
        snapshot: cleanAndroidSnapshot(h.clock.now),
      });
      const installed = await send(device, {
        reportId: randomUUID(),
        kind: 'events',
        events: [{ type: 'app-installed', at: h.clock.now.toISOString(), app: storeApp(STALKERWARE) }],
      });
      expect(installed.json()).toMatchObject({ riskLevel: 'high' });
      const removed = await send(device, {
        reportId: randomUUID(),
        kind: 'events',
        events: [{ type: 'app-removed', at: h.clock.now.toISOString(), appId: STALKERWARE }],
      });
      expect(removed.json()).toMatchObject({ riskLevel: 'secured' });
    });

    it('refuses bad reports with 400/413 and stores nothing', async () => {
      const device = await enrolled();
      const good = cleanAndroidSnapshot(h.clock.now);
      const bad: unknown[] = [
        { reportId: 'not-a-uuid', kind: 'full', snapshot: good },
        { reportId: randomUUID(), kind: 'full', snapshot: { ...good, extra: true } },
        { reportId: randomUUID(), kind: 'full', snapshot: { ...good, apps: 'many' } },
        {
          reportId: randomUUID(),
          kind: 'full',
          snapshot: { ...good, apps: Array.from({ length: 5000 }, (_, i) => storeApp(`com.x${i}`)) },
        },
        { reportId: randomUUID(), kind: 'events', events: [] },
      ];
      for (const body of bad) {
        const reply = await send(device, body);
        expect(reply.statusCode, JSON.stringify(reply.json())).toBeGreaterThanOrEqual(400);
        expect(reply.statusCode).toBeLessThan(500);
      }
      const stored = await h.testDb.db.db
        .selectFrom('reports')
        .selectAll()
        .where('device_id', '=', device.deviceId ?? '')
        .execute();
      expect(stored).toEqual([]);
      const snapshot = await h.testDb.db.db
        .selectFrom('snapshots')
        .selectAll()
        .where('device_id', '=', device.deviceId ?? '')
        .execute();
      expect(snapshot).toEqual([]);
    });
  });
}
