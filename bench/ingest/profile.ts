/**
 * CPU profile of `riskgate serve` (SQLite, or a fresh PostgreSQL database with `--postgres`) under
 * the ingest load: `node --import tsx bench/ingest/profile.ts [--postgres] [outDir]` writes a `.cpuprofile` of the server child
 * (V8 `--cpu-prof`) into outDir (default /tmp/riskgate-prof/ingest), then prints the top self-time
 * functions (see `summarize-profile.ts`). `--devices=N` and `--connections=N` change the load (default
 * 100 devices over 16 connections; the ingest benchmark uses 200 over 32).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createBenchDatabase } from './pg-database.ts';
import { reportLoadFromChild } from './report-load-from-child.ts';
import { startServerProcess } from './server-process.ts';
import { topSelfTime } from './summarize-profile.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const datasetsDir = process.env.RISKGATE_DATASETS ?? resolve(repoRoot, '..', 'shared', 'datasets');
const args = process.argv.slice(2);
const postgres = args.includes('--postgres');
const option = (name: string, fallback: number): number => {
  const value = args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  return value === undefined ? fallback : Number.parseInt(value, 10);
};
const outDir =
  args.find((arg) => !arg.startsWith('--')) ??
  `/tmp/riskgate-prof/ingest-${postgres ? 'postgres' : 'sqlite'}`;
const startedAt = Date.now();
const dataDir = mkdtempSync(join(tmpdir(), 'riskgate-prof-ingest-'));
const database = postgres ? await createBenchDatabase('profile') : undefined;
const server = await startServerProcess({
  repoRoot,
  datasetsDir,
  dataDir,
  cpuProfDir: outDir,
  ...(database === undefined ? {} : { databaseUrl: database.url }),
});
try {
  const result = await reportLoadFromChild({
    url: server.url,
    mode: 'riskgate',
    enrollmentToken: server.enrollmentToken,
    devices: option('devices', 100),
    connections: option('connections', 16),
    warmupMs: 2000,
    durationMs: 15_000,
    seed: 20261125,
    datasetsDir,
    serverPid: server.pid,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await server.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
// The main thread's profile is the largest of this run's (the other is tsx's loader worker); the
// last 15 s are the load. Profiles of earlier runs in the same folder are not this run's.
const main = readdirSync(outDir)
  .filter((name) => name.endsWith('.cpuprofile'))
  .map((name) => ({ name, ...statSync(join(outDir, name)) }))
  .filter((file) => file.mtimeMs >= startedAt)
  .sort((a, b) => b.size - a.size)[0];
if (main !== undefined) {
  process.stdout.write(`${join(outDir, main.name)}\n`);
  for (const line of topSelfTime(join(outDir, main.name), 30, 15_000)) process.stdout.write(`${line}\n`);
}
