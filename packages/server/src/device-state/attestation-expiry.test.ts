import type { Snapshot } from '@riskgate/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessHarness, EnrolledDevice } from '../../test-support/access.ts';
import {
  bindChallengeToChain,
  datasetAttestationTrust,
  recordedChain,
} from '../../test-support/attestation.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import {
  accessStatusOf,
  compliancePolicy,
  createCompliantAccessHarness,
  expectDeviceMatchesScratch,
  stateEventsOf,
} from '../../test-support/device-state.ts';
import { cleanAndroidSnapshot } from '../../test-support/snapshots.ts';

const MAX_AGE_SECONDS = 3600;

/**
 * Attestation as a cause (issue 12): a verified attestation stands for `attestationMaxAge`; when it
 * expires with nothing reported, a policy requiring attestation fails at once (state timer, cause
 * `attestation`), as the next report without a chain would have decided; a failed attestation in
 * a report changes compliance through the report (cause `report`).
 */
for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`attestation expiry (${dialect})`, () => {
    let h: AccessHarness;
    let policyId: string;
    beforeAll(async () => {
      h = await createCompliantAccessHarness(dialect, {
        attestation: { trust: await datasetAttestationTrust(), settings: { maxAgeSeconds: MAX_AGE_SECONDS } },
      });
      const created = await h.admin('POST', '/v1/admin/compliance-policies', {
        ...compliancePolicy('high'),
        name: 'hardware attestation',
        rules: { requireAttestation: 'hardware' },
      });
      expect(created.statusCode, created.body).toBe(201);
      policyId = created.json().policy.id;
    });
    afterAll(async () => {
      await h?.close();
    });

    async function agrees(device: EnrolledDevice, step: string) {
      const scratch = await expectDeviceMatchesScratch(
        h.testDb.db.db,
        h.runtime.intel,
        h.tenant.tenantId,
        device.deviceId,
        h.clock.now,
        step,
      );
      expect(await accessStatusOf(h, device), `decision after ${step}`).toBe(
        scratch.complianceState === 'compliant' ? 200 : 403,
      );
      return { scratch, events: await stateEventsOf(h.testDb.db.db, device.deviceId) };
    }

    function report(chain: readonly string[] | undefined, challenge?: string) {
      const snapshot = cleanAndroidSnapshot(h.clock.now);
      const attestation: Snapshot['integrity']['attestation'] =
        chain === undefined
          ? { verdict: 'pass', method: 'android-key-attestation', securityLevel: 'strongbox' }
          : {
              verdict: 'unverified',
              method: 'android-key-attestation',
              certificateChain: [...chain],
              ...(challenge === undefined ? {} : { challenge }),
            };
      return {
        ...snapshot,
        device: { ...snapshot.device, osVersion: '16', securityPatch: '2025-11-05' },
        integrity: { ...snapshot.integrity, attestation },
      };
    }

    it('a verified attestation that expires with nothing reported makes the device noncompliant (cause attestation), once', async () => {
      const recorded = recordedChain('caiman/sdk36/TEE_EC_RKP.pem');
      h.clock.now = recorded.validAt;
      const device = await h.enroll();
      const issued = await h.app.inject(
        device.key.request('POST', '/v1/device/attestation/challenge', undefined, h.clock.now),
      );
      expect(issued.statusCode, issued.body).toBe(200);
      await bindChallengeToChain(
        h.testDb.db.db,
        h.tenant.tenantId,
        issued.json().challenge,
        recorded.challengeHex,
      );
      await h.report(device, report(recorded.chain, recorded.challengeHex));
      expect((await agrees(device, 'attested report')).scratch.complianceState).toBe('compliant');

      h.clock.now = new Date(recorded.validAt.getTime() + (MAX_AGE_SECONDS / 2) * 1000);
      expect((await h.runtime.stateTimer.runOnce()).changed).toBe(0);
      await agrees(device, 'half-way');

      h.clock.now = new Date(recorded.validAt.getTime() + MAX_AGE_SECONDS * 1000 + 1000);
      expect((await h.runtime.stateTimer.runOnce()).changed).toBe(1);
      const { scratch, events } = await agrees(device, 'expired');
      expect(scratch.failingRules).toEqual([{ policyId, rule: 'requireAttestation' }]);
      expect(events.at(-1)).toMatchObject({
        cause: 'attestation',
        trigger: 'attestation.expired',
        before: { complianceState: 'compliant' },
        after: { complianceState: 'noncompliant' },
        reasons: { failingRules: [{ policyId, rule: 'requireAttestation' }] },
      });
      expect((await h.runtime.stateTimer.runOnce()).changed).toBe(0);
      expect((await stateEventsOf(h.testDb.db.db, device.deviceId)).length).toBe(events.length);

      // A report without a chain now: not attested either (no new event: the state is the same).
      await h.report(device, report(undefined));
      expect((await agrees(device, 'chainless report')).events.length).toBe(events.length);
    });

    it('a report whose attestation fails changes compliance through the report path', async () => {
      const recorded = recordedChain('caiman/sdk36/TEE_EC_RKP.pem');
      h.clock.now = recorded.validAt;
      const device = await h.enroll();
      // No challenge was issued for this chain: the server refuses it (challenge-mismatch).
      await h.report(device, report(recorded.chain, recorded.challengeHex));
      const { scratch, events } = await agrees(device, 'failed attestation');
      expect(scratch.complianceState).toBe('noncompliant');
      expect(events.at(-1)).toMatchObject({ cause: 'report', after: { complianceState: 'noncompliant' } });
    });
  });
}
