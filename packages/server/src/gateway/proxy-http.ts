import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { endToEndHeaders } from './forward-headers.ts';
import type { GatewayLogger } from './logger.ts';
import { errorReply, sendReply } from './responses.ts';
import { openUpstreamRequest, type UpstreamAgents, upstreamPath } from './upstream.ts';

export interface ProxyHttpParams {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly upstream: URL;
  readonly headers: OutgoingHttpHeaders;
  readonly agents: UpstreamAgents;
  /** Time allowed until the upstream's response headers arrive. */
  readonly timeoutMs: number;
  readonly requestId: string;
  readonly logger: GatewayLogger;
}

/**
 * Forwards one request and streams both bodies (never buffered). Upstream failures before the
 * response starts become 502 (504 on timeout); after it starts, the client connection is cut so
 * a truncated body is never mistaken for a whole one.
 */
export function proxyHttp(p: ProxyHttpParams): void {
  const { req, res } = p;
  const headers = { ...p.headers };
  delete headers.expect; // Node already answered `100 Continue` to the client.
  const upReq = openUpstreamRequest({
    upstream: p.upstream,
    method: req.method ?? 'GET',
    path: upstreamPath(p.upstream, req.url ?? '/'),
    headers,
    agents: p.agents,
  });
  // An idle timeout, not a deadline: a long upload keeps the connection busy and is not cut; an
  // upstream silent for `timeoutMs` before its response headers is. Streaming responses (SSE,
  // long polls) are not limited once the headers arrived.
  let timedOut = false;
  upReq.setTimeout(p.timeoutMs, () => {
    timedOut = true;
    upReq.destroy(new Error('upstream timeout'));
  });

  upReq.on('response', (upRes) => {
    upReq.setTimeout(0);
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, endToEndHeaders(upRes.headers));
    pipeline(upRes, res, (error) => {
      if (error !== undefined && error !== null)
        p.logger.debug({ requestId: p.requestId, err: error }, 'response stream ended early');
    });
  });
  upReq.on('error', (error) => {
    if (res.headersSent) {
      res.destroy(error);
      return;
    }
    if (res.destroyed) return;
    p.logger.warn(
      { requestId: p.requestId, upstream: p.upstream.origin, err: error.message },
      'upstream request failed',
    );
    const reply = timedOut
      ? errorReply('gateway_timeout', 'The application did not answer in time.', p.requestId)
      : errorReply('bad_gateway', 'The application could not be reached.', p.requestId);
    // A client still sending its body gets the answer now; Node then closes the connection
    // (`connection: close`) rather than read a body nobody wants.
    sendReply(res, reply, req.method === 'HEAD');
  });
  // The client went away before the exchange finished: stop the upstream side too.
  res.on('close', () => {
    if (!res.writableFinished) upReq.destroy();
  });
  req.pipe(upReq);
}
