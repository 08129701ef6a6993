/**
 * A small keep-alive HTTP load generator. Closed model (autocannon-style, the default):
 * `connections` workers each send one request at a time for `durationMs` on kept-alive sockets,
 * recording each latency; it saturates the server, so its latencies are mostly queueing. Open model
 * (`ratePerSecond`): requests leave on a fixed schedule whatever the responses do, and each latency
 * is measured from the request's scheduled send time (not from when it was actually sent), so a
 * slow response delays no later measurement (no coordinated omission). Run it from a child process
 * (`loadFromChild`) so that the load generator does not share the server's event loop.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { RawPool } from './http-load-raw.ts';
import { percentile } from './stats.ts';

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationMs: number;
  /** Header sets sent in turn (one request each, cycling); none: no extra headers. */
  readonly headerSets?: readonly Readonly<Record<string, string>>[];
  /**
   * Open model: requests per second sent on a fixed schedule (request `i` is due at
   * `i / ratePerSecond` s; timers wake about every millisecond and send every request due), on up
   * to `connections` kept-alive sockets (a request finding them all busy waits, and that wait counts
   * in its latency). Absent: the closed model.
   */
  readonly ratePerSecond?: number;
  /** Open model: requests scheduled in the first `warmupMs` (sockets opening) are sent but not recorded (default 250). */
  readonly warmupMs?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  /** Count of responses by status code. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Open model: the rate asked for (`perSecond` is the rate completed). */
  readonly offeredPerSecond?: number;
  /**
   * Open model: p99 of how late the generator sent requests after their scheduled time (timer
   * granularity, its own event loop, the OS scheduler). Included in the latencies; when it is a
   * large part of them, the generator rather than the server set the figure.
   */
  readonly sendLagP99Ms?: number;
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

/** Runs the load in this process (open model when `ratePerSecond` is given). */
export async function runHttpLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.ratePerSecond !== undefined) return runOpenLoad(options, options.ratePerSecond);
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

/** The open model's clock: posts the number of requests due at each scheduled time (see `runOpenLoad`). */
const METRONOME = `
const { parentPort, workerData } = require('node:worker_threads');
const { intervalMs, total } = workerData;
const cell = new Int32Array(new SharedArrayBuffer(4));
const now = () => performance.timeOrigin + performance.now();
// The schedule starts once this thread runs (first message: its start, as epoch milliseconds).
const startEpochMs = now() + 5;
parentPort.postMessage({ startEpochMs });
let due = 0;
while (due < total) {
  const wait = startEpochMs + due * intervalMs - now();
  if (wait > 0.02) Atomics.wait(cell, 0, 0, wait);
  const reached = Math.min(total, Math.floor((now() - startEpochMs) / intervalMs) + 1);
  if (reached > due) {
    due = reached;
    parentPort.postMessage(due);
  }
}
`;

/** The open model of {@link runHttpLoad}: a fixed schedule, latencies from each scheduled send time. */
async function runOpenLoad(options: LoadOptions, rate: number): Promise<LoadResult> {
  const pool = new RawPool(new URL(options.url), options.connections);
  const requests = (options.headerSets ?? [{}]).map((headers) => pool.build(headers));
  const latencies: number[] = [];
  const lags: number[] = [];
  const statuses: Record<string, number> = {};
  const intervalMs = 1000 / rate;
  const total = Math.max(1, Math.floor((options.durationMs / 1000) * rate));
  const recordedFrom = Math.ceil((options.warmupMs ?? 250) / intervalMs);
  let errors = 0;
  let sent = 0;
  let settled = 0;
  let start = Number.NaN;
  await new Promise<void>((resolve) => {
    const send = (i: number, scheduled: number) => {
      pool.send(requests[i % requests.length] ?? '', (status, error) => {
        if (i >= recordedFrom) {
          if (error === undefined) {
            latencies.push(performance.now() - scheduled);
            statuses[status] = (statuses[status] ?? 0) + 1;
          } else errors++;
        }
        if (++settled === total) resolve();
      });
    };
    // A metronome thread sleeps to each due time (Atomics.wait: sub-millisecond, no busy loop) and
    // posts how many requests are due; this thread's own timers would wake up to ~2 ms late.
    const metronome = new Worker(METRONOME, { eval: true, execArgv: [], workerData: { intervalMs, total } });
    metronome.on('message', (due: number | { readonly startEpochMs: number }) => {
      if (typeof due !== 'number') {
        start = due.startEpochMs - performance.timeOrigin;
        return;
      }
      const now = performance.now();
      for (; sent < due; sent++) {
        const scheduled = start + sent * intervalMs;
        if (sent >= recordedFrom) lags.push(now - scheduled);
        send(sent, scheduled);
      }
    });
  });
  // From the first recorded scheduled send to the last response: below the offered rate when the
  // server fell behind.
  const seconds = (performance.now() - (start + recordedFrom * intervalMs)) / 1000;
  pool.close();
  return {
    requests: latencies.length,
    errors,
    statuses,
    perSecond: latencies.length / Math.max(seconds, 1e-3),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    offeredPerSecond: rate,
    sendLagP99Ms: percentile(lags, 99),
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
