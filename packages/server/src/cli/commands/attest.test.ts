import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandIo } from '../command.ts';
import { command, readChainFile } from './attest.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const DATASETS = process.env.RISKGATE_DATASETS ?? join(REPO_ROOT, '..', 'shared', 'datasets');
const TESTDATA = join(DATASETS, 'android-keyattestation-testdata', 'testdata');
const ROOTS = join(DATASETS, 'google-hardware-attestation-roots');

const scratch = mkdtempSync(join(tmpdir(), 'riskgate-attest-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { RISKGATE_DATASETS: DATASETS },
  };
  const code = await command.run(args, io);
  return { code, stdout, stderr };
}

describe('riskgate attest verify', () => {
  it('prints the KeyDescription and a VERIFIED verdict for a genuine chain', async () => {
    const { code, stdout } = await run(
      'verify',
      join(TESTDATA, 'caiman/sdk36/TEE_EC_RKP.pem'),
      '--now',
      '2025-09-26T00:00:00Z',
    );
    expect(code).toBe(0);
    expect(stdout).toContain('attestation version 400, TRUSTED_ENVIRONMENT');
    expect(stdout).toContain('attestationIdModel: Pixel 9 Pro');
    expect(stdout).toContain('OS 16.0.0, patch 2025-11');
    expect(stdout).toContain('Verdict: VERIFIED');
  });

  it('exits 1 with the reasons for a software chain', async () => {
    const { code, stdout } = await run(
      'verify',
      join(TESTDATA, 'marlin/sdk29/TEE_EC_NONE.pem'),
      '--now',
      '2017-01-01T00:00:00Z',
    );
    expect(code).toBe(1);
    expect(stdout).toContain('Verdict: FAILED');
    expect(stdout).toMatch(/- untrusted-root \[certificate 2\]/);
    expect(stdout).toMatch(/- software-keystore/);
  });

  it('verifies every chain of a directory and prints JSON', async () => {
    const { code, stdout } = await run(
      'verify',
      join(TESTDATA, 'akita/sdk34'),
      '--now',
      '2024-10-01T00:00:00Z',
      '--json',
    );
    const results = JSON.parse(stdout) as { file: string; result: { verdict: string } }[];
    expect(results).toHaveLength(5);
    expect(results.map((r) => r.result.verdict)).toEqual(Array(5).fill('verified'));
    expect(code).toBe(0);
  });

  it('refuses a wrong --challenge and accepts the right one', async () => {
    const chain = join(TESTDATA, 'akita/sdk34/TEE_EC_NONE.pem');
    const right = Buffer.from('challenge').toString('hex');
    expect((await run('verify', chain, '--now', '2024-10-01T00:00:00Z', '--challenge', right)).code).toBe(0);
    const wrong = await run('verify', chain, '--now', '2024-10-01T00:00:00Z', '--challenge', '00ff');
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('challenge-mismatch');
  });

  it('uses --roots and --revocations', async () => {
    const ecOnly = mkdtempSync(join(scratch, 'roots-'));
    copyFileSync(
      join(ROOTS, 'current_2025_ecdsa-p384_serial_84a9d0297b0eb58ae7ff0e80de760605.pem'),
      join(ecOnly, 'ec.pem'),
    );
    const chain = join(TESTDATA, 'akita/sdk34/TEE_EC_NONE.pem');
    const untrusted = await run(
      'verify',
      chain,
      '--now',
      '2024-10-01T00:00:00Z',
      '--roots',
      ecOnly,
      '--json',
    );
    expect(untrusted.code).toBe(1);
    expect(untrusted.stdout).toContain('untrusted-root');

    const status = join(scratch, 'status.json');
    writeFileSync(
      status,
      JSON.stringify({ entries: { '388266760658996860e': { status: 'REVOKED', reason: 'KEY_COMPROMISE' } } }),
    );
    const revoked = await run('verify', chain, '--now', '2024-10-01T00:00:00Z', '--revocations', status);
    expect(revoked.code).toBe(1);
    expect(revoked.stdout).toMatch(
      /- revoked \[certificate 3\]: serial 388266760658996860e is REVOKED \(KEY_COMPROMISE\)/,
    );
  });

  it('reads a JSON array of base64 DER (the agent report form)', async () => {
    const pem = readFileSync(join(TESTDATA, 'tegu/sdk36/TEE_EC_2026_ROOT.pem'), 'utf8');
    const base64 = [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map(
      (m) => (m[1] ?? '').replace(/\s+/g, ''),
    );
    const file = join(scratch, 'chain.json');
    writeFileSync(file, JSON.stringify(base64));
    expect(readChainFile(JSON.stringify(base64))).toHaveLength(5);
    const { code, stdout } = await run('verify', file, '--now', '2026-03-01T00:00:00Z');
    expect(stdout).toContain('Verdict: VERIFIED');
    expect(code).toBe(0);
  });

  it.each([
    [['verify'], /exactly one chain/],
    [['verify', '/nonexistent/chain.pem'], /ENOENT|no such file/],
    [['verify', join(TESTDATA, 'allow_while_on_body.pem'), '--now', 'yesterday'], /not an ISO date/],
    [['verify', join(TESTDATA, 'allow_while_on_body.pem'), '--challenge', 'xyz'], /must be hex/],
    [['verify', join(TESTDATA, 'allow_while_on_body.pem'), '--bogus'], /Unknown option/],
    [['frobnicate'], /unknown attest sub-command/],
  ])('exits 2 on %j', async (args, message) => {
    const { code, stderr } = await run(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
