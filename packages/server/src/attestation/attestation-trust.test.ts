import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { defaultDatasetsDir } from '../intel/intel-source.ts';
import { registerAttestationMetrics } from './attestation-metrics.ts';
import { createAttestationTrust, defaultAttestationPaths, readRootPems } from './attestation-trust.ts';

const ROOTS = readRootPems(defaultAttestationPaths(defaultDatasetsDir()).roots);
const URL = 'https://status.example/attestation/status';
const logger = pino({ level: 'silent' });
const list = (...serials: string[]) =>
  JSON.stringify({ entries: Object.fromEntries(serials.map((s) => [s, { status: 'REVOKED' }])) });

type Step = { status: number; body?: string; headers?: Record<string, string> } | Error;

/** A fetch that answers the scripted steps in order and records the request headers. */
function scriptedFetch(steps: Step[]) {
  const seen: Record<string, string>[] = [];
  const fake = async (_url: string | URL | Request, init?: RequestInit) => {
    seen.push({ ...(init?.headers as Record<string, string>) });
    const step = steps.shift();
    if (step === undefined) throw new Error('unexpected fetch');
    if (step instanceof Error) throw step;
    return new Response(step.status === 304 ? null : (step.body ?? ''), {
      status: step.status,
      headers: step.headers ?? {},
    });
  };
  return { fetch: fake as typeof fetch, seen };
}

describe('attestation trust', () => {
  it('refreshes a URL list with conditional requests and keeps the last good list when a refresh fails', async () => {
    const { fetch, seen } = scriptedFetch([
      {
        status: 200,
        body: list('a1', '0B2'),
        headers: { etag: '"v1"', 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' },
      },
      { status: 304 },
      { status: 503 },
      { status: 200, body: '{"entries": "nope"}' },
      new Error('network down'),
      { status: 200, body: list('c3'), headers: { etag: '"v2"' } },
    ]);
    const trust = await createAttestationTrust({ rootPems: ROOTS, revocations: URL, logger, fetch });
    expect([...trust.revocations().entries.keys()].sort()).toEqual(['a1', 'b2']);
    expect(trust.status()).toMatchObject({ source: URL, entries: 2, stale: false, failures: 0 });

    await trust.refresh();
    expect(seen[1]).toMatchObject({
      'if-none-match': '"v1"',
      'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT',
    });
    expect(trust.status()).toMatchObject({ entries: 2, stale: false });

    for (const failure of ['HTTP 503', 'entries', 'network down']) {
      await trust.refresh();
      expect(trust.revocations().entries.size).toBe(2);
      expect(trust.status().stale).toBe(true);
      expect(trust.status().lastError).toContain(failure);
    }
    expect(trust.status().failures).toBe(3);

    const registry = new Registry();
    registerAttestationMetrics(registry, trust);
    expect(await registry.metrics()).toMatch(/riskgate_attestation_revocations_stale 1/);

    await trust.refresh();
    expect([...trust.revocations().entries.keys()]).toEqual(['c3']);
    expect(trust.status()).toMatchObject({ entries: 1, stale: false, failures: 3 });
    expect(await registry.metrics()).toMatch(/riskgate_attestation_revocations_stale 0/);
    trust.stop();
  });

  it('starts with an empty list marked stale when the URL cannot be fetched at start', async () => {
    const { fetch } = scriptedFetch([new Error('offline')]);
    const trust = await createAttestationTrust({ rootPems: ROOTS, revocations: URL, logger, fetch });
    expect(trust.status()).toMatchObject({ entries: 0, stale: true, failures: 1 });
  });

  it('loads a file list at start and fails the start on a broken file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riskgate-revocations-'));
    const good = join(dir, 'status.json');
    const bad = join(dir, 'bad.json');
    writeFileSync(good, list('ff'));
    writeFileSync(bad, '{"entries": {"zz": {"status": "REVOKED"}}}');
    const trust = await createAttestationTrust({ rootPems: ROOTS, revocations: good, logger });
    expect(trust.status()).toMatchObject({ source: good, entries: 1, stale: false });
    expect(trust.roots.byPublicKey.size).toBeGreaterThanOrEqual(2);
    await expect(createAttestationTrust({ rootPems: ROOTS, revocations: bad, logger })).rejects.toThrow(
      /hex serial/,
    );
  });
});

describe('attestation trust from a file', () => {
  it('re-reads the file on refresh and keeps the last good list when the new file is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riskgate-revocations-'));
    const file = join(dir, 'status.json');
    writeFileSync(file, list('aa'));
    const trust = await createAttestationTrust({ rootPems: ROOTS, revocations: file, logger });
    writeFileSync(file, 'not json');
    await trust.refresh();
    expect(trust.status()).toMatchObject({ entries: 1, stale: true, failures: 1 });
    writeFileSync(file, list('bb', 'cc'));
    await trust.refresh();
    expect(trust.status()).toMatchObject({ entries: 2, stale: false });
  });
});
