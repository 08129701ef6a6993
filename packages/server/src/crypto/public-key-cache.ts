import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { EcPublicJwk } from './jws.ts';

/** A P-256 public JWK → the imported key. */
export type PublicKeyOf = (jwk: EcPublicJwk) => KeyObject;

/** Imports a P-256 public JWK, every time (see {@link createPublicKeyCache} for the cached way). */
export const importPublicKey: PublicKeyOf = (jwk) =>
  createPublicKey({ key: { ...jwk } as JsonWebKey, format: 'jwk' });

/** Most keys kept; past it the least recently used one is dropped. */
const MAX_KEYS = 50_000;

/**
 * Imported public keys by their coordinates: `createPublicKey` from a JWK costs about as much as the
 * ES256 verification itself, and a device signs every request with the same key. The cache is keyed
 * by the key material only, so it never needs invalidation (a retired or re-keyed device is refused
 * before its key is used, and a new key is a new entry). One per runtime (createRuntime), so two
 * runtimes in one process share no keys and no eviction order.
 */
export function createPublicKeyCache(maxKeys = MAX_KEYS): PublicKeyOf {
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
    const key = importPublicKey(jwk);
    if (keys.size >= maxKeys) {
      const oldest = keys.keys().next();
      if (oldest.done !== true) keys.delete(oldest.value);
    }
    keys.set(id, key);
    return key;
  };
}
