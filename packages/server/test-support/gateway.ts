import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { AccessEnforcer, HttpAccessCheck, HttpAccessOutcome } from '../src/enforcement/contract.ts';
import { createGateway, type Gateway } from '../src/gateway/gateway.ts';
import type { GatewayLogger } from '../src/gateway/logger.ts';
import { parseGatewayConfig } from '../src/gateway/schema.ts';
import { createTestDeviceCa, createTestServerCert, type TestClientCert, type TestServerCert } from './pki.ts';

/** Test support for the gateway tests (not used by production code). */

export const REMEDIATION_URL = 'https://riskgate.example.test/remediate/abc';

/** Allows known fingerprints, denies others it knows, 401 otherwise; records every check. */
export class FakeEnforcer implements AccessEnforcer {
  readonly checks: HttpAccessCheck[] = [];
  readonly allowed = new Map<string, string>(); // fingerprint → device id
  readonly denied = new Set<string>();
  failWith: Error | undefined;

  async checkHttp(check: HttpAccessCheck): Promise<HttpAccessOutcome> {
    this.checks.push(check);
    if (this.failWith !== undefined) throw this.failWith;
    const fp = check.clientCertFingerprint;
    const deviceId = fp === undefined ? undefined : this.allowed.get(fp);
    if (deviceId !== undefined) {
      return {
        status: 200,
        headers: { 'x-riskgate-device-id': deviceId, 'x-riskgate-user': 'alice@example.test' },
      };
    }
    if (fp !== undefined && this.denied.has(fp)) {
      return {
        status: 403,
        headers: { 'x-riskgate-reason': 'risk-too-high', 'x-riskgate-remediation-url': REMEDIATION_URL },
      };
    }
    return { status: 401, headers: { 'x-riskgate-reason': 'device-unknown' } };
  }
}

export interface UpstreamHit {
  readonly url: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * The protected application: `/upload` hashes a streamed body, `/download?mib=N` streams N MiB
 * (the rest only after `releaseDownload()`), `/slow` never answers, `/ws` echoes WebSocket
 * messages, anything else echoes the request as JSON.
 */
export function createUpstreamApp() {
  const hits: UpstreamHit[] = [];
  let uploadBytesSeen = 0;
  let releaseDownload: () => void = () => {};
  const server = createServer((req, res) => {
    hits.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://upstream');
    if (url.pathname.endsWith('/upload')) {
      const hash = createHash('sha256');
      let bytes = 0;
      uploadBytesSeen = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        uploadBytesSeen = bytes;
      });
      req.on('end', () => res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') })));
      return;
    }
    if (url.pathname.endsWith('/download')) {
      const mib = Number(url.searchParams.get('mib') ?? '1');
      const chunk = Buffer.alloc(1024 * 1024, 7);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': mib * chunk.length,
      });
      res.write(chunk); // the first MiB now, the rest once the client has seen it
      releaseDownload = () => {
        for (let i = 1; i < mib; i++) res.write(chunk);
        res.end();
      };
      return;
    }
    if (url.pathname.endsWith('/slow')) return;
    res.writeHead(200, {
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
      connection: 'keep-alive, x-upstream-private',
      'x-upstream-private': 'hop',
    });
    res.end(JSON.stringify({ url: req.url, method: req.method, headers: req.headers }));
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (socket, req) => {
    socket.send(JSON.stringify({ hello: req.headers['x-riskgate-device-id'] ?? null }));
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  return {
    server,
    wss,
    hits,
    uploadBytesSeen: () => uploadBytesSeen,
    releaseDownload: () => releaseDownload(),
  };
}

export function listenLoopback(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** A port nothing listens on (bound then closed). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  const port = await listenLoopback(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface LogEntry {
  readonly level: string;
  readonly msg: string;
  readonly obj: object;
}

export function memoryLogger(): GatewayLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: string) => (obj: object, msg: string) => {
    entries.push({ level, msg, obj });
  };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface GatewayFixture {
  readonly gateway: Gateway;
  readonly port: number;
  readonly serverCert: TestServerCert;
  readonly enforcer: FakeEnforcer;
  readonly app: ReturnType<typeof createUpstreamApp>;
  readonly logger: ReturnType<typeof memoryLogger>;
  readonly allowed: TestClientCert;
  readonly denied: TestClientCert;
  readonly foreign: TestClientCert;
  close(): Promise<void>;
}

/**
 * A gateway on loopback with routes for `app.example.test` (`/` → app, `/payroll` → app under
 * `/base`), `127.0.0.1` (for WebSocket clients), `dead.example.test` (nothing listening) and
 * `slow.example.test` (200 ms upstream timeout applies to all routes).
 */
export async function startGatewayFixture(): Promise<GatewayFixture> {
  const serverCert = await createTestServerCert([
    'app.example.test',
    'dead.example.test',
    'unknown.example.test',
  ]);
  const ca = await createTestDeviceCa('Acme');
  const otherCa = await createTestDeviceCa('Other');
  const allowed = await ca.issueClient('dev-allowed');
  const denied = await ca.issueClient('dev-denied');
  const foreign = await otherCa.issueClient('dev-foreign');
  const enforcer = new FakeEnforcer();
  enforcer.allowed.set(allowed.sha256, 'dev-allowed');
  enforcer.denied.add(denied.sha256);
  const app = createUpstreamApp();
  const appPort = await listenLoopback(app.server);
  const dead = await closedPort();
  const routes = parseGatewayConfig({
    routes: [
      {
        host: 'app.example.test',
        upstream: `http://127.0.0.1:${appPort}`,
        resourceId: 'app',
        tenantId: 'ten_1',
      },
      {
        host: 'app.example.test',
        pathPrefix: '/payroll',
        upstream: `http://127.0.0.1:${appPort}/base/`,
        resourceId: 'payroll',
        tenantId: 'ten_1',
      },
      { host: '127.0.0.1', upstream: `http://127.0.0.1:${appPort}`, resourceId: 'app', tenantId: 'ten_1' },
      {
        host: 'dead.example.test',
        upstream: `http://127.0.0.1:${dead}`,
        resourceId: 'dead',
        tenantId: 'ten_1',
      },
      {
        host: 'slow.example.test',
        upstream: `http://127.0.0.1:${appPort}`,
        resourceId: 'slow',
        tenantId: 'ten_1',
      },
    ],
  });
  const logger = memoryLogger();
  const gateway = createGateway({
    routes,
    tls: { cert: serverCert.certPem, key: serverCert.keyPem, ca: [ca.caCertPem] },
    enforcer,
    logger,
    upstreamTimeoutMs: 1_000,
  });
  const { port } = await gateway.listen(0, '127.0.0.1');
  return {
    gateway,
    port,
    serverCert,
    enforcer,
    app,
    logger,
    allowed,
    denied,
    foreign,
    async close() {
      await gateway.close();
      app.wss.close();
      app.server.closeAllConnections();
      await new Promise((resolve) => app.server.close(resolve));
    },
  };
}
