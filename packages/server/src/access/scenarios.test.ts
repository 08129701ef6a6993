import type { Snapshot } from '@riskgate/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessHarness,
  createAccessHarness,
  type EnrolledDevice,
  PROXY_SECRET,
} from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import { cleanAndroidSnapshot } from '../../test-support/snapshots.ts';

/** A phone on a Wi-Fi network whose TLS traffic is intercepted (pinned key mismatch). */
function mitmOnWifi(at: Date): Snapshot {
  const clean = cleanAndroidSnapshot(at);
  return {
    ...clean,
    network: {
      ...clean.network,
      wifi: { ssid: 'CoffeeShop', bssid: '66:55:44:33:22:11', security: 'open', captivePortal: false },
      tlsProbes: [
        {
          host: 'riskgate.example.com',
          observedSpkiSha256: 'ee'.repeat(32),
          expectedSpkiSha256: ['dd'.repeat(32)],
          observedIssuer: 'CN=Evil Proxy CA',
          verdict: 'mismatch',
        },
      ],
    },
  };
}

/** A network that strips HTTPS redirects. */
function sslStrip(at: Date): Snapshot {
  const clean = cleanAndroidSnapshot(at);
  return {
    ...clean,
    network: { ...clean.network, downgradeProbes: [{ host: 'riskgate.example.com', finalScheme: 'http' }] },
  };
}

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`issue scenarios 2 and 3 (${dialect})`, () => {
    let h: AccessHarness;
    let device: EnrolledDevice;
    beforeAll(async () => {
      h = await createAccessHarness(dialect);
      await h.addResource({ id: 'corp-wifi', name: 'Corporate Wi-Fi', kind: 'wifi', ssid: 'AcmeCorp' });
      await h.addResource({
        id: 'sharepoint',
        name: 'SharePoint',
        kind: 'http-app',
        hosts: ['*.sharepoint.acme.test'],
      });
      await h.addPolicy({
        id: 'risk-low',
        name: 'Risk at most low',
        state: 'on',
        assignment: {},
        grant: { kind: 'require-risk-at-most', level: 'low' },
      });
      device = await h.enroll();
      await h.report(device, false);
    });
    afterAll(async () => {
      await h?.close();
    });

    const wifi = async () =>
      (
        await h.app.inject({
          method: 'POST',
          url: '/v1/access/decide',
          headers: { 'x-riskgate-proxy-secret': PROXY_SECRET },
          payload: { device: { fingerprint: device.fingerprint }, ssid: 'AcmeCorp' },
        })
      ).json();
    const sharepoint = async () =>
      (
        await h.app.inject({
          method: 'GET',
          url: '/v1/access/check',
          headers: {
            'x-forwarded-host': 'files.sharepoint.acme.test',
            'x-forwarded-uri': '/sites/finance/_api/sync',
            'x-forwarded-method': 'PROPFIND',
            'x-client-cert-sha256': device.fingerprint,
            'x-riskgate-proxy-secret': PROXY_SECRET,
          },
        })
      ).statusCode;

    it('a man-in-the-middle on Wi-Fi: the wifi resource refuses the device; leaving the network restores it', async () => {
      expect((await wifi()).outcome).toBe('allow');
      const rated = await h.report(device, mitmOnWifi(h.clock.now));
      expect(rated.riskLevel).toBe('high');
      const denied = await wifi();
      expect(denied).toMatchObject({ outcome: 'deny', resourceId: 'corp-wifi', reason: 'risk-too-high' });
      expect(denied.remediation.map((r: { typeId?: string }) => r.typeId)).toContain('network.tls-mitm');
      expect(denied.remediation[0].steps.length).toBeGreaterThan(0);
      await h.report(device, false);
      expect((await wifi()).outcome).toBe('allow');
    });

    it('a network threat: SharePoint file sync is refused, and restored after remediation', async () => {
      expect(await sharepoint()).toBe(200);
      await h.report(device, sslStrip(h.clock.now));
      expect(await sharepoint()).toBe(403);
      await h.report(device, false);
      expect(await sharepoint()).toBe(200);
    });
  });
}
