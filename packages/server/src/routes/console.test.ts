import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, registerConsoleRoutes, resolveConsoleFile } from './console.ts';

describe('console static routes', () => {
  const dist = mkdtempSync(join(tmpdir(), 'rg-console-'));
  const app = Fastify();
  beforeAll(async () => {
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dist, 'assets', 'index-abc123.css'), 'body{}');
    writeFileSync(join(dist, 'favicon.svg'), '<svg/>');
    app.get('/v1/admin/devices', async () => ({ items: [] }));
    await app.register(registerConsoleRoutes({ distDir: dist }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it.each([
    ['/', 200, 'text/html; charset=utf-8', 'no-cache'],
    ['/devices/dev_1', 200, 'text/html; charset=utf-8', 'no-cache'],
    ['/threat-types?x=1', 200, 'text/html; charset=utf-8', 'no-cache'],
    ['/assets/index-abc123.js', 200, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['/assets/index-abc123.css', 200, 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['/favicon.svg', 200, 'image/svg+xml', 'no-cache'],
  ])('GET %s → %i %s', async (url, status, type, cache) => {
    const reply = await app.inject({ url });
    expect(reply.statusCode).toBe(status);
    expect(reply.headers['content-type']).toBe(type);
    expect(reply.headers['cache-control']).toBe(cache);
    expect(reply.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("default-src 'self'");
  });

  it.each(['/v1/admin/nothing-here', '/v1', '/healthz/x', '/assets/missing.js', '/..%2f..%2fetc%2fpasswd'])(
    'GET %s is a 404, never index.html',
    async (url) => {
      const reply = await app.inject({ url });
      expect(reply.statusCode).toBe(404);
      expect(reply.body).not.toContain('<title>console</title>');
    },
  );

  it('dot-dot segments never reach files outside dist', async () => {
    for (const url of ['/%2e%2e/%2e%2e/etc/passwd', '/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd']) {
      expect((await app.inject({ url })).body).not.toContain('root:');
    }
  });

  it('existing API routes still win over the fallback', async () => {
    expect((await app.inject({ url: '/v1/admin/devices' })).json()).toEqual({ items: [] });
  });

  it('resolveConsoleFile refuses paths outside the root', () => {
    expect(resolveConsoleFile('/srv/dist', '/../secret')).toBeUndefined();
    expect(resolveConsoleFile('/srv/dist', '/%E0%A4%A')).toBeUndefined();
    expect(resolveConsoleFile('/srv/dist', '/assets/a.js')).toBe('/srv/dist/assets/a.js');
  });

  it('answers 503 with a hint when the console is not built', async () => {
    const bare = Fastify();
    await bare.register(registerConsoleRoutes({ distDir: join(dist, 'missing') }));
    const reply = await bare.inject({ url: '/' });
    expect(reply.statusCode).toBe(503);
    expect(reply.body).toContain('npm run build -w @riskgate/console');
    await bare.close();
  });
});
