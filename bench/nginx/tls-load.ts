/**
 * A closed-loop HTTPS load loop with a client certificate (mTLS) on kept-alive sockets, for the
 * nginx benchmark; run it in a child process (`tlsLoadFromChild`).
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { percentile } from '../lib/stats.ts';

export interface TlsLoadOptions {
  readonly port: number;
  /** SNI and Host header. */
  readonly host: string;
  readonly path: string;
  /** PEM of the server certificate to trust. */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface TlsLoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Runs the load in this process. */
export async function runTlsLoad(o: TlsLoadOptions): Promise<TlsLoadResult> {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: o.connections,
    ca: o.ca,
    cert: o.cert,
    key: o.key,
    servername: o.host,
  });
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port: o.port,
          path: o.path,
          method: 'GET',
          headers: { host: o.host, accept: 'application/json' },
          servername: o.host,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const phase = async (ms: number) => {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let errors = 0;
    const start = performance.now();
    const end = start + ms;
    const worker = async () => {
      while (performance.now() < end) {
        const sent = performance.now();
        try {
          const status = await once();
          latencies.push(performance.now() - sent);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status !== 200) errors++;
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: o.connections }, worker));
    return { latencies, statuses, errors, seconds: (performance.now() - start) / 1000 };
  };
  await phase(o.warmupMs);
  const m = await phase(o.durationMs);
  agent.destroy();
  return {
    requests: m.latencies.length,
    errors: m.errors,
    statuses: m.statuses,
    perSecond: (m.statuses['200'] ?? 0) / m.seconds,
    p50Ms: percentile(m.latencies, 50),
    p99Ms: percentile(m.latencies, 99),
  };
}

/** Runs `runTlsLoad` in a child Node process (with tsx). */
export function tlsLoadFromChild(options: TlsLoadOptions): Promise<TlsLoadResult> {
  const script = join(import.meta.dirname, 'tls-load-child.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.stdin.end(JSON.stringify(options));
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`TLS load generator exited with ${code}`));
      else resolve(JSON.parse(out) as TlsLoadResult);
    });
  });
}
