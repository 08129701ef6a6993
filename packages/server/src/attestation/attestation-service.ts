/**
 * Hardware attestation on the server (docs/attestation.md, docs/agent-protocol.md §
 * "Hardware attestation"): single-use challenges bound to a device, verification of the chain a
 * report carries (before the ingest transaction), the verified verdict in place of the agent's
 * claim, and the challenge consumed inside the transaction.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  type Attestation,
  type AttestationReason,
  type ComplianceAttestation,
  type Detector,
  type Snapshot,
  verifyAttestation,
} from '@riskgate/engine';
import type { Kysely } from 'kysely';
import type { ServiceContext } from '../context.ts';
import type { Database } from '../db/types.ts';
import { AppError } from '../errors.ts';
import {
  consumeAttestationChallenge,
  deleteExpiredAttestationChallenges,
  findAttestationChallenge,
  findDeviceAttestation,
  insertAttestationChallenge,
  upsertDeviceAttestation,
} from '../queries/attestation-challenges.ts';
import type { DeviceRow } from '../queries/devices.ts';
import { findSnapshot } from '../queries/reports.ts';
import {
  type AttestationSummary,
  findingsOf,
  reportedFactsOf,
  snapshotAttestationOf,
  summarize,
  validUntilOf,
} from './attestation-summary.ts';
import type { AttestationTrust } from './attestation-trust.ts';

/** A challenge issued to a device. */
export interface IssuedChallenge {
  /** 32 random bytes, lower-case hex. */
  readonly challenge: string;
  readonly expiresAt: string;
}

/** The attestation part of one report, decided before the ingest transaction. */
export interface IngestAttestation {
  /** The snapshot to store and evaluate: `integrity.attestation` is the server's verdict. */
  readonly snapshot: Snapshot;
  /** The snapshot for `assess()`: attested values left out (the extra detector compares them). */
  readonly assessed: Snapshot;
  /** Findings of the verification (bootloader, boot state, mismatch, failure). */
  readonly detectors: readonly Detector[];
  /** What compliance sees; absent: no verified attestation (`missing`). */
  readonly compliance?: ComplianceAttestation;
  /** Inside the ingest transaction: consumes the challenge and records the verification. */
  commit(trx: Kysely<Database>): Promise<void>;
}

/** What the device detail shows: the server's verification beside the agent's report. */
export interface DeviceAttestationView {
  readonly verified: AttestationSummary | null;
  readonly reported: {
    readonly osVersion?: string;
    readonly securityPatch?: string;
    readonly bootloaderLocked?: boolean;
    readonly verifiedBootState?: string;
  };
}

export interface AttestationService {
  readonly trust: AttestationTrust;
  /** Issues a fresh single-use challenge bound to the device. */
  issueChallenge(device: DeviceRow): Promise<IssuedChallenge>;
  /** Verifies the report's chain (if any) and decides the attestation the report is assessed with. */
  prepareIngest(device: DeviceRow, snapshot: Snapshot, now: Date): Promise<IngestAttestation>;
  /** The verified facts and the reported ones, for the admin device detail. */
  deviceAttestation(tenantId: string, deviceId: string): Promise<DeviceAttestationView>;
}

/** Settings of {@link createAttestationService}. */
export interface AttestationSettings {
  /** How long a challenge stays valid (default 300 s). */
  readonly challengeTtlSeconds?: number;
  /** How long a verification stands in for reports without a chain (default 24 h). */
  readonly maxAgeSeconds?: number;
}

const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The claim of a report without a chain: never trusted as verified. */
function unverifiedClaim(claim: Attestation | undefined): Attestation | undefined {
  if (claim === undefined) return undefined;
  if (claim.verdict === 'unavailable' || claim.verdict === 'fail') {
    // Saying "I failed" or "I cannot attest" is against the agent's interest: kept as reported.
    return {
      verdict: claim.verdict,
      ...(claim.method === undefined ? {} : { method: claim.method }),
      ...(claim.reason === undefined ? {} : { reason: claim.reason }),
    };
  }
  return {
    verdict: 'unverified',
    ...(claim.method === undefined ? {} : { method: claim.method }),
    reason: 'not verified by the server: the report carried no certificate chain',
  };
}

function withAttestation(snapshot: Snapshot, attestation: Attestation | undefined): Snapshot {
  const { attestation: _dropped, ...integrity } = snapshot.integrity;
  return {
    ...snapshot,
    integrity: attestation === undefined ? integrity : { ...integrity, attestation },
  };
}

/** The verdict without the attested values (so the built-in detector does not compare them too). */
function verdictOnly(attestation: Attestation): Attestation {
  return {
    verdict: attestation.verdict,
    ...(attestation.method === undefined ? {} : { method: attestation.method }),
    ...(attestation.securityLevel === undefined ? {} : { securityLevel: attestation.securityLevel }),
    ...(attestation.reason === undefined ? {} : { reason: attestation.reason }),
    ...(attestation.checkedAt === undefined ? {} : { checkedAt: attestation.checkedAt }),
  };
}

const SECURITY_LEVEL = {
  SOFTWARE: 'software',
  TRUSTED_ENVIRONMENT: 'trusted-environment',
  STRONG_BOX: 'strongbox',
} as const;

function complianceOf(summary: AttestationSummary, maxAgeMs: number): ComplianceAttestation {
  const verified = summary.verdict === 'verified';
  return {
    state: verified ? 'verified' : 'failed',
    ...(summary.securityLevel === undefined ? {} : { securityLevel: SECURITY_LEVEL[summary.securityLevel] }),
    // The same moment a chainless report stops reusing it: compliance fails then without a report.
    ...(verified ? { validUntil: validUntilOf(summary, maxAgeMs) } : {}),
  };
}

/** Creates the attestation service. */
export function createAttestationService(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  deps: { readonly trust: AttestationTrust; readonly settings?: AttestationSettings },
): AttestationService {
  const { db } = ctx.db;
  const ttlMs = (deps.settings?.challengeTtlSeconds ?? 300) * 1000;
  const maxAgeMs = (deps.settings?.maxAgeSeconds ?? 86_400) * 1000;

  /** Checks the attested challenge against the issued ones; returns the extra reasons and the hash to consume. */
  async function checkChallenge(
    device: DeviceRow,
    attestedHex: string,
    claimedHex: string | undefined,
    now: Date,
  ): Promise<{ reasons: AttestationReason[]; consume?: string }> {
    if (claimedHex !== undefined && claimedHex.toLowerCase() !== attestedHex) {
      return {
        reasons: [
          {
            code: 'challenge-mismatch',
            message: 'the report names a different challenge than the one attested in the leaf',
            certificateIndex: 0,
          },
        ],
      };
    }
    const hash = sha256Hex(Buffer.from(attestedHex, 'hex'));
    const issued = await findAttestationChallenge(db, device.tenant_id, hash);
    if (issued === undefined || issued.device_id !== device.id) {
      return {
        reasons: [
          {
            code: 'challenge-mismatch',
            message: 'the attested challenge was not issued to this device',
            certificateIndex: 0,
          },
        ],
      };
    }
    if (issued.used_at !== null) {
      return {
        reasons: [
          { code: 'stale-challenge', message: `the challenge was already used at ${issued.used_at}` },
        ],
      };
    }
    if (issued.expires_at <= now.toISOString()) {
      return {
        reasons: [{ code: 'stale-challenge', message: `the challenge expired at ${issued.expires_at}` }],
      };
    }
    return { reasons: [], consume: hash };
  }

  function decided(
    snapshot: Snapshot,
    summary: AttestationSummary,
    commit: IngestAttestation['commit'],
  ): IngestAttestation {
    const attestation = snapshotAttestationOf(summary, maxAgeMs);
    const reported = reportedFactsOf(snapshot);
    return {
      snapshot: withAttestation(snapshot, attestation),
      assessed: withAttestation(snapshot, verdictOnly(attestation)),
      detectors: [() => findingsOf(summary, reported)],
      compliance: complianceOf(summary, maxAgeMs),
      commit,
    };
  }

  return {
    trust: deps.trust,

    async issueChallenge(device) {
      const now = ctx.now();
      const bytes = randomBytes(32);
      const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
      await insertAttestationChallenge(db, {
        tenant_id: device.tenant_id,
        challenge_hash: sha256Hex(bytes),
        device_id: device.id,
        created_at: now.toISOString(),
        expires_at: expiresAt,
      });
      // Keeps the table small: expired challenges are kept a day (to tell "stale" from "unknown").
      await deleteExpiredAttestationChallenges(db, new Date(now.getTime() - 86_400_000).toISOString());
      return { challenge: bytes.toString('hex'), expiresAt };
    },

    async prepareIngest(device, snapshot, now) {
      const claim = snapshot.integrity.attestation;
      const chain = claim?.certificateChain;
      if (claim !== undefined && chain !== undefined && chain.length > 0) {
        let result = await verifyAttestation({
          chain,
          now,
          roots: deps.trust.roots,
          revocations: deps.trust.revocations(),
        });
        const attestedHex = result.keyDescription?.attestationChallengeHex;
        let consume: string | undefined;
        if (attestedHex !== undefined) {
          const checked = await checkChallenge(device, attestedHex, claim.challenge, now);
          consume = checked.consume;
          if (checked.reasons.length > 0)
            result = { ...result, verdict: 'failed', reasons: [...result.reasons, ...checked.reasons] };
        }
        const summary = summarize(result, now);
        return decided(snapshot, summary, async (trx) => {
          if (consume !== undefined) {
            const key = { tenantId: device.tenant_id, deviceId: device.id, challengeHash: consume };
            if (!(await consumeAttestationChallenge(trx, key, now.toISOString())))
              throw new AppError('conflict', 'the attestation challenge was used by a concurrent report');
          }
          await upsertDeviceAttestation(trx, {
            tenant_id: device.tenant_id,
            device_id: device.id,
            verdict: summary.verdict,
            summary: JSON.stringify(summary),
            checked_at: summary.checkedAt,
          });
        });
      }
      // No chain: the agent's claim is not evidence; a recent verification by this server stands.
      const stored = await findDeviceAttestation(db, device.tenant_id, device.id);
      if (stored !== undefined && now.getTime() - Date.parse(stored.checked_at) <= maxAgeMs) {
        return decided(snapshot, JSON.parse(stored.summary) as AttestationSummary, async () => {});
      }
      const unverified = withAttestation(snapshot, unverifiedClaim(claim));
      return {
        snapshot: unverified,
        assessed: unverified,
        detectors: [],
        ...(claim?.verdict === 'fail' ? { compliance: { state: 'failed' as const } } : {}),
        commit: async () => {},
      };
    },

    async deviceAttestation(tenantId, deviceId) {
      const stored = await findDeviceAttestation(db, tenantId, deviceId);
      const snapshotText = await findSnapshot(db, tenantId, deviceId);
      const snapshot = snapshotText === undefined ? undefined : (JSON.parse(snapshotText) as Snapshot);
      const reported = snapshot === undefined ? {} : reportedFactsOf(snapshot);
      return {
        verified: stored === undefined ? null : (JSON.parse(stored.summary) as AttestationSummary),
        reported: {
          ...(reported.osVersion === undefined ? {} : { osVersion: reported.osVersion }),
          ...(reported.patchLevel === undefined ? {} : { securityPatch: reported.patchLevel }),
          ...(reported.bootloaderLocked === undefined ? {} : { bootloaderLocked: reported.bootloaderLocked }),
          ...(reported.verifiedBootState === undefined
            ? {}
            : { verifiedBootState: reported.verifiedBootState }),
        },
      };
    },
  };
}
