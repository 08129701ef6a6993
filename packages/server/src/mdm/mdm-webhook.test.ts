import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessHarness, createAccessHarness, PROXY_SECRET } from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import { createHarness, type Harness } from '../../test-support/harness.ts';
import {
  authenticateCheckin,
  checkinEvent,
  connectEvent,
  deviceInformation,
  installedApplicationList,
  profileList,
  SERIAL,
  securityInfo,
  UDID,
} from '../../test-support/mdm.ts';

const MALICIOUS_BUNDLE_ID = 'com.example.mdmspy';

/** A one-family stalkerware-indicators feed listing `id` (the test intel feed). */
const iocYaml = (id: string) =>
  `- name: TestSpy\n  names:\n  - TestSpy\n  type: stalkerware\n  packages:\n  - ${id}\n`;

/** Rows the webhook may write: none of them may change on a refused event. */
const COUNTED = [
  'devices',
  'mdm_devices',
  'snapshots',
  'reports',
  'threats',
  'device_history',
  'audit_log',
  'outbox',
] as const;

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`MDM webhook (${dialect})`, () => {
    let h: AccessHarness;
    let base: string;
    let secret: string;
    let path: string;

    async function counts(): Promise<Record<string, number>> {
      const out: Record<string, number> = {};
      for (const table of COUNTED) {
        const row = await h.testDb.db.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow();
        out[table] = Number(row.n);
      }
      return out;
    }

    /** POSTs an event over real HTTP; `auth` is how the secret travels. */
    async function post(
      event: unknown,
      auth: { basic?: string; bearer?: string; query?: string } = { basic: secret },
      url = path,
    ): Promise<{ status: number; body: Record<string, unknown> }> {
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      if (auth.bearer !== undefined) headers.authorization = `Bearer ${auth.bearer}`;
      if (auth.basic !== undefined)
        headers.authorization = `Basic ${Buffer.from(`riskgate:${auth.basic}`).toString('base64')}`;
      const target = auth.query === undefined ? url : `${url}?secret=${encodeURIComponent(auth.query)}`;
      const reply = await fetch(`${base}${target}`, { method: 'POST', headers, body: JSON.stringify(event) });
      return { status: reply.status, body: (await reply.json()) as Record<string, unknown> };
    }

    async function snapshotOf(deviceId: string) {
      const row = await h.testDb.db.db
        .selectFrom('snapshots')
        .select('snapshot')
        .where('device_id', '=', deviceId)
        .executeTakeFirstOrThrow();
      return JSON.parse(row.snapshot);
    }

    async function mappedDeviceId(udid = UDID): Promise<string> {
      const row = await h.testDb.db.db
        .selectFrom('mdm_devices')
        .select('device_id')
        .where('udid', '=', udid)
        .executeTakeFirstOrThrow();
      return row.device_id;
    }

    beforeAll(async () => {
      h = await createAccessHarness(dialect);
      await h.app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
      const configured = await h.admin('PUT', '/v1/admin/mdm/webhook', {
        autoCreate: true,
        ownership: 'corporate',
      });
      expect(configured.statusCode, configured.body).toBe(200);
      secret = configured.json().secret;
      path = configured.json().path;
      expect(secret).toMatch(/^rgmw_/);
      expect(path).toBe(`/v1/mdm/${h.tenant.tenantId}/webhook`);
      // Stored hashed: the secret itself is nowhere in the row.
      const stored = await h.testDb.db.db.selectFrom('mdm_webhooks').selectAll().executeTakeFirstOrThrow();
      expect(JSON.stringify(stored)).not.toContain(secret.slice(5));
    });
    afterAll(async () => {
      await h?.close();
    });

    it('a missing or wrong secret gets 401 and stores nothing', async () => {
      const event = connectEvent(deviceInformation('c-wrong'));
      const other = await h.app.inject({
        method: 'PUT',
        url: '/v1/admin/mdm/webhook',
        headers: h.auth('owner', h.otherTenant),
        payload: { autoCreate: true, ownership: 'corporate' },
      });
      const otherSecret: string = other.json().secret;
      const before = await counts();
      const attempts = [
        {},
        { basic: 'rgmw_wrong' },
        { basic: `${secret}x` },
        { bearer: secret.slice(0, -1) },
        { query: 'rgmw_nope' },
        // The other tenant's secret does not open this tenant's webhook.
        { basic: otherSecret },
      ];
      for (const auth of attempts) {
        const reply = await post(event, auth);
        expect(reply.status, JSON.stringify(auth)).toBe(401);
        expect(reply.body.code).toBe('unauthorized');
      }
      // A tenant without a webhook, and one that does not exist.
      expect((await post(event, { basic: secret }, '/v1/mdm/ten_nosuchtenant/webhook')).status).toBe(401);
      expect((await post(event, { basic: secret }, `/v1/mdm/${h.otherTenant.tenantId}/webhook`)).status).toBe(
        401,
      );
      expect(await counts()).toEqual(before);
    });

    it("the four commands' results, sent through the webhook, give the device's apps and settings", async () => {
      const auth = await post(checkinEvent('mdm.Authenticate', authenticateCheckin()));
      expect(auth).toMatchObject({ status: 200, body: { outcome: 'mapped' } });
      const deviceId = await mappedDeviceId();
      const device = await h.testDb.db.db
        .selectFrom('devices')
        .selectAll()
        .where('id', '=', deviceId)
        .executeTakeFirstOrThrow();
      expect(device).toMatchObject({
        tenant_id: h.tenant.tenantId,
        platform: 'ios',
        ownership: 'corporate',
        os_version: '17.5.1',
      });

      const sent = [
        ['DeviceInformation', deviceInformation('c-info')],
        ['SecurityInfo', securityInfo('c-sec')],
        ['InstalledApplicationList', installedApplicationList('c-apps')],
        ['ProfileList', profileList('c-prof')],
      ] as const;
      for (const [command, plistText] of sent) {
        const reply = await post(connectEvent(plistText), { bearer: secret });
        expect(reply.status, JSON.stringify(reply.body)).toBe(200);
        expect(reply.body).toMatchObject({ outcome: 'ingested', command, deviceId, riskLevel: 'secured' });
      }
      const snapshot = await snapshotOf(deviceId);
      expect(snapshot.device).toEqual({
        platform: 'ios',
        osVersion: '17.5.1',
        osBuild: '21F90',
        model: 'iPhone14,2',
        manufacturer: 'Apple',
        agentVersion: 'mdm',
      });
      expect(snapshot.integrity).toEqual({ screenLock: true, encrypted: true });
      expect(snapshot.apps).toEqual([
        { id: 'com.apple.Keynote', name: 'Keynote', version: '14.1', installer: 'app-store' },
        {
          id: 'com.microsoft.Office.Outlook',
          name: 'Microsoft Outlook',
          version: '4.2420.0',
          installer: 'app-store',
        },
        { id: 'com.example.beta', name: 'Example Beta', version: '0.9', installer: 'testflight' },
      ]);
      expect(snapshot.network).toEqual({
        connection: 'unknown',
        iosProfiles: [
          {
            identifier: 'com.acme.settings',
            uuid: '7E2DB4B8-2F7B-4B3C-9E3E-3C1F7D0B1A11',
            displayName: 'Acme Settings',
            organization: 'Acme',
            payloadTypes: ['com.apple.mobiledevice.passwordpolicy', 'com.apple.security.root'],
            managed: true,
          },
        ],
      });
      const mapping = await h.testDb.db.db
        .selectFrom('mdm_devices')
        .selectAll()
        .where('udid', '=', UDID)
        .executeTakeFirstOrThrow();
      expect(mapping).toMatchObject({ serial_number: SERIAL, supervised: 1 });

      // A later SecurityInfo replaces only its part: no passcode now, so no Data Protection either.
      expect((await post(connectEvent(securityInfo('c-sec-2', false)))).status).toBe(200);
      const after = await snapshotOf(deviceId);
      expect(after.integrity).toEqual({ screenLock: false, encrypted: false });
      expect(after.apps).toHaveLength(3);
      expect(after.network.iosProfiles).toHaveLength(1);
    });

    it('reads binary plists, and the secret as a ?secret= token or the password of a URL (basic auth)', async () => {
      const deviceId = await mappedDeviceId();
      const { default: createBplist } = await import('bplist-creator');
      const { parse } = await import('plist');
      const binary = createBplist(parse(deviceInformation('c-bin', '17.6', '21G80')) as object);
      expect(binary.subarray(0, 8).toString('latin1')).toBe('bplist00');
      expect(await post(connectEvent(binary), { query: secret })).toMatchObject({
        status: 200,
        body: { outcome: 'ingested' },
      });
      expect((await snapshotOf(deviceId)).device).toMatchObject({ osVersion: '17.6', osBuild: '21G80' });

      // NanoMDM's -webhook-url https://riskgate:SECRET@host/…: Go sends the user info as basic auth.
      const url = new URL(`${base}${path}`);
      const body = JSON.stringify(connectEvent(deviceInformation('c-userinfo', '17.6.1', '21G93')));
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            auth: `riskgate:${secret}`,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(status).toBe(200);
      expect((await snapshotOf(deviceId)).device.osVersion).toBe('17.6.1');
    });

    it('results of one device arriving at once all land in its snapshot (none merged from a stale one)', async () => {
      const udid = 'AAAAAAAA-1111-2222-3333-444444444444';
      const results = [
        deviceInformation('p-info', '18.1'),
        securityInfo('p-sec'),
        installedApplicationList('p-apps'),
        profileList('p-prof'),
      ];
      const replies = await Promise.all(results.map((r) => post(connectEvent(r, { udid }))));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      const snapshot = await snapshotOf(await mappedDeviceId(udid));
      expect(snapshot.device.osVersion).toBe('18.1');
      expect(snapshot.integrity).toEqual({ screenLock: true, encrypted: true });
      expect(snapshot.apps).toHaveLength(3);
      expect(snapshot.network.iosProfiles).toHaveLength(1);
    });

    it('a replayed event (same command UUID) is ingested once', async () => {
      const event = connectEvent(installedApplicationList('c-replay'), {
        commandUuid: 'C0FFEE00-0000-4000-8000-000000000001',
      });
      const first = await post(event);
      expect(first.body.outcome).toBe('ingested');
      const before = await counts();
      const again = await post(event);
      expect(again).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
      expect(await counts()).toEqual(before);
    });

    it('a malicious bundle id from a test feed flags the device; its risk and access decisions show it', async () => {
      const deviceId = await mappedDeviceId();
      // A passcode again (an earlier case removed it): the device starts secured.
      expect((await post(connectEvent(securityInfo('c-sec-3')))).body).toMatchObject({
        riskLevel: 'secured',
      });
      const feed = await h.admin('POST', '/v1/admin/intel/feeds', {
        name: 'ioc.yaml',
        content: iocYaml(MALICIOUS_BUNDLE_ID),
      });
      expect(feed.statusCode, feed.body).toBe(201);
      await h.addResource({ id: 'exchange', name: 'Exchange', kind: 'http-app', hosts: ['mail.acme.test'] });
      await h.addPolicy({
        id: 'risk-low',
        name: 'Risk at most low',
        state: 'on',
        assignment: {},
        grant: { kind: 'require-risk-at-most', level: 'low' },
      });
      const decide = () =>
        h.app.inject({
          method: 'POST',
          url: '/v1/access/decide',
          headers: { 'x-riskgate-proxy-secret': PROXY_SECRET },
          payload: { device: { tenantId: h.tenant.tenantId, deviceId }, resourceId: 'exchange' },
        });
      const allowed = (await decide()).json();
      expect(allowed, JSON.stringify(allowed)).toMatchObject({ outcome: 'allow', deviceId });

      const reply = await post(connectEvent(installedApplicationList('c-spy', [MALICIOUS_BUNDLE_ID])));
      expect(reply).toMatchObject({ status: 200, body: { outcome: 'ingested', riskLevel: 'high' } });
      const device = await h.admin('GET', `/v1/admin/devices/${deviceId}`, undefined, 'analyst');
      expect(device.json()).toMatchObject({ device: { riskLevel: 'high', platform: 'ios' } });
      const threats = await h.admin('GET', `/v1/admin/threats?deviceId=${deviceId}`, undefined, 'analyst');
      const active = threats.json().items.filter((t: { state: string }) => t.state === 'active');
      expect(active).toEqual([
        expect.objectContaining({ typeId: 'app.stalkerware', state: 'active', risk: 'high' }),
      ]);
      expect((await decide()).json()).toMatchObject({ outcome: 'deny', reason: 'risk-too-high', deviceId });

      // The app removed (next InstalledApplicationList): resolved, access restored.
      expect((await post(connectEvent(installedApplicationList('c-clean')))).body).toMatchObject({
        riskLevel: 'secured',
      });
      expect((await decide()).json()).toMatchObject({ outcome: 'allow' });
    });

    it('a jailbreak tool among the apps marks the device jailbroken', async () => {
      const deviceId = await mappedDeviceId();
      await post(connectEvent(installedApplicationList('c-jb', ['org.coolstar.SileoStore'])));
      expect((await snapshotOf(deviceId)).integrity).toMatchObject({
        jailbroken: true,
        rootIndicators: ['jailbreak app installed: org.coolstar.SileoStore'],
      });
      await post(connectEvent(installedApplicationList('c-jb-gone')));
      expect((await snapshotOf(deviceId)).integrity.jailbroken).toBeUndefined();
    });

    it('a malformed plist gets 400 naming the key, and stores nothing', async () => {
      const before = await counts();
      const broken = installedApplicationList('c-bad').replace(
        /<key>Identifier<\/key>\s*<string>com\.apple\.Keynote<\/string>/,
        '',
      );
      const missing = await post(connectEvent(broken));
      expect(missing.status).toBe(400);
      expect(missing.body.message).toContain('InstalledApplicationList[0].Identifier');
      const typed = await post(
        connectEvent(securityInfo('c-bad2').replace('<integer>3</integer>', '<string>3</string>')),
      );
      expect(typed.status).toBe(400);
      expect(typed.body.message).toContain('SecurityInfo.HardwareEncryptionCaps');
      const garbage = await post(connectEvent('not a plist at all'));
      expect(garbage.status).toBe(400);
      expect(garbage.body.message).toContain('acknowledge_event.raw_payload');
      const truncated = await post(connectEvent(profileList('c-trunc').slice(0, 300)));
      expect(truncated.status).toBe(400);
      const nul = await post(
        connectEvent(deviceInformation('c-nul').replace('iPhone14,2', 'iPhone\u000014,2')),
      );
      expect(nul.status).toBe(400);
      const tooBig = await post({
        ...connectEvent('x'),
        acknowledge_event: { udid: UDID, status: 'Acknowledged', raw_payload: 'A'.repeat(13 * 1024 * 1024) },
      });
      expect(tooBig.status).toBe(413);
      expect(await counts()).toEqual(before);
    });

    it('an unknown UDID with auto-create off is accepted (202) with the reason, and nothing is stored', async () => {
      const changed = await h.admin('PUT', '/v1/admin/mdm/webhook', {
        autoCreate: false,
        ownership: 'personal',
      });
      expect(changed.statusCode).toBe(200);
      expect(changed.json()).not.toHaveProperty('secret');
      const before = await counts();
      const stranger = 'FFFFFFFF-0000-0000-0000-000000000000';
      const reply = await post(connectEvent(deviceInformation('c-stranger'), { udid: stranger }));
      expect(reply).toMatchObject({ status: 202, body: { outcome: 'ignored', reason: 'unknown-device' } });
      expect(String(reply.body.message)).toContain('autoCreate is off');
      const checkin = await post(checkinEvent('mdm.Authenticate', authenticateCheckin(stranger), stranger));
      expect(checkin).toMatchObject({ status: 202, body: { reason: 'unknown-device' } });
      expect(await counts()).toEqual(before);
      // The known device keeps reporting.
      expect((await post(connectEvent(securityInfo('c-known')))).body.outcome).toBe('ingested');
    });

    it('results that are not acknowledged, or of other commands, change nothing', async () => {
      const before = await counts();
      expect((await post(connectEvent(securityInfo('c-err'), { status: 'Error' }))).body).toMatchObject({
        outcome: 'ignored',
        reason: 'not-acknowledged',
      });
      const { build } = await import('plist');
      const other = build({ CommandUUID: 'x', Status: 'Acknowledged', UDID, CertificateList: [] });
      expect((await post(connectEvent(other))).body).toMatchObject({
        outcome: 'ignored',
        reason: 'other-command',
      });
      expect(await counts()).toEqual(before);
    });

    it('the secret can be rotated: the old one stops working', async () => {
      const rotated = await h.admin('PUT', '/v1/admin/mdm/webhook', {
        autoCreate: true,
        ownership: 'corporate',
        rotateSecret: true,
      });
      const fresh: string = rotated.json().secret;
      expect(fresh).not.toBe(secret);
      expect((await post(connectEvent(securityInfo('c-old')), { basic: secret })).status).toBe(401);
      expect((await post(connectEvent(securityInfo('c-new')), { basic: fresh })).status).toBe(200);
      secret = fresh;
      const view = await h.admin('GET', '/v1/admin/mdm/webhook', undefined, 'analyst');
      expect(view.json()).toEqual(expect.objectContaining({ configured: true, autoCreate: true }));
      expect(view.json()).not.toHaveProperty('secret');
    });
  });
}

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`MDM webhook rate limit (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect, { limits: { rateLimitWindow: 60, rateLimitDevicePerIp: 2 } });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('is limited per client address like the device routes, before the secret is checked', async () => {
      const send = () =>
        h.app.inject({
          method: 'POST',
          url: `/v1/mdm/${h.tenant.tenantId}/webhook`,
          headers: { authorization: 'Bearer rgmw_guess' },
          payload: connectEvent(deviceInformation('c-rate')),
        });
      expect((await send()).statusCode).toBe(401);
      expect((await send()).statusCode).toBe(401);
      const limited = await send();
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
    });
  });
}
