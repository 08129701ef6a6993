import { randomUUID, X509Certificate } from 'node:crypto';
import { buildIntelIndex, emptyFeed, type ParsedFeed, type Snapshot } from '@riskgate/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDevice } from '../test-support/device.ts';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../test-support/harness.ts';
import { cleanAndroidSnapshot, storeApp } from '../test-support/snapshots.ts';
import type { IntelSource } from './intel/intel-source.ts';

const SPY_APP = 'com.isolation.spy';
const CORP = { ssid: 'Corp-WiFi', security: 'wpa2-enterprise', bssids: ['8c:3b:ad:00:00:01'] } as const;

/**
 * Intel of one runtime: the Pixel 5's end of life on `pixelEol`, and `spyware` listed or not. The
 * two runtimes get different intel objects that name the same products and values.
 */
function intelOf(pixelEol: string, spyware: boolean): IntelSource {
  const feed = emptyFeed('isolation-test', 'eol-product', 'memory');
  feed.eolCycles.push({
    product: 'pixel',
    cycle: '5',
    label: 'Pixel 5',
    eol: pixelEol,
    feed: 'endoflife.date',
  });
  feed.eolCycles.push({ product: 'android', cycle: '16', eol: false, feed: 'endoflife.date' });
  if (spyware)
    feed.indicators.push({
      kind: 'app-id',
      value: SPY_APP,
      provenance: { feed: 'isolation-test', family: 'Spy', category: 'stalkerware' },
    });
  const index = buildIntelIndex([feed as ParsedFeed]);
  return { lookup: () => index };
}

/** A Pixel 5 with the listed app, on the company SSID from an access point the tenant does not list. */
function snapshotAt(now: Date): Snapshot {
  const clean = cleanAndroidSnapshot(now, [storeApp(SPY_APP)]);
  return {
    ...clean,
    device: { ...clean.device, model: 'Pixel 5' },
    network: { ...clean.network, wifi: { ssid: CORP.ssid, bssid: 'de:ad:be:ef:00:01', security: 'wpa2' } },
  };
}

async function enroll(h: Harness): Promise<{ key: TestDevice; fingerprint: string; certificate: string }> {
  const token = await h.app.inject({
    method: 'POST',
    url: '/v1/admin/enrollment-tokens',
    headers: h.auth('owner'),
    payload: { ownership: 'corporate', expiresInHours: 1, maxUses: 1 },
  });
  const key = new TestDevice();
  const body = { token: token.json().token, publicKey: key.jwk, device: { platform: 'android' } };
  const reply = await h.app.inject(
    key.request('POST', '/v1/device/enroll', body, h.clock.now, { withJwk: true }),
  );
  expect(reply.statusCode, reply.body).toBe(201);
  key.deviceId = reply.json().deviceId;
  const certificate: string = reply.json().certificate;
  const fingerprint = new X509Certificate(certificate).fingerprint256.replaceAll(':', '').toLowerCase();
  return { key, fingerprint, certificate };
}

async function report(h: Harness, key: TestDevice): Promise<string[]> {
  const body = { reportId: randomUUID(), kind: 'full', snapshot: snapshotAt(h.clock.now) };
  const reply = await h.app.inject(key.request('POST', '/v1/device/reports', body, h.clock.now));
  expect(reply.statusCode, reply.body).toBe(200);
  return (reply.json() as { threats: { typeId: string }[] }).threats.map((t) => t.typeId).sort();
}

/**
 * Issue 12.4: two runtimes in one process share no mutable state. Each runtime here has its own
 * intel (end-of-life data, indicators) and its own tenant settings; the things that used to be
 * module-level memos (the engine's resolved settings and their lookup sets, the OS intel's
 * end-of-life lookups, the device-key cache, the proxy identity-header memo, the decision cache's
 * fingerprint keys) are exercised by both, interleaved, and each answers only from its own.
 */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`two runtimes in one process (${dialect})`, () => {
    let a: Harness;
    let b: Harness;
    beforeAll(async () => {
      a = await createHarness(dialect, { intel: intelOf('2024-01-01', true) });
      b = await createHarness(dialect, { intel: intelOf('2099-01-01', false) });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    it('assess with their own intel and settings, whatever ran before in the other', async () => {
      const put = await a.app.inject({
        method: 'PUT',
        url: '/v1/admin/settings/detection',
        headers: a.auth('admin'),
        payload: { knownNetworks: [CORP] },
      });
      expect(put.statusCode, put.body).toBe(200);
      const deviceA = await enroll(a);
      const deviceB = await enroll(b);
      const expectedA = ['app.stalkerware', 'network.rogue-access-point', 'os.device-end-of-life'].sort();
      for (let round = 0; round < 3; round++) {
        expect(await report(a, deviceA.key)).toEqual(expectedA);
        expect(await report(b, deviceB.key)).toEqual([]);
      }
      // The other runtime's settings change does not reach this one, and back.
      const putB = await b.app.inject({
        method: 'PUT',
        url: '/v1/admin/settings/detection',
        headers: b.auth('admin'),
        payload: { knownNetworks: [CORP] },
      });
      expect(putB.statusCode, putB.body).toBe(200);
      expect(await report(b, deviceB.key)).toEqual(['network.rogue-access-point']);
      expect(await report(a, deviceA.key)).toEqual(expectedA);
    });

    it('own their caches: device keys, identity headers, decision cache', async () => {
      expect(a.runtime.access.identityHeaders).not.toBe(b.runtime.access.identityHeaders);
      expect(a.runtime.access.devices).not.toBe(b.runtime.access.devices);
      const deviceA = await enroll(a);
      // The same certificate header read by both runtimes' readers: each answers the same
      // fingerprint, and only the runtime that enrolled the device knows it.
      const header = { 'x-client-cert': encodeURIComponent(deviceA.certificate) };
      expect(a.runtime.access.identityHeaders(header, 'nginx').fingerprint).toBe(deviceA.fingerprint);
      expect(b.runtime.access.identityHeaders(header, 'nginx').fingerprint).toBe(deviceA.fingerprint);
      const target = { tenantId: a.tenant.tenantId, host: 'app.example', path: '/', method: 'GET' };
      const inA = await a.runtime.access.decider.decide(
        { fingerprint: deviceA.fingerprint, deviceToken: undefined },
        target,
        'forward-auth',
      );
      const inB = await b.runtime.access.decider.decide(
        { fingerprint: deviceA.fingerprint, deviceToken: undefined },
        { ...target, tenantId: b.tenant.tenantId },
        'forward-auth',
      );
      expect(inA.device?.deviceId).toBe(deviceA.key.deviceId);
      expect(inB.device).toBeUndefined();
      // A device key signs requests in its own runtime only (the key cache of one is not the other's).
      const body = { reportId: randomUUID(), kind: 'full', snapshot: snapshotAt(b.clock.now) };
      const reply = await b.app.inject(deviceA.key.request('POST', '/v1/device/reports', body, b.clock.now));
      expect(reply.statusCode).toBe(401);
    });
  });
}
