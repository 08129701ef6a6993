import { createHash, createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal stand-in for the device API (docs/agent-protocol.md) for SDK tests: verifies every
 * signature like the real server, stores report ids once (answers retries with `duplicate: true`),
 * and can fail on purpose. Not the real server: the e2e tests use packages/server.
 */
export interface FakeDeviceServer {
  readonly url: string;
  /** Report ids in the order they were first stored. */
  readonly stored: string[];
  /** Requests seen, including duplicates and refusals. */
  readonly requests: { method: string; path: string; status: number }[];
  /** The `ts` of every verified signature, in order. */
  readonly signedTimes: number[];
  /** Answer the next `count` report posts with this status. */
  failNext(count: number, status: number, code: string): void;
  /** Answer every report post whose body matches with this status, however often it is sent. */
  failReportsWhere(match: (body: Record<string, unknown>) => boolean, status: number, code: string): void;
  close(): Promise<void>;
}

interface DeviceRecord {
  readonly jwk: JsonWebKey;
}

const decode = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

export async function startFakeDeviceServer(port = 0): Promise<FakeDeviceServer> {
  const devices = new Map<string, DeviceRecord>();
  const stored: string[] = [];
  const requests: FakeDeviceServer['requests'] = [];
  const nonces = new Set<string>();
  const signedTimes: number[] = [];
  let failures: { count: number; status: number; code: string } = { count: 0, status: 500, code: 'internal' };
  const poison: { match: (body: Record<string, unknown>) => boolean; status: number; code: string }[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const send = (status: number, body: unknown) => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const refuse = (code: string) => send(401, { code, message: code, requestId: 'req_fake' });
    const [h = '', p = '', s = ''] = String(req.headers['x-riskgate-signature'] ?? '').split('.');
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = decode(h);
      payload = decode(p);
    } catch {
      return refuse('bad_signature');
    }
    const deviceId = typeof header.kid === 'string' ? header.kid : undefined;
    const jwk =
      (header.jwk as JsonWebKey | undefined) ??
      (deviceId === undefined ? undefined : devices.get(deviceId)?.jwk);
    if (jwk === undefined) return refuse('bad_signature');
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    const ok = verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(s, 'base64url'),
    );
    const digest = createHash('sha256').update(raw).digest('base64url');
    if (!ok || payload.m !== req.method || payload.p !== req.url || payload.bd !== digest)
      return refuse('bad_signature');
    if (nonces.has(String(payload.n))) return refuse('replayed_nonce');
    nonces.add(String(payload.n));
    signedTimes.push(Number(payload.ts));
    const status = {
      riskLevel: 'secured',
      compliance: { state: 'compliant', failingRules: [] },
      labels: [],
      threats: [],
    };

    if (req.method === 'POST' && req.url === '/v1/device/enroll') {
      const id = `dev_${devices.size + 1}`;
      devices.set(id, { jwk });
      return send(201, {
        deviceId: id,
        certificate: 'cert',
        caCertificate: 'ca',
        serverTime: new Date().toISOString(),
      });
    }
    if (deviceId === undefined) return refuse('bad_signature');
    if (req.method === 'GET' && req.url === '/v1/device/status') return send(200, { deviceId, ...status });
    if (req.method === 'POST' && req.url === '/v1/device/reports') {
      if (failures.count > 0) {
        failures = { ...failures, count: failures.count - 1 };
        return send(failures.status, { code: failures.code, message: 'fake failure', requestId: 'req_fake' });
      }
      const body = JSON.parse(raw.toString('utf8')) as { reportId: string };
      const always = poison.find((rule) => rule.match(body));
      if (always !== undefined)
        return send(always.status, { code: always.code, message: 'fake poison', requestId: 'req_fake' });
      const duplicate = stored.includes(body.reportId);
      if (!duplicate) stored.push(body.reportId);
      return send(200, { reportId: body.reportId, duplicate, deviceId, ...status });
    }
    return send(404, { code: 'not_found', message: 'not found', requestId: 'req_fake' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    stored,
    requests,
    signedTimes,
    failNext(count, status, code) {
      failures = { count, status, code };
    },
    failReportsWhere(match, status, code) {
      poison.push({ match, status, code });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
