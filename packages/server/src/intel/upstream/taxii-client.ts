import { headerOf, httpGet, UpstreamFetchError } from './http-get.ts';
import type { PullRequest, PullResult } from './sources.ts';

/** The TAXII 2.1 media type (both the request's Accept and the server's Content-Type). */
export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
/** Objects asked for per page. */
const PAGE_LIMIT = 500;
/** Pages taken per pull at most (a pull resumes from the cursor next time). */
const MAX_PAGES = 1000;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Pulls a TAXII 2.1 collection's new objects (docs/intel.md, "TAXII 2.1"): the configured URL is an
 * API root (`…/api1/`) or a discovery endpoint (`…/taxii2/`, whose `default` or first API root is
 * used); the collection must say `can_read`. Objects are asked for with `added_after` = the cursor
 * (the `X-TAXII-Date-Added-Last` of the last page taken before), page after page while `more`, each
 * next page with the server's `next`. The new objects are merged by id into the STIX bundle held
 * (a newer `modified` replaces an object; a revoked one is removed; the merged bundle must stay
 * within `maxBytes`), which the STIX parser reads. Nothing new: not modified.
 */
export async function pullTaxiiCollection(request: PullRequest): Promise<PullResult> {
  if (request.collection === null) throw new UpstreamFetchError('no TAXII collection configured');
  const budget = { left: request.maxBytes };
  let requests = 0;
  const get = async (url: string): Promise<{ data: Record<string, unknown>; dateAddedLast?: string }> => {
    requests++;
    const response = await httpGet(url, {
      headers: {
        accept: TAXII_MEDIA_TYPE,
        ...(request.authorization !== undefined ? { authorization: request.authorization } : {}),
      },
      maxBytes: budget.left,
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      ...(request.allowPrivate !== undefined ? { allowPrivate: request.allowPrivate } : {}),
    });
    if (response.status !== 200)
      throw new UpstreamFetchError(`TAXII: unexpected 304 from ${new URL(url).pathname}`);
    budget.left -= response.body.length;
    const type = headerOf(response.headers, 'content-type') ?? '';
    if (!/^application\/taxii\+json/i.test(type))
      throw new UpstreamFetchError(
        `TAXII: ${new URL(url).pathname} answered ${type || 'no content type'}, not ${TAXII_MEDIA_TYPE}`,
      );
    let data: unknown;
    try {
      data = JSON.parse(response.body.toString('utf8')) as unknown;
    } catch {
      throw new UpstreamFetchError(`TAXII: ${new URL(url).pathname} is not JSON`);
    }
    if (!isRecord(data)) throw new UpstreamFetchError(`TAXII: ${new URL(url).pathname} is not a JSON object`);
    const dateAddedLast = headerOf(response.headers, 'x-taxii-date-added-last');
    return dateAddedLast === undefined ? { data } : { data, dateAddedLast };
  };

  let apiRoot = request.url.endsWith('/') ? request.url : `${request.url}/`;
  const { data: first } = await get(apiRoot);
  if (Array.isArray(first.api_roots) || typeof first.default === 'string') {
    // A discovery document: follow its default API root (or the first one).
    const roots = Array.isArray(first.api_roots)
      ? first.api_roots.filter((r): r is string => typeof r === 'string')
      : [];
    const chosen = typeof first.default === 'string' ? first.default : roots[0];
    if (chosen === undefined) throw new UpstreamFetchError('TAXII: the discovery document names no API root');
    const discovered = new URL(chosen.endsWith('/') ? chosen : `${chosen}/`, apiRoot);
    // Credentials never go to another origin: such an API root must be configured as the URL.
    if (request.authorization !== undefined && discovered.origin !== new URL(apiRoot).origin)
      throw new UpstreamFetchError(
        `TAXII: the discovery document names an API root on another origin (${discovered.origin}); credentials are not sent there: configure the API root's URL`,
      );
    apiRoot = discovered.toString();
    const { data: root } = await get(apiRoot);
    checkApiRoot(root);
  } else checkApiRoot(first);

  const collectionUrl = new URL(`collections/${encodeURIComponent(request.collection)}/`, apiRoot).toString();
  const { data: collection } = await get(collectionUrl);
  if (collection.can_read !== true)
    throw new UpstreamFetchError(`TAXII: collection ${request.collection} is not readable`);

  const held = heldObjects(request.previous);
  let cursor = request.cursor;
  let added = 0;
  let next: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = new URL('objects/', collectionUrl);
    url.searchParams.set('limit', String(PAGE_LIMIT));
    if (request.cursor !== null) url.searchParams.set('added_after', request.cursor);
    if (next !== undefined) url.searchParams.set('next', next);
    const { data, dateAddedLast } = await get(url.toString());
    const objects = Array.isArray(data.objects) ? data.objects : [];
    for (const object of objects) {
      if (!isRecord(object) || typeof object.id !== 'string' || typeof object.type !== 'string')
        throw new UpstreamFetchError('TAXII: an object without id or type');
      const kept = held.get(object.id);
      if (kept === undefined || String(object.modified ?? '') >= String(kept.modified ?? '')) {
        // A revoked object leaves the bundle (its indicators are retracted with the new version).
        if (object.revoked === true) held.delete(object.id);
        else held.set(object.id, object);
        added++;
      }
    }
    if (dateAddedLast !== undefined) cursor = dateAddedLast;
    if (data.more !== true) break;
    if (typeof data.next !== 'string' || data.next === '')
      throw new UpstreamFetchError('TAXII: more without next');
    next = data.next;
  }
  if (added === 0 && cursor === request.cursor) return { status: 'not-modified' };
  const bundle = { type: 'bundle', id: `bundle--${request.collection}`, objects: [...held.values()] };
  const content = JSON.stringify(bundle);
  // The merged bundle grows with every pull: it is held to the same limit as the bytes fetched.
  if (Buffer.byteLength(content, 'utf8') > request.maxBytes)
    throw new UpstreamFetchError(
      `TAXII: the merged bundle (${Buffer.byteLength(content, 'utf8')} bytes) is over the limit of ${request.maxBytes} bytes; last good kept`,
    );
  return {
    status: 'fetched',
    content,
    format: 'stix2',
    etag: null,
    lastModified: null,
    cursor,
    requests,
    bytes: request.maxBytes - budget.left,
  };
}

function checkApiRoot(root: Record<string, unknown>): void {
  const versions = Array.isArray(root.versions) ? root.versions : [];
  if (!versions.some((v) => typeof v === 'string' && v.replace(/\s/g, '') === TAXII_MEDIA_TYPE))
    throw new UpstreamFetchError(`TAXII: the API root does not offer ${TAXII_MEDIA_TYPE}`);
}

/** The objects of the bundle held, by id. */
function heldObjects(previous: string | null): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  if (previous === null) return out;
  try {
    const data = JSON.parse(previous) as unknown;
    if (isRecord(data) && Array.isArray(data.objects))
      for (const object of data.objects)
        if (isRecord(object) && typeof object.id === 'string') out.set(object.id, object);
  } catch {
    // An unreadable copy: the collection is merged from nothing (the cursor still limits the pull).
  }
  return out;
}
