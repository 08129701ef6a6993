import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDevice } from '../../test-support/device.ts';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../test-support/harness.ts';
import { enrollTestDevice } from '../../test-support/security.ts';
import { cleanAndroidSnapshot, storeApp } from '../../test-support/snapshots.ts';

// NUL reaches PostgreSQL as an error ("invalid byte sequence"), a lone surrogate as an encoding
// error: both were 500s. Validation refuses them for every part of a request, on both dialects.
const NUL = 'a\u0000b';
const LONE = 'a\ud800b';
// encodeURIComponent refuses a lone surrogate; a client can still send its WTF-8 bytes.
const inUrl = (text: string) => (text === LONE ? 'a%ED%A0%80b' : encodeURIComponent(text));

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(
    `NUL and lone surrogates are refused (${dialect})`,
    () => {
      let h: Harness;
      let device: TestDevice;
      beforeAll(async () => {
        h = await createHarness(dialect);
        device = await enrollTestDevice(h);
      });
      afterAll(async () => {
        await h?.close();
      });

      const expect400 = (reply: { statusCode: number; json(): { code: string } }) => {
        expect(reply.statusCode).toBe(400);
        expect(reply.json().code).toBe('invalid_request');
      };

      for (const [name, bad] of [
        ['NUL', NUL],
        ['lone surrogate', LONE],
      ] as const) {
        it(`${name} in an admin path param`, async () => {
          for (const [method, url] of [
            ['GET', `/v1/admin/devices/${inUrl(bad)}`],
            ['DELETE', `/v1/admin/threat-types/${inUrl(bad)}/risk`],
            ['GET', `/v1/admin/resources/${inUrl(bad)}`],
          ] as const) {
            expect400(await h.app.inject({ method, url, headers: h.auth('owner') }));
          }
        });

        it(`${name} in an admin query param`, async () => {
          for (const url of [
            `/v1/admin/devices?user=${inUrl(bad)}`,
            `/v1/admin/threats?after=${inUrl(bad)}`,
            `/v1/admin/access-log?device=${inUrl(bad)}`,
          ]) {
            const reply = await h.app.inject({ method: 'GET', url, headers: h.auth('owner') });
            // The query parser keeps undecodable bytes (a lone surrogate's) as the literal `%ED…`
            // text, which is harmless; NUL decodes and is refused.
            if (bad === NUL) expect400(reply);
            else expect(reply.statusCode).toBeLessThan(500);
          }
        });

        it(`${name} in an admin body value and key`, async () => {
          expect400(
            await h.app.inject({
              method: 'POST',
              url: '/v1/admin/api-tokens',
              headers: h.auth('owner'),
              payload: { name: bad, role: 'analyst' },
            }),
          );
          expect400(
            await h.app.inject({
              method: 'POST',
              url: '/v1/admin/api-tokens',
              headers: { ...h.auth('owner'), 'content-type': 'application/json' },
              payload: `{"name":"ok","role":"analyst","${bad === NUL ? '\\u0000' : '\\ud800'}":1}`,
            }),
          );
        });

        it(`${name} in enrollment fields`, async () => {
          const fresh = new TestDevice();
          for (const body of [
            { token: bad, publicKey: fresh.jwk, device: { platform: 'android' } },
            { token: 'x', publicKey: fresh.jwk, device: { platform: 'android', model: bad } },
            { token: 'x', publicKey: fresh.jwk, device: { platform: 'android' }, deviceId: bad },
          ]) {
            expect400(
              await h.app.inject(
                fresh.request('POST', '/v1/device/enroll', body, h.clock.now, { withJwk: true }),
              ),
            );
          }
        });

        it(`${name} in report fields`, async () => {
          const snapshot = cleanAndroidSnapshot(h.clock.now, [{ ...storeApp('com.example.ok'), name: bad }]);
          expect400(
            await h.app.inject(
              device.request(
                'POST',
                '/v1/device/reports',
                { reportId: randomUUID(), kind: 'full', snapshot },
                h.clock.now,
              ),
            ),
          );
        });

        it(`${name} in the signature's kid, before authentication`, async () => {
          const stranger = new TestDevice();
          stranger.deviceId = bad;
          expect400(await h.app.inject(stranger.request('GET', '/v1/device/status', undefined, h.clock.now)));
        });
      }

      it('a well-formed surrogate pair (emoji) is accepted', async () => {
        const reply = await h.app.inject({
          method: 'POST',
          url: '/v1/admin/api-tokens',
          headers: h.auth('owner'),
          payload: { name: 'ci 🔑', role: 'analyst' },
        });
        expect(reply.statusCode).toBe(201);
      });

      it('the server still answers', async () => {
        expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      });
    },
  );
}
