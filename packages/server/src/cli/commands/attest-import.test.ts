import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadAttestationFromConfig } from '../../attestation/attestation-config.ts';
import type { CommandIo } from '../command.ts';
import { command } from './attest.ts';

async function run(env: Record<string, string>, ...args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  };
  return { code: await command.run(args, io), stdout, stderr };
}

describe('riskgate attest import-revocations', () => {
  it('installs a valid list in the data folder, which the server then loads; an invalid list changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riskgate-import-'));
    const env = { RISKGATE_DATA_DIR: join(dir, 'data') };
    const good = join(dir, 'status.json');
    writeFileSync(
      good,
      JSON.stringify({ entries: { '0Abc': { status: 'SUSPENDED' }, ff: { status: 'REVOKED' } } }),
    );
    const installed = await run(env, 'import-revocations', good);
    expect(installed).toMatchObject({ code: 0 });
    expect(installed.stdout).toContain('installed 2 attestation status entries');
    const target = join(dir, 'data', 'attestation-status.json');
    expect(readFileSync(target, 'utf8')).toBe(readFileSync(good, 'utf8'));

    const loaded = await loadAttestationFromConfig(
      { dataDir: env.RISKGATE_DATA_DIR, attestationChallengeTtl: 300, attestationMaxAge: 86_400 },
      {},
      pino({ level: 'silent' }),
    );
    expect(loaded.trust.status()).toMatchObject({ source: target, entries: 2 });
    expect([...loaded.trust.revocations().entries.keys()].sort()).toEqual(['abc', 'ff']);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"entries": []}');
    const refused = await run(env, 'import-revocations', bad);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('entries');
    expect(readFileSync(target, 'utf8')).toBe(readFileSync(good, 'utf8'));
    expect(existsSync(`${target}.tmp-${process.pid}`)).toBe(false);

    expect((await run(env, 'import-revocations')).code).toBe(2);
  });
});
