import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type AccessHarness, createAccessHarness, PROXY_SECRET } from '../../test-support/access.ts';

/** A pino logger at `level` whose lines land in `lines` (parsed). */
function capturingLogger(level: string, lines: Record<string, unknown>[]) {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return pino({ level }, stream);
}

/** The URLs of the request lines (`incoming request` / `request completed`) Fastify logged. */
function loggedUrls(lines: readonly Record<string, unknown>[]): string[] {
  return lines.flatMap((line) => {
    const req = line.req as { url?: string } | undefined;
    return req?.url === undefined ? [] : [req.url];
  });
}

describe('request logging of forward-auth checks', () => {
  let h: AccessHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function checkAndHealth(level: string) {
    const lines: Record<string, unknown>[] = [];
    h = await createAccessHarness('sqlite', { logger: capturingLogger(level, lines) });
    const check = await h.app.inject({
      method: 'GET',
      url: '/v1/access/check',
      headers: { 'x-riskgate-proxy-secret': PROXY_SECRET, host: 'mail.acme.test', 'x-original-uri': '/' },
    });
    expect(check.statusCode).toBe(401); // no device certificate
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    return loggedUrls(lines);
  }

  it('at info, checks are not request-logged (every other route still is)', async () => {
    const urls = await checkAndHealth('info');
    expect(urls).toContain('/healthz');
    expect(urls).not.toContain('/v1/access/check');
  });

  it.each(['error', 'silent'])('at %s, checks log nothing the server level leaves out', async (level) => {
    const lines: Record<string, unknown>[] = [];
    h = await createAccessHarness('sqlite', { logger: capturingLogger(level, lines) });
    // No proxy secret: the check warns about an untrusted address, which this level does not log.
    const check = await h.app.inject({ method: 'GET', url: '/v1/access/check', headers: { host: 'x.test' } });
    expect(check.statusCode).toBe(401);
    expect(check.headers['x-riskgate-reason']).toBe('proxy-untrusted');
    expect(lines.filter((line) => (line.level as number) < 50)).toEqual([]);
  });

  it('at debug, every check is request-logged again', async () => {
    const urls = await checkAndHealth('debug');
    expect(urls).toContain('/healthz');
    expect(urls).toContain('/v1/access/check');
  });
});
