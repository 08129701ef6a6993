import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../test-support/harness.ts';
import { deviceRow, insertRows, insertSnapshot } from '../../test-support/seed-fleet.ts';
import { cleanAndroidSnapshot, storeApp } from '../../test-support/snapshots.ts';
import { defaultDatasetsDir } from './intel-source.ts';

// A write-up as a vendor publishes it (Markdown, defanged values, an IOC table): see
// packages/engine/test-support/fixtures/intel-reports/SOURCES.md.
const WRITEUP = readFileSync(
  new URL(
    '../../../engine/test-support/fixtures/intel-reports/writeup-shapes/FakeCallSpy.md',
    import.meta.url,
  ),
  'utf8',
);
// A real vendor sheet (Sophos, `Indicator_type,Data,Notes`).
const SHEET = readFileSync(join(defaultDatasetsDir(), 'vendor-iocs/sophoslabs/Android-pakchat.csv'), 'utf8');

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`intel from write-ups, end to end (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    const riskOf = async (id: string) =>
      (
        await h.testDb.db.db
          .selectFrom('devices')
          .select('risk_level')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).risk_level;

    it('devices holding a package, an APK hash, a C2 domain or IP of the write-up are flagged with its family and feed; lookalikes and a clean device stay secured', async () => {
      const at = h.clock.now;
      const visit = (domain: string, answers?: string[]) => ({
        domain,
        at: at.toISOString(),
        ...(answers === undefined ? {} : { answers }),
      });
      const devices = {
        pkg: cleanAndroidSnapshot(at, [storeApp('com.fakecall.spy')]),
        sha1: cleanAndroidSnapshot(at, [
          { ...storeApp('com.harmless.name'), fileSha1: '3A4B5C6D7E8F90123456789ABCDEF0123456789A' },
        ]),
        md5: cleanAndroidSnapshot(at, [
          { ...storeApp('com.other.name'), fileMd5: '123456789abcdef0123456789abcdef0' },
        ]),
        domain: { ...cleanAndroidSnapshot(at), visitedDomains: [visit('cdn1.api.fakecall-cdn.com')] },
        ip: { ...cleanAndroidSnapshot(at), connections: [{ ip: '185.220.101.45', port: 443 }] },
        dns: { ...cleanAndroidSnapshot(at), visitedDomains: [visit('innocent.net', ['91.215.85.17'])] },
        lookalike: {
          ...cleanAndroidSnapshot(at, [storeApp('com.fakecall.spy.helper'), storeApp('com.fakecall')]),
          visitedDomains: [
            visit('fakecall-cdn.com'),
            visit('api.fakecall-cdn.co'),
            visit('api-fakecall-cdn.com'),
            visit('example.com'),
            visit('github.com'),
          ],
          connections: [{ ip: '185.220.101.46' }, { ip: '192.168.1.10' }],
        },
        clean: cleanAndroidSnapshot(at, [storeApp('com.whatsapp')]),
      };
      const rows = Object.fromEntries(
        Object.keys(devices).map((name) => [name, deviceRow(h.tenant.tenantId)] as const),
      );
      await insertRows(h.testDb.db.db, Object.values(rows));
      for (const [name, snapshot] of Object.entries(devices))
        await insertSnapshot(h.testDb.db.db, h.tenant.tenantId, rows[name]?.id ?? '', snapshot);

      const upload = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/intel/feeds',
        headers: h.auth('admin'),
        payload: { name: 'FakeCallSpy.md', content: WRITEUP },
      });
      expect(upload.statusCode).toBe(201);
      const { feed, report } = upload.json();
      // The same report `riskgate intel check` prints.
      expect(report).toMatchObject({
        path: 'FakeCallSpy.md',
        status: 'loaded',
        format: 'ioc-text',
        family: 'FakeCallSpy',
        categories: ['spyware'],
        byKind: { 'app-id': 2, 'file-sha1': 2, 'file-md5': 2, domain: 2, ip: 3 },
      });
      expect(report.skippedSample).toEqual(
        expect.arrayContaining([expect.stringMatching(/192\.168\.1\.10: private address/)]),
      );

      for (const name of ['pkg', 'sha1', 'md5', 'domain', 'ip', 'dns'])
        expect([name, await riskOf(rows[name]?.id ?? '')]).not.toEqual([name, 'secured']);
      expect(await riskOf(rows.lookalike?.id ?? '')).toBe('secured');
      expect(await riskOf(rows.clean?.id ?? '')).toBe('secured');

      // Evidence and the explanation name the feed (id, name, upload time) and the line of the write-up.
      const explanation = await h.app.inject({
        url: `/v1/admin/devices/${rows.pkg?.id}/explanation`,
        headers: h.auth('analyst'),
      });
      expect(explanation.statusCode).toBe(200);
      const driver = explanation.json().risk.drivers[0];
      expect(driver.summary).toContain('FakeCallSpy');
      expect(driver.sources).toEqual([
        expect.objectContaining({
          feed: 'report:FakeCallSpy',
          feedRecord: { id: feed.id, name: 'FakeCallSpy.md', importedAt: feed.importedAt, via: 'upload' },
          indicator: 'com.fakecall.spy',
          source: 'FakeCallSpy.md:12',
          text: expect.stringContaining(`FakeCallSpy.md, ${feed.id}, uploaded ${feed.importedAt}`),
        }),
      ]);
      const threats = await h.app.inject({
        url: `/v1/admin/threats?deviceId=${rows.ip?.id}`,
        headers: h.auth('analyst'),
      });
      expect(threats.json().items[0]).toMatchObject({
        typeId: 'network.c2-contact',
        evidence: [
          {
            observed: '185.220.101.45',
            provenance: {
              feed: 'report:FakeCallSpy',
              family: 'FakeCallSpy',
              category: 'spyware',
              source: 'FakeCallSpy.md:21',
              feedRecord: { id: feed.id, via: 'upload' },
            },
          },
        ],
      });
    });

    it('a vendor sheet upload: the family and the report URL reach the evidence', async () => {
      const at = h.clock.now;
      const holder = deviceRow(h.tenant.tenantId);
      await insertRows(h.testDb.db.db, [holder]);
      await insertSnapshot(
        h.testDb.db.db,
        h.tenant.tenantId,
        holder.id,
        cleanAndroidSnapshot(at, [storeApp('com.tpl.insuranceapp')]),
      );
      const upload = await h.app.inject({
        method: 'POST',
        url: '/v1/admin/intel/feeds',
        headers: h.auth('admin'),
        payload: { name: 'sophoslabs/Android-pakchat.csv', content: SHEET },
      });
      expect(upload.statusCode).toBe(201);
      expect(upload.json().report).toMatchObject({
        format: 'ioc-csv',
        family: 'pakchat',
        skippedEntries: 17,
      });
      expect(await riskOf(holder.id)).not.toBe('secured');
      const threats = await h.app.inject({
        url: `/v1/admin/threats?deviceId=${holder.id}`,
        headers: h.auth('analyst'),
      });
      expect(threats.json().items[0]).toMatchObject({
        typeId: 'app.spyware',
        family: 'pakchat',
        evidence: [
          {
            provenance: {
              reference:
                'https://news.sophos.com/en-us/2021/01/12/new-android-spyware-targets-users-in-pakistan/',
              source: 'sophoslabs/Android-pakchat.csv:15',
            },
          },
        ],
      });
    });
  });
}
