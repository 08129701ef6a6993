/**
 * CPU profile of `riskgate serve` (SQLite) under the ingest load:
 * `node --import tsx bench/ingest/profile.ts [outDir]` writes a `.cpuprofile` of the server child
 * (V8 `--cpu-prof`) into outDir (default /tmp/riskgate-prof/ingest), then prints the top self-time
 * functions (see `summarize-profile.ts`).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { reportLoadFromChild } from './report-load-from-child.ts';
import { startServerProcess } from './server-process.ts';
import { topSelfTime } from './summarize-profile.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const datasetsDir = process.env.RISKGATE_DATASETS ?? resolve(repoRoot, '..', 'shared', 'datasets');
const outDir = process.argv[2] ?? '/tmp/riskgate-prof/ingest';
const dataDir = mkdtempSync(join(tmpdir(), 'riskgate-prof-ingest-'));
const server = await startServerProcess({ repoRoot, datasetsDir, dataDir, cpuProfDir: outDir });
try {
  const result = await reportLoadFromChild({
    url: server.url,
    mode: 'riskgate',
    enrollmentToken: server.enrollmentToken,
    devices: 100,
    connections: 16,
    warmupMs: 2000,
    durationMs: 15_000,
    seed: 20261125,
    datasetsDir,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
const newest = readdirSync(outDir)
  .filter((name) => name.endsWith('.cpuprofile'))
  .sort()
  .at(-1);
if (newest !== undefined) {
  process.stdout.write(`${join(outDir, newest)}\n`);
  for (const line of topSelfTime(join(outDir, newest), 30)) process.stdout.write(`${line}\n`);
}
