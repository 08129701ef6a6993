import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Agent } from 'node:http';
import { createServer, Agent as HttpsAgent, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { normalizeRequestHost } from '@riskgate/engine';
import type { AccessEnforcer, HttpAccessCheck, HttpAccessOutcome } from '../enforcement/contract.ts';
import { readClientCertificate } from './client-cert.ts';
import { upstreamRequestHeaders } from './forward-headers.ts';
import type { GatewayLogger } from './logger.ts';
import { proxyHttp } from './proxy-http.ts';
import { proxyUpgrade } from './proxy-upgrade.ts';
import {
  denialReply,
  errorReply,
  type GatewayReply,
  sendRawReply,
  sendReply,
  wantsHtml,
} from './responses.ts';
import { compileRouteTable } from './route-table.ts';
import type { GatewayRoute } from './schema.ts';

/** The gateway's own certificate and the device CAs client certificates must chain to. */
export interface GatewayTls {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** Device CA certificates (PEM), one per tenant. */
  readonly ca: readonly string[];
}

export interface GatewayOptions {
  readonly routes: readonly GatewayRoute[];
  readonly tls: GatewayTls;
  readonly enforcer: AccessEnforcer;
  readonly logger: GatewayLogger;
  /**
   * How long an upstream may stay silent (no bytes either way) before its response headers
   * arrive (default 30 s); 504 after it. Uploads in progress and streaming responses are not cut.
   */
  readonly upstreamTimeoutMs?: number;
}

export interface Gateway {
  readonly server: Server;
  /** Listens and resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Replaces the certificate and device CAs for new connections (a tenant added, a cert renewed). */
  updateTls(tls: GatewayTls): void;
  /** Stops accepting, closes idle and open connections and the upstream pools. */
  close(): Promise<void>;
}

/** Either where to send the request and with which headers, or the reply to send instead. */
type Admission =
  | { readonly reply: GatewayReply; readonly route?: undefined }
  | { readonly reply?: undefined; readonly route: GatewayRoute; readonly headers: OutgoingHttpHeaders };

/** The header a browser flow or agent may use to present a device session token. */
export const DEVICE_TOKEN_HEADER = 'x-riskgate-device-token';

const secureContext = (tls: GatewayTls) => ({ cert: tls.cert, key: tls.key, ca: [...tls.ca] });

/**
 * The built-in gateway: terminates TLS, asks for a client certificate (verified by the TLS stack
 * against the device CAs), asks the enforcer about each request, and proxies allowed ones (and
 * WebSocket upgrades) to the route's upstream. Denials are answered here: JSON for API clients,
 * a redirect to the remediation URL for browsers.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { enforcer, logger } = options;
  const table = compileRouteTable(options.routes);
  const timeoutMs = options.upstreamTimeoutMs ?? 30_000;
  const agents = { http: new Agent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  const server = createServer({
    ...secureContext(options.tls),
    requestCert: true,
    rejectUnauthorized: false, // devices without a certificate still get an answer (401) from the enforcer
    minVersion: 'TLSv1.2',
  });

  /** Routes and checks a request; returns the route and identity, or the reply to send instead. */
  async function admit(req: IncomingMessage, requestId: string): Promise<Admission> {
    const rawHost = req.headers.host ?? '';
    const url = req.url ?? '/';
    const route = table.match(rawHost, url);
    if (route === undefined) {
      return { reply: errorReply('not_found', 'No application is configured here.', requestId) };
    }
    const socket = req.socket as TLSSocket;
    const cert = readClientCertificate(socket);
    if (cert.kind === 'untrusted')
      logger.debug({ requestId, error: cert.error }, 'client certificate not trusted');
    const token = req.headers[DEVICE_TOKEN_HEADER];
    const check: HttpAccessCheck = {
      host: normalizeRequestHost(rawHost),
      path: url,
      method: (req.method ?? 'GET').toUpperCase(),
      // An IPv4 client of a dual-stack listener shows as `::ffff:a.b.c.d`; report the IPv4 address.
      remoteAddress: (socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''),
      tenantId: route.tenantId,
      resourceId: route.resourceId,
      ...(cert.kind === 'trusted' ? { clientCertFingerprint: cert.fingerprint } : {}),
      ...(typeof token === 'string' && token !== '' ? { deviceToken: token } : {}),
    };
    let outcome: HttpAccessOutcome;
    try {
      outcome = await enforcer.checkHttp(check);
    } catch (error) {
      logger.error(
        { requestId, err: error instanceof Error ? error.message : String(error) },
        'access check failed',
      );
      return { reply: errorReply('unavailable', 'Access cannot be checked right now.', requestId) };
    }
    if (outcome.status !== 200) {
      return { reply: denialReply(outcome, wantsHtml(req.method ?? 'GET', req.headers), requestId) };
    }
    const headers = upstreamRequestHeaders(req.headers, {
      remoteAddress: check.remoteAddress,
      host: rawHost,
      requestId,
      identity: outcome.headers,
    });
    return { route, headers };
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse) {
    const requestId = randomUUID();
    const admitted = await admit(req, requestId);
    if (res.destroyed) return; // the client left while we were deciding
    if (admitted.reply !== undefined) {
      sendReply(res, admitted.reply, req.method === 'HEAD');
      return;
    }
    proxyHttp({
      req,
      res,
      upstream: admitted.route.upstream,
      headers: admitted.headers,
      agents,
      timeoutMs,
      requestId,
      logger,
    });
  }

  // Upgraded connections leave the HTTP server's bookkeeping; close() must still end them.
  const upgraded = new Set<Duplex>();

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const requestId = randomUUID();
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    socket.on('error', () => socket.destroy());
    const admitted = await admit(req, requestId);
    if (socket.destroyed) return;
    if (admitted.reply !== undefined) {
      sendRawReply(socket, admitted.reply);
      return;
    }
    proxyUpgrade({
      req,
      socket,
      head,
      upstream: admitted.route.upstream,
      headers: admitted.headers,
      timeoutMs,
      requestId,
      logger,
    });
  }

  const fail = (where: string) => (error: unknown) =>
    logger.error({ err: error instanceof Error ? error.message : String(error) }, `gateway ${where} failed`);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    onRequest(req, res).catch((error: unknown) => {
      fail('request')(error);
      if (!res.headersSent) sendReply(res, errorReply('unavailable', 'Internal gateway error.', 'unknown'));
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    onUpgrade(req, socket, head).catch((error: unknown) => {
      fail('upgrade')(error);
      socket.destroy();
    });
  });
  server.on('tlsClientError', (error) => logger.debug({ err: error.message }, 'TLS handshake failed'));

  return {
    server,
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    updateTls(tls) {
      server.setSecureContext(secureContext(tls));
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
        agents.http.destroy();
        agents.https.destroy();
      });
    },
  };
}
