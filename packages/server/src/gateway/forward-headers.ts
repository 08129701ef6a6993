import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus the legacy ones proxies drop. */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Headers the gateway sets itself: a client's own values must never reach the upstream. */
function isGatewayOwned(name: string): boolean {
  return (
    name.startsWith('x-riskgate-') ||
    name.startsWith('x-forwarded-') ||
    name === 'forwarded' ||
    // Proxies' certificate headers (nginx, Caddy): an application behind the gateway must not
    // read a client's copy as an identity.
    name.startsWith('x-client-cert') ||
    name === 'x-client-verify'
  );
}

function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  const tokens = new Set<string>();
  if (value === undefined) return tokens;
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase();
    if (t !== '') tokens.add(t);
  }
  return tokens;
}

/** Copies end-to-end headers: hop-by-hop ones and those named in `Connection` are dropped. */
export function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionTokens(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

export interface ForwardContext {
  readonly remoteAddress: string;
  readonly host: string;
  readonly requestId: string;
  /** Identity headers from an allowing `HttpAccessOutcome` (`x-riskgate-device-id`, `x-riskgate-user`…). */
  readonly identity: Readonly<Record<string, string>>;
}

/**
 * The headers sent to the upstream: end-to-end client headers without anything the gateway owns
 * (`x-riskgate-*`, `x-forwarded-*`, `forwarded`), then the gateway's own forwarding and identity
 * headers. The gateway is the edge, so `x-forwarded-for` starts here rather than appending.
 */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  ctx: ForwardContext,
): OutgoingHttpHeaders {
  const out = endToEndHeaders(headers);
  for (const name of Object.keys(out)) if (isGatewayOwned(name)) delete out[name];
  out['x-forwarded-for'] = ctx.remoteAddress;
  out['x-forwarded-proto'] = 'https';
  out['x-forwarded-host'] = ctx.host;
  out['x-request-id'] = ctx.requestId;
  for (const [name, value] of Object.entries(ctx.identity)) {
    if (name.startsWith('x-riskgate-')) out[name] = value;
  }
  return out;
}
