import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import type { ServiceContext } from '../context.ts';
import { findServerKey, insertServerKey } from '../queries/server-keys.ts';

/** The row name of the audit checkpoint key in `server_keys`. */
const KEY_NAME = 'audit-checkpoint';
/** AAD that binds the sealed private key to its purpose. */
const SEAL_CONTEXT = `server-key:${KEY_NAME}`;

/** The public half of the checkpoint key, as a verifier needs it. */
export interface CheckpointPublicKey {
  readonly algorithm: 'Ed25519';
  /** RFC 7638 JWK thumbprint (SHA-256, base64url): names the key in every checkpoint. */
  readonly keyId: string;
  readonly publicKeyPem: string;
  readonly key: KeyObject;
}

/** The checkpoint key pair, opened for signing. */
export interface CheckpointKeyPair extends CheckpointPublicKey {
  readonly privateKey: KeyObject;
}

/** Reads an Ed25519 public key (SPKI PEM); throws when it is anything else. */
export function checkpointPublicKeyOf(pem: string): CheckpointPublicKey {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error('the checkpoint key must be an Ed25519 public key');
  const jwk = key.export({ format: 'jwk' });
  // RFC 7638: the required members in lexicographic order, no whitespace.
  const thumbprintInput = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return {
    algorithm: 'Ed25519',
    keyId: createHash('sha256').update(thumbprintInput).digest('base64url'),
    publicKeyPem: key.export({ format: 'pem', type: 'spki' }).toString(),
    key,
  };
}

function openKeyPair(ctx: Pick<ServiceContext, 'box'>, sealed: string): CheckpointKeyPair {
  const privateKey = createPrivateKey({
    key: ctx.box.open(sealed, SEAL_CONTEXT),
    format: 'der',
    type: 'pkcs8',
  });
  // The public key is derived from the sealed private key, never read from the row: whoever can
  // write the table but lacks the secret key cannot swap in a key of their own.
  const publicKey = checkpointPublicKeyOf(
    createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString(),
  );
  return { ...publicKey, privateKey };
}

/** The audit checkpoint key if one was made, opened with the secret key. */
export async function findCheckpointKey(
  ctx: Pick<ServiceContext, 'db' | 'box'>,
): Promise<CheckpointKeyPair | undefined> {
  const row = await findServerKey(ctx.db.db, KEY_NAME);
  return row === undefined ? undefined : openKeyPair(ctx, row.key_sealed);
}

/** What checkpoints are verified with: a key, or why there is none (every checkpoint then fails). */
export type CheckpointVerifier =
  | { readonly key: CheckpointPublicKey; readonly missing?: undefined }
  | { readonly key?: undefined; readonly missing: string };

/**
 * The server's checkpoint key as a verifier. A key row that does not open (altered, or another
 * secret key) is a finding to report, not a server error.
 */
export async function findCheckpointVerifier(
  ctx: Pick<ServiceContext, 'db' | 'box'>,
): Promise<CheckpointVerifier> {
  const row = await findServerKey(ctx.db.db, KEY_NAME);
  if (row === undefined) return { missing: 'no checkpoint key exists in the database' };
  try {
    return { key: openKeyPair(ctx, row.key_sealed) };
  } catch {
    return {
      missing:
        'the checkpoint key in the database does not open with the secret key (row altered, or another secret key)',
    };
  }
}

/**
 * The deployment's audit checkpoint key (Ed25519), made on first use. The private key is stored
 * sealed with the secret key; when two nodes race to make it, the first insert wins and both use it.
 */
export async function getOrCreateCheckpointKey(
  ctx: Pick<ServiceContext, 'db' | 'box' | 'now'>,
): Promise<CheckpointKeyPair> {
  const found = await findCheckpointKey(ctx);
  if (found !== undefined) return found;
  const pair = generateKeyPairSync('ed25519');
  await insertServerKey(ctx.db.db, {
    name: KEY_NAME,
    algorithm: 'Ed25519',
    public_key_pem: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    key_sealed: ctx.box.seal(pair.privateKey.export({ format: 'der', type: 'pkcs8' }), SEAL_CONTEXT),
    created_at: ctx.now().toISOString(),
  });
  const stored = await findCheckpointKey(ctx);
  if (stored === undefined) throw new Error('the audit checkpoint key vanished after it was stored');
  return stored;
}
