import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDevice } from '../../test-support/device.ts';
import { createHarness, type Harness } from '../../test-support/harness.ts';

// Issue 11.7: 300 connections holding 3.9 MB bodies to the device API raised the server's memory
// from 248 MiB to 1.3 GiB. A stranger must be answered (and let go) before the body is read.
// Raw sockets, because app.inject hands the whole body over at once. The dialect does not matter
// here (no row is written), so this runs on SQLite only.

const BIG = 3_900_000;

interface Exchange {
  /** What the server sent back (status line first). */
  readonly response: string;
  /** Body bytes the client had sent when the response arrived. */
  readonly sentWhenAnswered: number;
  /** Whether the server closed the connection. */
  readonly closed: boolean;
}

/** Sends headers announcing `length` body bytes and a first 1 KiB chunk, then waits for an answer. */
function holdBigBody(port: number, head: string, length = BIG, timeoutMs = 5000): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let response = '';
    let sent = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms; got ${JSON.stringify(response.slice(0, 80))}`));
    }, timeoutMs);
    socket.on('connect', () => {
      socket.write(`${head}content-type: application/json\r\ncontent-length: ${length}\r\n\r\n`);
      socket.write(Buffer.alloc(1024, 0x20));
      sent = 1024;
    });
    socket.on('data', (chunk) => {
      response += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, sentWhenAnswered: sent, closed: true });
    });
  });
}

const statusOf = (exchange: Exchange) => Number(exchange.response.slice(9, 12));

describe('unauthenticated requests cannot hold large bodies (sqlite, raw sockets)', () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    h = await createHarness('sqlite', { bodyLimit: 4 * 1024 * 1024 });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const address = h.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    port = address.port;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a device report with an unknown key id is refused with 401 before its body is sent, and the connection closed', async () => {
    const stranger = new TestDevice();
    stranger.deviceId = 'dev_unknown';
    const signature = stranger.sign('POST', '/v1/device/reports', 'x', h.clock.now);
    const exchange = await holdBigBody(
      port,
      `POST /v1/device/reports HTTP/1.1\r\nhost: x\r\nx-riskgate-signature: ${signature}\r\n`,
    );
    expect(statusOf(exchange)).toBe(401);
    expect(exchange.sentWhenAnswered).toBe(1024);
    expect(exchange.closed).toBe(true);
  });

  it('a device report without a signature: 401 before the body', async () => {
    const exchange = await holdBigBody(port, 'POST /v1/device/reports HTTP/1.1\r\nhost: x\r\n');
    expect(statusOf(exchange)).toBe(401);
  });

  it('an admin request without a valid bearer token: 401 before the body', async () => {
    for (const auth of ['', 'authorization: Bearer rg_api_nottoken\r\n']) {
      const exchange = await holdBigBody(port, `POST /v1/admin/api-tokens HTTP/1.1\r\nhost: x\r\n${auth}`);
      expect(statusOf(exchange)).toBe(401);
      expect(exchange.closed).toBe(true);
    }
    const access = await holdBigBody(port, 'POST /v1/admin/resources HTTP/1.1\r\nhost: x\r\n');
    expect(statusOf(access)).toBe(401);
  });

  it('an enrollment announcing more than its small limit: 413 before the body', async () => {
    const exchange = await holdBigBody(port, 'POST /v1/device/enroll HTTP/1.1\r\nhost: x\r\n');
    expect(statusOf(exchange)).toBe(413);
  });

  it('300 concurrent strangers holding 3.9 MB bodies do not make the server buffer them', async () => {
    const before = process.memoryUsage().rss;
    const stranger = new TestDevice();
    stranger.deviceId = 'dev_unknown';
    const head = `POST /v1/device/reports HTTP/1.1\r\nhost: x\r\nx-riskgate-signature: ${stranger.sign('POST', '/v1/device/reports', 'x', h.clock.now)}\r\n`;
    const exchanges = await Promise.all(
      Array.from({ length: 300 }, () => holdBigBody(port, head, BIG, 20_000)),
    );
    const grownMiB = (process.memoryUsage().rss - before) / 2 ** 20;
    expect(exchanges.map(statusOf).every((status) => status === 401)).toBe(true);
    expect(exchanges.every((exchange) => exchange.sentWhenAnswered === 1024)).toBe(true);
    // 300 × 3.9 MB buffered would be > 1 GiB; sockets and replies cost a few MiB.
    expect(grownMiB).toBeLessThan(100);
  });
});
