import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small TAXII 2.1 server for tests (OASIS TAXII 2.1, sections 4.1 discovery, 4.2 API root,
 * 5.1-5.2 collections, 5.3 objects), written here because the reference implementation
 * (`medallion`, PyPI) cannot be installed where Riskgate is built: PyPI is not reachable. What it
 * implements: the media type `application/taxii+json;version=2.1` on every response (and 406 when
 * the client does not accept it), HTTP Basic authentication (401 with `WWW-Authenticate`
 * otherwise), one API root, collections with `can_read`, and the objects endpoint with
 * `added_after` (objects added strictly after), `limit` (capped by the server's page size), the
 * `more` / `next` paging of the envelope and the `X-TAXII-Date-Added-First` / `-Last` headers.
 * Not implemented: `match[...]` filters, manifests, versions, writing objects, status.
 */
export interface TaxiiTestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The discovery URL (`…/taxii2/`). */
  readonly discovery: string;
  /** Adds objects to a collection, `date_added` now (strictly increasing). */
  add(collectionId: string, objects: readonly Record<string, unknown>[]): void;
  /** The request URLs seen (path and query), for assertions. */
  readonly requests: string[];
  close(): Promise<void>;
}

export const TAXII_MEDIA = 'application/taxii+json;version=2.1';

interface Stored {
  readonly object: Record<string, unknown>;
  readonly dateAdded: string;
}

export async function startTaxiiServer(options: {
  readonly username: string;
  readonly password: string;
  readonly collections: readonly {
    readonly id: string;
    readonly title: string;
    readonly canRead?: boolean;
  }[];
  /** Objects per page at most, whatever `limit` the client asks (default 2, to exercise paging). */
  readonly pageSize?: number;
}): Promise<TaxiiTestServer> {
  const pageSize = options.pageSize ?? 2;
  const store = new Map<string, Stored[]>(options.collections.map((c) => [c.id, []]));
  const requests: string[] = [];
  // Opaque `next` tokens: the query they continue and the offset.
  const pages = new Map<string, { addedAfter: string | null; offset: number }>();
  let clock = Date.parse('2026-12-01T00:00:00.000Z');
  let tokens = 0;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': TAXII_MEDIA, ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, title: string, headers: Record<string, string> = {}) =>
    send(res, status, { title, http_status: String(status) }, headers);

  const authorized = (req: IncomingMessage) => {
    const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    return req.headers.authorization === expected;
  };
  const acceptsTaxii = (req: IncomingMessage) => {
    const accept = (req.headers.accept ?? '').replace(/\s/g, '').toLowerCase();
    return accept.split(',').some((a) => a === TAXII_MEDIA || a === 'application/taxii+json');
  };

  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.method !== 'GET') return error(res, 405, 'method not allowed');
    if (!authorized(req))
      return error(res, 401, 'authentication required', { 'www-authenticate': 'Basic realm="taxii"' });
    if (!acceptsTaxii(req)) return error(res, 406, 'not acceptable');
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (path === '/taxii2/')
      return send(res, 200, {
        title: 'Riskgate test TAXII',
        default: `${base}/api1/`,
        api_roots: [`${base}/api1/`],
      });
    if (path === '/api1/')
      return send(res, 200, { title: 'api1', versions: [TAXII_MEDIA], max_content_length: 10_485_760 });
    if (path === '/api1/collections/')
      return send(res, 200, {
        collections: options.collections.map((c) => collectionResource(c)),
      });
    const match = /^\/api1\/collections\/([^/]+)\/(objects\/)?$/.exec(path);
    const collection = options.collections.find((c) => c.id === decodeURIComponent(match?.[1] ?? ''));
    if (match === null || collection === undefined) return error(res, 404, 'not found');
    if (match[2] === undefined) return send(res, 200, collectionResource(collection));
    if (collection.canRead === false) return error(res, 403, 'collection not readable');

    const next = url.searchParams.get('next');
    const continued = next === null ? undefined : pages.get(next);
    if (next !== null && continued === undefined) return error(res, 400, 'unknown next');
    const addedAfter = continued?.addedAfter ?? url.searchParams.get('added_after');
    if (addedAfter !== null && Number.isNaN(Date.parse(addedAfter)))
      return error(res, 400, 'bad added_after');
    const asked = Number(url.searchParams.get('limit') ?? pageSize);
    const limit = Math.max(1, Math.min(Number.isFinite(asked) ? asked : pageSize, pageSize));
    const all = (store.get(collection.id) ?? []).filter(
      (s) => addedAfter === null || Date.parse(s.dateAdded) > Date.parse(addedAfter),
    );
    const offset = continued?.offset ?? 0;
    const page = all.slice(offset, offset + limit);
    const more = offset + limit < all.length;
    const body: Record<string, unknown> = { more };
    if (page.length > 0) body.objects = page.map((s) => s.object);
    const headers: Record<string, string> = {};
    if (page.length > 0) {
      headers['x-taxii-date-added-first'] = page[0]?.dateAdded ?? '';
      headers['x-taxii-date-added-last'] = page.at(-1)?.dateAdded ?? '';
    }
    if (more) {
      const token = `p${++tokens}`;
      pages.set(token, { addedAfter, offset: offset + limit });
      body.next = token;
    }
    return send(res, 200, body, headers);
  });

  const collectionResource = (c: (typeof options.collections)[number]) => ({
    id: c.id,
    title: c.title,
    can_read: c.canRead !== false,
    can_write: false,
    media_types: ['application/stix+json;version=2.1'],
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    discovery: `${base}/taxii2/`,
    requests,
    add(collectionId, objects) {
      const list = store.get(collectionId);
      if (list === undefined) throw new Error(`no collection ${collectionId}`);
      for (const object of objects) {
        clock += 1000;
        list.push({ object, dateAdded: new Date(clock).toISOString() });
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
