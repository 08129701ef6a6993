import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test-support/harness.ts';

// Requests Node's HTTP parser or Fastify refuse before any route runs must still answer with
// Riskgate's error body `{ code, message, requestId }` (docs/admin-api.md), never Fastify's
// default `{ error, statusCode, message }`. Raw sockets: `inject` never reaches Node's parser.
// No database work: one dialect is enough.

/** Sends raw bytes and returns everything the server answers until it closes (or 3 s pass). */
async function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      // One response is enough: keep-alive sockets are not closed by the server.
      const [head, body = ''] = text.split('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(head ?? '')?.[1];
      if (length !== undefined && Buffer.byteLength(body, 'latin1') >= Number(length)) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

function parse(answer: string): { status: number; body: unknown } {
  const [head = '', ...rest] = answer.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const text = rest.join('\r\n\r\n');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status, body };
}

const standard = {
  code: expect.any(String),
  message: expect.any(String),
  requestId: expect.any(String),
};

describe('errors raised before routing have the standard body', () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    h = await createHarness('sqlite', { bodyLimit: 1024 });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const address = h.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    port = address.port;
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each([
    ['a malformed request line', 'GARBAGE\r\n\r\n', 400],
    ['an unknown method', 'BREW /healthz HTTP/1.1\r\nhost: x\r\n\r\n', 400],
    ['a header name with a space', 'GET /healthz HTTP/1.1\r\nhost: x\r\nbad header: y\r\n\r\n', 400],
    [
      'a non-numeric content-length',
      'POST /v1/device/reports HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n',
      400,
    ],
    [
      'both content-length and chunked',
      'POST /v1/device/reports HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    [
      'headers past the size limit',
      `GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
    ],
  ])('%s', async (_name, request, status) => {
    const answer = parse(await raw(port, request));
    expect(answer.status).toBe(status);
    expect(answer.body).toStrictEqual(standard);
  });

  it.each([
    ['a body past bodyLimit', 'application/json', JSON.stringify({ a: 'x'.repeat(4096) }), 413],
    ['invalid JSON', 'application/json', '{"a":', 400],
    ['an unsupported content type', 'application/xml', '<a/>', 415],
    ['a broken content-type header', 'application/json; charset=', '{}', 400],
  ])('%s', async (_name, type, body, status) => {
    const request = `POST /v1/admin/api-tokens HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${h.tenant.tokens.owner}\r\ncontent-type: ${type}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const answer = parse(await raw(port, request));
    expect(answer.status).toBe(status);
    expect(answer.body).toStrictEqual(standard);
  });
});
