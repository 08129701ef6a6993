import { type Agent, type ClientRequest, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { type Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Keep-alive agents for upstream connections, one per scheme. */
export interface UpstreamAgents {
  readonly http: Agent;
  readonly https: HttpsAgent;
}

/** The upstream path: the upstream's base path (if any) followed by the original request target. */
export function upstreamPath(upstream: URL, originalUrl: string): string {
  const base = upstream.pathname.endsWith('/') ? upstream.pathname.slice(0, -1) : upstream.pathname;
  return `${base}${originalUrl.startsWith('/') ? originalUrl : `/${originalUrl}`}`;
}

/**
 * Opens a request to the upstream. `agent: false` gives a dedicated connection (WebSocket
 * upgrades, which leave the pool); otherwise the keep-alive agent for the scheme is used.
 */
export function openUpstreamRequest(params: {
  readonly upstream: URL;
  readonly method: string;
  readonly path: string;
  readonly headers: OutgoingHttpHeaders;
  readonly agents: UpstreamAgents | false;
}): ClientRequest {
  const { upstream, agents } = params;
  const secure = upstream.protocol === 'https:';
  const options = {
    protocol: upstream.protocol,
    hostname: upstream.hostname.startsWith('[') ? upstream.hostname.slice(1, -1) : upstream.hostname,
    port: upstream.port === '' ? (secure ? 443 : 80) : Number(upstream.port),
    method: params.method,
    path: params.path,
    headers: params.headers,
  };
  if (secure) return httpsRequest({ ...options, agent: agents === false ? false : agents.https });
  return httpRequest({ ...options, agent: agents === false ? false : agents.http });
}
