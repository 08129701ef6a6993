/**
 * Test-only helpers for hardware attestation: real chains from
 * `<datasets>/android-keyattestation-testdata`, a time inside a chain's validity, and a way to make
 * an issued challenge equal a recorded chain's fixed challenge (see `bindChallengeToChain`).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAttestationChain, parseKeyDescription } from '@riskgate/engine';
import type { Kysely } from 'kysely';
import pino from 'pino';
import {
  createAttestationTrust,
  defaultAttestationPaths,
  readRootPems,
} from '../src/attestation/attestation-trust.ts';
import type { Database } from '../src/db/types.ts';
import { defaultDatasetsDir } from '../src/intel/intel-source.ts';

const DATASETS = defaultDatasetsDir();
const TESTDATA = join(DATASETS, 'android-keyattestation-testdata', 'testdata');

/** A recorded chain: base64 DER leaf first (the report form), its attested challenge, a valid time. */
export interface RecordedChain {
  readonly chain: string[];
  readonly challengeHex: string;
  /** One minute after the latest notBefore: inside every certificate's validity. */
  readonly validAt: Date;
}

/** Loads `testdata/<name>` (PEM, leaf first). */
export function recordedChain(name: string): RecordedChain {
  const certificates = parseAttestationChain([readFileSync(join(TESTDATA, name), 'utf8')]);
  const leaf = certificates[0];
  if (leaf === undefined) throw new Error(`${name}: empty chain`);
  const latestStart = Math.max(...certificates.map((c) => c.notBefore.getTime()));
  const validAt = new Date(latestStart + 60_000);
  const earliestEnd = Math.min(...certificates.slice(0, -1).map((c) => c.notAfter.getTime()));
  if (validAt.getTime() >= earliestEnd) throw new Error(`${name}: no common validity window`);
  return {
    chain: certificates.map((c) => Buffer.from(c.rawData).toString('base64')),
    challengeHex: parseKeyDescription(leaf).attestationChallengeHex,
    validAt,
  };
}

/** The trust a production server loads by default: dataset roots and revocation snapshot. */
export async function datasetAttestationTrust() {
  const paths = defaultAttestationPaths(DATASETS);
  return createAttestationTrust({
    rootPems: readRootPems(paths.roots),
    ...(paths.revocations === undefined ? {} : { revocations: paths.revocations }),
    logger: pino({ level: 'silent' }),
  });
}

const sha256Hex = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

/**
 * TEST ONLY. A recorded chain was generated with its own fixed challenge, not with one this server
 * issued, and no test can make real secure hardware sign a new one. So the test issues a challenge
 * through the API (row, device binding and expiry come from the server) and then rewrites that
 * row's stored hash to the hash of the chain's challenge. Everything after that (lookup, device
 * binding, expiry, single use) runs unchanged.
 */
export async function bindChallengeToChain(
  db: Kysely<Database>,
  tenantId: string,
  issuedHex: string,
  chainChallengeHex: string,
): Promise<void> {
  const result = await db
    .updateTable('attestation_challenges')
    .set({ challenge_hash: sha256Hex(chainChallengeHex) })
    .where('tenant_id', '=', tenantId)
    .where('challenge_hash', '=', sha256Hex(issuedHex))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new Error('issued challenge not found');
}
