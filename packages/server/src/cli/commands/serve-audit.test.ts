import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../../test-support/cli.ts';
import { readCheckpointFile } from '../../audit/checkpoint.ts';
import { command as audit } from './audit.ts';
import { command as tenant } from './tenant.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../..');

async function createTenantIn(env: Record<string, string>): Promise<string> {
  const io = captureIo(env);
  expect(await tenant.run(['create', '--name', 'Acme'], io)).toBe(0);
  return /tenant id:\s+(ten_\w+)/.exec(io.out())?.[1] ?? '';
}

describe('riskgate serve writes audit checkpoints (SQLite, real process)', () => {
  it('signs the heads at start and, on SIGTERM, what was written since', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rg-serve-audit-'));
    const env = {
      RISKGATE_DATA_DIR: dataDir,
      RISKGATE_SECRET_KEY: randomBytes(32).toString('hex'),
      RISKGATE_PORT: '0',
      RISKGATE_INTEL_PATHS: dataDir,
      // Longer than the test: only the start and the shutdown rounds run.
      RISKGATE_AUDIT_CHECKPOINT_INTERVAL: '3600',
    };
    const first = await createTenantIn(env);
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve'], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const file = join(dataDir, 'audit-checkpoints.jsonl');
    const tenantsIn = async () =>
      (await readCheckpointFile(file)).lines.map((line) => line.checkpoint.tenantId);
    try {
      const deadline = Date.now() + 60_000;
      while (!(await tenantsIn()).includes(first)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no start checkpoint:\n${output}`);
        await new Promise((done) => setTimeout(done, 200));
      }
      const second = await createTenantIn(env);
      expect(await tenantsIn()).not.toContain(second);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect((await tenantsIn()).sort()).toEqual([first, second].sort());
      const verified = captureIo(env);
      expect(await audit.run(['verify'], verified)).toBe(0);
      expect(verified.out()).toContain(`${second}: ok (1 entries) anchored up to seq 1 by 1 checkpoint(s)`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
