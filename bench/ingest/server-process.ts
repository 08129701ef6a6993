/**
 * Runs `riskgate serve --demo` in a child process (its own event loop, as in production) over
 * SQLite or PostgreSQL, and reads the URL and demo tokens it prints. Shared by the ingest and
 * enforce benchmarks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** The proxy secret the benchmark servers accept in `X-Riskgate-Proxy-Secret`. */
export const BENCH_PROXY_SECRET = 'bench-proxy-secret-0123456789abcdef';

export interface ServerProcessOptions {
  readonly repoRoot: string;
  readonly datasetsDir: string;
  /** PostgreSQL URL; absent: SQLite in `dataDir`. */
  readonly databaseUrl?: string;
  readonly dataDir: string;
  /** 32 bytes, hex; nodes of one cluster share it. Default: a fresh one. */
  readonly secretKey?: string;
  /** Directory for a V8 CPU profile of the server (`--cpu-prof`), written at shutdown. */
  readonly cpuProfDir?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface ServerProcess {
  /** Base URL, no trailing slash. */
  readonly url: string;
  readonly ownerToken: string;
  readonly enrollmentToken: string;
  readonly tenantId: string;
  readonly secretKey: string;
  readonly pid: number;
  /** SIGTERM, then waits for the exit (the CPU profile, if any, is written then). */
  close(): Promise<void>;
}

const field = (text: string, label: string): string | undefined =>
  new RegExp(`${label}:\\s+(\\S+)`).exec(text)?.[1];

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Starts the server and resolves once it listens (intel loaded, demo tenant ready). */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const secretKey = options.secretKey ?? randomBytes(32).toString('hex');
  const nodeArgs = ['--import', 'tsx'];
  if (options.cpuProfDir !== undefined) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  const child = spawn(
    process.execPath,
    [...nodeArgs, join(options.repoRoot, 'packages/server/src/cli/main.ts'), 'serve', '--demo'],
    {
      cwd: options.repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        RISKGATE_HOST: '127.0.0.1',
        RISKGATE_PORT: '0',
        RISKGATE_DATA_DIR: options.dataDir,
        RISKGATE_SECRET_KEY: secretKey,
        RISKGATE_INTEL_PATHS: options.datasetsDir,
        RISKGATE_LOG_LEVEL: 'warn',
        RISKGATE_BODY_LIMIT: String(1024 * 1024),
        RISKGATE_PROXY_SECRET: BENCH_PROXY_SECRET,
        // The shared secret is bound to the demo tenant; forward-auth probes send Caddy's header.
        RISKGATE_PROXY_TENANT: 'ten_demo',
        RISKGATE_PROXY_INTEGRATION: 'caddy',
        // One load generator on one address enrolls and reports for a whole fleet: the limits stay
        // on (their cost is part of what is measured) but high enough never to refuse it.
        RISKGATE_RATE_LIMIT_ENROLL_PER_IP: '1000000',
        RISKGATE_RATE_LIMIT_DEVICE_PER_IP: '100000000',
        RISKGATE_RATE_LIMIT_DEVICE_PER_DEVICE: '1000000',
        ...(options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl }),
        ...options.env,
      },
    },
  );
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err = (err + chunk).slice(-4000);
  });
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setInterval(() => {
      if (field(out, 'Enrollment token') !== undefined) {
        clearInterval(timer);
        resolve(true);
      }
    }, 50);
    child.once('exit', () => {
      clearInterval(timer);
      resolve(false);
    });
  });
  const url = field(out, 'Console')?.replace(/\/$/, '');
  const ownerToken = field(out, 'Admin token');
  const enrollmentToken = field(out, 'Enrollment token');
  const tenantId = field(out, 'Tenant');
  if (
    !ready ||
    url === undefined ||
    ownerToken === undefined ||
    enrollmentToken === undefined ||
    tenantId === undefined
  ) {
    child.kill('SIGKILL');
    throw new Error(`riskgate serve did not start:\n${out}\n${err}`);
  }
  return {
    url,
    ownerToken,
    enrollmentToken,
    tenantId,
    secretKey,
    pid: child.pid ?? 0,
    async close() {
      const exited = waitExit(child);
      child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
