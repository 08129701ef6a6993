import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeDeviceServer, startFakeDeviceServer } from '../../test-support/fake-device-server.ts';
import { loadProfileIntel } from '../profiles/datasets.ts';
import { runFleet } from './fleet.ts';
import { parseMix } from './mix.ts';

const intel = loadProfileIntel();

describe('runFleet against a signature-checking fake server', () => {
  let server: FakeDeviceServer;
  beforeEach(async () => {
    server = await startFakeDeviceServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('enrolls every device and reports at about the requested rate, each report stored once', async () => {
    const progress: string[] = [];
    const summary = await runFleet({
      server: server.url,
      token: 't',
      devices: 20,
      ratePerSecond: 40,
      durationMs: 1000,
      mix: parseMix('clean=50,stalkerware=25,mitm=25'),
      intel,
      seed: 'test',
      onProgress: (p) => progress.push(p.phase),
      progressIntervalMs: 200,
    });
    expect(summary).toMatchObject({ devices: 20, enrolled: 20, enrollErrors: 0, errors: 0, duplicates: 0 });
    expect(summary.profiles).toEqual({ clean: 10, stalkerware: 5, mitm: 5 });
    expect(summary.reportsSent).toBe(summary.acknowledged);
    // No lower bound on how many were sent in the second (a timing assert: a busy machine runs the
    // scheduler late); the upper bound is the rate limit, which must hold however fast the machine is.
    expect(summary.acknowledged).toBeGreaterThan(0);
    expect(summary.acknowledged).toBeLessThanOrEqual(45);
    expect(server.stored).toHaveLength(summary.acknowledged);
    expect(new Set(server.stored).size).toBe(server.stored.length);
    expect(summary.latencyMs.count).toBe(summary.acknowledged);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50);
    // The fake server always answers `secured`: infected devices show up as mismatches.
    expect(summary.expectationMismatches.clean).toBeUndefined();
    expect(progress).toContain('report');
  });

  it('counts errors by code when the server refuses', async () => {
    const summary = await runFleet({
      server: server.url,
      token: 't',
      devices: 2,
      ratePerSecond: 10,
      durationMs: 300,
      mix: parseMix('clean=1'),
      intel,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      onProgress: () => {
        server.failNext(1000, 503, 'unavailable');
      },
      progressIntervalMs: 10_000,
    });
    expect(summary.enrolled).toBe(2);
    expect(summary.errors).toBeGreaterThan(0);
    expect(summary.errorsByCode).toEqual({ unavailable: summary.errors });
  });
});
