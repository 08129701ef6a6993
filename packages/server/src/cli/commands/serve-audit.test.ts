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
  it('signs the heads at start, new entries within about a second, and on SIGTERM what is left', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rg-serve-audit-'));
    const env = {
      RISKGATE_DATA_DIR: dataDir,
      RISKGATE_SECRET_KEY: randomBytes(32).toString('hex'),
      RISKGATE_PORT: '0',
      // Not the data folder: the intel loader opens every file there, the SQLite files too, and
      // closing any descriptor of the database drops this process's POSIX locks on it; another
      // process closing its connection then deletes the WAL under the server, whose reads go
      // stale (the server stopped seeing tenants created by the CLI).
      RISKGATE_INTEL_PATHS: mkdtempSync(join(tmpdir(), 'rg-serve-audit-intel-')),
      // Longer than the test: the heartbeat never runs; the follower and the shutdown round do.
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
      // Written by another process into the shared database: the follower anchors it soon.
      const second = await createTenantIn(env);
      const written = Date.now();
      while (!(await tenantsIn()).includes(second)) {
        if (Date.now() - written > 3000) throw new Error(`not anchored within 3 s:\n${output}`);
        await new Promise((done) => setTimeout(done, 50));
      }
      const third = await createTenantIn(env);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect([...new Set(await tenantsIn())].sort(), output).toEqual([first, second, third].sort());
      // A clean shutdown leaves nothing unanchored.
      const verified = captureIo(env);
      expect(await audit.run(['verify', '--max-unanchored-age', '0'], verified)).toBe(0);
      expect(verified.out()).toContain(`${second}: ok (1 entries) anchored up to seq 1 by 1 checkpoint(s)`);
      expect(verified.out()).not.toContain('unanchored');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
