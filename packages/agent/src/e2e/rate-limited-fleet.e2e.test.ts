/**
 * A fleet against a real server whose per-address enrollment limit is far below the fleet: the SDK
 * waits out each 429's `Retry-After` (bounded retries with jitter) and the simulator counts those
 * waits apart from errors. Test-only import of the server; the agent code never imports it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoTenant } from '../../../server/src/demo/demo-service.ts';
import { createHarness, type Harness } from '../../../server/test-support/harness.ts';
import { loadProfileIntel } from '../profiles/datasets.ts';
import { runFleet } from '../simulator/fleet.ts';
import { parseMix } from '../simulator/mix.ts';

describe('simulated fleet against a server with a low enrollment limit (sqlite)', () => {
  let h: Harness;
  let url = '';
  let token = '';
  beforeAll(async () => {
    h = await createHarness('sqlite', { limits: { rateLimitWindow: 1, rateLimitEnrollPerIp: 3 } });
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    token = (await ensureDemoTenant(h.runtime.ctx)).enrollmentToken;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('honours 429 Retry-After: every device enrolls, the waits are counted apart from errors', async () => {
    const summary = await runFleet({
      server: url,
      token,
      devices: 8,
      ratePerSecond: 5,
      durationMs: 300,
      mix: parseMix('clean=1'),
      intel: loadProfileIntel(),
      seed: 'rate-limited',
    });
    expect(summary).toMatchObject({ devices: 8, enrolled: 8, enrollErrors: 0, errors: 0 });
    expect(summary.errorsByCode).toEqual({});
    expect(summary.rateLimited).toBeGreaterThan(0);
  }, 60_000);
});
