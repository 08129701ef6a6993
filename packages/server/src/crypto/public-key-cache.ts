import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { EcPublicJwk } from './jws.ts';

/** Most keys kept; past it the least recently used one is dropped. */
const MAX_KEYS = 50_000;

/**
 * Imported public keys by their coordinates: `createPublicKey` from a JWK costs about as much as the
 * ES256 verification itself, and a device signs every request with the same key. The cache is keyed
 * by the key material only, so it never needs invalidation (a retired or re-keyed device is refused
 * before its key is used, and a new key is a new entry).
 */
export function createPublicKeyCache(maxKeys = MAX_KEYS): (jwk: EcPublicJwk) => KeyObject {
  const keys = new Map<string, KeyObject>();
  return (jwk) => {
    const id = `${jwk.crv}.${jwk.x}.${jwk.y}`;
    const cached = keys.get(id);
    if (cached !== undefined) {
      // Refresh its place in the eviction order.
      keys.delete(id);
      keys.set(id, cached);
      return cached;
    }
    const key = createPublicKey({ key: { ...jwk } as JsonWebKey, format: 'jwk' });
    if (keys.size >= maxKeys) {
      const oldest = keys.keys().next();
      if (oldest.done !== true) keys.delete(oldest.value);
    }
    keys.set(id, key);
    return key;
  };
}
