import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runHttpLoad } from './http-load.ts';

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

/** A server answering every request after `delayMs` with a small body; its URL. */
async function serve(delayMs: number): Promise<string> {
  const created = createServer((req, res) => {
    const answer = () => {
      const body = JSON.stringify({ seen: req.headers['x-test'] ?? null });
      res.writeHead(req.headers['x-test'] === 'deny' ? 403 : 200, {
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    if (delayMs === 0) answer();
    else setTimeout(answer, delayMs);
  });
  server = created;
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(created.address() as AddressInfo).port}/x`;
}

describe('open-model HTTP load', () => {
  it('sends the scheduled number of requests, cycling header sets, and records those after the warm-up', async () => {
    const url = await serve(0);
    const result = await runHttpLoad({
      url,
      connections: 4,
      durationMs: 600,
      ratePerSecond: 500,
      warmupMs: 100,
      headerSets: [{ 'x-test': 'allow' }, { 'x-test': 'deny' }],
    });
    // 300 scheduled, the first 50 (100 ms at 500/s) not recorded; every second one denied.
    expect(result.requests).toBe(250);
    expect(result.errors).toBe(0);
    expect(result.statuses).toEqual({ 200: 125, 403: 125 });
    expect(result.offeredPerSecond).toBe(500);
    expect(result.sendLagP99Ms).toBeGreaterThanOrEqual(0);
  });

  it('measures from the scheduled send time: a slow server does not slow the schedule down', async () => {
    // One connection, 20 ms per answer, a request due every 5 ms: request i cannot be answered
    // before 20 (i + 1) ms, though it was due at 5 i ms, so waiting in line shows in the latencies
    // (a closed loop would only ever see about 20 ms).
    const url = await serve(20);
    const result = await runHttpLoad({
      url,
      connections: 1,
      durationMs: 400,
      ratePerSecond: 200,
      warmupMs: 0,
    });
    expect(result.requests).toBe(80);
    expect(result.p50Ms).toBeGreaterThan(500);
    expect(result.perSecond).toBeLessThan(60);
  });
});
