import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`ops routes (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('answers health and readiness', async () => {
      expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
      const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.headers['x-request-id']).toEqual(expect.any(String));
    });

    it('serves an OpenAPI 3.1 document with the device and admin API, and a docs page', async () => {
      const spec = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      expect(spec.openapi).toBe('3.1.0');
      expect(Object.keys(spec.paths)).toEqual(
        expect.arrayContaining([
          '/v1/device/enroll',
          '/v1/device/reports',
          '/v1/device/status',
          '/v1/admin/devices',
          '/v1/admin/enrollment-tokens',
        ]),
      );
      expect(spec.paths['/v1/admin/devices'].get.security).toEqual([{ bearer: [] }]);
      const docs = await h.app.inject({ method: 'GET', url: '/docs' });
      expect(docs.headers['content-type']).toContain('text/html');
      expect(docs.body).toContain('/openapi.json');
      expect(docs.body).not.toMatch(/https?:\/\/(cdn|unpkg)/);
    });

    it('exports Prometheus metrics', async () => {
      await h.app.inject({ method: 'GET', url: '/healthz' });
      const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toContain(
        'riskgate_http_requests_total{method="GET",route="/healthz",status="200"}',
      );
      expect(metrics.body).toContain('riskgate_devices_by_risk{risk="secured"} 0');
      expect(metrics.body).toContain('riskgate_reports_ingested_total');
      expect(metrics.body).toContain('riskgate_assessment_seconds_bucket');
    });
  });
}
