import { randomUUID } from 'node:crypto';
import type { Snapshot } from '@riskgate/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bindChallengeToChain,
  datasetAttestationTrust,
  type RecordedChain,
  recordedChain,
} from '../../../test-support/attestation.ts';
import { TestDevice } from '../../../test-support/device.ts';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../../test-support/harness.ts';
import { cleanAndroidSnapshot } from '../../../test-support/snapshots.ts';

// Locked, verified boot, Android 16, patch 2025-11 (caiman = Pixel 9 Pro, RKP chain).
const LOCKED = 'caiman/sdk36/TEE_EC_RKP.pem';
// Locked, verified boot, Android 16, patch 2026-02, ends in the 2025 ECDSA root.
const LOCKED_2026 = 'tegu/sdk36/TEE_EC_2026_ROOT.pem';
// Unlocked bootloader, verifiedBootState UNVERIFIED, Android 14, patch 2024-08.
const UNLOCKED = 'akita/sdk34/TEE_EC_NONE.pem';

interface Reply {
  riskLevel: string;
  compliance: { state: string; failingRules: { rule: string }[] };
  threats: { key: string; typeId: string }[];
}

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`hardware attestation (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect, { attestation: { trust: await datasetAttestationTrust() } });
      // Every device of the tenant must be attested by secure hardware.
      const policy = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/compliance-policies',
        headers: h.auth('admin'),
        payload: {
          name: 'hardware attestation',
          assignment: {},
          rules: { requireAttestation: 'hardware' },
          gracePeriodHours: 0,
          actions: [],
          unresponsive: { afterDays: 30, treatAs: 'compliant' },
          enabled: true,
        },
      });
      expect(policy.statusCode).toBe(201);
    });
    afterAll(async () => {
      await h?.close();
    });

    async function enrolled(): Promise<TestDevice> {
      const token = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/enrollment-tokens',
        headers: h.auth('owner'),
        payload: { ownership: 'corporate', expiresInHours: 1, maxUses: 1 },
      });
      const device = new TestDevice();
      const body = { token: token.json().token, publicKey: device.jwk, device: { platform: 'android' } };
      const reply = await h.app.inject(
        device.request('POST', '/v1/device/enroll', body, h.clock.now, { withJwk: true }),
      );
      expect(reply.statusCode).toBe(201);
      device.deviceId = reply.json().deviceId;
      return device;
    }

    async function challenge(device: TestDevice): Promise<{ challenge: string; expiresAt: string }> {
      const reply = await h.app.inject(
        device.request('POST', '/v1/device/attestation/challenge', undefined, h.clock.now),
      );
      expect(reply.statusCode).toBe(200);
      return reply.json();
    }

    /** A device enrolled at a time inside the chain's validity, holding a challenge bound to the chain. */
    async function deviceWithBoundChallenge(recorded: RecordedChain): Promise<TestDevice> {
      h.clock.now = recorded.validAt;
      const device = await enrolled();
      const issued = await challenge(device);
      await bindChallengeToChain(h.testDb.db.db, h.tenant.tenantId, issued.challenge, recorded.challengeHex);
      return device;
    }

    function reportWith(
      recorded: RecordedChain | undefined,
      device: Partial<Snapshot['device']>,
      integrity: Partial<Snapshot['integrity']> = {},
    ) {
      const snapshot = cleanAndroidSnapshot(h.clock.now);
      const attestation: Snapshot['integrity']['attestation'] =
        recorded === undefined
          ? { verdict: 'pass', method: 'android-key-attestation', securityLevel: 'strongbox' }
          : {
              verdict: 'unverified',
              method: 'android-key-attestation',
              certificateChain: recorded.chain,
              challenge: recorded.challengeHex,
            };
      return {
        reportId: randomUUID(),
        kind: 'full',
        snapshot: {
          ...snapshot,
          device: { ...snapshot.device, ...device },
          integrity: { ...snapshot.integrity, ...integrity, attestation },
        },
      };
    }

    async function send(device: TestDevice, body: unknown): Promise<Reply> {
      const reply = await h.app.inject(device.request('POST', '/v1/device/reports', body, h.clock.now));
      expect(reply.statusCode).toBe(200);
      return reply.json();
    }

    const typeIds = (reply: Reply) => reply.threats.map((threat) => threat.typeId).sort();

    it('issues single-use 32-byte challenges bound to the device, expiring in 5 minutes; unsigned requests are refused', async () => {
      h.clock.now = new Date();
      const device = await enrolled();
      const first = await challenge(device);
      const second = await challenge(device);
      expect(first.challenge).toMatch(/^[0-9a-f]{64}$/);
      expect(second.challenge).not.toBe(first.challenge);
      expect(Date.parse(first.expiresAt) - h.clock.now.getTime()).toBe(300_000);
      const stored = await h.testDb.db.db
        .selectFrom('attestation_challenges')
        .selectAll()
        .where('device_id', '=', device.deviceId ?? '')
        .execute();
      expect(stored).toHaveLength(2);
      // Stored hashed, never as issued.
      expect(stored.map((row) => row.challenge_hash)).not.toContain(first.challenge);
      const unsigned = await h.app.inject({ method: 'POST', url: '/v1/device/attestation/challenge' });
      expect(unsigned.statusCode).toBe(401);
    });

    it('attests a device whose report carries a valid chain with a fresh challenge; a replay is refused', async () => {
      const recorded = recordedChain(LOCKED);
      const device = await deviceWithBoundChallenge(recorded);
      const attested = await send(
        device,
        reportWith(recorded, { osVersion: '16', securityPatch: '2025-11-05' }),
      );
      expect(typeIds(attested)).toEqual([]);
      expect(attested.compliance.state).toBe('compliant');

      const detail = await h.app.inject({
        url: `/v1/admin/devices/${device.deviceId}`,
        headers: h.auth('analyst'),
      });
      expect(detail.statusCode).toBe(200);
      expect(detail.json().attestation).toMatchObject({
        verified: {
          verdict: 'verified',
          reasons: [],
          securityLevel: 'TRUSTED_ENVIRONMENT',
          facts: {
            osVersion: '16.0.0',
            patchLevel: '2025-11',
            bootloaderLocked: true,
            verifiedBootState: 'VERIFIED',
          },
          checkedAt: h.clock.now.toISOString(),
        },
        reported: {
          osVersion: '16',
          securityPatch: '2025-11-05',
          bootloaderLocked: true,
          verifiedBootState: 'green',
        },
      });

      // A report without a chain inside attestationMaxAge keeps the server's verification.
      const later = await send(
        device,
        reportWith(undefined, { osVersion: '16', securityPatch: '2025-11-05' }),
      );
      expect(later.compliance.state).toBe('compliant');

      // The same chain again: its challenge was used.
      const replayed = await send(
        device,
        reportWith(recorded, { osVersion: '16', securityPatch: '2025-11-05' }),
      );
      expect(typeIds(replayed)).toEqual(['device.attestation-failed']);
      expect(replayed.compliance.failingRules.map((rule) => rule.rule)).toContain('requireAttestation');
      const threats = await h.app.inject({
        url: `/v1/admin/devices/${device.deviceId}`,
        headers: h.auth('analyst'),
      });
      const failed = threats
        .json()
        .threats.find((t: { typeId: string }) => t.typeId === 'device.attestation-failed');
      expect(failed.evidence.map((e: { observed: string }) => e.observed)).toContain('stale-challenge');
      expect(threats.json().attestation.verified).toMatchObject({
        verdict: 'failed',
        reasons: [{ code: 'stale-challenge' }],
        facts: { packageNames: [] },
      });
    });

    it("refuses an expired challenge and another device's challenge", async () => {
      const recorded = recordedChain(LOCKED_2026);
      const owner = await deviceWithBoundChallenge(recorded);
      const stranger = await enrolled();
      const stolen = await send(
        stranger,
        reportWith(recorded, { osVersion: '16', securityPatch: '2026-02-01' }),
      );
      expect(typeIds(stolen)).toEqual(['device.attestation-failed']);

      h.clock.now = new Date(recorded.validAt.getTime() + 301_000);
      const late = await send(owner, reportWith(recorded, { osVersion: '16', securityPatch: '2026-02-01' }));
      expect(typeIds(late)).toEqual(['device.attestation-failed']);
      const detail = await h.app.inject({
        url: `/v1/admin/devices/${owner.deviceId}`,
        headers: h.auth('analyst'),
      });
      expect(detail.json().attestation.verified.reasons.map((r: { code: string }) => r.code)).toEqual([
        'stale-challenge',
      ]);
      const strangerDetail = await h.app.inject({
        url: `/v1/admin/devices/${stranger.deviceId}`,
        headers: h.auth('analyst'),
      });
      expect(strangerDetail.json().attestation.verified.reasons.map((r: { code: string }) => r.code)).toEqual(
        ['challenge-mismatch'],
      );
    });

    it('raises bootloader-unlocked and boot-not-verified from an unlocked chain, one threat when the agent says so too', async () => {
      const recorded = recordedChain(UNLOCKED);
      const device = await deviceWithBoundChallenge(recorded);
      const reply = await send(
        device,
        reportWith(
          recorded,
          { osVersion: '14', securityPatch: '2024-08-05' },
          { bootloaderLocked: false, verifiedBootState: 'orange' },
        ),
      );
      expect(typeIds(reply)).toEqual(['device.boot-not-verified', 'device.bootloader-unlocked']);
      expect(reply.threats.filter((t) => t.typeId === 'device.bootloader-unlocked')).toHaveLength(1);

      // Incremental events carry no chain: the verification stands, the threats stay active.
      const events = await send(device, {
        reportId: randomUUID(),
        kind: 'events',
        events: [{ type: 'domain-visited', at: h.clock.now.toISOString(), domain: 'example.com' }],
      });
      expect(typeIds(events)).toEqual(['device.boot-not-verified', 'device.bootloader-unlocked']);

      // Past attestationMaxAge (24 h) the old verification no longer counts: attestation is missing.
      h.clock.now = new Date(recorded.validAt.getTime() + 25 * 3_600_000);
      const dayLater = await send(
        device,
        reportWith(undefined, { osVersion: '14', securityPatch: '2024-08-05' }, { bootloaderLocked: true }),
      );
      expect(typeIds(dayLater)).toEqual([]);
      expect(dayLater.compliance.failingRules.map((rule) => rule.rule)).toEqual(['requireAttestation']);
    });

    it('raises bootloader-unlocked and a mismatch when the agent claims a locked bootloader', async () => {
      const recorded = recordedChain(UNLOCKED);
      // The chain's own challenge was consumed above: issue a new one on a new device.
      await h.testDb.db.db.deleteFrom('attestation_challenges').execute();
      const device = await deviceWithBoundChallenge(recorded);
      const reply = await send(
        device,
        reportWith(recorded, { osVersion: '14', securityPatch: '2024-08-05' }),
      );
      expect(typeIds(reply)).toEqual([
        'device.attestation-mismatch',
        'device.boot-not-verified',
        'device.bootloader-unlocked',
      ]);
    });

    it('raises attestation-mismatch when the reported patch level differs from the attested one', async () => {
      const recorded = recordedChain(LOCKED);
      await h.testDb.db.db.deleteFrom('attestation_challenges').execute();
      const device = await deviceWithBoundChallenge(recorded);
      const reply = await send(
        device,
        reportWith(recorded, { osVersion: '16', securityPatch: '2026-01-05' }),
      );
      expect(typeIds(reply)).toEqual(['device.attestation-mismatch']);
      const detail = await h.app.inject({
        url: `/v1/admin/devices/${device.deviceId}`,
        headers: h.auth('analyst'),
      });
      const mismatch = detail
        .json()
        .threats.find((t: { typeId: string }) => t.typeId === 'device.attestation-mismatch');
      expect(mismatch.evidence.map((e: { observed: string }) => e.observed)).toEqual(['patchLevel']);
    });

    it("does not trust the agent's own attestation claim: no chain is noncompliant under requireAttestation 'hardware'", async () => {
      h.clock.now = new Date();
      const device = await enrolled();
      const reply = await send(device, reportWith(undefined, { osVersion: '16' }));
      expect(reply.compliance.state).toBe('noncompliant');
      expect(reply.compliance.failingRules.map((rule) => rule.rule)).toEqual(['requireAttestation']);
      const detail = await h.app.inject({
        url: `/v1/admin/devices/${device.deviceId}`,
        headers: h.auth('analyst'),
      });
      expect(detail.json().attestation.verified).toBeNull();
    });
  });
}
