import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { allowListOf, httpGet, refusedAddress } from './http-get.ts';

/** A local server counting the requests it receives. */
async function serve(
  host: string,
  handler: (res: import('node:http').ServerResponse, port: number) => void,
): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  let port = 0;
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(res, port);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const LOCAL = allowListOf(['127.0.0.1/32']);

describe('httpGet: SSRF guard', () => {
  let ok: Awaited<ReturnType<typeof serve>>;
  let other: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    ok = await serve('127.0.0.1', (res) => res.writeHead(200).end('hello'));
    other = await serve('127.0.0.2', (res) => res.writeHead(200).end('other'));
  });
  afterAll(async () => {
    await ok?.close();
    await other?.close();
  });

  it('refuses loopback, link-local, private and mapped addresses without connecting', async () => {
    const port = new URL(ok.url).port;
    for (const url of [
      `http://127.0.0.1:${port}/feed`,
      `http://localhost:${port}/feed`,
      `http://[::ffff:127.0.0.1]:${port}/feed`,
      `http://[::1]:${port}/feed`,
      `http://0.0.0.0:${port}/feed`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.1.2.3:5432/',
      'http://192.168.1.1/',
      'http://172.16.0.1/',
      'http://100.64.0.1/',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
      'http://224.0.0.1/',
    ])
      await expect(httpGet(url, { maxBytes: 1000, timeoutMs: 2000 }), url).rejects.toThrow(
        /refused: .*RISKGATE_UPSTREAM_ALLOW_PRIVATE/,
      );
    expect(ok.hits).toEqual([]);
  });

  it('classifies addresses', () => {
    expect(refusedAddress('8.8.8.8')).toBeUndefined();
    expect(refusedAddress('2606:4700::1111')).toBeUndefined();
    expect(refusedAddress('::ffff:a9fe:a9fe')).toBeDefined();
    expect(refusedAddress('::ffff:8.8.8.8')).toBeUndefined();
    expect(refusedAddress('127.0.0.1', LOCAL)).toBeUndefined();
    expect(refusedAddress('::ffff:127.0.0.1', LOCAL)).toBeUndefined();
    expect(refusedAddress('127.0.0.2', LOCAL)).toBeDefined();
    expect(() => allowListOf(['10.0.0.0/33'])).toThrow(/not an address or CIDR/);
    expect(() => allowListOf(['example.com'])).toThrow(/not an address or CIDR/);
  });

  it('fetches what the allow-list holds, and checks every redirect hop', async () => {
    const fetched = await httpGet(`${ok.url}/feed`, { maxBytes: 1000, allowPrivate: LOCAL });
    expect(fetched.status === 200 && fetched.body.toString()).toBe('hello');
    const redirector = await serve('127.0.0.1', (res) =>
      res.writeHead(302, { location: `${other.url}/secret` }).end(),
    );
    try {
      await expect(
        httpGet(`${redirector.url}/feed`, { maxBytes: 1000, allowPrivate: LOCAL }),
      ).rejects.toThrow(/refused: 127\.0\.0\.2/);
      expect(redirector.hits).toEqual(['/feed']);
      expect(other.hits).toEqual([]);
    } finally {
      await redirector.close();
    }
  });

  it('cuts a slow drip off at the deadline (whole request, not idle time)', async () => {
    const drip = await serve('127.0.0.1', (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => {
        if (res.destroyed) clearInterval(timer);
        else res.write('x');
      }, 200);
      res.on('close', () => clearInterval(timer));
    });
    try {
      const started = Date.now();
      await expect(
        httpGet(`${drip.url}/feed`, { maxBytes: 1_000_000, timeoutMs: 700, allowPrivate: LOCAL }),
      ).rejects.toThrow(/timed out after 700 ms/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await drip.close();
    }
  });
});

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(
    `upstream SSRF through the admin API (${dialect})`,
    () => {
      let h: Harness;
      let target: Awaited<ReturnType<typeof serve>>;
      beforeAll(async () => {
        h = await createHarness(dialect); // no allow-list: the default
        target = await serve('127.0.0.1', (res) => res.writeHead(200).end('- name: X\n'));
      });
      afterAll(async () => {
        await target?.close();
        await h?.close();
      });

      it('a feed URL at 127.0.0.1, 169.254.169.254 or 10.x is a failed fetch with a clear error, no connection', async () => {
        for (const [name, url] of [
          ['local', `${target.url}/feed/ioc.yaml`],
          ['metadata', 'http://169.254.169.254/latest/meta-data/'],
          ['db', 'http://10.0.0.5:5432/'],
        ] as const) {
          const created = await h.app.inject({
            method: 'POST',
            url: '/v1/admin/intel/upstreams',
            headers: h.auth('admin'),
            payload: { name, kind: 'file', url, intervalSeconds: 3600 },
          });
          expect(created.statusCode).toBe(201);
          const fetched = await h.app.inject({
            method: 'POST',
            url: `/v1/admin/intel/feeds/${created.json().feedId}/fetch`,
            headers: h.auth('admin'),
          });
          expect(fetched.statusCode).toBe(200);
          expect(fetched.json().outcome).toMatchObject({ status: 'error' });
          expect(fetched.json().outcome.error).toMatch(/refused: .*private or reserved address/);
          expect(fetched.json().upstream.health.lastError).toMatch(/RISKGATE_UPSTREAM_ALLOW_PRIVATE/);
        }
        expect(target.hits).toEqual([]);
      });
    },
  );
}
