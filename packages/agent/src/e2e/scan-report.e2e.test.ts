/**
 * `riskgate-agent scan <acquisition> --report` against the real server (packages/server harness, real
 * HTTP, every dialect): the phone is enrolled as a new device and its snapshot is stored; for a
 * personal device the server keeps only the apps that matched an indicator.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHarness,
  DIALECTS,
  type Harness,
  shouldSkipDialect,
} from '../../../server/test-support/harness.ts';
import type { CommandIo } from '../cli/command.ts';
import { command as scan } from '../cli/commands/scan.ts';
import { locateDatasets } from '../profiles/datasets.ts';

const ARTIFACTS = join(locateDatasets(), 'mvt-test-artifacts');
const silent = (): CommandIo & { out: () => string } => {
  let out = '';
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: () => true },
    env: {},
    out: () => out,
  };
};

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`scan --report to the real server (${dialect})`, () => {
    let h: Harness;
    let url = '';
    let dir = '';
    beforeAll(async () => {
      h = await createHarness(dialect);
      url = await h.app.listen({ port: 0, host: '127.0.0.1' });
      dir = await mkdtemp(join(tmpdir(), 'riskgate-scan-e2e-'));
    });
    afterAll(async () => {
      await h?.close();
      await rm(dir, { recursive: true, force: true });
    });

    async function enrollmentToken(ownership: 'corporate' | 'personal'): Promise<string> {
      const reply = await fetch(`${url}/v1/admin/enrollment-tokens`, {
        method: 'POST',
        headers: { ...h.auth('admin'), 'content-type': 'application/json' },
        body: JSON.stringify({ ownership, groups: [], expiresInHours: 1, maxUses: 1 }),
      });
      expect(reply.status).toBe(201);
      return ((await reply.json()) as { token: string }).token;
    }
    async function storedSnapshot(
      deviceId: string,
    ): Promise<{ apps: { id: string; fileSha1?: string }[]; device: { osVersion: string } }> {
      const row = await h.testDb.db.db
        .selectFrom('snapshots')
        .select('snapshot')
        .where('device_id', '=', deviceId)
        .executeTakeFirstOrThrow();
      return JSON.parse(row.snapshot as string);
    }

    it.each([
      ['AndroidQF folder', 'androidqf', 7, '10'],
      ['iOS backup', 'ios_backup', 6, '14.3'],
      ['bugreport', 'android_data/bugreport', 2, '10'],
      ['folder of adb outputs (no OS version in it)', 'android_data', 2, 'unknown'],
    ])(
      '%s: enrolled as a new corporate device, its snapshot stored',
      async (_label, path, apps, osVersion) => {
        const io = silent();
        const args = [
          join(ARTIFACTS, path),
          '--report',
          '--server',
          url,
          '--token',
          await enrollmentToken('corporate'),
        ];
        expect(
          await scan.run([...args, '--state-dir', join(dir, path.replace('/', '-')), '--json'], io),
        ).toBe(0);
        const { deviceId } = JSON.parse(io.out()) as { deviceId: string };
        const stored = await storedSnapshot(deviceId);
        expect(stored.apps).toHaveLength(apps);
        expect(stored.device.osVersion).toBe(osVersion);
        if (path === 'androidqf')
          expect(stored.apps.find((app) => app.id === 'com.whatsapp')?.fileSha1).toBe(
            '6cb06e9ab5619345f930c2b2096b4dd013a10ec9',
          );
      },
    );

    it('a personal device: the server keeps matches only (the flagged apps, not the inventory)', async () => {
      const io = silent();
      const token = await enrollmentToken('personal');
      const args = [join(ARTIFACTS, 'androidqf'), '--report', '--server', url, '--token', token];
      expect(await scan.run([...args, '--state-dir', join(dir, 'personal'), '--json'], io)).toBe(0);
      const { deviceId } = JSON.parse(io.out()) as { deviceId: string };
      // The apps some detector flagged (sideloaded ones) are kept; the Play/F-Droid ones are dropped.
      const kept = (await storedSnapshot(deviceId)).apps.map((app) => app.id);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(7);
      expect(kept).not.toContain('com.google.android.youtube');
    });
  });
}
