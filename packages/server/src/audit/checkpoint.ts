import { createHash, sign, verify } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { canonicalJson } from '../crypto/canonical-json.ts';
import type { CheckpointKeyPair, CheckpointKeySet, CheckpointPublicKey } from './checkpoint-key.ts';

/** The outbox topic checkpoints are published under. */
export const CHECKPOINT_TOPIC = 'audit.checkpoint';

/** `prev` of the first line of a checkpoint file. */
export const FILE_GENESIS = '0'.repeat(64);

/** The hash a line's successor carries in `prev`: SHA-256 (hex) of the line's text, without its newline. */
export function lineHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * One signed checkpoint: the head (seq and hash) of one tenant's audit chain at a time, signed
 * with the deployment's Ed25519 checkpoint key over the canonical JSON of every other member.
 * One JSON line of the checkpoint file and the payload of an `audit.checkpoint` outbox event.
 * Version 2 carries `prev`, the hash of the file's line before it ({@link lineHash}; the first
 * line: {@link FILE_GENESIS}), so the file is a hash chain: a line deleted, inserted or edited
 * breaks the link of the line after it. Version 1 lines (before the chain) are read, not linked.
 */
export const SignedCheckpointSchema = Type.Object(
  {
    v: Type.Union([Type.Literal(1), Type.Literal(2)]),
    type: Type.Literal(CHECKPOINT_TOPIC),
    tenantId: Type.String({ minLength: 1, maxLength: 200 }),
    seq: Type.Integer({ minimum: 1 }),
    hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    at: Type.String({ minLength: 1, maxLength: 64 }),
    keyId: Type.String({ minLength: 1, maxLength: 100 }),
    /** v2: the hash of the file's previous line (see {@link lineHash}). */
    prev: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    /** Ed25519 signature, base64url. */
    sig: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export type SignedCheckpoint = Static<typeof SignedCheckpointSchema>;
export type CheckpointBody = Omit<SignedCheckpoint, 'sig'>;

function signedBytes(body: CheckpointBody): Buffer {
  const { v, type, tenantId, seq, hash, at, keyId, prev } = body;
  return Buffer.from(canonicalJson({ v, type, tenantId, seq, hash, at, keyId, prev }), 'utf8');
}

/** Signs a tenant's head with the checkpoint key, linked to the file line before it (`prev`). */
export function signCheckpoint(
  head: { readonly tenantId: string; readonly seq: number; readonly hash: string; readonly at: string },
  key: CheckpointKeyPair,
  prev: string,
): SignedCheckpoint {
  const body: CheckpointBody = { v: 2, type: CHECKPOINT_TOPIC, ...head, keyId: key.keyId, prev };
  return { ...body, sig: sign(null, signedBytes(body), key.privateKey).toString('base64url') };
}

/**
 * Why a checkpoint's signature does not verify under the key its `keyId` names in `keys` (one key,
 * or the current and retired keys), or `undefined` when it does.
 */
export function checkpointSignatureProblem(
  checkpoint: SignedCheckpoint,
  keys: CheckpointPublicKey | CheckpointKeySet,
): string | undefined {
  const key =
    'keyId' in keys ? (keys.keyId === checkpoint.keyId ? keys : undefined) : keys.get(checkpoint.keyId);
  if (key === undefined) return `signed by an unknown key ${checkpoint.keyId}`;
  const valid = verify(null, signedBytes(checkpoint), key.key, Buffer.from(checkpoint.sig, 'base64url'));
  return valid ? undefined : 'bad signature';
}

/** A checkpoint file line that parsed, with its line number (1-based). */
export interface CheckpointLine {
  readonly line: number;
  readonly checkpoint: SignedCheckpoint;
}

/** Parses one line; `undefined` when it is not a checkpoint (a v2 line must carry `prev`, a v1 line must not). */
export function parseCheckpointLine(text: string): SignedCheckpoint | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Value.Check(SignedCheckpointSchema, value)) return undefined;
  return (value.v === 2) === (value.prev !== undefined) ? value : undefined;
}

/** Why a checkpoint file is not trustworthy as a whole: the first bad line. */
export interface CheckpointFileBreak {
  /** `chain-broken`: a line does not link to the line before it; `backwards`: a tenant's seq goes back. */
  readonly problem: 'chain-broken' | 'backwards';
  readonly line: number;
  /** Names no tenant: the admin API shows it to every tenant's admins. */
  readonly reason: string;
  /** `backwards`: the tenant whose seq goes back (for the operator's CLI; the admin API omits it). */
  readonly tenantId?: string;
}

/** What a checkpoint file holds: the lines that parsed and the numbers of those that did not. */
export interface CheckpointFile {
  readonly lines: readonly CheckpointLine[];
  readonly malformed: readonly number[];
  /** Version 1 lines (written before the file was chained): not linked. */
  readonly legacy: readonly number[];
  /** The first line that does not link to the line before it. */
  readonly broken?: CheckpointFileBreak;
  /** The hash of the last non-empty line ({@link FILE_GENESIS} for an empty file). */
  readonly tailHash: string;
}

/**
 * Reads a JSON-lines checkpoint file, streaming (it only grows), and checks its hash chain: every
 * version 2 line must carry the hash of the non-empty line before it (whatever that line is, a
 * torn or legacy one included). A missing file holds nothing. Lines that do not parse are counted,
 * not fatal: a crash can tear the last line.
 */
export async function readCheckpointFile(path: string): Promise<CheckpointFile> {
  const lines: CheckpointLine[] = [];
  const malformed: number[] = [];
  const legacy: number[] = [];
  let broken: CheckpointFileBreak | undefined;
  let tailHash = FILE_GENESIS;
  let tailLine = 0;
  const stream = createReadStream(path, { encoding: 'utf8' });
  const opened = once(stream, 'open').then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  if (!(await opened)) return { lines, malformed, legacy, tailHash };
  let number = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    number += 1;
    if (text.trim() === '') continue;
    const checkpoint = parseCheckpointLine(text);
    if (checkpoint === undefined) malformed.push(number);
    else {
      lines.push({ line: number, checkpoint });
      if (checkpoint.prev === undefined) legacy.push(number);
      else if (broken === undefined && checkpoint.prev !== tailHash) {
        broken = {
          problem: 'chain-broken',
          line: number,
          reason:
            tailLine === 0
              ? `line ${number} does not start the file: lines before it were deleted, or the file was replaced`
              : `line ${number} does not link to line ${tailLine}: lines between them were deleted or inserted, or line ${tailLine} was edited`,
        };
      }
    }
    tailHash = lineHash(text);
    tailLine = number;
  }
  return { lines, malformed, legacy, ...(broken === undefined ? {} : { broken }), tailHash };
}

/**
 * Appends lines to the checkpoint file, opened with O_APPEND (every write lands at the end, even
 * with another writer), and fsyncs before returning. Returns the file's size after the write.
 */
export async function appendCheckpointLines(path: string, texts: readonly string[]): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'a', 0o644);
  try {
    if (texts.length > 0) {
      await handle.appendFile(texts.map((text) => `${text}\n`).join(''));
      await handle.sync();
    }
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

/** The file's size in bytes, and whether it ends with a newline (0 and true when missing). */
export async function checkpointFileEnd(path: string): Promise<{ size: number; endsWithNewline: boolean }> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { size: 0, endsWithNewline: true };
    throw error;
  }
  if (size === 0) return { size, endsWithNewline: true };
  const handle = await open(path, 'r');
  try {
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return { size, endsWithNewline: last[0] === 0x0a };
  } finally {
    await handle.close();
  }
}

/** The bytes of the file from `start` to `end`, as text. */
export async function readCheckpointFileRange(path: string, start: number, end: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
