import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GatewayLogger } from './logger.ts';
import { errorReply, sendRawReply } from './responses.ts';
import { openUpstreamRequest, upstreamPath } from './upstream.ts';

export interface ProxyUpgradeParams {
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  /** Bytes the client sent after the request head. */
  readonly head: Buffer;
  readonly upstream: URL;
  /** End-to-end headers for the upstream; `connection`/`upgrade` are added back here. */
  readonly headers: OutgoingHttpHeaders;
  readonly timeoutMs: number;
  readonly requestId: string;
  readonly logger: GatewayLogger;
}

function rawHead(
  statusCode: number,
  statusMessage: string | undefined,
  rawHeaders: readonly string[],
): string {
  const lines = [`HTTP/1.1 ${statusCode} ${statusMessage ?? STATUS_CODES[statusCode] ?? ''}`];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Forwards an upgrade request (WebSocket) on its own upstream connection. After the upstream's
 * `101 Switching Protocols` the two sockets are piped both ways; if the upstream answers
 * anything else, that answer goes to the client and the connection closes.
 */
export function proxyUpgrade(p: ProxyUpgradeParams): void {
  const { req, socket } = p;
  const upReq = openUpstreamRequest({
    upstream: p.upstream,
    method: req.method ?? 'GET',
    path: upstreamPath(p.upstream, req.url ?? '/'),
    headers: { ...p.headers, connection: 'upgrade', upgrade: req.headers.upgrade ?? 'websocket' },
    agents: false,
  });
  const timer = setTimeout(() => upReq.destroy(new Error('upstream timeout')), p.timeoutMs);
  const clientGone = () => upReq.destroy();
  socket.once('close', clientGone);
  socket.on('error', () => upReq.destroy());

  upReq.on('upgrade', (upRes, upSocket, upHead) => {
    clearTimeout(timer);
    socket.off('close', clientGone);
    if (socket.destroyed) {
      upSocket.destroy();
      return;
    }
    socket.write(rawHead(101, upRes.statusMessage, upRes.rawHeaders));
    if (upHead.length > 0) socket.write(upHead);
    if (p.head.length > 0) upSocket.write(p.head);
    upSocket.on('error', () => socket.destroy());
    socket.on('error', () => upSocket.destroy());
    upSocket.on('close', () => socket.destroy());
    socket.on('close', () => upSocket.destroy());
    upSocket.pipe(socket);
    socket.pipe(upSocket);
  });
  upReq.on('response', (upRes) => {
    // The upstream refused the upgrade: relay its answer as is.
    // The body is relayed decoded and delimited by closing the connection.
    clearTimeout(timer);
    const kept: string[] = [];
    for (let i = 0; i + 1 < upRes.rawHeaders.length; i += 2) {
      const name = upRes.rawHeaders[i] ?? '';
      if (/^(transfer-encoding|connection|keep-alive|content-length)$/i.test(name)) continue;
      kept.push(name, upRes.rawHeaders[i + 1] ?? '');
    }
    kept.push('connection', 'close');
    socket.write(rawHead(upRes.statusCode ?? 502, upRes.statusMessage, kept));
    upRes.pipe(socket);
  });
  upReq.on('error', (error) => {
    clearTimeout(timer);
    if (socket.destroyed) return;
    p.logger.warn(
      { requestId: p.requestId, upstream: p.upstream.origin, err: error.message },
      'upstream upgrade failed',
    );
    sendRawReply(socket, errorReply('bad_gateway', 'The application could not be reached.', p.requestId));
  });
  upReq.end();
}
