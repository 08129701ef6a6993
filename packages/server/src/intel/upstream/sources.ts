import { createHash } from 'node:crypto';
import type { BlockList } from 'node:net';
import type { IntelFormat } from '@riskgate/engine';
import { headerOf, httpGet, UpstreamFetchError } from './http-get.ts';

/** What a pull needs to know about an upstream (secrets already opened). */
export interface PullRequest {
  readonly kind: 'file' | 'misp' | 'taxii';
  readonly url: string;
  readonly collection: string | null;
  readonly maxBytes: number;
  readonly sha256: string | null;
  /** The `Authorization` header value, when the upstream has credentials. */
  readonly authorization?: string;
  /** The validators and cursor of the version held. */
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly cursor: string | null;
  /** The stored content of the version held (MISP: events reused when unchanged; TAXII: objects merged). */
  readonly previous: string | null;
  readonly timeoutMs?: number;
  /** Private addresses that may be fetched (see `httpGet`). */
  readonly allowPrivate?: BlockList;
}

export type PullResult =
  | { readonly status: 'not-modified' }
  | {
      readonly status: 'fetched';
      /** The document to store and parse (MISP: a REST-style `{"response": [...]}`; TAXII: a STIX bundle). */
      readonly content: string;
      /** The parser, when the kind fixes it. */
      readonly format?: IntelFormat;
      readonly etag: string | null;
      readonly lastModified: string | null;
      readonly cursor: string | null;
      /** Requests made and bytes read, for the log. */
      readonly requests: number;
      readonly bytes: number;
    };

/** Conditional request headers for the version held. */
function validators(request: PullRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  if (request.etag !== null) headers['if-none-match'] = request.etag;
  if (request.lastModified !== null) headers['if-modified-since'] = request.lastModified;
  return headers;
}

function authHeaders(request: PullRequest): Record<string, string> {
  return request.authorization === undefined ? {} : { authorization: request.authorization };
}

/** One document (a feed file): conditional GET, size limit, optional pinned SHA-256. */
export async function pullFile(request: PullRequest): Promise<PullResult> {
  const response = await httpGet(request.url, {
    headers: { ...authHeaders(request), ...validators(request) },
    maxBytes: request.maxBytes,
    ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
    ...(request.allowPrivate !== undefined ? { allowPrivate: request.allowPrivate } : {}),
  });
  if (response.status === 304) return { status: 'not-modified' };
  if (request.sha256 !== null) {
    const actual = createHash('sha256').update(response.body).digest('hex');
    if (actual !== request.sha256.toLowerCase())
      throw new UpstreamFetchError(`checksum mismatch: expected sha256 ${request.sha256}, got ${actual}`);
  }
  return {
    status: 'fetched',
    content: decodeText(response.body),
    etag: headerOf(response.headers, 'etag') ?? null,
    lastModified: headerOf(response.headers, 'last-modified') ?? null,
    cursor: null,
    requests: 1,
    bytes: response.body.length,
  };
}

function decodeText(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new UpstreamFetchError('the body is not UTF-8 text');
  }
}

function parseJsonBody(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(decodeText(body)) as unknown;
  } catch (error) {
    if (error instanceof UpstreamFetchError) throw error;
    throw new UpstreamFetchError(`${what} is not JSON`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The events of a stored MISP document by uuid, with their timestamps (for reuse). */
function previousEvents(previous: string | null): Map<string, { timestamp: string; event: unknown }> {
  const out = new Map<string, { timestamp: string; event: unknown }>();
  if (previous === null) return out;
  try {
    const data = JSON.parse(previous) as unknown;
    const list = isRecord(data) && Array.isArray(data.response) ? data.response : [];
    for (const entry of list) {
      const event = isRecord(entry) && isRecord(entry.Event) ? entry.Event : undefined;
      if (event !== undefined && typeof event.uuid === 'string')
        out.set(event.uuid, { timestamp: String(event.timestamp ?? ''), event });
    }
  } catch {
    // An unreadable previous copy: every event is fetched again.
  }
  return out;
}

/**
 * A MISP feed (the layout MISP's default feeds publish): `manifest.json` fetched conditionally;
 * each event it lists is fetched as `<uuid>.json` unless the version held has it with the same
 * `timestamp` (MISP's own rule for feed pulls). The events are stored together as a REST-style
 * `{"response": [{"Event": …}]}` document, which the `misp` parser reads. The size limit counts
 * every byte read.
 */
export async function pullMispFeed(request: PullRequest): Promise<PullResult> {
  const base = request.url.endsWith('/') ? request.url : `${request.url}/`;
  const budget = { left: request.maxBytes };
  let requests = 0;
  const get = async (url: string, headers: Record<string, string>) => {
    requests++;
    const response = await httpGet(url, {
      headers: { ...authHeaders(request), ...headers },
      maxBytes: budget.left,
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      ...(request.allowPrivate !== undefined ? { allowPrivate: request.allowPrivate } : {}),
    });
    if (response.status === 200) budget.left -= response.body.length;
    return response;
  };
  const manifestResponse = await get(new URL('manifest.json', base).toString(), validators(request));
  if (manifestResponse.status === 304) return { status: 'not-modified' };
  const manifest = parseJsonBody(manifestResponse.body, 'manifest.json');
  if (!isRecord(manifest)) throw new UpstreamFetchError('manifest.json is not a MISP feed manifest');
  const held = previousEvents(request.previous);
  const events: unknown[] = [];
  for (const uuid of Object.keys(manifest).sort()) {
    if (!UUID.test(uuid))
      throw new UpstreamFetchError(
        `manifest.json: ${JSON.stringify(uuid.slice(0, 60))} is not an event uuid`,
      );
    const entry = manifest[uuid];
    const timestamp = isRecord(entry) ? String(entry.timestamp ?? '') : '';
    const kept = held.get(uuid);
    if (kept !== undefined && timestamp !== '' && kept.timestamp === timestamp) {
      events.push(kept.event);
      continue;
    }
    const response = await get(new URL(`${uuid}.json`, base).toString(), {});
    if (response.status !== 200) throw new UpstreamFetchError(`${uuid}.json: unexpected 304`);
    const data = parseJsonBody(response.body, `${uuid}.json`);
    if (!isRecord(data) || !isRecord(data.Event))
      throw new UpstreamFetchError(`${uuid}.json is not a MISP event`);
    events.push(data.Event);
  }
  return {
    status: 'fetched',
    content: JSON.stringify({ response: events.map((event) => ({ Event: event })) }),
    format: 'misp',
    etag: headerOf(manifestResponse.headers, 'etag') ?? null,
    lastModified: headerOf(manifestResponse.headers, 'last-modified') ?? null,
    cursor: null,
    requests,
    bytes: request.maxBytes - budget.left,
  };
}
