/**
 * ingest: signed full reports (agent profiles, ~150 apps, network and integrity data) over real
 * HTTP from a load generator in its own process, to `riskgate serve` in its own process on SQLite
 * and on a fresh PostgreSQL database, beside a bare Fastify route that only parses the same body.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBareProcess } from './ingest/bare-process.ts';
import { createBenchDatabase } from './ingest/pg-database.ts';
import type { ReportLoadOptions, ReportLoadResult } from './ingest/report-load.ts';
import { reportLoadFromChild } from './ingest/report-load-from-child.ts';
import { startServerProcess } from './ingest/server-process.ts';
import { type BenchContext, type Benchmark, type BenchResult, row } from './lib/types.ts';

const DEVICES = 200;
const CONNECTIONS = 32;
const WARMUP_MS = 3_000;
const DURATION_MS = 10_000;
/** Set to a directory to write a CPU profile of each Riskgate server child there. */
const PROFILE_DIR = process.env.RISKGATE_BENCH_PROFILE_DIR;

type Target = 'bare' | 'sqlite' | 'postgres';

async function measure(ctx: BenchContext, target: Target): Promise<ReportLoadResult> {
  const load = (url: string, pid: number, mode: ReportLoadOptions['mode'], enrollmentToken?: string) =>
    reportLoadFromChild({
      url,
      mode,
      serverPid: pid,
      ...(enrollmentToken === undefined ? {} : { enrollmentToken }),
      devices: DEVICES,
      connections: CONNECTIONS,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      seed: ctx.seed,
      datasetsDir: ctx.datasetsDir,
    });
  if (target === 'bare') {
    const bare = await startBareProcess();
    try {
      return await load(bare.url, bare.pid, 'bare');
    } finally {
      await bare.close();
    }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'riskgate-bench-ingest-'));
  const database = target === 'postgres' ? await createBenchDatabase('ingest') : undefined;
  try {
    const server = await startServerProcess({
      repoRoot: ctx.repoRoot,
      datasetsDir: ctx.datasetsDir,
      dataDir,
      ...(database === undefined ? {} : { databaseUrl: database.url }),
      ...(PROFILE_DIR === undefined ? {} : { cpuProfDir: join(PROFILE_DIR, target) }),
    });
    try {
      ctx.progress(
        `${target}: server ${server.url} (pid ${server.pid}); enrolling ${DEVICES} devices, then load`,
      );
      return await load(server.url, server.pid, 'riskgate', server.enrollmentToken);
    } finally {
      await server.close();
    }
  } finally {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const describe = (name: string, r: ReportLoadResult): string =>
  `${name}: ${r.requests} requests, ${r.errors} errors, statuses ${JSON.stringify(r.statuses)}`;

async function run(ctx: BenchContext): Promise<BenchResult> {
  const load = { before: loadavg() };
  ctx.progress(`load average ${load.before.map((v) => v.toFixed(2)).join(' ')}`);
  const results: Partial<Record<Target, ReportLoadResult>> = {};
  for (const target of ['bare', 'sqlite', 'postgres'] as const) {
    ctx.progress(
      `${target}: ${CONNECTIONS} connections, ${WARMUP_MS / 1000} s warm-up, ${DURATION_MS / 1000} s measured`,
    );
    results[target] = await measure(ctx, target);
    ctx.progress(
      `${target}: ${results[target]?.perSecond.toFixed(0)} reports/s; load average ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
    );
  }
  const after = loadavg();
  const { bare, sqlite, postgres } = results;
  if (bare === undefined || sqlite === undefined || postgres === undefined)
    throw new Error('a run is missing');
  const rows = [
    row('SQLite: reports per second vs bare route', 'reports/s', sqlite.perSecond, bare.perSecond, {
      text: '≥ 5,000/s and ≥ 0.5× baseline',
      met: sqlite.perSecond >= 5000 && sqlite.perSecond >= 0.5 * bare.perSecond,
    }),
    row(
      'SQLite: server CPU per report',
      'ms',
      sqlite.serverCpuMsPerReport ?? Number.NaN,
      bare.serverCpuMsPerReport,
    ),
    row('SQLite: p50 latency', 'ms', sqlite.p50Ms, bare.p50Ms),
    row('SQLite: p99 latency', 'ms', sqlite.p99Ms, bare.p99Ms),
    row('PostgreSQL: reports per second vs bare route', 'reports/s', postgres.perSecond, bare.perSecond, {
      text: '≥ 0.5× baseline',
      met: postgres.perSecond >= 0.5 * bare.perSecond,
    }),
    row(
      'PostgreSQL: server CPU per report',
      'ms',
      postgres.serverCpuMsPerReport ?? Number.NaN,
      postgres.serverCpuMsPerReport === undefined ? undefined : bare.serverCpuMsPerReport,
    ),
    row('PostgreSQL: p50 latency', 'ms', postgres.p50Ms, bare.p50Ms),
    row('PostgreSQL: p99 latency', 'ms', postgres.p99Ms, bare.p99Ms),
  ];
  return {
    rows,
    notes: [
      `Reports: ${DEVICES} simulated devices (agent profiles, seed-generated; mostly clean, ~20% with a threat), mean ${sqlite.meanApps.toFixed(0)} apps per snapshot (the generator draws 100–200), mean body ${(sqlite.meanBodyBytes / 1024).toFixed(1)} KiB; each request has a fresh report id and is signed at send time (ES256 + body digest, ${sqlite.meanSignMs.toFixed(2)} ms per request on the client).`,
      `Setup: \`riskgate serve --demo\` in its own process (log level warn; SQLite in a temporary data dir, PostgreSQL on a database created for the run and dropped after), devices enrolled through \`POST /v1/device/enroll\` first (SQLite ${sqlite.enrollSeconds.toFixed(1)} s, PostgreSQL ${postgres.enrollSeconds.toFixed(1)} s), load from a separate Node process: ${CONNECTIONS} keep-alive connections, closed loop, ${WARMUP_MS / 1000} s warm-up then ${DURATION_MS / 1000} s measured; reports/s counts 200 answers only.`,
      "Server CPU per report: user + system CPU time of the server process (from /proc/<pid>/stat, 10 ms ticks) over the measured phase, divided by the acknowledged reports: unlike reports/s it does not depend on how much of the 2 shared cores the server got; 1000 / that value is the rate one core could sustain. With PostgreSQL the database server's own CPU is not included.",
      'Baseline: a bare Fastify route on the same path in its own process, same body limit, that parses the JSON body and reads the signature header (same client, same bodies, same signatures).',
      `${describe('bare', bare)}; ${describe('SQLite', sqlite)}; ${describe('PostgreSQL', postgres)}.`,
      `os.loadavg() (1/5/15 min): ${load.before.map((v) => v.toFixed(2)).join(' / ')} before, ${after.map((v) => v.toFixed(2)).join(' / ')} after. Server, load generator and the rest of the machine share 2 cores.`,
    ],
  };
}

export const benchmark: Benchmark = {
  name: 'ingest',
  description:
    'Signed full reports over HTTP from a separate load process to riskgate serve (SQLite, PostgreSQL), beside a bare Fastify route parsing the same bodies.',
  run,
};
