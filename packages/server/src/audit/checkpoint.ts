import { sign, verify } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { canonicalJson } from '../crypto/canonical-json.ts';
import type { CheckpointKeyPair, CheckpointPublicKey } from './checkpoint-key.ts';

/** The outbox topic checkpoints are published under. */
export const CHECKPOINT_TOPIC = 'audit.checkpoint';

/**
 * One signed checkpoint: the head (seq and hash) of one tenant's audit chain at a time, signed
 * with the deployment's Ed25519 checkpoint key over the canonical JSON of every other member.
 * One JSON line of the checkpoint file and the payload of an `audit.checkpoint` outbox event.
 */
export const SignedCheckpointSchema = Type.Object(
  {
    v: Type.Literal(1),
    type: Type.Literal(CHECKPOINT_TOPIC),
    tenantId: Type.String({ minLength: 1, maxLength: 200 }),
    seq: Type.Integer({ minimum: 1 }),
    hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    at: Type.String({ minLength: 1, maxLength: 64 }),
    keyId: Type.String({ minLength: 1, maxLength: 100 }),
    /** Ed25519 signature, base64url. */
    sig: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export type SignedCheckpoint = Static<typeof SignedCheckpointSchema>;
export type CheckpointBody = Omit<SignedCheckpoint, 'sig'>;

function signedBytes(body: CheckpointBody): Buffer {
  const { v, type, tenantId, seq, hash, at, keyId } = body;
  return Buffer.from(canonicalJson({ v, type, tenantId, seq, hash, at, keyId }), 'utf8');
}

/** Signs a tenant's head with the checkpoint key. */
export function signCheckpoint(
  head: { readonly tenantId: string; readonly seq: number; readonly hash: string; readonly at: string },
  key: CheckpointKeyPair,
): SignedCheckpoint {
  const body: CheckpointBody = { v: 1, type: CHECKPOINT_TOPIC, ...head, keyId: key.keyId };
  return { ...body, sig: sign(null, signedBytes(body), key.privateKey).toString('base64url') };
}

/** Why a checkpoint's signature does not verify under `key`, or `undefined` when it does. */
export function checkpointSignatureProblem(
  checkpoint: SignedCheckpoint,
  key: CheckpointPublicKey,
): string | undefined {
  if (checkpoint.keyId !== key.keyId) return `signed by an unknown key ${checkpoint.keyId}`;
  const valid = verify(null, signedBytes(checkpoint), key.key, Buffer.from(checkpoint.sig, 'base64url'));
  return valid ? undefined : 'bad signature';
}

/** A checkpoint file line that parsed, with its line number (1-based). */
export interface CheckpointLine {
  readonly line: number;
  readonly checkpoint: SignedCheckpoint;
}

/** What a checkpoint file holds: the lines that parsed and the numbers of those that did not. */
export interface CheckpointFile {
  readonly lines: readonly CheckpointLine[];
  readonly malformed: readonly number[];
}

/** Parses one line; `undefined` when it is not a checkpoint. */
export function parseCheckpointLine(text: string): SignedCheckpoint | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return Value.Check(SignedCheckpointSchema, value) ? value : undefined;
}

/**
 * Reads a JSON-lines checkpoint file, streaming (it only grows). A missing file holds nothing.
 * Lines that do not parse are counted, not fatal: a crash can tear the last line.
 */
export async function readCheckpointFile(path: string): Promise<CheckpointFile> {
  const lines: CheckpointLine[] = [];
  const malformed: number[] = [];
  const stream = createReadStream(path, { encoding: 'utf8' });
  const opened = once(stream, 'open').then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  if (!(await opened)) return { lines, malformed };
  let number = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    number += 1;
    if (text.trim() === '') continue;
    const checkpoint = parseCheckpointLine(text);
    if (checkpoint === undefined) malformed.push(number);
    else lines.push({ line: number, checkpoint });
  }
  return { lines, malformed };
}

/** Appends checkpoints as JSON lines and flushes them to disk before returning. */
export async function appendCheckpoints(
  path: string,
  checkpoints: readonly SignedCheckpoint[],
): Promise<void> {
  if (checkpoints.length === 0) return;
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'a', 0o644);
  try {
    await handle.appendFile(checkpoints.map((checkpoint) => `${JSON.stringify(checkpoint)}\n`).join(''));
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
