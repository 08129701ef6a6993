import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type GatewayFixture, startGatewayFixture } from '../../test-support/gateway.ts';
import type { TestClientCert } from '../../test-support/pki.ts';

const MIB = 1024 * 1024;
let f: GatewayFixture;

beforeAll(async () => {
  f = await startGatewayFixture();
});
afterAll(async () => {
  await f?.close();
});

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function open(method: string, path: string, client: TestClientCert, host = 'app.example.test') {
  return request({
    host: '127.0.0.1',
    port: f.port,
    method,
    path,
    servername: host,
    headers: { host },
    ca: f.serverCert.certPem,
    cert: client.certPem,
    key: client.keyPem,
    agent: false,
  });
}

const responseOf = (req: ReturnType<typeof open>) =>
  new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });

async function bodyOf(res: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of res) parts.push(part as Buffer);
  return Buffer.concat(parts).toString();
}

async function writeAll(req: ReturnType<typeof open>, chunks: number, size: number, pauseMs = 0) {
  const chunk = Buffer.alloc(size, 3);
  for (let i = 0; i < chunks; i++) {
    // A server may answer early and close the connection (as the gateway does on 502): stop then.
    if (req.destroyed || req.socket?.destroyed === true) return;
    if (!req.write(chunk)) {
      await new Promise((resolve) => {
        req.once('drain', resolve);
        req.once('close', resolve);
      });
    }
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  req.end();
}

describe('gateway streaming (bodies are never buffered whole)', () => {
  it('does not cut an upload that takes longer than the upstream timeout while bytes keep flowing', async () => {
    // The fixture's upstream timeout is 1 s; this upload lasts about 1.6 s with 200 ms gaps.
    const req = open('POST', '/upload', f.allowed);
    const response = responseOf(req);
    await writeAll(req, 8, 64 * 1024, 200);
    const res = await response;
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(await bodyOf(res))).toMatchObject({ bytes: 8 * 64 * 1024 });
  });

  it('answers 502 to an upload whose upstream is down, without leaving the client stuck', async () => {
    const req = open('POST', '/upload', f.allowed, 'dead.example.test');
    const response = responseOf(req);
    await writeAll(req, 8, MIB);
    const res = await response;
    expect(res.statusCode).toBe(502);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(await bodyOf(res))).toMatchObject({ code: 'bad_gateway' });
  });

  it('streams a 16 MiB upload: the upstream sees the first MiB before the client sends the rest', async () => {
    const req = open('POST', '/upload', f.allowed);
    const response = responseOf(req);
    const hash = createHash('sha256');
    const first = Buffer.alloc(MIB, 1);
    hash.update(first);
    req.write(first);
    await until(() => f.app.uploadBytesSeen() >= MIB, 'the first MiB at the upstream');
    const chunk = Buffer.alloc(MIB, 3); // what writeAll sends
    for (let i = 1; i < 16; i++) hash.update(chunk);
    await writeAll(req, 15, MIB);
    const res = await response;
    const body = await bodyOf(res);
    expect(res.statusCode, body).toBe(200);
    expect(JSON.parse(body)).toEqual({ bytes: 16 * MIB, sha256: hash.digest('hex') });
  });

  it('streams a 16 MiB download: the client sees the first MiB before the upstream sends the rest', async () => {
    const req = open('GET', '/download?mib=16', f.allowed);
    req.end();
    const res = await responseOf(req);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(16 * MIB));
    let received = 0;
    let released = false;
    await new Promise<void>((resolve, reject) => {
      res.on('data', (part: Buffer) => {
        received += part.length;
        if (!released && received >= MIB) {
          released = true;
          f.app.releaseDownload();
        }
      });
      res.on('end', resolve);
      res.on('error', reject);
    });
    expect(received).toBe(16 * MIB);
  });
});

function connect(client: TestClientCert | undefined): WebSocket {
  return new WebSocket(`wss://127.0.0.1:${f.port}/ws`, {
    ca: f.serverCert.certPem,
    ...(client === undefined ? {} : { cert: client.certPem, key: client.keyPem }),
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary }));
    ws.once('error', reject);
  });
}

describe('gateway WebSockets', () => {
  it('echoes text and a 1 MiB binary message through the gateway, with identity headers upstream', async () => {
    const ws = connect(f.allowed);
    const hello = await nextMessage(ws);
    expect(JSON.parse(hello.data.toString())).toEqual({ hello: 'dev-allowed' });
    ws.send('ping');
    const text = await nextMessage(ws);
    expect(text).toEqual({ data: Buffer.from('ping'), isBinary: false });
    const blob = Buffer.alloc(MIB, 9);
    ws.send(blob);
    const binary = await nextMessage(ws);
    expect(binary.isBinary).toBe(true);
    expect(binary.data.equals(blob)).toBe(true);
    ws.close();
    await new Promise((resolve) => ws.once('close', resolve));
  });

  it.each([
    ['a denied device', 'denied', 403, 'risk-too-high'],
    ['no client certificate', undefined, 401, 'device-unknown'],
  ] as const)('refuses the upgrade for %s', async (_label, which, status, reason) => {
    const ws = connect(which === undefined ? undefined : f.denied);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      ws.once('unexpected-response', (_req, response) => resolve(response));
      ws.once('open', () => reject(new Error('upgrade was accepted')));
    });
    expect(res.statusCode).toBe(status);
    expect(res.headers['x-riskgate-reason']).toBe(reason);
    res.resume();
    ws.on('error', () => {}); // terminating a socket that never opened reports an error
    ws.terminate();
  });
});
