import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import type { ServiceContext } from '../context.ts';
import {
  findServerKey,
  insertServerKey,
  listServerKeysNamed,
  replaceServerKey,
} from '../queries/server-keys.ts';

/** The row name of the audit checkpoint key in `server_keys`. */
const KEY_NAME = 'audit-checkpoint';
/** AAD that binds the sealed private key to its purpose. */
const SEAL_CONTEXT = `server-key:${KEY_NAME}`;
/**
 * Retired checkpoint keys are rows `audit-checkpoint-retired:<keyId>` holding only the public key,
 * sealed (AES-GCM) so that it cannot be swapped or added without the secret key either.
 */
const RETIRED_PREFIX = `${KEY_NAME}-retired:`;
const RETIRED_SEAL_CONTEXT = `server-key:${KEY_NAME}-retired`;

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

/** Public checkpoint keys by key id: the current one and every retired one. */
export type CheckpointKeySet = ReadonlyMap<string, CheckpointPublicKey>;

/** What checkpoints are verified with: a key set, or why there is none (every checkpoint then fails). */
export type CheckpointVerifier =
  | { readonly keys: CheckpointKeySet; readonly missing?: undefined }
  | { readonly keys?: undefined; readonly missing: string };

/** The key set of one key. */
export function keySetOf(...keys: readonly CheckpointPublicKey[]): CheckpointKeySet {
  return new Map(keys.map((key) => [key.keyId, key]));
}

/**
 * Every checkpoint public key the server holds: the current key (derived from its sealed private
 * key) and the retired ones (their sealed public keys). Rows that do not open with the secret key
 * (altered or added by someone without it) are left out and named in `unopened`.
 */
export async function findCheckpointKeySet(ctx: Pick<ServiceContext, 'db' | 'box'>): Promise<{
  readonly keys: CheckpointKeySet;
  readonly current?: string;
  readonly unopened: readonly string[];
}> {
  const keys = new Map<string, CheckpointPublicKey>();
  const unopened: string[] = [];
  let current: string | undefined;
  const row = await findServerKey(ctx.db.db, KEY_NAME);
  if (row !== undefined) {
    try {
      const pair = openKeyPair(ctx, row.key_sealed);
      keys.set(pair.keyId, pair);
      current = pair.keyId;
    } catch {
      unopened.push(row.name);
    }
  }
  for (const retired of await listServerKeysNamed(ctx.db.db, RETIRED_PREFIX)) {
    try {
      const der = ctx.box.open(retired.key_sealed, RETIRED_SEAL_CONTEXT);
      const key = checkpointPublicKeyOf(
        createPublicKey({ key: der, format: 'der', type: 'spki' })
          .export({ format: 'pem', type: 'spki' })
          .toString(),
      );
      keys.set(key.keyId, key);
    } catch {
      unopened.push(retired.name);
    }
  }
  return { keys, ...(current === undefined ? {} : { current }), unopened };
}

/**
 * The server's checkpoint keys as a verifier. A key row that does not open (altered, or another
 * secret key) is a finding to report, not a server error.
 */
export async function findCheckpointVerifier(
  ctx: Pick<ServiceContext, 'db' | 'box'>,
): Promise<CheckpointVerifier> {
  const { keys, current, unopened } = await findCheckpointKeySet(ctx);
  if (current === undefined && unopened.includes(KEY_NAME)) {
    return {
      missing:
        'the checkpoint key in the database does not open with the secret key (row altered, or another secret key)',
    };
  }
  if (keys.size === 0) return { missing: 'no checkpoint key exists in the database' };
  return { keys };
}

/**
 * Makes a new checkpoint key and retires the current one: its public key stays stored (sealed),
 * so checkpoints it signed keep verifying; new checkpoints carry the new key id. A running server
 * signs with the new key from its next round. Returns both key ids.
 */
export async function rotateCheckpointKey(
  ctx: Pick<ServiceContext, 'db' | 'box' | 'now'>,
): Promise<{ readonly retired: string; readonly current: string }> {
  const old = await getOrCreateCheckpointKey(ctx);
  const pair = generateKeyPairSync('ed25519');
  const next = checkpointPublicKeyOf(pair.publicKey.export({ format: 'pem', type: 'spki' }).toString());
  const at = ctx.now().toISOString();
  await ctx.db.db.transaction().execute(async (trx) => {
    await insertServerKey(trx, {
      name: `${RETIRED_PREFIX}${old.keyId}`,
      algorithm: 'Ed25519',
      public_key_pem: old.publicKeyPem,
      key_sealed: ctx.box.seal(old.key.export({ format: 'der', type: 'spki' }), RETIRED_SEAL_CONTEXT),
      created_at: at,
    });
    await replaceServerKey(trx, {
      name: KEY_NAME,
      algorithm: 'Ed25519',
      public_key_pem: next.publicKeyPem,
      key_sealed: ctx.box.seal(pair.privateKey.export({ format: 'der', type: 'pkcs8' }), SEAL_CONTEXT),
      created_at: at,
    });
  });
  return { retired: old.keyId, current: next.keyId };
}

/** A JSON Web Key Set (RFC 7517) of Ed25519 public keys (RFC 8037), `kid` = the key id. */
export interface CheckpointJwks {
  readonly keys: readonly {
    readonly kty: 'OKP';
    readonly crv: 'Ed25519';
    readonly x: string;
    readonly kid: string;
    readonly alg: 'EdDSA';
    readonly use: 'sig';
  }[];
}

/** The key set as JWKS, for verifiers that must not trust the database. */
export function checkpointJwksOf(keys: CheckpointKeySet): CheckpointJwks {
  return {
    keys: [...keys.values()].map((key) => {
      const { x } = key.key.export({ format: 'jwk' });
      return { kty: 'OKP', crv: 'Ed25519', x: x ?? '', kid: key.keyId, alg: 'EdDSA', use: 'sig' };
    }),
  };
}

/** Reads a JWKS of Ed25519 keys; throws when a key is not Ed25519 or its `kid` is not its thumbprint. */
export function checkpointKeySetFromJwks(text: string): CheckpointKeySet {
  const parsed = JSON.parse(text) as unknown;
  const list = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(list)) throw new Error('not a JWKS: no "keys" array');
  const keys = new Map<string, CheckpointPublicKey>();
  for (const jwk of list as { kty?: unknown; crv?: unknown; x?: unknown; kid?: unknown }[]) {
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
      throw new Error('every key must be an Ed25519 key (kty OKP, crv Ed25519)');
    const key = checkpointPublicKeyOf(
      createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' })
        .export({ format: 'pem', type: 'spki' })
        .toString(),
    );
    if (jwk.kid !== undefined && jwk.kid !== key.keyId)
      throw new Error(`kid ${String(jwk.kid)} is not the thumbprint of its key (${key.keyId})`);
    keys.set(key.keyId, key);
  }
  return keys;
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
