import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDevice } from '../../test-support/device.ts';
import { createHarness, type Harness } from '../../test-support/harness.ts';
import { enrollTestDevice } from '../../test-support/security.ts';

// Rate limits are per node and in memory, so one dialect shows them (SQLite).
describe('rate limits and server timeouts (sqlite)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sqlite', {
      limits: {
        rateLimitWindow: 60,
        rateLimitEnrollPerIp: 3,
        rateLimitDevicePerIp: 50,
        rateLimitDevicePerDevice: 4,
        rateLimitAdminPerIp: 40,
        rateLimitAdminPerToken: 5,
        headersTimeout: 1,
        requestTimeout: 2,
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const expect429 = (reply: {
    statusCode: number;
    headers: Record<string, unknown>;
    json(): { code: string };
  }) => {
    expect(reply.statusCode).toBe(429);
    expect(reply.json().code).toBe('rate_limited');
    const retryAfter = Number(reply.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  };

  it('an API token over its limit gets 429 with Retry-After; another token is not affected', async () => {
    const list = (role: 'analyst' | 'admin') =>
      h.app.inject({ method: 'GET', url: '/v1/admin/devices', headers: h.auth(role) });
    for (let i = 0; i < 5; i++) expect((await list('analyst')).statusCode).toBe(200);
    expect429(await list('analyst'));
    expect((await list('admin')).statusCode).toBe(200);
  });

  it('one address over the admin limit gets 429 whatever token it tries, before the token is checked', async () => {
    const replies = [];
    for (let i = 0; i < 45; i++) {
      replies.push(
        await h.app.inject({
          method: 'GET',
          url: '/v1/admin/devices',
          remoteAddress: '10.9.9.9',
          headers: { authorization: `Bearer rg_api_guess${i}` },
        }),
      );
    }
    expect(replies.slice(0, 40).every((reply) => reply.statusCode === 401)).toBe(true);
    const last = replies.at(-1);
    if (last === undefined) throw new Error('no reply');
    expect429(last);
  });

  it('enrollment from one address over its limit gets 429', async () => {
    const attempt = () => {
      const device = new TestDevice();
      const body = { token: 'rg_enr_nope', publicKey: device.jwk, device: { platform: 'android' } };
      return h.app.inject({
        ...device.request('POST', '/v1/device/enroll', body, h.clock.now, { withJwk: true }),
        remoteAddress: '10.8.8.8',
      });
    };
    for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(401);
    expect429(await attempt());
  });

  it('a device over its limit gets 429; naming it in an unsigned request does not spend its budget', async () => {
    const device = await enrollTestDevice(h);
    const impostor = new TestDevice();
    impostor.deviceId = device.deviceId;
    for (let i = 0; i < 10; i++) {
      const reply = await h.app.inject(impostor.request('GET', '/v1/device/status', undefined, h.clock.now));
      expect(reply.statusCode).toBe(401);
    }
    const status = () => h.app.inject(device.request('GET', '/v1/device/status', undefined, h.clock.now));
    for (let i = 0; i < 4; i++) expect((await status()).statusCode).toBe(200);
    expect429(await status());
  });

  it('a client that never finishes its headers is cut off by headersTimeout', async () => {
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const address = h.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(address.port, '127.0.0.1', () =>
        socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n'),
      );
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(text));
    });
    const elapsed = Date.now() - started;
    expect(answer.startsWith('HTTP/1.1 408')).toBe(true);
    // Our error body, not Fastify's default (client-errors.ts).
    expect(answer).toContain('"code":"request_timeout"');
    expect(elapsed).toBeLessThan(5000);
  });
});
