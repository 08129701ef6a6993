import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessHarness,
  createAccessHarness,
  type EnrolledDevice,
  PROXY_SECRET,
  STALKERWARE_APP,
} from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import { cleanAndroidSnapshot, storeApp } from '../../test-support/snapshots.ts';

const MIN_FLIPS = 8;
const MAX_FLIPS = 40;
const MIN_JUDGED = 20;
const CHECKERS = 12;

interface Check {
  readonly start: number;
  readonly end: number;
  readonly status: number;
}

/**
 * "After a state change commits, no later decision may use the old state": reports flip a device
 * between malicious and clean over real HTTP while many checks run in parallel. Every check that
 * started after a report's acknowledgement (and ended before the next report was sent) must reflect it.
 */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(
    `decision freshness under concurrency (${dialect})`,
    () => {
      let h: AccessHarness;
      let device: EnrolledDevice;
      let base: string;
      beforeAll(async () => {
        h = await createAccessHarness(dialect);
        await h.addResource({
          id: 'exchange',
          name: 'Exchange',
          kind: 'http-app',
          hosts: ['mail.acme.test'],
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
        await h.app.listen({ port: 0, host: '127.0.0.1' });
        base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
      });
      afterAll(async () => {
        await h?.close();
      });

      async function report(malicious: boolean): Promise<void> {
        const body = JSON.stringify({
          reportId: randomUUID(),
          kind: 'full',
          snapshot: cleanAndroidSnapshot(h.clock.now, malicious ? [storeApp(STALKERWARE_APP)] : []),
        });
        const response = await fetch(`${base}/v1/device/reports`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-riskgate-signature': device.key.sign('POST', '/v1/device/reports', body, h.clock.now),
          },
          body,
        });
        expect(response.status).toBe(200);
        expect(((await response.json()) as { riskLevel: string }).riskLevel).toBe(
          malicious ? 'high' : 'secured',
        );
      }

      it('every check that starts after a report is acknowledged reflects that report', async () => {
        const checks: Check[] = [];
        const reports: { sent: number; acked: number; malicious: boolean }[] = [];
        let running = true;
        const checker = async () => {
          while (running) {
            const start = performance.now();
            const response = await fetch(`${base}/v1/access/check`, {
              headers: {
                // fetch sets Host itself; Traefik and Caddy send the original host here.
                'x-forwarded-host': 'mail.acme.test',
                'x-forwarded-uri': '/owa/',
                'x-client-cert-sha256': device.fingerprint,
                'x-riskgate-proxy-secret': PROXY_SECRET,
              },
            });
            await response.arrayBuffer();
            checks.push({ start, end: performance.now(), status: response.status });
          }
        };
        const judge = () => {
          const judgedByState = { 200: 0, 403: 0 };
          const stale: string[] = [];
          for (const check of checks) {
            const index = reports.findLastIndex((r) => r.acked <= check.start);
            if (index === -1) continue;
            const next = reports[index + 1];
            // Only checks that ended before the next report was sent: a check still running then
            // may rightly reflect that newer report instead.
            if (next === undefined || check.end >= next.sent) continue;
            const expected = reports[index]?.malicious === true ? 403 : 200;
            judgedByState[expected]++;
            if (check.status !== expected)
              stale.push(`check at ${check.start.toFixed(1)} after report ${index}: ${check.status}`);
          }
          return { judgedByState, stale };
        };
        const workers = Array.from({ length: CHECKERS }, checker);
        // Flip until enough checks were judged in both states (a loaded machine needs more flips).
        for (let i = 0; i < MAX_FLIPS; i++) {
          const malicious = i % 2 === 0;
          const sent = performance.now();
          await report(malicious);
          reports.push({ sent, acked: performance.now(), malicious });
          // Leave each state long enough for several whole checks, however slow the machine is now.
          const recent = checks
            .slice(-50)
            .map((c) => c.end - c.start)
            .sort((a, b) => a - b);
          const gap = Math.min(1000, Math.max(50, 4 * (recent[Math.floor(recent.length / 2)] ?? 0)));
          await new Promise((resolve) => setTimeout(resolve, gap));
          const { judgedByState } = judge();
          if (i >= MIN_FLIPS && judgedByState[200] >= MIN_JUDGED && judgedByState[403] >= MIN_JUDGED) break;
        }
        running = false;
        await Promise.all(workers);
        // One last flip's window is closed by a final send time.
        reports.push({ sent: performance.now(), acked: Number.POSITIVE_INFINITY, malicious: false });

        const { judgedByState, stale } = judge();
        expect(stale).toEqual([]);
        // The test only means something if many checks landed after acknowledgements, in both states.
        expect(judgedByState[200]).toBeGreaterThanOrEqual(MIN_JUDGED);
        expect(judgedByState[403]).toBeGreaterThanOrEqual(MIN_JUDGED);
        expect(new Set(checks.map((c) => c.status))).toEqual(new Set([200, 403]));
      });
    },
  );
}
