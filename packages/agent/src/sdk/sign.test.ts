import { createHash, createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateDeviceKey } from './keys.ts';
import { bodyDigest, signRequest } from './sign.ts';

const decode = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('signRequest', () => {
  const key = generateDeviceKey();
  const body = JSON.stringify({ reportId: '6f1c0000-0000-4000-8000-000000000000', kind: 'full' });

  it('produces a compact ES256 JWS that node:crypto verifies with the public JWK', () => {
    const jws = signRequest({
      method: 'post',
      path: '/v1/device/reports',
      body,
      privateKey: key.privateKey,
      identity: { kid: 'dev_1' },
      ts: 1_800_000_000,
    });
    const [h = '', p = '', s = ''] = jws.split('.');
    expect(jws.split('.')).toHaveLength(3);
    expect(decode(h)).toEqual({ alg: 'ES256', typ: 'riskgate-request+jws', kid: 'dev_1' });
    const payload = decode(p);
    expect(payload).toMatchObject({
      m: 'POST',
      p: '/v1/device/reports',
      bd: createHash('sha256').update(body).digest('base64url'),
      ts: 1_800_000_000,
    });
    expect(Buffer.from(String(payload.n), 'base64url')).toHaveLength(16);
    const signature = Buffer.from(s, 'base64url');
    expect(signature).toHaveLength(64);
    const publicKey = createPublicKey({ key: { ...key.publicJwk } as JsonWebKey, format: 'jwk' });
    expect(
      verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature),
    ).toBe(true);
    const tampered = Buffer.from(`${h}.${p.slice(0, -2)}AA`);
    expect(verify('sha256', tampered, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(false);
  });

  it('puts the JWK in the header for enrollment and never reuses a nonce', () => {
    const sign = () =>
      signRequest({
        method: 'POST',
        path: '/v1/device/enroll',
        body: '{}',
        privateKey: key.privateKey,
        identity: { jwk: key.publicJwk },
        ts: 1,
      });
    const [first, second] = [sign(), sign()];
    expect(decode(first.split('.')[0] ?? '')).toEqual({
      alg: 'ES256',
      typ: 'riskgate-request+jws',
      jwk: key.publicJwk,
    });
    expect(decode(first.split('.')[1] ?? '').n).not.toBe(decode(second.split('.')[1] ?? '').n);
  });

  it('digests the empty body as SHA-256 of the empty string', () => {
    expect(bodyDigest('')).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });
});
