import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EcPublicJwk } from './jws.ts';
import { createPublicKeyCache } from './public-key-cache.ts';

function newJwk(): EcPublicJwk {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  return { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y) };
}

describe('createPublicKeyCache', () => {
  it('returns the same KeyObject for the same key and a different one for another key', () => {
    const keyOf = createPublicKeyCache();
    const a = newJwk();
    const b = newJwk();
    const first = keyOf(a);
    expect(keyOf({ ...a })).toBe(first);
    expect(keyOf(b)).not.toBe(first);
    expect(first.export({ format: 'jwk' }).x).toBe(a.x);
  });

  it('evicts the least recently used key past its size', () => {
    const keyOf = createPublicKeyCache(2);
    const [a, b, c] = [newJwk(), newJwk(), newJwk()];
    const keyA = keyOf(a);
    const keyB = keyOf(b);
    expect(keyOf(a)).toBe(keyA); // a is now the most recent
    keyOf(c); // evicts b
    expect(keyOf(a)).toBe(keyA);
    expect(keyOf(b)).not.toBe(keyB);
  });

  it('throws on an invalid key and caches nothing', () => {
    const keyOf = createPublicKeyCache();
    const bad: EcPublicJwk = { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' };
    expect(() => keyOf(bad)).toThrow();
    expect(() => keyOf(bad)).toThrow();
  });
});
