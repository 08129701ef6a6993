/**
 * nginx: requests through nginx with the documented `auth_request` config (TLS, device client
 * certificate, forward auth to `riskgate serve`) beside the same nginx TLS server proxying straight
 * to the same upstream. Skipped (reported as such) when nginx is not installed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfileIntel } from '@riskgate/agent';
import { findNginx, type RunningNginx, startNginx } from '../packages/server/test-support/nginx.ts';
import { nginxRiskgateConf } from '../packages/server/test-support/nginx-riskgate-conf.ts';
import { createTestServerCert } from '../packages/server/test-support/pki.ts';
import { configureAccess } from './enforce/flips.ts';
import { enrollProbeDevice } from './enforce/probe-device.ts';
import { BENCH_PROXY_SECRET, startServerProcess } from './ingest/server-process.ts';
import { type BenchContext, type Benchmark, type BenchResult, row } from './lib/types.ts';
import { nginxDirectConf } from './nginx/direct-conf.ts';
import { type TlsLoadResult, tlsLoadFromChild } from './nginx/tls-load.ts';

const HOST = 'app.nginx.bench.example';
const CONNECTIONS = 8;
const WARMUP_MS = 2_000;
const DURATION_MS = 5_000;
const ALTERNATIONS = 2;
/** Set to a directory to write a CPU profile of the Riskgate server child there. */
const PROFILE_DIR = process.env.RISKGATE_BENCH_PROFILE_DIR;

function startUpstream(): Promise<{ port: number; close(): void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'nginx/upstream-child.ts')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout
      .setEncoding('utf8')
      .once('data', (chunk: string) =>
        resolve({ port: Number(chunk.trim()), close: () => child.kill('SIGTERM') }),
      );
    child.once('exit', (code) => reject(new Error(`upstream exited with ${code}`)));
  });
}

const mean = (rs: readonly TlsLoadResult[], pick: (r: TlsLoadResult) => number) =>
  rs.reduce((n, r) => n + pick(r), 0) / Math.max(1, rs.length);

async function run(ctx: BenchContext): Promise<BenchResult> {
  if (findNginx() === undefined) {
    return {
      rows: [],
      notes: ['Skipped: nginx is not installed (set RISKGATE_NGINX or apt-get install nginx).'],
    };
  }
  const before = loadavg();
  const dataDir = mkdtempSync(join(tmpdir(), 'riskgate-bench-nginx-'));
  const server = await startServerProcess({
    repoRoot: ctx.repoRoot,
    datasetsDir: ctx.datasetsDir,
    dataDir,
    ...(PROFILE_DIR === undefined ? {} : { cpuProfDir: join(PROFILE_DIR, 'nginx') }),
    // nginx sends the certificate in X-Client-Cert: the shared secret is bound to that header.
    env: { RISKGATE_PROXY_INTEGRATION: 'nginx' },
  });
  const upstream = await startUpstream();
  const admin = new Agent({ keepAlive: true, maxSockets: 1 });
  const nginxes: RunningNginx[] = [];
  try {
    await configureAccess(admin, server.url, server.ownerToken, HOST);
    const intel = loadProfileIntel(ctx.datasetsDir);
    const device = await enrollProbeDevice({
      reportUrl: server.url,
      checkUrl: server.url,
      enrollmentToken: server.enrollmentToken,
      intel,
      seed: `nginx:${ctx.seed}`,
    });
    await device.report(false);
    device.close();
    const serverCert = await createTestServerCert([HOST]);
    const files = {
      'server.crt': serverCert.certPem,
      'server.key': serverCert.keyPem,
      'device-ca.pem': device.caCertificate,
    };
    const riskgatePort = new URL(server.url).port;
    const common = (ports: readonly number[], dir: string) => ({
      listen: `127.0.0.1:${ports[0]}`,
      serverName: HOST,
      serverCert: `${dir}/server.crt`,
      serverKey: `${dir}/server.key`,
      deviceCa: `${dir}/device-ca.pem`,
      upstream: `127.0.0.1:${upstream.port}`,
    });
    const viaRiskgate = await startNginx({
      files,
      config: ({ ports, dir }) =>
        nginxRiskgateConf({
          ...common(ports, dir),
          riskgate: `127.0.0.1:${riskgatePort}`,
          proxySecret: BENCH_PROXY_SECRET,
        }),
    });
    nginxes.push(viaRiskgate);
    const direct = await startNginx({
      files,
      config: ({ ports, dir }) => nginxDirectConf(common(ports, dir)),
    });
    nginxes.push(direct);
    const runs: { riskgate: TlsLoadResult[]; direct: TlsLoadResult[] } = { riskgate: [], direct: [] };
    for (let i = 0; i < ALTERNATIONS; i++)
      for (const side of ['direct', 'riskgate'] as const) {
        ctx.progress(`${side} run ${i + 1}/${ALTERNATIONS}`);
        runs[side].push(
          await tlsLoadFromChild({
            port: (side === 'direct' ? direct : viaRiskgate).port,
            host: HOST,
            path: '/owa/inbox?folder=1',
            ca: serverCert.certPem,
            cert: device.certificate,
            key: device.keyPem,
            connections: CONNECTIONS,
            warmupMs: WARMUP_MS,
            durationMs: DURATION_MS,
          }),
        );
      }
    const r = runs.riskgate;
    const d = runs.direct;
    const rate = { riskgate: mean(r, (x) => x.perSecond), direct: mean(d, (x) => x.perSecond) };
    const count = (rs: readonly TlsLoadResult[]) =>
      `${rs.reduce((n, x) => n + x.requests, 0)} requests, ${rs.reduce((n, x) => n + x.errors, 0)} non-200 or failed, statuses ${JSON.stringify(rs.map((x) => x.statuses))}`;
    const after = loadavg();
    return {
      rows: [
        row(
          'nginx auth_request → Riskgate vs nginx direct, throughput',
          'requests/s',
          rate.riskgate,
          rate.direct,
        ),
        row(
          'p50 latency',
          'ms',
          mean(r, (x) => x.p50Ms),
          mean(d, (x) => x.p50Ms),
        ),
        row(
          'p99 latency',
          'ms',
          mean(r, (x) => x.p99Ms),
          mean(d, (x) => x.p99Ms),
        ),
      ],
      notes: [
        `Riskgate: Debian nginx with the documented config (\`nginxRiskgateConf\`, docs/proxies.md: TLS, \`ssl_verify_client optional\` against the tenant device CA, \`auth_request\` to \`GET /v1/access/check\` with the escaped client PEM and the proxy secret, keepalive upstream) in front of \`riskgate serve\` (SQLite, own process) and a plain Node upstream (own process). Baseline: the same nginx TLS server block (same certificates, same client verification) proxying straight to the same upstream.`,
        `Client: one device enrolled through the API (its real certificate and key, mTLS), clean report sent so it is allowed; load from a child process, ${CONNECTIONS} keep-alive TLS connections, ${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s measured, ${ALTERNATIONS} alternations per side; rates count 200 answers; latency is the mean of the runs' percentiles. nginx runs one worker.`,
        `auth_request: ${count(r)}; direct: ${count(d)}.`,
        `os.loadavg() (1/5/15 min): ${before.map((v) => v.toFixed(2)).join(' / ')} before, ${after.map((v) => v.toFixed(2)).join(' / ')} after.`,
      ],
    };
  } finally {
    for (const n of nginxes) await n.stop();
    admin.destroy();
    upstream.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  name: 'nginx',
  description:
    'nginx auth_request to riskgate serve (documented config, mTLS device certificate) beside the same nginx proxying directly to the same upstream.',
  run,
};
