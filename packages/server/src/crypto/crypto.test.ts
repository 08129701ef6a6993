import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TestDevice } from '../../test-support/device.ts';
import { asEcPublicJwk, parseRequestJws, verifyJwsSignature } from './jws.ts';
import { createSecretBox } from './secret-box.ts';
import { hashToken, mintToken, prefixOf, tokenMatches } from './tokens.ts';

describe('secret box', () => {
  const box = createSecretBox(randomBytes(32));

  it('opens what it sealed, in the same context only', () => {
    const sealed = box.seal(Buffer.from('ca private key'), 'device-ca:ten_a');
    expect(box.open(sealed, 'device-ca:ten_a').toString()).toBe('ca private key');
    expect(() => box.open(sealed, 'device-ca:ten_b')).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'device-ca:ten_a')).toThrow();
  });

  it('refuses a tampered ciphertext', () => {
    const sealed = box.seal(Buffer.from('secret'), 'x');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join('.'), 'x')).toThrow();
  });
});

describe('tokens', () => {
  it('mints 256-bit tokens that match only their own hash', () => {
    const a = mintToken('api');
    const b = mintToken('api');
    expect(a.token).toMatch(/^rgat_[A-Za-z0-9_-]{43}$/);
    expect(a.hash).toBe(hashToken(a.token));
    expect(a.hash).not.toContain(a.token);
    expect(tokenMatches(a.token, a.hash)).toBe(true);
    expect(tokenMatches(b.token, a.hash)).toBe(false);
    expect(prefixOf('api', a.token)).toBe(a.prefix);
    expect(prefixOf('enrollment', a.token)).toBeUndefined();
    expect(prefixOf('api', 'rgat_short')).toBeUndefined();
  });
});

describe('request JWS', () => {
  const device = new TestDevice();
  device.deviceId = 'dev_x';

  it('verifies a signature with the right key only', () => {
    const jws = parseRequestJws(device.sign('GET', '/v1/device/status', '', new Date()));
    expect(jws?.header.kid).toBe('dev_x');
    if (jws === undefined) throw new Error('unparsed');
    expect(verifyJwsSignature(jws, device.jwk)).toBe(true);
    expect(verifyJwsSignature(jws, new TestDevice().jwk)).toBe(false);
  });

  it.each([
    ['two parts', 'a.b'],
    ['not base64url', 'a.b.c$'],
    ['not JSON', 'YQ.YQ.YQ'],
    [
      'alg none',
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`,
    ],
    ['too long', 'a'.repeat(5000)],
  ])('rejects %s', (_name, text) => {
    expect(parseRequestJws(text)).toBeUndefined();
  });

  it.each([
    [{ kty: 'EC', crv: 'P-384', x: 'a', y: 'b' }],
    [{ kty: 'RSA', n: 'a', e: 'AQAB' }],
    [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }],
    ['jwk'],
  ])('refuses a non P-256 key %j', (jwk) => {
    expect(asEcPublicJwk(jwk)).toBeUndefined();
  });
});
