import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { allowListOf } from './http-get.ts';
import { pullTaxiiCollection, TAXII_MEDIA_TYPE } from './taxii-client.ts';

/** Credentials never go to another origin: not by changing the URL, not through TAXII discovery. */
async function serve(host: string, answer: (path: string) => unknown) {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': TAXII_MEDIA_TYPE }).end(JSON.stringify(answer(req.url ?? '')));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    seen,
    close: () => new Promise((r) => server.close(() => r(null))),
  };
}

describe('TAXII discovery', () => {
  it('refuses an API root on another origin when credentials are configured; sends them nowhere else', async () => {
    const elsewhere = await serve('127.0.0.2', () => ({ versions: [TAXII_MEDIA_TYPE] }));
    const discovery = await serve('127.0.0.1', () => ({ default: `${elsewhere.url}/api1/` }));
    try {
      await expect(
        pullTaxiiCollection({
          kind: 'taxii',
          url: `${discovery.url}/taxii2/`,
          collection: 'c1',
          maxBytes: 100_000,
          sha256: null,
          authorization: 'Bearer secret-token-for-discovery-only',
          etag: null,
          lastModified: null,
          cursor: null,
          previous: null,
          allowPrivate: allowListOf(['127.0.0.0/8']),
        }),
      ).rejects.toThrow(/another origin/);
      expect(discovery.seen).toHaveLength(1);
      expect(elsewhere.seen).toEqual([]);
    } finally {
      await elsewhere.close();
      await discovery.close();
    }
  });
});

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`upstream credentials and origin (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('a new origin without auth is refused; the same origin keeps the credentials', async () => {
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/intel/upstreams',
        headers: h.auth('admin'),
        payload: {
          name: 'secret.yaml',
          kind: 'file',
          url: 'https://feeds.example/a/ioc.yaml',
          auth: { type: 'bearer', token: 'the-other-admins-token-0123' },
        },
      });
      expect(created.statusCode).toBe(201);
      const feedId = created.json().feedId as string;
      const put = (url: string, auth?: unknown) =>
        h.app.inject({
          method: 'PUT',
          url: `/v1/admin/intel/feeds/${feedId}/upstream`,
          headers: h.auth('admin'),
          payload: { kind: 'file', url, ...(auth !== undefined ? { auth } : {}) },
        });
      const moved = await put('https://attacker.example/collect');
      expect(moved.statusCode).toBe(400);
      expect(moved.body).toMatch(/give the credentials again for a new origin/);
      const row = await h.testDb.db.db
        .selectFrom('intel_feed_upstreams')
        .select(['url', 'auth'])
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ url: 'https://feeds.example/a/ioc.yaml', auth: 'bearer' });
      // Same origin, another path: kept.
      const samePlace = await put('https://feeds.example/b/ioc.yaml');
      expect(samePlace.statusCode).toBe(200);
      expect(samePlace.json().auth).toEqual({ type: 'bearer', username: null });
      // A new origin with new credentials (or none) is fine.
      const fresh = await put('https://other.example/ioc.yaml', { type: 'none' });
      expect(fresh.statusCode).toBe(200);
      expect(fresh.json().auth.type).toBe('none');
    });
  });
}
