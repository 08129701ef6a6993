import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ACCESS_HEADERS, type HttpAccessOutcome } from '../enforcement/contract.ts';

/** Error codes the gateway answers with itself (the server's `ErrorCode`s plus the proxy ones). */
export type GatewayErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'bad_gateway'
  | 'gateway_timeout'
  | 'unavailable';

const STATUS: Record<GatewayErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  bad_gateway: 502,
  gateway_timeout: 504,
  unavailable: 503,
};

/** A reply the gateway makes itself: status, headers and body. */
export interface GatewayReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** `{ code, message, requestId }`, plus any extra fields. */
export function errorReply(
  code: GatewayErrorCode,
  message: string,
  requestId: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): GatewayReply {
  return {
    status: STATUS[code],
    headers: { ...headers, 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId },
    body: JSON.stringify({ code, message, requestId, ...extra }),
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A browser navigation: it wants HTML and will follow a redirect to the remediation page. */
export function wantsHtml(method: string, headers: IncomingHttpHeaders): boolean {
  return (method === 'GET' || method === 'HEAD') && (headers.accept ?? '').includes('text/html');
}

/**
 * The reply to a 401/403 outcome. Browsers are redirected to the remediation URL (or, without
 * one, shown a short HTML page); API clients get JSON. The outcome's headers (reason, remediation
 * link) are passed on either way.
 */
export function denialReply(outcome: HttpAccessOutcome, browser: boolean, requestId: string): GatewayReply {
  const reason =
    outcome.headers[ACCESS_HEADERS.reason] ?? (outcome.status === 401 ? 'device-unknown' : 'denied');
  const remediationUrl = outcome.headers[ACCESS_HEADERS.remediationUrl];
  const message =
    outcome.status === 401
      ? 'This device is not enrolled or did not present its certificate.'
      : 'Access from this device is blocked.';
  const headers: Record<string, string> = { ...outcome.headers, 'cache-control': 'no-store' };
  if (browser && remediationUrl !== undefined) {
    const link = escapeHtml(remediationUrl);
    return {
      status: 302,
      headers: {
        ...headers,
        location: remediationUrl,
        'content-type': 'text/html; charset=utf-8',
        'x-request-id': requestId,
      },
      body: `<!doctype html><title>Access blocked</title><p>${escapeHtml(message)} <a href="${link}">See how to fix it</a>.</p>\n`,
    };
  }
  if (browser) {
    return {
      status: outcome.status,
      headers: { ...headers, 'content-type': 'text/html; charset=utf-8', 'x-request-id': requestId },
      body: `<!doctype html><title>Access blocked</title><p>${escapeHtml(message)}</p><p>Reason: ${escapeHtml(reason)}</p>\n`,
    };
  }
  const extra: Record<string, string> = { reason };
  if (remediationUrl !== undefined) extra.remediationUrl = remediationUrl;
  return errorReply(
    outcome.status === 401 ? 'unauthorized' : 'forbidden',
    message,
    requestId,
    extra,
    headers,
  );
}

/** Sends a reply on an HTTP response (nothing sent yet). */
export function sendReply(res: ServerResponse, reply: GatewayReply, head = false): void {
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  res.end(head ? undefined : reply.body);
}

/** Writes a reply on a raw socket (an upgrade request that will not be upgraded) and closes it. */
export function sendRawReply(socket: Duplex, reply: GatewayReply): void {
  const lines = [`HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? ''}`];
  for (const [name, value] of Object.entries(reply.headers)) lines.push(`${name}: ${value}`);
  lines.push(`content-length: ${Buffer.byteLength(reply.body)}`, 'connection: close', '', '');
  socket.end(lines.join('\r\n') + reply.body);
}
