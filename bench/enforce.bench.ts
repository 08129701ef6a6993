/**
 * enforce: time from a report's acknowledgement to the first forward-auth decision reflecting it
 * (block after a malicious report, restore after a clean one), single node on SQLite and two nodes
 * on one PostgreSQL database (report to A, check on B), beside the same measurement for a report
 * that changes nothing (the floor: one check round trip after an ack).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfileIntel } from '@riskgate/agent';
import { configureAccess, type FlipTimes, measureFlips, summarize } from './enforce/flips.ts';
import { ENFORCE_HOST, enrollProbeDevice } from './enforce/probe-device.ts';
import { createBenchDatabase } from './ingest/pg-database.ts';
import { type ServerProcess, startServerProcess } from './ingest/server-process.ts';
import { type BenchContext, type Benchmark, type BenchResult, type BenchRow, row } from './lib/types.ts';

const FLIPS = 200;
const STEADY = 100;

interface SetupResult {
  readonly block: FlipTimes;
  readonly restore: FlipTimes;
  readonly floor: FlipTimes;
}

async function measureSetup(ctx: BenchContext, cluster: boolean): Promise<SetupResult> {
  const dirs = [mkdtempSync(join(tmpdir(), 'riskgate-bench-enforce-'))];
  const database = cluster ? await createBenchDatabase('enforce') : undefined;
  const servers: ServerProcess[] = [];
  const admin = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const common = {
      repoRoot: ctx.repoRoot,
      datasetsDir: ctx.datasetsDir,
      ...(database === undefined ? {} : { databaseUrl: database.url }),
    };
    const a = await startServerProcess({ ...common, dataDir: dirs[0] ?? '' });
    servers.push(a);
    let b = a;
    if (cluster) {
      dirs.push(mkdtempSync(join(tmpdir(), 'riskgate-bench-enforce-')));
      b = await startServerProcess({ ...common, dataDir: dirs[1] ?? '', secretKey: a.secretKey });
      servers.push(b);
    }
    ctx.progress(`${cluster ? 'two nodes' : 'single node'}: A ${a.url}, B ${b.url}`);
    await configureAccess(admin, a.url, a.ownerToken, ENFORCE_HOST);
    const intel = loadProfileIntel(ctx.datasetsDir);
    const device = await enrollProbeDevice({
      reportUrl: a.url,
      checkUrl: b.url,
      enrollmentToken: a.enrollmentToken,
      intel,
      seed: `enforce:${ctx.seed}`,
    });
    try {
      ctx.progress(`${FLIPS} flips (block/restore)`);
      const flips = await measureFlips(device, FLIPS, 'flip');
      ctx.progress(`${STEADY} reports without a state change (floor)`);
      const steady = await measureFlips(device, STEADY, 'steady');
      return { block: flips.block, restore: flips.restore, floor: steady.block };
    } finally {
      device.close();
    }
  } finally {
    admin.destroy();
    for (const server of servers.reverse()) await server.close();
    await database?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

function rowsOf(label: string, result: SetupResult, targetMs: number): BenchRow[] {
  const floor = summarize(result.floor);
  const rows: BenchRow[] = [];
  for (const [name, times] of [
    ['block', result.block],
    ['restore', result.restore],
  ] as const) {
    const s = summarize(times);
    rows.push(row(`${label}: ack → ${name} reflected, p50`, 'ms', s.p50, floor.p50));
    rows.push(
      row(`${label}: ack → ${name} reflected, p99`, 'ms', s.p99, floor.p99, {
        text: `< ${targetMs} ms`,
        met: s.p99 < targetMs && times.timeouts === 0,
      }),
    );
  }
  return rows;
}

const detail = (label: string, r: SetupResult): string => {
  const part = (name: string, t: FlipTimes) => {
    const s = summarize(t);
    return `${name} ${t.ms.length} measured, ${t.timeouts} timeouts, max ${s.max.toFixed(1)} ms, ${s.stale} needed more than one check`;
  };
  return `${label}: ${part('block', r.block)}; ${part('restore', r.restore)}; ${part('floor', r.floor)}.`;
};

async function run(ctx: BenchContext): Promise<BenchResult> {
  const before = loadavg();
  const single = await measureSetup(ctx, false);
  const cluster = await measureSetup(ctx, true);
  const after = loadavg();
  return {
    rows: [...rowsOf('single node (SQLite)', single, 100), ...rowsOf('two nodes (PostgreSQL)', cluster, 250)],
    notes: [
      `Setup: \`riskgate serve --demo\` in its own process (single node: SQLite; two nodes: two processes over one PostgreSQL database created for the run and dropped after, sharing the secret key). A resource for \`${ENFORCE_HOST}\` and an \`on\` policy \`require-risk-at-most low\` through the admin API; one device of the agent's stalkerware profile enrolled through the API (seeded).`,
      `Measurement (in the benchmark process, one kept-alive socket for reports and one for checks): ${FLIPS} reports alternating the profile's malicious snapshot and its remediated one to node A; from each report's 200 acknowledgement, \`GET /v1/access/check\` (proxy secret, forwarded host/URI, certificate SHA-256) to node B (= A on a single node) in a tight loop until it answers 403 (block) or 200 (restore); the time is ack → that answer. Timeout 10 s per flip.`,
      `Baseline (the floor): the same measurement for ${STEADY} clean reports that change nothing (ack → first 200), i.e. one check round trip right after an ack.`,
      detail('single node', single),
      detail('two nodes', cluster),
      `os.loadavg() (1/5/15 min): ${before.map((v) => v.toFixed(2)).join(' / ')} before, ${after.map((v) => v.toFixed(2)).join(' / ')} after.`,
    ],
  };
}

export const benchmark: Benchmark = {
  name: 'enforce',
  description:
    'Time from a report acknowledgement to the first /v1/access/check reflecting it (block, restore), single node on SQLite and two nodes on PostgreSQL, beside a report that changes nothing.',
  run,
};
