import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from './files.ts';

/** A P-256 public key as JWK (docs/agent-protocol.md §1). */
export interface EcPublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

/** The device key: the private key for signing and its public JWK for enrollment. */
export interface DeviceKey {
  readonly privateKey: KeyObject;
  readonly publicJwk: EcPublicJwk;
}

/** File name of the private key (JWK, mode 0600) in the state directory. */
export const KEY_FILE = 'device-key.jwk.json';

function toPublicJwk(key: KeyObject): EcPublicJwk {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new Error('device key is not a P-256 key');
  }
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
}

/** Generates a fresh P-256 device key in memory. */
export function generateDeviceKey(): DeviceKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicJwk: toPublicJwk(privateKey) };
}

/** Writes the private key as a JWK file readable only by the owner (0600). */
export async function saveDeviceKey(stateDir: string, key: DeviceKey): Promise<void> {
  const jwk = key.privateKey.export({ format: 'jwk' });
  await writeFileAtomic(join(stateDir, KEY_FILE), `${JSON.stringify(jwk)}\n`, 0o600);
}

/** Loads the device key from the state directory; `undefined` when there is none yet. */
export async function loadDeviceKey(stateDir: string): Promise<DeviceKey | undefined> {
  const jwk = await readJsonFile(join(stateDir, KEY_FILE));
  if (jwk === undefined) return undefined;
  const privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  return { privateKey, publicJwk: toPublicJwk(privateKey) };
}

/** Loads the device key, generating and saving one on first use. */
export async function loadOrCreateDeviceKey(stateDir: string): Promise<DeviceKey> {
  const existing = await loadDeviceKey(stateDir);
  if (existing !== undefined) return existing;
  const key = generateDeviceKey();
  await saveDeviceKey(stateDir, key);
  return key;
}
