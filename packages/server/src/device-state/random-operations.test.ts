import { createRng, type Rng } from '@riskgate/agent';
import type { Snapshot } from '@riskgate/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AccessHarness, type EnrolledDevice, STALKERWARE_APP } from '../../test-support/access.ts';
import { DIALECTS, shouldSkipDialect } from '../../test-support/db.ts';
import {
  accessStatusOf,
  compliancePolicy,
  createCompliantAccessHarness,
  expectDeviceMatchesScratch,
  recomputeFromScratch,
} from '../../test-support/device-state.ts';
import { cleanAndroidSnapshot, storeApp } from '../../test-support/snapshots.ts';

/**
 * Random sequences of every cause of a device state change, through the public API, on a small
 * fleet; after each step every device's row and access decision must equal a from-scratch
 * re-assessment. Reproduce a failure with RISKGATE_TEST_SEED=<seed from the message>.
 */
const DEVICES = 4;
/** Steps per seed; RISKGATE_TEST_STEPS=100 explores longer sequences. */
const STEPS = Number(process.env.RISKGATE_TEST_STEPS ?? 25);
/**
 * Fixed seeds by default, so `npm test` gives the same answer on every run; among them seeds that
 * found bugs (issue 12): random-3419126053 (reactivating a threat the latest report no longer
 * shows) and random-3363585991 (deleting a type override gave an instance-rated threat the catalog
 * default). Both were found on a fleet shared with an earlier seed, so alone they no longer replay
 * the failing steps: device-state-regressions.test.ts holds each as a deterministic case.
 * RISKGATE_TEST_SEED takes a comma-separated list; `random` in it stands for a fresh seed
 * (exploration: RISKGATE_TEST_SEED=random,random,random). Each seed gets its own runtime and
 * fleet, so the seed in a failure message replays it alone.
 */
const FIXED_SEEDS = [
  'riskgate-device-state-1',
  'riskgate-device-state-2',
  'random-3419126053',
  'random-3363585991',
];
const SEEDS = (process.env.RISKGATE_TEST_SEED?.split(',') ?? FIXED_SEEDS).map((seed) =>
  seed === 'random' ? `random-${Math.floor(Math.random() * 2 ** 32)}` : seed,
);
/** Apps that no feed lists until an intel upload step lists them (retro-hunt). */
const UNLISTED = ['com.example.unlisted.one', 'com.example.unlisted.two'];
const LEVELS = ['none', 'low', 'medium', 'high'] as const;
/** Malware families: the stalkerware app's and those of the feeds the intel step uploads. */
const FAMILIES = ['TheTruthSpy', 'RandomSpy1', 'RandomSpy2'];

/** A clean, a stalkerware, or an "other" snapshot (weak integrity, old patch, maybe unlisted apps). */
function randomSnapshot(rng: Rng, now: Date): { profile: string; snapshot: Snapshot } {
  const profile = rng.pick(['clean', 'stalkerware', 'other'] as const);
  const apps = rng.sample(UNLISTED, rng.int(0, UNLISTED.length)).map(storeApp);
  if (profile === 'stalkerware') apps.push(storeApp(STALKERWARE_APP));
  const snapshot = cleanAndroidSnapshot(now, profile === 'clean' ? [] : apps);
  if (profile !== 'other') return { profile, snapshot };
  const old = new Date(now.getTime() - rng.int(60, 900) * 86_400_000);
  return {
    profile,
    snapshot: {
      ...snapshot,
      device: { ...snapshot.device, securityPatch: old.toISOString().slice(0, 8).concat('01') },
      integrity: {
        ...snapshot.integrity,
        screenLock: rng.chance(0.5),
        developerOptions: rng.chance(0.5),
        usbDebugging: rng.chance(0.3),
      },
    },
  };
}

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`random device state operations (${dialect})`, () => {
    let h: AccessHarness;
    let fleet: EnrolledDevice[];
    // A runtime and fleet per seed: a seed's steps depend on nothing an earlier seed did.
    beforeEach(async () => {
      h = await createCompliantAccessHarness(dialect);
      fleet = [];
      for (let i = 0; i < DEVICES; i++) fleet.push(await h.enroll());
    });
    afterEach(async () => {
      await h?.close();
    });

    async function expectFleetMatchesScratch(context: string) {
      for (const device of fleet) {
        const scratch = await expectDeviceMatchesScratch(
          h.testDb.db.db,
          h.runtime.intel,
          h.tenant.tenantId,
          device.deviceId,
          h.clock.now,
          `${context}, device ${device.deviceId}`,
        );
        expect(await accessStatusOf(h, device), `decision ${context}, device ${device.deviceId}`).toBe(
          scratch.complianceState === 'compliant' ? 200 : 403,
        );
      }
    }

    async function threatsOf(deviceId: string) {
      const reply = await h.admin('GET', `/v1/admin/threats?deviceId=${deviceId}&limit=500`);
      expect(reply.statusCode, reply.body).toBe(200);
      return reply.json<{ items: { id: string; key: string; typeId: string; state: string }[] }>().items;
    }

    for (const seed of SEEDS) {
      it(`seed ${seed}: ${STEPS} random steps on ${DEVICES} devices`, {
        timeout: Math.max(60_000, STEPS * 2_400),
      }, async () => {
        const rng = createRng(seed);
        const policies: string[] = [];
        const typeIds = new Set<string>(['app.stalkerware']);
        const typeOverrides = new Set<string>();
        const familyOverrides = new Set<string>();
        const unlisted = [...UNLISTED];
        let feeds = 0;
        const uploaded: { id: string; pkg: string }[] = [];
        // Every device starts from a first report, so each has a stored snapshot.
        for (const device of fleet) await h.report(device, randomSnapshot(rng, h.clock.now).snapshot);
        await expectFleetMatchesScratch(`seed ${seed}, initial reports`);

        const operations: Record<string, () => Promise<string>> = {
          async report() {
            const device = rng.pick(fleet);
            const { profile, snapshot } = randomSnapshot(rng, h.clock.now);
            await h.report(device, snapshot);
            return `report ${profile} from ${device.deviceId}`;
          },
          async triage() {
            const device = rng.pick(fleet);
            const threats = await threatsOf(device.deviceId);
            for (const t of threats) typeIds.add(t.typeId);
            if (threats.length === 0) return `triage: ${device.deviceId} has no threat`;
            const threat = rng.pick(threats);
            // Reactivating a threat the latest report no longer shows is refused with 409
            // (docs/admin-api.md): the device must then keep its state.
            const verb = rng.pick(['ignore', 'resolve', 'reactivate'] as const);
            const before = await recomputeFromScratch(
              h.testDb.db.db,
              h.runtime.intel,
              h.tenant.tenantId,
              device.deviceId,
              h.clock.now,
            );
            const reply = await h.admin('POST', `/v1/admin/threats/${threat.id}/${verb}`);
            expect(reply.statusCode, reply.body).toBeLessThan(500);
            if (verb === 'reactivate' && threat.state !== 'active')
              expect(reply.statusCode, `reactivate ${threat.key}: ${reply.body}`).toBe(
                before.detectedKeys.includes(threat.key) ? 200 : 409,
              );
            return `${verb} ${threat.typeId} (${threat.state}) of ${device.deviceId}: ${reply.statusCode}`;
          },
          async override() {
            // A type seen on a device, or a malware family (it wins over its type); deletions mostly
            // of an override that exists (a delete of none is a 404 and changes nothing).
            const family = rng.chance(0.3);
            const pool = family ? FAMILIES : [...typeIds];
            const overridden = family ? familyOverrides : typeOverrides;
            const kind = family ? 'threat-families' : 'threat-types';
            if (rng.chance(0.4)) {
              const target =
                overridden.size > 0 && rng.chance(0.8) ? rng.pick([...overridden]) : rng.pick(pool);
              const reply = await h.admin('DELETE', `/v1/admin/${kind}/${target}/risk`);
              expect(reply.statusCode, reply.body).toBeLessThan(500);
              overridden.delete(target);
              return `delete override ${target}: ${reply.statusCode}`;
            }
            const target = rng.pick(pool);
            const risk = rng.pick(LEVELS);
            const reply = await h.admin('PUT', `/v1/admin/${kind}/${target}/risk`, { risk });
            expect(reply.statusCode, reply.body).toBe(200);
            overridden.add(target);
            return `override ${target} = ${risk}`;
          },
          async policy() {
            const level = rng.pick(['low', 'medium', 'high'] as const);
            const id = policies.length > 0 && rng.chance(0.7) ? rng.pick(policies) : undefined;
            if (id === undefined) {
              const reply = await h.admin('POST', '/v1/admin/compliance-policies', compliancePolicy(level));
              expect(reply.statusCode, reply.body).toBe(201);
              policies.push(reply.json().policy.id);
              return `create policy max ${level}`;
            }
            const enabled = rng.chance(0.6);
            const reply = await h.admin(
              'PUT',
              `/v1/admin/compliance-policies/${id}`,
              compliancePolicy(level, enabled),
            );
            expect(reply.statusCode, reply.body).toBe(200);
            return `${enabled ? 'update' : 'disable'} policy ${id} max ${level}`;
          },
          async intel() {
            const pkg = unlisted.shift();
            if (pkg === undefined) return 'intel: every unlisted app already uploaded';
            feeds += 1;
            const reply = await h.admin('POST', '/v1/admin/intel/feeds', {
              name: `random-${feeds}-${rng.hex(4)}.yaml`,
              content: `- name: RandomSpy${feeds}\n  names:\n  - RandomSpy${feeds}\n  type: stalkerware\n  packages:\n  - ${pkg}\n`,
            });
            expect(reply.statusCode, reply.body).toBe(201);
            uploaded.push({ id: reply.json().feed.id, pkg });
            return `upload feed listing ${pkg}`;
          },
          async unlist() {
            // Deleting a feed resolves at once the threats only it supported (cause intel).
            const feed =
              uploaded.length > 0 ? uploaded.splice(rng.int(0, uploaded.length - 1), 1)[0] : undefined;
            if (feed === undefined) return 'unlist: no uploaded feed';
            const reply = await h.admin('DELETE', `/v1/admin/intel/feeds/${feed.id}`);
            expect(reply.statusCode, reply.body).toBe(200);
            return `delete feed listing ${feed.pkg}`;
          },
        };
        // Weighted: reports and triage most often, feed uploads and deletions rarely.
        const mix = [
          'report',
          'report',
          'report',
          'triage',
          'triage',
          'override',
          'policy',
          'policy',
          'intel',
          'unlist',
        ];
        const done: string[] = [];
        for (let step = 1; step <= STEPS; step++) {
          const name = rng.pick(mix);
          const operation = operations[name];
          if (operation === undefined) throw new Error(`unknown operation ${name}`);
          done.push(await operation());
          await expectFleetMatchesScratch(
            `(seed ${seed}, step ${step}: ${done.at(-1)}; RISKGATE_TEST_SEED=${seed} replays; steps so far: ${done.join(' | ')})`,
          );
        }
      });
    }
  });
}
