import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessHarness,
  createAccessHarness,
  type EnrolledDevice,
  PROXY_SECRET,
} from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import { escapeHtml } from '../pages/remediation-page.ts';

const EVIL = '<script>alert("x")</script>&\'`';

it.each([
  ['<b>', '&#60;b&#62;'],
  ['"a" & \'b\'', '&#34;a&#34; &#38; &#39;b&#39;'],
  ['plain', 'plain'],
])('escapeHtml(%j)', (input, output) => {
  expect(escapeHtml(input)).toBe(output);
});

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`remediation page and events (${dialect})`, () => {
    let h: AccessHarness;
    let device: EnrolledDevice;
    let link: string;
    beforeAll(async () => {
      h = await createAccessHarness(dialect);
      await h.addResource({
        id: 'payroll',
        name: `Payroll ${EVIL}`,
        kind: 'http-app',
        hosts: ['pay.acme.test'],
      });
      await h.addPolicy({
        id: 'risk-low',
        name: `Risk ${EVIL}`,
        state: 'on',
        assignment: {},
        grant: { kind: 'require-risk-at-most', level: 'low' },
      });
      device = await h.enroll();
      await h.report(device, true);
      const reply = await h.app.inject({
        method: 'GET',
        url: '/v1/access/check',
        headers: {
          host: 'pay.acme.test',
          'x-client-cert-sha256': device.fingerprint,
          'x-riskgate-proxy-secret': PROXY_SECRET,
        },
      });
      expect(reply.statusCode).toBe(403);
      const url = new URL(String(reply.headers['x-riskgate-remediation-url']));
      link = `${url.pathname}${url.search}`;
    });
    afterAll(async () => {
      await h?.close();
    });

    it('answers JSON to API clients: threats with steps, the resource and the refusing policy', async () => {
      const reply = await h.app.inject({ method: 'GET', url: link, headers: { accept: 'application/json' } });
      expect(reply.statusCode).toBe(200);
      const view = reply.json();
      expect(view).toMatchObject({
        status: 'denied',
        deviceId: device.deviceId,
        riskLevel: 'high',
        resource: { id: 'payroll', name: `Payroll ${EVIL}` },
        reasons: [{ code: 'risk-too-high', policyId: 'risk-low', policyName: `Risk ${EVIL}` }],
      });
      expect(view.threats.length).toBeGreaterThan(0);
      expect(view.threats[0]).toMatchObject({
        risk: 'high',
        steps: expect.arrayContaining([expect.any(String)]),
      });
    });

    it('renders escaped HTML with inline CSS, a check-again button and a nonce-only CSP', async () => {
      const reply = await h.app.inject({ method: 'GET', url: link, headers: { accept: 'text/html' } });
      expect(reply.headers['content-type']).toContain('text/html');
      const html = reply.body;
      expect(html).not.toContain('<script>alert');
      expect(html).toContain('Payroll &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;&#39;&#96;');
      expect(html).toContain('<style>');
      expect(html).not.toMatch(/<link|src="http/);
      expect(html).toContain('Check again');
      const csp = String(reply.headers['content-security-policy']);
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeDefined();
      expect(html).toContain(`<script nonce="${nonce}">`);
      expect(csp).toContain("default-src 'none'");
    });

    it('without a valid link shows the generic page; a tampered link is not trusted', async () => {
      const plain = await h.app.inject({
        method: 'GET',
        url: '/remediation',
        headers: { accept: 'application/json' },
      });
      expect(plain.json()).toMatchObject({ status: 'unknown', threats: [] });
      const tampered = await h.app.inject({
        method: 'GET',
        url: `${link}x`,
        headers: { accept: 'application/json' },
      });
      expect(tampered.json()).toMatchObject({ status: 'unknown' });
      const events = await h.app.inject({ method: 'GET', url: '/v1/access/events?t=nope' });
      expect(events.statusCode).toBe(401);
    });

    it('streams a state event when the device is fixed, so the open page updates', async () => {
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
      const token = new URLSearchParams(link.split('?')[1]).get('t') ?? '';
      const controller = new AbortController();
      const response = await fetch(`${base}/v1/access/events?t=${encodeURIComponent(token)}`, {
        signal: controller.signal,
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const reader = response.body?.getReader();
      if (reader === undefined) throw new Error('no body');
      const decoder = new TextDecoder();
      let text = '';
      const waitFor = async (needle: string) => {
        while (!text.includes(needle)) {
          const chunk = await reader.read();
          if (chunk.done) throw new Error(`stream ended before ${needle}: ${text}`);
          text += decoder.decode(chunk.value);
        }
      };
      await waitFor('"status":"denied"');
      await h.report(device, false);
      await waitFor('"status":"allowed"');
      expect(text).toMatch(/event: state\ndata: \{"version":\d+,"status":"allowed","riskLevel":"secured"\}/);
      controller.abort();
      await reader.cancel().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The listener is gone once the page closes (only the cache-independent base listeners remain).
      expect(h.access.bus.listenerCount()).toBe(0);
    });
  });
}
