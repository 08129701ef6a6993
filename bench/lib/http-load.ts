/**
 * A small keep-alive HTTP load loop (autocannon-style, closed model): `connections` workers each
 * send one request at a time for `durationMs` on kept-alive sockets, recording each latency. Run it
 * from a child process (`loadFromChild`) so that the load generator does not share the server's
 * event loop.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { percentile } from './stats.ts';

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationMs: number;
  /** Header sets sent in turn (one request each, cycling); none: no extra headers. */
  readonly headerSets?: readonly Readonly<Record<string, string>>[];
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  /** Count of responses by status code. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function once(agent: Agent, url: URL, headers: Readonly<Record<string, string>>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs the load in this process. */
export async function runHttpLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const sets = options.headerSets ?? [];
  let next = 0;
  const start = performance.now();
  const end = start + options.durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      try {
        const headers = sets.length === 0 ? {} : (sets[next++ % sets.length] ?? {});
        const status = await once(agent, url, headers);
        latencies.push(performance.now() - sent);
        statuses[status] = (statuses[status] ?? 0) + 1;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return {
    requests: latencies.length,
    errors,
    statuses,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** Runs the load in a child Node process (with tsx) and returns its result. */
export function loadFromChild(options: LoadOptions): Promise<LoadResult> {
  const script = join(import.meta.dirname, 'http-load-child.ts');
  return new Promise((resolve, reject) => {
    // Options go through stdin: header sets can exceed the size limit of one argument.
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
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
      else resolve(JSON.parse(out) as LoadResult);
    });
  });
}
