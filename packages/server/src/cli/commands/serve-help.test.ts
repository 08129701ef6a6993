import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../../test-support/cli.ts';
import { loadConfig } from '../../config.ts';
import { DEMO_RATE_LIMITS, describeRateLimits, command as serve } from './serve.ts';

describe('riskgate serve --help', () => {
  it.each([['--help'], ['-h']])('%s prints usage and exits 0 without starting a server', async (flag) => {
    const io = captureIo({ RISKGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'rg-serve-help-')) });
    expect(await serve.run([flag], io)).toBe(0);
    expect(io.out()).toContain('usage: riskgate serve [--demo] [--gateway-config <routes.yaml>]');
    expect(io.out()).toContain('--demo');
    expect(io.out()).toContain('--gateway-config');
    expect(io.err()).toBe('');
  });
});

describe('serve --demo rate limits', () => {
  it('raise the per-address limits for fleet simulation unless set, and keep explicit settings', () => {
    const demo = loadConfig({}, {}, DEMO_RATE_LIMITS);
    expect(demo.rateLimitEnrollPerIp).toBe(DEMO_RATE_LIMITS.rateLimitEnrollPerIp);
    expect(demo.rateLimitEnrollPerIp).toBeGreaterThanOrEqual(1000);
    expect(loadConfig({}).rateLimitEnrollPerIp).toBe(30);
    const explicit = loadConfig({ RISKGATE_RATE_LIMIT_ENROLL_PER_IP: '5' }, {}, DEMO_RATE_LIMITS);
    expect(explicit.rateLimitEnrollPerIp).toBe(5);
    expect(describeRateLimits(demo)).toBe('enrollments 2000, device requests 20000 per address per 60s');
  });
});
