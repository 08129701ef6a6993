import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import { createHarness, type Harness } from '../../test-support/harness.ts';
import { DEMO_KNOWN_NETWORK, seedDemoPolicies } from './demo-policies.ts';

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`demo policies (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('seeds a compliance policy, a resource, an access policy and the known Wi-Fi through the admin API', async () => {
      const token = h.tenant.tokens.owner;
      expect(await seedDemoPolicies(h.app, token)).toEqual([]);
      const get = async (url: string) =>
        (await h.app.inject({ method: 'GET', url, headers: h.auth('analyst') })).json();
      expect((await get('/v1/admin/compliance-policies')).items).toMatchObject([
        { name: 'Threat level at or under low', rules: { maxThreatLevel: 'low' } },
      ]);
      expect((await get('/v1/admin/resources')).items).toMatchObject([{ id: 'demo-app', kind: 'http-app' }]);
      expect((await get('/v1/admin/access-policies')).items).toMatchObject([
        { id: 'demo-low-risk-only', grant: { kind: 'require-risk-at-most', level: 'low' } },
      ]);
      expect(await get('/v1/admin/settings/detection')).toEqual({ knownNetworks: [DEMO_KNOWN_NETWORK] });
    });

    it('reports what it could not seed instead of failing the start', async () => {
      const notes = await seedDemoPolicies(h.app, 'rgat_not-a-token');
      expect(notes).toHaveLength(4);
      expect(notes[0]).toMatch(/could not seed \/v1\/admin\/compliance-policies: 401/);
    });
  });
}
