import { sign, verify } from 'node:crypto';
import type { Kysely } from 'kysely';
import { canonicalJson } from '../crypto/canonical-json.ts';
import type { AuditPruneMarkersTable, Database } from '../db/types.ts';
import type { AuditHead } from './audit-chain-walk.ts';
import type { CheckpointKeyPair, CheckpointVerifier } from './checkpoint-key.ts';

/** The `type` a pruning marker is signed under (distinct from checkpoints, so one is never the other). */
export const PRUNED_TYPE = 'audit.pruned';

function markerBytes(row: Omit<AuditPruneMarkersTable, 'sig'>): Buffer {
  return Buffer.from(
    canonicalJson({
      v: 1,
      type: PRUNED_TYPE,
      tenantId: row.tenant_id,
      seq: row.seq,
      hash: row.hash,
      at: row.at,
      keyId: row.key_id,
    }),
    'utf8',
  );
}

/** Signs "the tenant's entries up to `seq` were pruned; entry `seq` had `hash`" with the checkpoint key. */
export function signPruneMarker(
  head: { readonly tenantId: string; readonly seq: number; readonly hash: string; readonly at: string },
  key: CheckpointKeyPair,
): AuditPruneMarkersTable {
  const body = { tenant_id: head.tenantId, seq: head.seq, hash: head.hash, at: head.at, key_id: key.keyId };
  return { ...body, sig: sign(null, markerBytes(body), key.privateKey).toString('base64url') };
}

/** The tenant's stored marker, or `undefined` (nothing was ever pruned). */
export async function findPruneMarker(
  db: Kysely<Database>,
  tenantId: string,
): Promise<AuditPruneMarkersTable | undefined> {
  return db
    .selectFrom('audit_prune_markers')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
}

/** Stores (or moves forward) the tenant's marker. */
export async function storePruneMarker(db: Kysely<Database>, marker: AuditPruneMarkersTable): Promise<void> {
  const { tenant_id: _tenant, ...rest } = marker;
  await db
    .insertInto('audit_prune_markers')
    .values(marker)
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet(rest))
    .execute();
}

/** Where the tenant's chain starts: the verified marker's head, or why the marker does not verify. */
export type PrunedStart =
  | { readonly head?: AuditHead; readonly problem?: undefined }
  | { readonly problem: string };

/**
 * The pruned boundary the chain must start from: none when nothing was pruned; the marker's seq
 * and hash when its signature verifies under a known checkpoint key; otherwise a problem (a
 * marker added or moved by someone without the key).
 */
export async function findPrunedStart(
  db: Kysely<Database>,
  tenantId: string,
  verifier: CheckpointVerifier | undefined,
): Promise<PrunedStart> {
  const marker = await findPruneMarker(db, tenantId);
  if (marker === undefined) return {};
  if (verifier?.keys === undefined)
    return {
      problem: `the pruning marker (seq ${marker.seq}) cannot be checked: ${verifier?.missing ?? 'no key'}`,
    };
  const key = verifier.keys.get(marker.key_id);
  if (key === undefined)
    return { problem: `the pruning marker (seq ${marker.seq}) is signed by an unknown key ${marker.key_id}` };
  const { sig, ...body } = marker;
  let valid = false;
  try {
    valid = verify(null, markerBytes(body), key.key, Buffer.from(sig, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return { problem: `the pruning marker (seq ${marker.seq}) has a bad signature` };
  return { head: { seq: marker.seq, hash: marker.hash } };
}
