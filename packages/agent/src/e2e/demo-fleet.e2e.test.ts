/**
 * The README's promise, end to end: on a fresh demo tenant (created and seeded exactly as
 * `riskgate serve --demo` does) with the real intel, a simulated fleet of every profile reports over
 * real HTTP and every reply's risk equals the profile's expectation (infected or remediated), today
 * and years ahead (the server's clock and the fleet's move together). Test-only import of the
 * server; the agent code never imports it.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KNOWN_NETWORK, seedDemoPolicies } from '../../../server/src/demo/demo-policies.ts';
import { ensureDemoTenant } from '../../../server/src/demo/demo-service.ts';
import { loadIntelSource } from '../../../server/src/intel/intel-source.ts';
import {
  createHarness,
  DIALECTS,
  type Harness,
  shouldSkipDialect,
} from '../../../server/test-support/harness.ts';
import { loadProfileIntel, locateDatasets } from '../profiles/datasets.ts';
import { PROFILE_NAMES, ROGUE_AP_IMITATES } from '../profiles/profiles.ts';
import { runFleet } from '../simulator/fleet.ts';
import { parseMix } from '../simulator/mix.ts';

const intel = await loadIntelSource([locateDatasets()], pino({ level: 'silent' }));
const profileIntel = loadProfileIntel();
const YEAR_MS = 365 * 86_400_000;
/** Every profile the README lists, in equal parts. */
const MIX = parseMix(PROFILE_NAMES.map((name) => `${name}=1`).join(','));

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`simulated fleet on the demo tenant (${dialect})`, () => {
    let h: Harness;
    let url = '';
    let ownerToken = '';
    const today = new Date();
    beforeAll(async () => {
      h = await createHarness(dialect, { intel });
      h.clock.now = today;
      url = await h.app.listen({ port: 0, host: '127.0.0.1' });
      const demo = await ensureDemoTenant(h.runtime.ctx);
      expect(demo.created).toBe(true);
      ownerToken = demo.ownerToken;
      expect(await seedDemoPolicies(h.app, ownerToken)).toEqual([]);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('lists the known network the rogue-ap profile imitates', async () => {
      expect(DEMO_KNOWN_NETWORK).toEqual(ROGUE_AP_IMITATES);
      const reply = await fetch(`${url}/v1/admin/settings/detection`, {
        headers: { authorization: `Bearer ${ownerToken}` },
      });
      expect(await reply.json()).toEqual({ knownNetworks: [ROGUE_AP_IMITATES] });
    });

    it.each([
      ['today', 0],
      ['in a year', 1],
      ['in three years', 3],
    ])('every profile gets the risk it promises %s: zero mismatches', async (_when, years) => {
      h.clock.now = new Date(today.getTime() + years * YEAR_MS);
      // A later start of the demo: the same tenant, a fresh enrollment token if the old one expired.
      const { enrollmentToken } = await ensureDemoTenant(h.runtime.ctx);
      const summary = await runFleet({
        server: url,
        token: enrollmentToken,
        devices: PROFILE_NAMES.length,
        ratePerSecond: 20,
        durationMs: 4000,
        mix: MIX,
        intel: profileIntel,
        seed: `demo-${years}`,
        clock: () => h.clock.now,
        // Devices get fixed and reinfected often, so remediated snapshots are checked too.
        fixProbability: 0.5,
        reinfectProbability: 0.5,
        progressIntervalMs: 60_000,
      });
      expect(summary).toMatchObject({ enrolled: PROFILE_NAMES.length, errors: 0, errorsByCode: {} });
      // One device per profile, and every one of them was heard (the check below is not vacuous).
      expect(Object.keys(summary.acknowledgedByProfile).sort()).toEqual([...PROFILE_NAMES].sort());
      expect(summary.threatsFixed).toBeGreaterThan(0);
      expect(summary.expectationMismatches).toEqual({});
    });
  });
}
